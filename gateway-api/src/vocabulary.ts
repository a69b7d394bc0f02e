/** The chaincode's closed vocabularies, as the API documents and validates them. */
export const RECORD_CATEGORIES = [
  'allergy',
  'diagnosis',
  'imaging',
  'lab-result',
  'medication',
  'note',
  'procedure',
  'vitals',
];
export const PURPOSES = ['treatment', 'insurance-claim', 'research', 'second-opinion'];
