import type { BillItem, BillItems, BillLine } from '@ehr/protocol';
import { invalid } from '../errors';
import { canonicalJson } from '../json';
import { id, type Input, optionalStr, str } from '../validate';
import { RECORD_CATEGORIES, type RecordCategory } from './vocabulary';

export {
  type Bill,
  BILL_BASIS_KINDS,
  BILL_STATUSES,
  type BillBasisKind,
  type BillItem,
  type BillItems,
  type BillLine,
  type BillStatus,
  type BillView,
  type Payment,
} from '@ehr/protocol';

export const MAX_BILL_ITEMS = 50;
const MAX_ITEMS_BYTES = 64 * 1024;

function amountOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`${field} must be a positive integer amount in cents`);
  }
  return value;
}

/** The public part of an item or line, and the object it came from; `fields` are the keys it may carry. */
function parseLine(value: unknown, field: string, fields: readonly string[]): { line: BillLine; input: Input } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${field} must be an object`);
  const input = value as Input;
  const unknown = Object.keys(input).filter((k) => !fields.includes(k));
  if (unknown.length > 0) throw invalid(`${field} has unknown fields: ${unknown.join(', ')}`);
  const category = input.category;
  if (typeof category !== 'string' || !(RECORD_CATEGORIES as readonly string[]).includes(category)) {
    throw invalid(`${field}.category must be a record category`);
  }
  const line: BillLine = { category: category as RecordCategory, amount: amountOf(input.amount, `${field}.amount`) };
  const recordId = optionalStr(input, 'recordId', { max: 128 });
  if (recordId !== undefined) line.recordId = id(recordId, `${field}.recordId`);
  return { line, input };
}

/** One to 50 lines; a record is billed on one line at most, so that a claim line names one. */
function checkLines<T extends BillLine>(lines: T[], what: string): T[] {
  if (lines.length === 0 || lines.length > MAX_BILL_ITEMS) {
    throw invalid(`${what} must be an array of 1 to ${MAX_BILL_ITEMS}`);
  }
  const recordIds = lines.flatMap((l) => (l.recordId === undefined ? [] : [l.recordId]));
  if (new Set(recordIds).size !== recordIds.length) throw invalid('a record may appear on one line of a bill only');
  if (!Number.isSafeInteger(totalOf(lines))) throw invalid('the total is too large');
  return lines;
}

export const totalOf = (lines: readonly BillLine[]) => lines.reduce((sum, l) => sum + l.amount, 0);

/** The public line of an item: what a claim may cite, no words. */
export function lineOf(item: BillLine): BillLine {
  const line: BillLine = { category: item.category, amount: item.amount };
  if (item.recordId !== undefined) line.recordId = item.recordId;
  return line;
}

/** The transient `items` of a bill: `{ items: [{ description, code?, recordId?, category, amount }] }`. */
export function parseBillItems(input: Input, billId: string): BillItems {
  const unknown = Object.keys(input).filter((k) => k !== 'items');
  if (unknown.length > 0) throw invalid(`unknown fields: ${unknown.join(', ')}`);
  if (!Array.isArray(input.items)) throw invalid(`items must be an array of 1 to ${MAX_BILL_ITEMS}`);
  const items = (input.items as unknown[]).map((value, i) => {
    const field = `items[${i}]`;
    const { line, input: raw } = parseLine(value, field, ['description', 'code', 'recordId', 'category', 'amount']);
    const item: BillItem = { ...line, description: str(raw, 'description', { max: 500 }) };
    const code = optionalStr(raw, 'code', { max: 32 });
    if (code !== undefined) item.code = code;
    return item;
  });
  const parsed = { billId, items: checkLines(items, 'items') };
  if (Buffer.byteLength(canonicalJson(parsed)) > MAX_ITEMS_BYTES) throw invalid('the items are larger than 64 KiB');
  return parsed;
}

/** The public lines `Issue` is given (JSON array of `{ recordId?, category, amount }`). */
export function parseBillLines(json: string): BillLine[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid('lines must be JSON');
  }
  if (!Array.isArray(value)) throw invalid(`lines must be an array of 1 to ${MAX_BILL_ITEMS}`);
  const lines = value.map((v: unknown, i) => parseLine(v, `lines[${i}]`, ['recordId', 'category', 'amount']).line);
  return checkLines(lines, 'lines');
}
