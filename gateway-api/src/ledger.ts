/**
 * The business operations of the ehr chaincode as typed methods. All bytes and JSON are
 * handled here; routes pass plain objects and get plain objects back. Operations that carry
 * PHI use the transient map and name the orgs that may endorse them (the custodian, or the
 * two members sharing a lab order or a claim), so no other member's peer sees the data.
 */
import { randomBytes } from 'node:crypto';
import { type ContractName, type Guard, guards, type Page, type ReadKind, type TransactionName } from '@ehr/protocol';
import { ApiError, toApiError } from './errors';
import type { LedgerCall, LedgerPort, UserIdentity } from './fabric';
import { noteCommit } from './read-your-writes';
import { callSignature, CREATING, currentRequest } from './requests';

export type Json = Record<string, unknown>;

export interface Committed<T> {
  txId: string;
  result: T;
  /**
   * Set when a retried request found its object created already (ALREADY_EXISTS): the object's
   * id. `txId` and `result` are then those of the transaction that created it (that made it
   * public, for a two-step write), as its first attempt got them.
   */
  created?: string;
}

/**
 * How long a transaction sent by an earlier attempt may still commit though the ledger has not
 * shown it: past this, it is taken as never ordered and sent again (a creating transaction is
 * refused then if it did commit after all: its id comes from the request key).
 */
const LOST_AFTER_MS = 120_000;

export type { Page } from '@ehr/protocol';

/** Which page to read: a size (the chaincode's default when absent) and a bookmark from the last page. */
export interface PageQuery {
  pageSize?: number;
  bookmark?: string;
}

/**
 * Bookmarks are the chaincode's composite keys (with NUL separators); clients get them as
 * opaque base64url text and send them back as they got them.
 */
const toChaincode = (bookmark: string | undefined) => Buffer.from(bookmark ?? '', 'base64url').toString('utf8');
const toClient = (bookmark: string) => Buffer.from(bookmark, 'utf8').toString('base64url');
const pageArgs = (page: PageQuery) => [
  page.pageSize === undefined ? '' : String(page.pageSize),
  toChaincode(page.bookmark),
];

export type { ReadKind, ReadTicket } from '@ehr/protocol';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/**
 * The transient map of a write of private data: the values, and a fresh random salt (16 bytes,
 * hex) that the chaincode stores inside the value before hashing it, so that its public hash
 * cannot confirm a guess of the content. A new one for every write, never reused.
 */
function salted(values: Record<string, string>): Record<string, string> {
  return { ...values, salt: randomBytes(16).toString('hex') };
}

/** A private value as clients get it: without the salt it was stored with, which only served its hash. */
function unsalted(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== 'salt'));
}

const outcomeUnknown = (txId: string) =>
  new ApiError(
    503,
    'OUTCOME_UNKNOWN',
    'the ledger has not shown yet whether the first attempt of this request committed; retry shortly',
    txId,
  );

/** The chaincode's JSON answer (empty for transactions that return nothing), checked against its protocol type. */
function parse<T>(bytes: Uint8Array, guard: Guard<T>, at: string): T {
  const body = text(bytes);
  return guard(body === '' ? undefined : JSON.parse(body), at);
}

const nameOf = (call: LedgerCall) => `${call.contract}.${call.fn}`;

/** A call by the protocol's names; the compiler checks that `fn` is a transaction of `contract`. */
function call<C extends ContractName>(contract: C, fn: TransactionName<C>, args: string[]): LedgerCall {
  return { contract, fn, args } as LedgerCall;
}

/** What a body write answers without the record id (an amendment's). */
const amendedBody = guards.objectOf<{ version: number; contentHash: string }>({
  version: guards.integer,
  contentHash: guards.string,
});

export class Ledger {
  constructor(private readonly port: LedgerPort) {}

