/**
 * The chaincode's contracts and the transactions each serves, by the names clients call them
 * with. The chaincode names its contracts from here; a test keeps each contract's transaction
 * methods equal to its list, so a client that compiles against this calls nothing that is not
 * there.
 */

/** The channel's chaincode name and channel name the network deploys. */
export const CHAINCODE_NAME = 'ehr';
export const CHANNEL_NAME = 'ehr';

export const CONTRACTS = {
  directory: [
    'PublishOrgProfile',
    'ListOrgProfiles',
    'GetOrgProfile',
    'ApproveMemberKind',
    'ListMemberKinds',
    'ListMyPatients',
    'AssignCare',
    'UnassignCare',
    'RegisterPractitioner',
    'ListPractitioners',
    'StoreDemographics',
    'RegisterPatient',
    'LinkPatientCertificate',
    'ConfirmPatientCertificate',
    'RequestPatientRecovery',
    'ApprovePatientRecovery',
    'ListPendingRecoveries',
    'GetPatient',
    'PublishBeds',
    'ListFreeBeds',
  ],
  consent: ['Grant', 'Revoke', 'ListMine'],
  records: ['CreateBody', 'AmendBody', 'Publish', 'Get', 'History', 'ListForPatient', 'Verify'],
  access: [
    'RequestAccess',
    'ReadBody',
    'RequestRead',
    'ReadResource',
    'ListMyAccessLog',
    'ListOrgAccessLog',
    'ListFlaggedReads',
  ],
  breakglass: ['Open', 'StoreReason', 'Review', 'ListForPatient', 'ListPendingReview'],
  erasure: ['Request', 'Held', 'Approve', 'ListPending', 'ListMine'],
  laborders: [
    'StoreDetails',
    'Create',
    'Accept',
    'Reject',
    'Start',
    'StoreResultBody',
    'PublishResult',
    'Get',
    'ListForPatient',
    'ListForLab',
    'ListMyOpen',
  ],
  appointments: [
    'Request',
    'StoreReason',
    'Confirm',
    'Cancel',
    'Complete',
    'GiveFeedback',
    'StoreFeedbackComment',
    'ListMine',
    'ListForPractitioner',
    'ListForMember',
    'ListFeedback',
    'FeedbackSummary',
  ],
  policies: ['Issue', 'Update', 'End', 'Get', 'ListForPatient', 'ListMine'],
  claims: [
    'Submit',
    'StoreLineDetails',
    'Adjudicate',
    'RecordPayment',
    'Get',
    'ListMine',
    'ListForInsurer',
    'ListForProvider',
  ],
  bills: ['StoreItems', 'Issue', 'RecordPayment', 'Settle', 'Get', 'ListMine', 'ListForProvider'],
  probe: ['Record', 'Read', 'Ping'],
  requests: ['Find', 'ListPending', 'SettlePending'],
} as const;

export type ContractName = keyof typeof CONTRACTS;
export type TransactionName<C extends ContractName = ContractName> = (typeof CONTRACTS)[C][number];

export const CONTRACT_NAMES = Object.keys(CONTRACTS) as ContractName[];

/** The name a contract class registers under: checked against the list at compile time. */
export const contractName = <C extends ContractName>(name: C): C => name;

/**
 * The transactions that create an object, each with the prefix of the ids it makes. The
 * object's id is derived from the request key the client sends in the transient map, so a
 * retried request names the same object (and is refused ALREADY_EXISTS); the first steps of
 * two-step writes are among them, their object being made public by the second step.
 */
export const CREATES = {
  'consent.Grant': 'CON',
  'policies.Issue': 'POL',
  'claims.Submit': 'CLM',
  'breakglass.Open': 'BG',
  'appointments.Request': 'APT',
  'erasure.Request': 'ER',
  'directory.AssignCare': 'ASG',
  'directory.RequestPatientRecovery': 'RCV',
  'records.CreateBody': 'REC',
  'laborders.StoreResultBody': 'REC',
  'laborders.StoreDetails': 'LAB',
  'bills.StoreItems': 'BILL',
} as const satisfies Partial<Record<`${ContractName}.${string}`, string>>;
export type CreatingTransaction = keyof typeof CREATES;
