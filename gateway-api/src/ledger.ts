/**
 * The business operations of the ehr chaincode as typed methods. All bytes and JSON are
 * handled here; routes pass plain objects and get plain objects back. Operations that carry
 * PHI use the transient map and name the orgs that may endorse them (the custodian, or the
 * two members sharing a lab order or a claim), so no other member's peer sees the data.
 */
import type { LedgerCall, LedgerPort, UserIdentity } from './fabric';

export type Json = Record<string, unknown>;

export interface Committed<T> {
  txId: string;
  result: T;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** The chaincode's JSON answer (empty for transactions that return nothing). */
function parse(bytes: Uint8Array): unknown {
  const body = text(bytes);
  return body === '' ? undefined : JSON.parse(body);
}

export class Ledger {
  constructor(private readonly port: LedgerPort) {}

  async #submit<T>(who: UserIdentity, call: LedgerCall): Promise<Committed<T>> {
    const { payload, txId } = await this.port.submit(who, call);
    return { txId, result: parse(payload) as T };
  }

  async #evaluate<T>(who: UserIdentity, call: LedgerCall): Promise<T> {
    return parse(await this.port.evaluate(who, call)) as T;
  }

  // Readiness: the chaincode answers this member's users.
  ping(who: UserIdentity): Promise<Json> {
    return this.#evaluate(who, { contract: 'probe', fn: 'Ping' });
  }

  // Consents.
  grantConsent(who: UserIdentity, grant: Json) {
    return this.#submit<Json>(who, { contract: 'consent', fn: 'Grant', args: [JSON.stringify(grant)] });
  }

  revokeConsent(who: UserIdentity, consentId: string) {
    return this.#submit<undefined>(who, { contract: 'consent', fn: 'Revoke', args: [consentId] });
  }

  listMyConsents(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'consent', fn: 'ListMine' });
  }

  // Records: the body goes to the doctor's own member only, then the public header.
  async createRecord(who: UserIdentity, input: { patientId: string; category: string; body: Json }) {
    const stored = await this.#submit<{ recordId: string; version: number; contentHash: string }>(who, {
      contract: 'records',
      fn: 'CreateBody',
      args: [input.patientId, input.category],
      transient: { body: JSON.stringify(input.body) },
      orgs: [who.mspId],
    });
    const { recordId, version, contentHash } = stored.result;
    const published = await this.#submit<undefined>(who, {
      contract: 'records',
      fn: 'Publish',
      args: [recordId, input.patientId, input.category, String(version), contentHash],
    });
    return { txId: published.txId, result: { recordId, version, contentHash } };
  }

  async amendRecord(who: UserIdentity, recordId: string, body: Json) {
    const header = await this.getRecord(who, recordId);
    const stored = await this.#submit<{ version: number; contentHash: string }>(who, {
      contract: 'records',
      fn: 'AmendBody',
      args: [recordId],
      transient: { body: JSON.stringify(body) },
      orgs: [who.mspId],
    });
    const { version, contentHash } = stored.result;
    const published = await this.#submit<undefined>(who, {
      contract: 'records',
      fn: 'Publish',
      args: [recordId, String(header.patientId), String(header.category), String(version), contentHash],
    });
    return { txId: published.txId, result: { recordId, version, contentHash } };
  }

  getRecord(who: UserIdentity, recordId: string) {
    return this.#evaluate<Json>(who, { contract: 'records', fn: 'Get', args: [recordId] });
  }

  recordHistory(who: UserIdentity, recordId: string) {
    return this.#evaluate<Json[]>(who, { contract: 'records', fn: 'History', args: [recordId] });
  }

  patientRecords(who: UserIdentity, patientId: string) {
    return this.#evaluate<Json[]>(who, { contract: 'records', fn: 'ListForPatient', args: [patientId] });
  }

  verifyRecord(who: UserIdentity, recordId: string) {
    return this.#evaluate<Json>(who, { contract: 'records', fn: 'Verify', args: [recordId] });
  }

  // Audited reads: a committed access request, then the body from the custodian's peer.
  requestAccess(who: UserIdentity, recordId: string, purpose: string) {
    return this.#submit<Json>(who, { contract: 'access', fn: 'RequestAccess', args: [recordId, purpose] });
  }

  async readRecordBody(who: UserIdentity, recordId: string, ticketId: string) {
    const header = await this.getRecord(who, recordId);
    return this.#evaluate<Json>(who, {
      contract: 'access',
      fn: 'ReadBody',
      args: [recordId, ticketId],
      orgs: [String(header.custodian)],
    });
  }

  myAccessLog(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'access', fn: 'ListMyAccessLog' });
  }

  orgAccessLog(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'access', fn: 'ListOrgAccessLog' });
  }

  // Break-glass and erasure.
  async openBreakGlass(
    who: UserIdentity,
    input: { patientId: string; reasonCode: string; minutes: number; reason?: string },
  ) {
    const opened = await this.#submit<{ breakGlassId: string }>(who, {
      contract: 'breakglass',
      fn: 'Open',
      args: [input.patientId, input.reasonCode, String(input.minutes)],
    });
    if (input.reason) {
      await this.#submit(who, {
        contract: 'breakglass',
        fn: 'StoreReason',
        args: [input.patientId, opened.result.breakGlassId],
        transient: { reason: input.reason },
        orgs: [who.mspId],
      });
    }
    return opened;
  }

  reviewBreakGlass(who: UserIdentity, patientId: string, breakGlassId: string, outcome: string) {
    return this.#submit<undefined>(who, {
      contract: 'breakglass',
      fn: 'Review',
      args: [patientId, breakGlassId, outcome],
    });
  }

  breakGlassWindows(who: UserIdentity, patientId: string) {
    return this.#evaluate<Json[]>(who, { contract: 'breakglass', fn: 'ListForPatient', args: [patientId] });
  }

  requestErasure(who: UserIdentity) {
    return this.#submit<Json>(who, { contract: 'erasure', fn: 'Request' });
  }

  approveErasure(who: UserIdentity, patientId: string, requestId: string) {
    return this.#submit<Json>(who, { contract: 'erasure', fn: 'Approve', args: [patientId, requestId] });
  }

  // Directory and beds. The admin publishes (or replaces) the member's own profile.
  publishOrgProfile(who: UserIdentity, profile: { kind: string; displayName: string; specialities: string[] }) {
    return this.#submit<undefined>(who, {
      contract: 'directory',
      fn: 'PublishOrgProfile',
      args: [JSON.stringify(profile)],
    });
  }

  orgDirectory(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'directory', fn: 'ListOrgProfiles' });
  }

  practitioners(who: UserIdentity, mspId: string) {
    return this.#evaluate<Json[]>(who, { contract: 'directory', fn: 'ListPractitioners', args: [mspId] });
  }

  registerPractitioner(who: UserIdentity, practitioner: Json) {
    return this.#submit<undefined>(who, {
      contract: 'directory',
      fn: 'RegisterPractitioner',
      args: [JSON.stringify(practitioner)],
    });
  }

  async registerPatient(who: UserIdentity, patientId: string, demographics: Json) {
    const stored = await this.#submit<{ demographicsHash: string }>(who, {
      contract: 'directory',
      fn: 'StoreDemographics',
      args: [patientId],
      transient: { demographics: JSON.stringify(demographics) },
      orgs: [who.mspId],
    });
    return this.#submit<undefined>(who, {
      contract: 'directory',
      fn: 'RegisterPatient',
      args: [patientId, stored.result.demographicsHash],
    });
  }

  /** The calling patient binds the certificate they sign with to their ledger entry (idempotent). */
  linkPatientCertificate(who: UserIdentity) {
    return this.#submit<undefined>(who, { contract: 'directory', fn: 'LinkPatientCertificate' });
  }

  getPatient(who: UserIdentity, patientId: string) {
    return this.#evaluate<Json>(who, { contract: 'directory', fn: 'GetPatient', args: [patientId] });
  }

  publishBeds(who: UserIdentity, ward: Json) {
    return this.#submit<undefined>(who, { contract: 'directory', fn: 'PublishBeds', args: [JSON.stringify(ward)] });
  }

  freeBeds(who: UserIdentity, filter: Json) {
    return this.#evaluate<Json[]>(who, { contract: 'directory', fn: 'ListFreeBeds', args: [JSON.stringify(filter)] });
  }

  // Lab orders: details shared by the ordering member and the lab only.
  async orderLabTests(
    who: UserIdentity,
    input: { patientId: string; labMspId: string; priority: string; details: Json },
  ) {
    const stored = await this.#submit<{ orderId: string; detailsHash: string }>(who, {
      contract: 'laborders',
      fn: 'StoreDetails',
      args: [input.patientId, input.labMspId],
      transient: { details: JSON.stringify(input.details) },
      orgs: [...new Set([who.mspId, input.labMspId])],
    });
    const { orderId, detailsHash } = stored.result;
    const created = await this.#submit<undefined>(who, {
      contract: 'laborders',
      fn: 'Create',
      args: [orderId, input.patientId, input.labMspId, input.priority, detailsHash],
    });
    return { txId: created.txId, result: { orderId } };
  }

  moveLabOrder(who: UserIdentity, orderId: string, action: 'Accept' | 'Start' | 'Reject', reason?: string) {
    return this.#submit<undefined>(who, {
      contract: 'laborders',
      fn: action,
      args: reason === undefined ? [orderId] : [orderId, reason],
    });
  }

  async postLabResult(who: UserIdentity, orderId: string, body: Json) {
    const stored = await this.#submit<{ recordId: string; contentHash: string }>(who, {
      contract: 'laborders',
      fn: 'StoreResultBody',
      args: [orderId],
      transient: { body: JSON.stringify(body) },
      orgs: [who.mspId],
    });
    const { recordId, contentHash } = stored.result;
    const published = await this.#submit<undefined>(who, {
      contract: 'laborders',
      fn: 'PublishResult',
      args: [orderId, recordId, contentHash],
    });
    return { txId: published.txId, result: { orderId, recordId } };
  }

  labOrder(who: UserIdentity, orderId: string) {
    return this.#evaluate<Json>(who, { contract: 'laborders', fn: 'Get', args: [orderId] });
  }

  // Appointments and feedback.
  async requestAppointment(
    who: UserIdentity,
    input: { mspId: string; practitionerId: string; slot: string; reason?: string },
  ) {
    const requested = await this.#submit<{ appointmentId: string; practitioner: { mspId: string } }>(who, {
      contract: 'appointments',
      fn: 'Request',
      args: [input.mspId, input.practitionerId, input.slot],
    });
    if (input.reason) {
      await this.#submit(who, {
        contract: 'appointments',
        fn: 'StoreReason',
        args: [requested.result.appointmentId],
        transient: { reason: input.reason },
        orgs: [input.mspId],
      });
    }
    return requested;
  }

  moveAppointment(who: UserIdentity, appointmentId: string, action: 'Confirm' | 'Cancel' | 'Complete') {
    return this.#submit<undefined>(who, { contract: 'appointments', fn: action, args: [appointmentId] });
  }

  myAppointments(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'appointments', fn: 'ListMine' });
  }

  async giveFeedback(
    who: UserIdentity,
    input: { appointmentId: string; practitionerMspId: string; rating: number; comment?: string },
  ) {
    const given = await this.#submit<undefined>(who, {
      contract: 'appointments',
      fn: 'GiveFeedback',
      args: [input.appointmentId, String(input.rating)],
    });
    if (input.comment) {
      await this.#submit(who, {
        contract: 'appointments',
        fn: 'StoreFeedbackComment',
        args: [input.appointmentId],
        transient: { comment: input.comment },
        orgs: [input.practitionerMspId],
      });
    }
    return given;
  }

  // Policies and claims.
  issuePolicy(who: UserIdentity, patientId: string, terms: Json) {
    return this.#submit<Json>(who, { contract: 'policies', fn: 'Issue', args: [patientId, JSON.stringify(terms)] });
  }

  updatePolicy(who: UserIdentity, policyId: string, terms: Json) {
    return this.#submit<undefined>(who, {
      contract: 'policies',
      fn: 'Update',
      args: [policyId, JSON.stringify(terms)],
    });
  }

  endPolicy(who: UserIdentity, policyId: string) {
    return this.#submit<undefined>(who, { contract: 'policies', fn: 'End', args: [policyId] });
  }

  policy(who: UserIdentity, policyId: string) {
    return this.#evaluate<Json>(who, { contract: 'policies', fn: 'Get', args: [policyId] });
  }

  async submitClaim(who: UserIdentity, claim: Json, lineDetails?: Json) {
    const submitted = await this.#submit<{ claimId: string; provider: string; insurer: string }>(who, {
      contract: 'claims',
      fn: 'Submit',
      args: [JSON.stringify(claim)],
    });
    if (lineDetails) {
      const { claimId, provider, insurer } = submitted.result;
      await this.#submit(who, {
        contract: 'claims',
        fn: 'StoreLineDetails',
        args: [claimId],
        transient: { lines: JSON.stringify(lineDetails) },
        orgs: [...new Set([provider, insurer])],
      });
    }
    return submitted;
  }

  adjudicateClaim(who: UserIdentity, claimId: string) {
    return this.#submit<Json>(who, { contract: 'claims', fn: 'Adjudicate', args: [claimId] });
  }

  recordPayment(who: UserIdentity, claimId: string, paymentRef: string) {
    return this.#submit<undefined>(who, { contract: 'claims', fn: 'RecordPayment', args: [claimId, paymentRef] });
  }

  claim(who: UserIdentity, claimId: string) {
    return this.#evaluate<Json>(who, { contract: 'claims', fn: 'Get', args: [claimId] });
  }

  myClaims(who: UserIdentity) {
    return this.#evaluate<Json[]>(who, { contract: 'claims', fn: 'ListMine' });
  }
}