  /**
   * Submits a transaction for the request being served (requests.ts): a creating transaction
   * carries the request key; one an earlier attempt of the request sent is looked up on the
   * ledger, and its answer taken when it committed, instead of being sent again; a creating
   * transaction refused with ALREADY_EXISTS answers what created the object.
   */
  async #submit<T>(who: UserIdentity, call: LedgerCall, guard: Guard<T>): Promise<Committed<T>> {
    const scope = currentRequest();
    if (!scope) return this.#send(who, call, guard);
    const signature = callSignature(call);
    const earlier = scope.earlier.get(signature);
    if (earlier) {
      const outcome = await this.port.transaction(who, earlier.txId);
      if (outcome?.code === 0) {
        noteCommit(outcome.blockNumber);
        return { txId: earlier.txId, result: parse(outcome.payload, guard, nameOf(call)) };
      }
      if (!outcome && Date.now() - earlier.at < LOST_AFTER_MS) throw outcomeUnknown(earlier.txId);
      // Committed as invalid, or never ordered: this attempt sends it again.
    }
    const name = nameOf(call);
    const creating = CREATING.has(name);
    const sent: LedgerCall = {
      ...call,
      ...(creating ? { transient: { ...call.transient, requestKey: scope.requestKey } } : {}),
      sending: (txId) => {
        scope.sending(signature, txId);
      },
    };
    try {
      return await this.#send(who, sent, guard);
    } catch (error) {
      if (creating && toApiError(error).code === 'ALREADY_EXISTS')
        return this.#created(who, name, scope.requestKey, guard);
      throw error;
    }
  }

  async #send<T>(who: UserIdentity, call: LedgerCall, guard: Guard<T>): Promise<Committed<T>> {
    const { payload, txId, blockNumber } = await this.port.submit(who, call);
    // The request's answer names its commit's block (read-your-writes at the other members).
    noteCommit(blockNumber);
    return { txId, result: parse(payload, guard, nameOf(call)) };
  }

  /** What the request's object was created by, and what that transaction answered (on the member's peer). */
  async #created<T>(
    who: UserIdentity,
    transaction: string,
    requestKey: string,
    guard: Guard<T>,
  ): Promise<Committed<T>> {
    const receipt = await this.#evaluate(
      who,
      { contract: 'requests', fn: 'Find', args: [transaction], transient: { requestKey }, orgs: [who.mspId] },
      guards.receipt,
    );
    const outcome = await this.port.transaction(who, receipt.txId);
    if (!outcome) throw outcomeUnknown(receipt.txId);
    noteCommit(outcome.blockNumber);
    return { txId: receipt.txId, result: parse(outcome.payload, guard, transaction), created: receipt.id };
  }

  /**
   * The first step of a two-step operation: committed, and then (when a second step follows)
   * found on the other members' peers, which endorse or serve the second step.
   */
  async #firstStep<T>(who: UserIdentity, call: LedgerCall, guard: Guard<T>, followed = true): Promise<Committed<T>> {
    const committed = await this.#submit(who, call, guard);
    if (followed) await this.port.settle(who, committed.txId);
    return committed;
  }

  async #evaluate<T>(who: UserIdentity, call: LedgerCall, guard: Guard<T>): Promise<T> {
    return parse(await this.port.evaluate(who, call), guard, nameOf(call));
  }

  /**
   * One page of a chaincode list transaction whose last two arguments are page size and
   * bookmark; with `orgs`, evaluated on those members' peers (a list of private data).
   */
  async #page<C extends ContractName, T>(
    who: UserIdentity,
    contract: C,
    fn: TransactionName<C>,
    args: string[],
    item: Guard<T>,
    page: PageQuery,
    orgs?: string[],
  ): Promise<Page<T>> {
    const listCall = { ...call(contract, fn, [...args, ...pageArgs(page)]), ...(orgs && { orgs }) };
    const answer = await this.#evaluate(who, listCall, guards.pageOf(item));
    return { items: answer.items, bookmark: toClient(answer.bookmark) };
  }

  // Audited reads of private values other than record bodies: the request commits an access
  // event (and says which member's peer serves the value), then that peer answers the value.
  async read(who: UserIdentity, kind: ReadKind, resourceId: string, purpose: string) {
    const requested = await this.#firstStep(
      who,
      {
        contract: 'access',
        fn: 'RequestRead',
        args: [kind, resourceId, purpose],
      },
      guards.readTicket,
    );
    const ticket = requested.result;
    const value = await this.#evaluate(
      who,
      {
        contract: 'access',
        fn: 'ReadResource',
        args: [kind, resourceId, ticket.ticketId],
        orgs: [ticket.custodian],
      },
      guards.jsonObject,
    );
    return { txId: requested.txId, result: { ticket, value: unsalted(value) } };
  }

  /**
   * Checks an audited read's ticket again on the holder's peer (fresh, its reader's, the basis
   * still holding) without a new access event: for values kept off the ledger (secure messages),
   * which the ticket's holder serves itself for as long as the ticket lasts.
   */
  recheckRead(who: UserIdentity, kind: ReadKind, resourceId: string, ticketId: string, holder: string) {
    return this.#evaluate(
      who,
      { contract: 'access', fn: 'ReadResource', args: [kind, resourceId, ticketId], orgs: [holder] },
      guards.jsonObject,
    );
  }

  // Readiness: the chaincode answers this member's users.
  ping(who: UserIdentity): Promise<Json> {
    return this.#evaluate(who, { contract: 'probe', fn: 'Ping' }, guards.pong);
  }

  // Consents.
  grantConsent(who: UserIdentity, grant: Json) {
    return this.#submit(who, { contract: 'consent', fn: 'Grant', args: [JSON.stringify(grant)] }, guards.consent);
  }

  revokeConsent(who: UserIdentity, consentId: string) {
    return this.#submit(who, { contract: 'consent', fn: 'Revoke', args: [consentId] }, guards.nothing);
  }

  listMyConsents(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'consent', 'ListMine', [], guards.consent, page);
  }

  // Records: the body goes to the doctor's own member only, then the public header.
  async createRecord(who: UserIdentity, input: { patientId: string; category: string; body: Json }) {
    const stored = await this.#firstStep(
      who,
      {
        contract: 'records',
        fn: 'CreateBody',
        args: [input.patientId, input.category],
        transient: salted({ body: JSON.stringify(input.body) }),
        orgs: [who.mspId],
      },
      guards.storedBody,
    );
    // A retry of a record published already: the answer of its publication.
    if (stored.created) return stored;
    const { recordId, version, contentHash } = stored.result;
    const published = await this.#submit(
      who,
      {
        contract: 'records',
        fn: 'Publish',
        args: [recordId, input.patientId, input.category, String(version), contentHash],
      },
      guards.storedBody,
    );
    return { txId: published.txId, result: { recordId, version, contentHash } };
  }

  async amendRecord(who: UserIdentity, recordId: string, body: Json) {
    const header = await this.getRecord(who, recordId);
    const stored = await this.#firstStep(
      who,
      {
        contract: 'records',
        fn: 'AmendBody',
        args: [recordId],
        transient: salted({ body: JSON.stringify(body) }),
        orgs: [who.mspId],
      },
      amendedBody,
    );
    const { version, contentHash } = stored.result;
    const published = await this.#submit(
      who,
      {
        contract: 'records',
        fn: 'Publish',
        args: [recordId, header.patientId, header.category, String(version), contentHash],
      },
      guards.storedBody,
    );
    return { txId: published.txId, result: { recordId, version, contentHash } };
  }

  getRecord(who: UserIdentity, recordId: string) {
    return this.#evaluate(who, { contract: 'records', fn: 'Get', args: [recordId] }, guards.recordHeader);
  }

  recordHistory(who: UserIdentity, recordId: string) {
    return this.#evaluate(
      who,
      { contract: 'records', fn: 'History', args: [recordId] },
      guards.arrayOf(guards.recordVersion),
    );
  }

  patientRecords(who: UserIdentity, patientId: string, page: PageQuery) {
    return this.#page(who, 'records', 'ListForPatient', [patientId], guards.recordHeader, page);
  }

  /**
   * The integrity check, on the custodian's peer: only that peer holds the body and recomputes
   * its hash (a body altered in the custodian's store shows as a mismatch); any other peer could
   * only compare the header with the committed hash it was published against.
   */
  async verifyRecord(who: UserIdentity, recordId: string) {
    const header = await this.getRecord(who, recordId);
    return this.#evaluate(
      who,
      {
        contract: 'records',
        fn: 'Verify',
        args: [recordId],
        orgs: [header.custodian],
      },
      guards.recordIntegrity,
    );
  }

  // Audited reads: a committed access request, then the body from the custodian's peer.
  requestAccess(who: UserIdentity, recordId: string, purpose: string) {
    return this.#submit(
      who,
      { contract: 'access', fn: 'RequestAccess', args: [recordId, purpose] },
      guards.recordTicket,
    );
  }

  async readRecordBody(who: UserIdentity, recordId: string, ticketId: string) {
    const header = await this.getRecord(who, recordId);
    const body = await this.#evaluate(
      who,
      {
        contract: 'access',
        fn: 'ReadBody',
        args: [recordId, ticketId],
        orgs: [header.custodian],
      },
      guards.jsonObject,
    );
    return unsalted(body);
  }

  myAccessLog(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'access', 'ListMyAccessLog', [], guards.accessEvent, page);
  }

  orgAccessLog(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'access', 'ListOrgAccessLog', [], guards.accessEvent, page);
  }

  /** Flagged reads of the member's patients, wherever the data were held: the home member reviews them. */
  flaggedReads(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'access', 'ListFlaggedReads', [], guards.accessEvent, page);
  }

  // Break-glass and erasure.
  async openBreakGlass(
    who: UserIdentity,
    input: { patientId: string; reasonCode: string; minutes: number; reason?: string },
  ) {
    const opened = await this.#firstStep(
      who,
      {
        contract: 'breakglass',
        fn: 'Open',
        args: [input.patientId, input.reasonCode, String(input.minutes)],
      },
      guards.breakGlass,
      Boolean(input.reason),
    );
    if (input.reason) {
      // The reason is kept by the doctor's member and by the patient's home member, which reviews it.
      const { homeOrg } = (await this.getPatient(who, input.patientId)) as { homeOrg: string };
      await this.#submit(
        who,
        {
          contract: 'breakglass',
          fn: 'StoreReason',
          args: [input.patientId, opened.result.breakGlassId],
          transient: salted({ reason: input.reason }),
          orgs: [...new Set([who.mspId, homeOrg])],
        },
        guards.nothing,
      );
    }
    return opened;
  }

  pendingBreakGlassReviews(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'breakglass', 'ListPendingReview', [], guards.breakGlass, page);
  }

  reviewBreakGlass(who: UserIdentity, patientId: string, breakGlassId: string, outcome: string) {
    return this.#submit(
      who,
      {
        contract: 'breakglass',
        fn: 'Review',
        args: [patientId, breakGlassId, outcome],
      },
      guards.nothing,
    );
  }

  breakGlassWindows(who: UserIdentity, patientId: string, page: PageQuery) {
    return this.#page(who, 'breakglass', 'ListForPatient', [patientId], guards.breakGlass, page);
  }

  requestErasure(who: UserIdentity) {
    return this.#submit(who, { contract: 'erasure', fn: 'Request' }, guards.erasureRequest);
  }

  /**
   * What the admin's member holds of the patient, read on its own peer (only it holds its
   * collection), then the approval that purges all of it: every endorser checks the list.
   */
  async approveErasure(who: UserIdentity, patientId: string, requestId: string) {
    const held = await this.#evaluate(
      who,
      {
        contract: 'erasure',
        fn: 'Held',
        args: [patientId],
        orgs: [who.mspId],
      },
      guards.heldKeys,
    );
    return this.#submit(
      who,
      {
        contract: 'erasure',
        fn: 'Approve',
        args: [patientId, requestId, JSON.stringify(held)],
      },
      guards.erasureRequest,
    );
  }

  // Two-step writes of the admin's member whose public part never came (chaincode/src/pending.ts):
  // its own collection, so listed on its own peer and settled by it alone.
  pendingWrites(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'requests', 'ListPending', [], guards.pendingView, page, [who.mspId]);
  }

  settlePendingWrite(who: UserIdentity, write: { kind: string; id: string; version?: number }) {
    return this.#submit(
      who,
      {
        contract: 'requests',
        fn: 'SettlePending',
        args: [write.kind, write.id, write.version === undefined ? '' : String(write.version)],
        orgs: [who.mspId],
      },
      guards.settledWrite,
    );
  }

  myErasureRequests(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'erasure', 'ListMine', [], guards.erasureRequest, page);
  }

  pendingErasureRequests(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'erasure', 'ListPending', [], guards.erasureRequest, page);
  }

  // Directory and beds. The admin publishes (or replaces) the member's own profile.
  publishOrgProfile(who: UserIdentity, profile: { kind: string; displayName: string; specialities: string[] }) {
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'PublishOrgProfile',
        args: [JSON.stringify(profile)],
      },
      guards.nothing,
    );
  }

  orgDirectory(who: UserIdentity) {
    return this.#evaluate(who, { contract: 'directory', fn: 'ListOrgProfiles' }, guards.arrayOf(guards.orgProfileView));
  }

  orgProfile(who: UserIdentity, mspId: string) {
    return this.#evaluate(who, { contract: 'directory', fn: 'GetOrgProfile', args: [mspId] }, guards.orgProfileView);
  }

  /** A doctor's patients with a care link that holds now. */
  myPatients(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'directory', 'ListMyPatients', [], guards.myPatient, page);
  }

  practitioners(who: UserIdentity, mspId: string) {
    return this.#evaluate(
      who,
      { contract: 'directory', fn: 'ListPractitioners', args: [mspId] },
      guards.arrayOf(guards.practitioner),
    );
  }

  registerPractitioner(who: UserIdentity, practitioner: Json) {
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'RegisterPractitioner',
        args: [JSON.stringify(practitioner)],
      },
      guards.nothing,
    );
  }

  async registerPatient(who: UserIdentity, patientId: string, demographics: Json) {
    const stored = await this.#firstStep(
      who,
      {
        contract: 'directory',
        fn: 'StoreDemographics',
        args: [patientId],
        transient: salted({ demographics: JSON.stringify(demographics) }),
        orgs: [who.mspId],
      },
      guards.storedDemographics,
    );
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'RegisterPatient',
        args: [patientId, stored.result.demographicsHash],
      },
      guards.nothing,
    );
  }

  /** The admin assigns a doctor of the member to a patient's care; answers the assignment (the running one, if any). */
  assignCare(who: UserIdentity, practitionerId: string, patientId: string) {
    return this.#submit(
      who,
      { contract: 'directory', fn: 'AssignCare', args: [practitionerId, patientId] },
      guards.careAssignment,
    );
  }

  unassignCare(who: UserIdentity, practitionerId: string, patientId: string) {
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'UnassignCare',
        args: [practitionerId, patientId],
      },
      guards.nothing,
    );
  }

  // Decisions a majority of members takes: member kinds, patient certificate recoveries.
  /**
   * The admin's member approves that `mspId` is of `kind`. The chaincode answers the proposal, or
   * the kind in effect once this approval made a majority; `status` says which.
   */
  async approveMemberKind(who: UserIdentity, mspId: string, kind: string) {
    const approved = await this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'ApproveMemberKind',
        args: [mspId, kind],
      },
      guards.kindDecision,
    );
    const status = 'approvedBy' in approved.result ? 'approved' : 'proposed';
    return { txId: approved.txId, result: { ...approved.result, status } };
  }

  memberKinds(who: UserIdentity) {
    return this.#evaluate(who, { contract: 'directory', fn: 'ListMemberKinds' }, guards.memberKinds);
  }

  /** The home member's admin asks to bind the certificate of this fingerprint to a patient who lost theirs. */
  requestPatientRecovery(who: UserIdentity, patientId: string, fingerprint: string) {
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'RequestPatientRecovery',
        args: [patientId, fingerprint],
      },
      guards.patientRecovery,
    );
  }

  approvePatientRecovery(who: UserIdentity, patientId: string, requestId: string) {
    return this.#submit(
      who,
      {
        contract: 'directory',
        fn: 'ApprovePatientRecovery',
        args: [patientId, requestId],
      },
      guards.patientRecovery,
    );
  }

  pendingRecoveries(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'directory', 'ListPendingRecoveries', [], guards.patientRecovery, page);
  }

  /**
   * The calling patient binds the certificate they sign with to their ledger entry (idempotent).
   * Only the first certificate binds this way. There is no wrapper of ConfirmPatientCertificate
   * (a bound certificate vouching for another): the gateway enrols each user once (the CA allows
   * one enrolment) and keeps that certificate across authenticator resets, so a patient here
   * never has a second one. A gateway that renews certificates must confirm the new one, signed
   * with the old, before it stops using the old.
   */
  linkPatientCertificate(who: UserIdentity) {
    return this.#submit(who, { contract: 'directory', fn: 'LinkPatientCertificate' }, guards.nothing);
  }

  getPatient(who: UserIdentity, patientId: string) {
    return this.#evaluate(who, { contract: 'directory', fn: 'GetPatient', args: [patientId] }, guards.patient);
  }

  publishBeds(who: UserIdentity, ward: Json) {
    return this.#submit(
      who,
      { contract: 'directory', fn: 'PublishBeds', args: [JSON.stringify(ward)] },
      guards.nothing,
    );
  }

  freeBeds(who: UserIdentity, filter: Json) {
    return this.#evaluate(
      who,
      { contract: 'directory', fn: 'ListFreeBeds', args: [JSON.stringify(filter)] },
      guards.arrayOf(guards.freeBeds),
    );
  }

  // Lab orders: details shared by the ordering member and the lab only.
  async orderLabTests(
    who: UserIdentity,
    input: { patientId: string; labMspId: string; priority: string; details: Json },
  ) {
    const stored = await this.#firstStep(
      who,
      {
        contract: 'laborders',
        fn: 'StoreDetails',
        args: [input.patientId, input.labMspId],
        transient: salted({ details: JSON.stringify(input.details) }),
        orgs: [...new Set([who.mspId, input.labMspId])],
      },
      guards.storedDetails,
    );
    if (stored.created) return { txId: stored.txId, result: { orderId: stored.created } };
    const { orderId, detailsHash } = stored.result;
    const created = await this.#submit(
      who,
      {
        contract: 'laborders',
        fn: 'Create',
        args: [orderId, input.patientId, input.labMspId, input.priority, detailsHash],
      },
      guards.nothing,
    );
    return { txId: created.txId, result: { orderId } };
  }

  moveLabOrder(who: UserIdentity, orderId: string, action: 'Accept' | 'Start' | 'Reject', reason?: string) {
    return this.#submit(
      who,
      {
        contract: 'laborders',
        fn: action,
        args: reason === undefined ? [orderId] : [orderId, reason],
      },
      guards.nothing,
    );
  }

  async postLabResult(who: UserIdentity, orderId: string, body: Json) {
    const stored = await this.#firstStep(
      who,
      {
        contract: 'laborders',
        fn: 'StoreResultBody',
        args: [orderId],
        transient: salted({ body: JSON.stringify(body) }),
        orgs: [who.mspId],
      },
      guards.storedResult,
    );
    if (stored.created) return { txId: stored.txId, result: { orderId, recordId: stored.created } };
    const { recordId, contentHash } = stored.result;
    const published = await this.#submit(
      who,
      {
        contract: 'laborders',
        fn: 'PublishResult',
        args: [orderId, recordId, contentHash],
      },
      guards.publishedResult,
    );
    return { txId: published.txId, result: { orderId, recordId } };
  }

  labOrder(who: UserIdentity, orderId: string) {
    return this.#evaluate(who, { contract: 'laborders', fn: 'Get', args: [orderId] }, guards.labOrder);
  }

  /** The lab's work queue, by status ('' for all). */
  labQueue(who: UserIdentity, status: string, page: PageQuery) {
    return this.#page(who, 'laborders', 'ListForLab', [status], guards.labOrder, page);
  }

  myOpenLabOrders(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'laborders', 'ListMyOpen', [], guards.labOrder, page);
  }

  patientLabOrders(who: UserIdentity, patientId: string, page: PageQuery) {
    return this.#page(who, 'laborders', 'ListForPatient', [patientId], guards.labOrder, page);
  }

  // Appointments and feedback.
  async requestAppointment(
    who: UserIdentity,
    input: { mspId: string; practitionerId: string; slot: string; reason?: string },
  ) {
    const requested = await this.#firstStep(
      who,
      {
        contract: 'appointments',
        fn: 'Request',
        args: [input.mspId, input.practitionerId, input.slot],
      },
      guards.appointment,
      Boolean(input.reason),
    );
    if (input.reason) {
      await this.#submit(
        who,
        {
          contract: 'appointments',
          fn: 'StoreReason',
          args: [requested.result.appointmentId],
          transient: salted({ reason: input.reason }),
          orgs: [input.mspId],
        },
        guards.nothing,
      );
    }
    return requested;
  }

  moveAppointment(who: UserIdentity, appointmentId: string, action: 'Confirm' | 'Cancel' | 'Complete') {
    return this.#submit(who, { contract: 'appointments', fn: action, args: [appointmentId] }, guards.nothing);
  }

  myAppointments(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'appointments', 'ListMine', [], guards.appointment, page);
  }

  /** A doctor's own appointments, of a day ('' for all) and a status ('' for all). */
  practitionerSchedule(who: UserIdentity, day: string, status: string, page: PageQuery) {
    return this.#page(who, 'appointments', 'ListForPractitioner', [day, status], guards.appointment, page);
  }

  memberAppointments(who: UserIdentity, day: string, status: string, page: PageQuery) {
    return this.#page(who, 'appointments', 'ListForMember', [day, status], guards.appointment, page);
  }

  feedback(who: UserIdentity, practitionerId: string, page: PageQuery) {
    return this.#page(who, 'appointments', 'ListFeedback', [practitionerId], guards.feedbackEntry, page);
  }

  feedbackSummary(who: UserIdentity, practitionerId: string) {
    return this.#evaluate(
      who,
      { contract: 'appointments', fn: 'FeedbackSummary', args: [practitionerId] },
      guards.feedbackSummary,
    );
  }

  /**
   * The patient rates an appointment; a comment goes to the member of the practitioner, as the
   * committed rating names it (never a member the request names: the comment is PHI).
   */
  async giveFeedback(who: UserIdentity, input: { appointmentId: string; rating: number; comment?: string }) {
    const given = await this.#firstStep(
      who,
      {
        contract: 'appointments',
        fn: 'GiveFeedback',
        args: [input.appointmentId, String(input.rating)],
      },
      guards.feedback,
      Boolean(input.comment),
    );
    if (input.comment) {
      await this.#submit(
        who,
        {
          contract: 'appointments',
          fn: 'StoreFeedbackComment',
          args: [input.appointmentId],
          transient: salted({ comment: input.comment }),
          orgs: [given.result.practitioner.mspId],
        },
        guards.nothing,
      );
    }
    return { txId: given.txId, result: undefined };
  }

  // Policies and claims.
  issuePolicy(who: UserIdentity, patientId: string, terms: Json) {
    return this.#submit(
      who,
      { contract: 'policies', fn: 'Issue', args: [patientId, JSON.stringify(terms)] },
      guards.policy,
    );
  }

  updatePolicy(who: UserIdentity, policyId: string, terms: Json) {
    return this.#submit(
      who,
      {
        contract: 'policies',
        fn: 'Update',
        args: [policyId, JSON.stringify(terms)],
      },
      guards.nothing,
    );
  }

  endPolicy(who: UserIdentity, policyId: string) {
    return this.#submit(who, { contract: 'policies', fn: 'End', args: [policyId] }, guards.nothing);
  }

  policy(who: UserIdentity, policyId: string) {
    return this.#evaluate(who, { contract: 'policies', fn: 'Get', args: [policyId] }, guards.policy);
  }

  patientPolicies(who: UserIdentity, patientId: string, activeOnly: boolean, page: PageQuery) {
    return this.#page(who, 'policies', 'ListForPatient', [patientId, activeOnly ? 'true' : ''], guards.policy, page);
  }

  myPolicies(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'policies', 'ListMine', [], guards.policy, page);
  }

  async submitClaim(who: UserIdentity, claim: Json, lineDetails?: Json) {
    const submitted = await this.#firstStep(
      who,
      {
        contract: 'claims',
        fn: 'Submit',
        args: [JSON.stringify(claim)],
      },
      guards.claim,
      Boolean(lineDetails),
    );
    if (lineDetails) {
      const { claimId, provider, insurer } = submitted.result;
      await this.#submit(
        who,
        {
          contract: 'claims',
          fn: 'StoreLineDetails',
          args: [claimId],
          transient: salted({ lines: JSON.stringify(lineDetails) }),
          orgs: [...new Set([provider, insurer])],
        },
        guards.nothing,
      );
    }
    return submitted;
  }

  adjudicateClaim(who: UserIdentity, claimId: string) {
    return this.#submit(who, { contract: 'claims', fn: 'Adjudicate', args: [claimId] }, guards.claim);
  }

  /**
   * The decision `adjudicateClaim` would commit now, as the insurer's own peer computes it
   * (simulated there, never ordered): the adjuster sees the amounts and reason codes first.
   */
  previewAdjudication(who: UserIdentity, claimId: string) {
    return this.#evaluate(
      who,
      { contract: 'claims', fn: 'Adjudicate', args: [claimId], orgs: [who.mspId] },
      guards.claim,
    );
  }

  recordPayment(who: UserIdentity, claimId: string, paymentRef: string) {
    return this.#submit(who, { contract: 'claims', fn: 'RecordPayment', args: [claimId, paymentRef] }, guards.nothing);
  }

  claim(who: UserIdentity, claimId: string) {
    return this.#evaluate(who, { contract: 'claims', fn: 'Get', args: [claimId] }, guards.claim);
  }

  myClaims(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'claims', 'ListMine', [], guards.claim, page);
  }

  /** Claims submitted to the adjuster's insurer, by status ('' for all). */
  insurerClaims(who: UserIdentity, status: string, page: PageQuery) {
    return this.#page(who, 'claims', 'ListForInsurer', [status], guards.claim, page);
  }

  /** The billing clerk's member's claims, by status ('' for all). */
  providerClaims(who: UserIdentity, status: string, page: PageQuery) {
    return this.#page(who, 'claims', 'ListForProvider', [status], guards.claim, page);
  }

  // Bills: the items go to the hospital's own collection, then the public bill.
  async issueBill(who: UserIdentity, input: { patientId: string; basis: { kind: string; id: string }; items: Json[] }) {
    const stored = await this.#firstStep(
      who,
      {
        contract: 'bills',
        fn: 'StoreItems',
        args: [input.patientId, input.basis.kind, input.basis.id],
        transient: salted({ items: JSON.stringify({ items: input.items }) }),
        orgs: [who.mspId],
      },
      guards.storedItems,
    );
    if (stored.created) return stored as unknown as Committed<Json>;
    const { billId, itemsHash, lines } = stored.result;
    return this.#submit(
      who,
      {
        contract: 'bills',
        fn: 'Issue',
        args: [billId, input.patientId, input.basis.kind, input.basis.id, JSON.stringify(lines), itemsHash],
      },
      guards.bill,
    );
  }

  bill(who: UserIdentity, billId: string) {
    return this.#evaluate(who, { contract: 'bills', fn: 'Get', args: [billId] }, guards.billView);
  }

  myBills(who: UserIdentity, page: PageQuery) {
    return this.#page(who, 'bills', 'ListMine', [], guards.billView, page);
  }

  providerBills(who: UserIdentity, status: string, page: PageQuery) {
    return this.#page(who, 'bills', 'ListForProvider', [status], guards.billView, page);
  }

  recordBillPayment(who: UserIdentity, billId: string, amount: number, paymentRef: string) {
    return this.#submit(
      who,
      {
        contract: 'bills',
        fn: 'RecordPayment',
        args: [billId, String(amount), paymentRef],
      },
      guards.billView,
    );
  }

  settleBill(who: UserIdentity, billId: string) {
    return this.#submit(who, { contract: 'bills', fn: 'Settle', args: [billId] }, guards.billView);
  }

  /**
   * A claim made from a bill: one line for every bill line that references a record, with the
   * record's current content hash, for the billed amount.
   */
  async claimFromBill(who: UserIdentity, billId: string, input: { policyId: string; lineDetails?: Json }) {
    const bill = (await this.bill(who, billId)) as {
      patientId: string;
      issuedAt: string;
      lines: { recordId?: string; category: string; amount: number }[];
    };
    const lines = await Promise.all(
      bill.lines
        .filter((line): line is typeof line & { recordId: string } => line.recordId !== undefined)
        .map(async (line) => {
          const header = (await this.getRecord(who, line.recordId)) as { contentHash: string };
          return {
            recordId: line.recordId,
            contentHash: header.contentHash,
            category: line.category,
            amount: line.amount,
          };
        }),
    );
    const claim = { billId, policyId: input.policyId, patientId: bill.patientId, serviceDate: bill.issuedAt, lines };
    return this.submitClaim(who, claim, input.lineDetails);
  }
}
