/**
 * Amounts as people type and read them ("120.50") and as the API keeps them (integer cents), the
 * bill items a billing clerk types one a line, and a policy's coverage as an adjuster types it.
 * A malformed amount or line is refused naming it, before anything is sent; the ranges (e.g. at
 * least one cent, at most 100 %) are the API's to refuse.
 */
import { RECORD_CATEGORIES, type RecordCategory } from '@ehr/protocol';

/** Cents as an amount with two decimals, e.g. 12050 → "120.50". */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${String(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/** An amount typed as units with up to two decimals ("120", "120.5", "120.50") in integer cents. */
export function toCents(text: string, what = 'the amount'): number {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match?.[1])
    throw new Error(`${what} ("${text.trim()}") must be a number with at most two decimals, e.g. 120.50`);
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

/** A whole percent typed as "10" or "10 %". */
export function toPercent(text: string, what: string): number {
  const match = /^(\d{1,3})\s*%?$/.exec(text.trim());
  if (!match?.[1]) throw new Error(`${what} ("${text.trim()}") must be a whole percent, e.g. 10`);
  return Number(match[1]);
}

export interface BillItem {
  category: RecordCategory;
  amount: number;
  description: string;
  recordId?: string;
}

/** The API's limits (gateway-api/src/schemas.ts BillInput). */
const MAX_ITEMS = 50;
const MAX_DESCRIPTION = 500;

const isCategory = (value: string): value is RecordCategory => (RECORD_CATEGORIES as readonly string[]).includes(value);

/**
 * Bill items, one a line as `category amount description`, optionally ending with `[REC-…]`, the
 * record documenting the care (a claim may cite such a line), e.g.
 * `procedure 120.50 Appendectomy [REC-1a2b]`.
 */
export function parseBillItems(text: string): BillItem[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) throw new Error('name at least one item, one a line as "category amount description"');
  if (lines.length > MAX_ITEMS) throw new Error(`a bill has at most ${String(MAX_ITEMS)} items`);
  return lines.map((line, index) => {
    const at = `item ${String(index + 1)} ("${line}")`;
    const match = /^(\S+)\s+(\S+)\s+(.+?)(?:\s+\[([^\]\s]+)\])?$/.exec(line);
    if (!match?.[1] || !match[2] || !match[3])
      throw new Error(`${at} needs a category, an amount and a description, as "procedure 120.50 Appendectomy"`);
    if (!isCategory(match[1])) throw new Error(`${at}: the category must be one of ${RECORD_CATEGORIES.join(', ')}`);
    if (match[3].length > MAX_DESCRIPTION)
      throw new Error(`${at}: the description is longer than ${String(MAX_DESCRIPTION)} characters`);
    return {
      category: match[1],
      amount: toCents(match[2], `the amount of ${at}`),
      description: match[3],
      ...(match[4] ? { recordId: match[4] } : {}),
    };
  });
}

/** Coverage typed as "category percent" pairs separated by commas, e.g. "procedure 80, diagnosis 50". */
export function parseCoverage(text: string): Partial<Record<RecordCategory, number>> {
  const coverage: Partial<Record<RecordCategory, number>> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const match = /^(\S+)\s+(\d{1,3})\s*%?$/.exec(part);
    const category = match?.[1] ?? '';
    if (!match?.[2] || !isCategory(category))
      throw new Error(`coverage "${part}" must be a category (${RECORD_CATEGORIES.join(', ')}) and a percent`);
    coverage[category] = Number(match[2]);
  }
  if (Object.keys(coverage).length === 0) throw new Error('name at least one covered category, e.g. "procedure 80"');
  return coverage;
}
