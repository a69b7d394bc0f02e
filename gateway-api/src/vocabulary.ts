/** The chaincode's closed vocabularies (chaincode/src/types/vocabulary.ts is the source; a unit test keeps these equal), as the API documents and validates them. */
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
