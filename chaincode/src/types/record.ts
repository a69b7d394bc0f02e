import type { Attachment, RecordBody, RecordHeader } from '@ehr/protocol';
import { invalid } from '../errors';
import { canonicalJson } from '../json';
import { type Input, isoTime, optionalStr } from '../validate';
import type { RecordCategory } from './vocabulary';

export type { Attachment, RecordBody, RecordHeader, RecordSource, RecordVersion } from '@ehr/protocol';

/** True for a record the patient wrote about themself. */
export const isPatientReported = (header: Pick<RecordHeader, 'source'>) => header.source === 'patient';

/**
 * Private (custodian, beside each body version), yet no PHI: which record version, patient and
 * category a stored body is, and its hash; for a lab result, the order it answers. Its hash is
 * recomputed from the header's public fields when the header is published.
 */
export interface RecordBinding {
  recordId: string;
  version: number;
  patientId: string;
  category: RecordCategory;
  contentHash: string;
  orderId?: string;
}

const MAX_BODY_BYTES = 64 * 1024;

function parseAttachments(value: unknown): Attachment[] {
  if (!Array.isArray(value) || value.length > 50) throw invalid('attachments must be an array of at most 50');
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw invalid('each attachment must be an object');
    const a = item as Input;
    if (typeof a.name !== 'string' || a.name.length === 0 || a.name.length > 200) {
      throw invalid('attachment name must be a short string');
    }
    if (typeof a.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(a.sha256)) {
      throw invalid('attachment sha256 must be a lowercase hex SHA-256');
    }
    return { name: a.name, sha256: a.sha256 };
  });
}

export function parseRecordBody(
  input: Input,
  ids: Pick<RecordBody, 'recordId' | 'version' | 'patientId' | 'category'>,
): RecordBody {
  const body: RecordBody = { ...ids };
  const diagnosis = optionalStr(input, 'diagnosis', { max: 2000 });
  const suggestion = optionalStr(input, 'suggestion', { max: 4000 });
  const notes = optionalStr(input, 'notes', { max: 16000 });
  if (diagnosis) body.diagnosis = diagnosis;
  if (suggestion) body.suggestion = suggestion;
  if (notes) body.notes = notes;
  if (input.nextReview !== undefined) body.nextReview = isoTime(input, 'nextReview');
  if (input.medication !== undefined) {
    const medication = input.medication;
    if (!Array.isArray(medication) || medication.some((m) => typeof m !== 'string' || m.length > 200)) {
      throw invalid('medication must be an array of strings');
    }
    body.medication = medication as string[];
  }
  if (input.attachments !== undefined) body.attachments = parseAttachments(input.attachments);
  const known = ['diagnosis', 'medication', 'suggestion', 'nextReview', 'notes', 'attachments'];
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw invalid(`unknown body fields: ${unknown.join(', ')}`);
  if (Object.keys(body).length === 4) throw invalid('the body has no clinical content');
  if (Buffer.byteLength(canonicalJson(body)) > MAX_BODY_BYTES) throw invalid('the body is larger than 64 KiB');
  return body;
}
