/** The closed vocabularies the ledger uses in public state. */
export const RECORD_CATEGORIES = [
  'allergy',
  'diagnosis',
  'imaging',
  'lab-result',
  'medication',
  'note',
  'procedure',
  'vitals',
] as const;
export type RecordCategory = (typeof RECORD_CATEGORIES)[number];

export const PURPOSES = ['treatment', 'insurance-claim', 'research', 'second-opinion'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const ORG_KINDS = ['hospital', 'lab', 'insurer'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
