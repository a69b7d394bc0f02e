/** The closed vocabularies the ledger uses in public state: defined once, in the protocol. */
export { ORG_KINDS, type OrgKind, PURPOSES, type Purpose, RECORD_CATEGORIES, type RecordCategory } from '@ehr/protocol';
