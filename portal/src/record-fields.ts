/**
 * A record's clinical content as the doctor's form holds it (text fields; medication one a line;
 * the next review as a date) and as the API takes it: empty fields are left out, and a record
 * with no content at all is refused before anything is sent (the API needs at least one field).
 */

export interface RecordFields {
  diagnosis: string;
  medication: string;
  suggestion: string;
  /** YYYY-MM-DD, or '' for none. */
  nextReview: string;
  notes: string;
}

export interface RecordContent {
  diagnosis?: string;
  medication?: string[];
  suggestion?: string;
  nextReview?: string;
  notes?: string;
}

export const NO_FIELDS: RecordFields = { diagnosis: '', medication: '', suggestion: '', nextReview: '', notes: '' };

/** The API's limits (gateway-api/src/schemas.ts RecordBodyInput). */
const MAX_MEDICATION = 200;

/** The form's fields as a record body, or an error naming what is wrong. */
export function recordContentOf(fields: RecordFields): RecordContent {
  const content: RecordContent = {};
  const diagnosis = fields.diagnosis.trim();
  const suggestion = fields.suggestion.trim();
  const notes = fields.notes.trim();
  const medication = fields.medication
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const long = medication.findIndex((m) => m.length > MAX_MEDICATION);
  if (long >= 0) throw new Error(`medication ${String(long + 1)} is longer than ${String(MAX_MEDICATION)} characters`);
  if (diagnosis) content.diagnosis = diagnosis;
  if (medication.length > 0) content.medication = medication;
  if (suggestion) content.suggestion = suggestion;
  if (fields.nextReview) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(fields.nextReview)) throw new Error('the next review must be a date');
    content.nextReview = `${fields.nextReview}T00:00:00Z`;
  }
  if (notes) content.notes = notes;
  if (Object.keys(content).length === 0)
    throw new Error('a record needs some content: a diagnosis, medication, a suggestion, a next review or notes');
  return content;
}

/** A record's content as the form's fields (to amend it: the new version starts from the current one). */
export function fieldsOf(content: RecordContent): RecordFields {
  return {
    diagnosis: content.diagnosis ?? '',
    medication: (content.medication ?? []).join('\n'),
    suggestion: content.suggestion ?? '',
    nextReview: content.nextReview?.slice(0, 10) ?? '',
    notes: content.notes ?? '',
  };
}
