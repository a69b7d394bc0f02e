import type { Claim, ClaimLine } from '@ehr/protocol';
import { invalid } from '../errors';
import { hex64, id, type Input, isoTime, optionalStr, str } from '../validate';
import { RECORD_CATEGORIES, type RecordCategory } from './vocabulary';

export {
  type Adjudication,
  type Claim,
  type ClaimLine,
  type ClaimStatus,
  CLAIM_REASON_CODES as REASON_CODES,
  type ClaimReasonCode as ReasonCode,
  type LineDecision,
} from '@ehr/protocol';

function parseLine(value: unknown, index: number): ClaimLine {
  if (typeof value !== 'object' || value === null) throw invalid(`lines[${index}] must be an object`);
  const line = value as Input;
  const category = line.category;
  if (typeof category !== 'string' || !(RECORD_CATEGORIES as readonly string[]).includes(category)) {
    throw invalid(`lines[${index}].category must be a record category`);
  }
  const amount = line.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw invalid(`lines[${index}].amount must be a positive integer amount in cents`);
  }
  return {
    recordId: id(str(line, 'recordId', { max: 128 }), `lines[${index}].recordId`),
    contentHash: hex64(str(line, 'contentHash', { max: 64 }), `lines[${index}].contentHash`),
    category: category as RecordCategory,
    amount,
  };
}

export function parseClaimInput(
  input: Input,
): Pick<Claim, 'policyId' | 'patientId' | 'serviceDate' | 'lines' | 'claimedAmount' | 'billId'> {
  const lines = input.lines;
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 50)
    throw invalid('lines must be an array of 1 to 50 lines');
  const parsed = lines.map(parseLine);
  const recordIds = parsed.map((l) => l.recordId);
  if (new Set(recordIds).size !== recordIds.length) throw invalid('a record may appear on one line of a claim only');
  const billId = optionalStr(input, 'billId', { max: 128 });
  return {
    ...(billId === undefined ? {} : { billId: id(billId, 'billId') }),
    policyId: id(str(input, 'policyId', { max: 128 }), 'policyId'),
    patientId: id(str(input, 'patientId', { max: 128 }), 'patientId'),
    serviceDate: isoTime(input, 'serviceDate'),
    lines: parsed,
    claimedAmount: parsed.reduce((sum, l) => sum + l.amount, 0),
  };
}
