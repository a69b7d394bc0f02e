import { invalid } from '../errors';
import { type Input, isoTime, optionalStr, str } from '../validate';

/** Public: an opaque id, the home hospital, bound certificates. No PHI. */
export interface Patient {
  patientId: string;
  homeOrg: string;
  /**
   * SHA-256 fingerprints of the certificates bound to the patient, the only ones the patient acts
   * with: the first one linked, then those confirmed with a bound one, or recovered to.
   */
  certFingerprints: string[];
  /** SHA-256 of the canonical demographics in the home org's collection. */
  demographicsHash: string;
  status: 'active' | 'erased';
  registeredAt: string;
}

/** Private (home org only): who the patient is. Stored salted (ledger.ts putPrivate). */
export interface Demographics {
  patientId: string;
  name: string;
  dateOfBirth: string;
  contact?: { phone?: string; email?: string; address?: string };
}

export function parseDemographics(input: Input, patientId: string): Demographics {
  const dateOfBirth = str(input, 'dateOfBirth', { max: 10, pattern: /^\d{4}-\d{2}-\d{2}$/ });
  isoTime({ t: `${dateOfBirth}T00:00:00Z` }, 't');
  const demographics: Demographics = { patientId, name: str(input, 'name', { max: 200 }), dateOfBirth };
  if (input.contact !== undefined) {
    if (typeof input.contact !== 'object' || input.contact === null) throw invalid('contact must be an object');
    const contact = input.contact as Input;
    demographics.contact = {
      phone: optionalStr(contact, 'phone', { max: 40 }),
      email: optionalStr(contact, 'email', { max: 200 }),
      address: optionalStr(contact, 'address', { max: 400 }),
    };
  }
  return demographics;
}

/**
 * Public: the home member's request to bind a new certificate to a patient who lost theirs
 * (no PHI). It takes effect once admins of a majority of members approved it, and replaces the
 * bound certificates: a lost key may be in other hands.
 */
export interface PatientRecovery {
  requestId: string;
  patientId: string;
  fingerprint: string;
  requestedAt: string;
  expiresAt: string;
  status: 'requested' | 'completed';
  approvals: { mspId: string; approvedAt: string }[];
  completedAt?: string;
}
