import type { Demographics } from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, isoTime, optionalStr, str } from '../validate';

export type { Demographics, Patient, PatientRecovery } from '@ehr/protocol';

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
