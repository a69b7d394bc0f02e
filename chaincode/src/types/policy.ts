import type { Policy } from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, isoTime, str } from '../validate';
import { RECORD_CATEGORIES, type RecordCategory } from './vocabulary';

export type { Policy } from '@ehr/protocol';

function percent(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    throw invalid(`${field} must be an integer percentage from 0 to 100`);
  }
  return value;
}

/** The terms an adjuster sets when issuing or updating a policy. */
export function parsePolicyTerms(
  input: Input,
): Pick<Policy, 'plan' | 'coverage' | 'copayPercent' | 'annualLimit' | 'validFrom' | 'validUntil'> {
  const coverageInput = input.coverage;
  if (typeof coverageInput !== 'object' || coverageInput === null || Array.isArray(coverageInput)) {
    throw invalid('coverage must be an object of category → percent');
  }
  const coverage: Policy['coverage'] = {};
  for (const [category, share] of Object.entries(coverageInput as Input)) {
    if (!(RECORD_CATEGORIES as readonly string[]).includes(category))
      throw invalid(`coverage names an unknown category ${category}`);
    coverage[category as RecordCategory] = percent(share, `coverage.${category}`);
  }
  const annualLimit = input.annualLimit;
  if (typeof annualLimit !== 'number' || !Number.isSafeInteger(annualLimit) || annualLimit < 0) {
    throw invalid('annualLimit must be a non-negative integer amount in cents');
  }
  const validFrom = isoTime(input, 'validFrom');
  const validUntil = isoTime(input, 'validUntil');
  if (validUntil <= validFrom) throw invalid('validUntil must be after validFrom');
  return {
    plan: str(input, 'plan', { max: 80 }),
    coverage,
    copayPercent: percent(input.copayPercent, 'copayPercent'),
    annualLimit,
    validFrom,
    validUntil,
  };
}
