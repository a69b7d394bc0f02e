import type { Consent, Grantee } from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, isoTime, listOf, MSP_PATTERN, oneOf, optionalStr } from '../validate';
import { PURPOSES, type Purpose, RECORD_CATEGORIES, type RecordCategory } from './vocabulary';

export type { Consent, Grantee } from '@ehr/protocol';

/**
 * The longest a consent lasts, from validFrom: 730 days (2 years). Consents are given for a
 * course of care; one that never ends outlives the patient's memory of having given it.
 */
export const MAX_CONSENT_DAYS = 730;

export function parseConsentGrant(input: Input, ids: { consentId: string; patientId: string; now: string }): Consent {
  if (typeof input.grantee !== 'object' || input.grantee === null) throw invalid('grantee must be an object');
  const granteeInput = input.grantee as Input;
  const grantee: Grantee = { mspId: oneOfPattern(granteeInput, 'mspId') };
  const practitionerId = optionalStr(granteeInput, 'practitionerId', { max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
  if (practitionerId) grantee.practitionerId = practitionerId;
  const validFrom = input.validFrom === undefined ? ids.now : isoTime(input, 'validFrom');
  const validUntil = isoTime(input, 'validUntil');
  if (validUntil <= ids.now) throw invalid('validUntil must be in the future');
  if (validUntil <= validFrom) throw invalid('validUntil must be after validFrom');
  if (Date.parse(validUntil) - Date.parse(validFrom) > MAX_CONSENT_DAYS * 86_400_000) {
    throw invalid(`a consent lasts at most ${MAX_CONSENT_DAYS} days (2 years) from validFrom`);
  }
  return {
    consentId: ids.consentId,
    patientId: ids.patientId,
    grantee,
    categories: listOf(input, 'categories', RECORD_CATEGORIES),
    purpose: oneOf(input, 'purpose', PURPOSES),
    validFrom,
    validUntil,
    status: 'active',
    createdAt: ids.now,
  };
}

function oneOfPattern(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || !MSP_PATTERN.test(value)) throw invalid(`grantee.${field} must be an MSP ID`);
  return value;
}

/** Whether the consent lets this reader see this category for this purpose at this time. */
export function consentCovers(
  consent: Consent,
  reader: { mspId: string; practitionerId?: string },
  category: RecordCategory,
  purpose: Purpose,
): boolean {
  if (consent.grantee.mspId !== reader.mspId) return false;
  if (consent.grantee.practitionerId && consent.grantee.practitionerId !== reader.practitionerId) return false;
  return consent.categories.includes(category) && consent.purpose === purpose;
}

export type ConsentState = 'active' | 'expired' | 'not-yet-valid' | 'revoked';

export function consentState(consent: Consent, now: string): ConsentState {
  if (consent.status === 'revoked') return 'revoked';
  if (now < consent.validFrom) return 'not-yet-valid';
  if (now >= consent.validUntil) return 'expired';
  return 'active';
}
