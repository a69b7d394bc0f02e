import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { getPatient, isThePatient } from './basis';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole, ROLES } from './identity';
import { canonicalJson } from './json';
import { getJson, key, pageOf, pageRequest, putJson, txMillis, txTime } from './ledger';
import { type ReadKind, readable, readHeld, readKind } from './readables';
import type { AccessEvent } from './types/access';
import { PURPOSES, type Purpose } from './types/vocabulary';
import { id } from './validate';

/** How long a committed access event lets its reader fetch the value. */
export const TICKET_TTL_MS = 5 * 60 * 1000;
/**
 * How far a read's proposal time may differ from the custodian's clock. The proposal time of
 * an evaluate is chosen by the client; without this bound an old ticket could be replayed by
 * back-dating the proposal. Only this read-only check looks at the local clock.
 */
export const CLOCK_SKEW_MS = 2 * 60 * 1000;

function purpose(value: string): Purpose {
  if (!(PURPOSES as readonly string[]).includes(value)) throw invalid(`purpose must be one of ${PURPOSES.join(', ')}`);
  return value as Purpose;
}

function readerOf(who: Caller): AccessEvent['reader'] {
  const reader: AccessEvent['reader'] = { mspId: who.mspId, role: who.role, id: who.id };
  if (who.practitionerId) reader.practitionerId = who.practitionerId;
  if (who.patientId) reader.patientId = who.patientId;
  return reader;
}

const resourceOf = (kind: ReadKind, resourceId: string) => `${kind}:${resourceId}`;
const eventKey = (ctx: Context, resource: string, ticketId: string) => key(ctx, 'access', resource, ticketId);

/** Public index: flagged access events by the patient's home member, which reviews them, in time order. */
const FLAGGED_ACCESS = 'flaggedAccess';

/** Index entry of an access event in a patient's or a member's log, in time order. */
interface LogEntry {
  resource: string;
  ticketId: string;
}

/**
 * No unaudited read (SPEC §4): a submitted request (majority-endorsed) checks the reader's basis
 * and records an access event, returning a ticket; an evaluate on a peer of a member that holds
 * the value returns it only for a fresh committed event of the same reader, with the basis
 * still holding. Records use `RequestAccess`/`ReadBody`; every other private value (demographics,
 * lab order details, appointment reasons, feedback comments, break-glass reasons, claim lines,
 * bill items) `RequestRead`/`ReadResource` with its kind.
 */
@Info({ title: 'Access', description: 'Audited reads of private data' })
export class AccessContract extends Contract {
  constructor() {
    super(contractName('access'));
  }

  @Transaction()
  @Returns('string')
  async RequestAccess(ctx: Context, recordId: string, purposeName: string): Promise<string> {
    const ticket = await this.#request(ctx, 'record', recordId, purposeName);
    const { ticketId, basis, flagged, expiresAt, custodian } = ticket;
    return canonicalJson({ ticketId, recordId, basis, flagged, expiresAt, custodian });
  }

  @Transaction(false)
  @Returns('string')
  async ReadBody(ctx: Context, recordId: string, ticketId: string): Promise<string> {
    return this.ReadResource(ctx, 'record', recordId, ticketId);
  }

  /** Asks to read a private value of a kind (see READ_KINDS); answers a ticket and the member to read it at. */
  @Transaction()
  @Returns('string')
  async RequestRead(ctx: Context, kindName: string, resourceId: string, purposeName: string): Promise<string> {
    return canonicalJson(await this.#request(ctx, readKind(kindName), resourceId, purposeName));
  }

  /** The private value, on a peer of the member the ticket names, for the ticket's reader. */
  @Transaction(false)
  @Returns('string')
  async ReadResource(ctx: Context, kindName: string, resourceId: string, ticketId: string): Promise<string> {
    const who = await callerWithRole(ctx, ...ROLES);
    const kind = readKind(kindName);
    const resource = resourceOf(kind, resourceId);
    const target = await readable(ctx, kind, resourceId);
    const event = await getJson<AccessEvent>(ctx, eventKey(ctx, resource, id(ticketId, 'ticketId')));
    this.#checkTicket(ctx, who, event);
    // The basis must still hold: a revocation or expiry since the ticket denies the read.
    await target.basis(who, event.purpose);
    return canonicalJson(await readHeld(ctx, event.custodian, target, resource));
  }

  async #request(ctx: Context, kind: ReadKind, resourceId: string, purposeName: string) {
    const who = await callerWithRole(ctx, ...ROLES);
    const target = await readable(ctx, kind, resourceId);
    const why = purpose(purposeName);
    const found = await target.basis(who, why);
    const ticketId = ctx.stub.getTxID();
    const time = txTime(ctx);
    // Read at the reader's own member when it holds the value, else at the first holder.
    const custodian = target.holders.includes(who.mspId) ? who.mspId : (target.holders[0] ?? '');
    const resource = resourceOf(kind, resourceId);
    const event: AccessEvent = {
      ticketId,
      reader: readerOf(who),
      patientId: target.patientId,
      resource,
      action: 'read',
      purpose: why,
      ...found,
      custodian,
      txId: ticketId,
      time,
    };
    const entry: LogEntry = { resource, ticketId };
    await putJson(ctx, eventKey(ctx, resource, ticketId), event);
    await putJson(ctx, key(ctx, 'patientAccess', target.patientId, time, ticketId), entry);
    await putJson(ctx, key(ctx, 'orgAccess', custodian, time, ticketId), entry);
    if (found.flagged) {
      const { homeOrg } = await getPatient(ctx, target.patientId);
      await putJson(ctx, key(ctx, FLAGGED_ACCESS, homeOrg, time, ticketId), entry);
    }
    const expiresAt = new Date(txMillis(ctx) + TICKET_TTL_MS).toISOString();
    return { ticketId, kind, resourceId, basis: found.basis, flagged: found.flagged, expiresAt, custodian };
  }

  #checkTicket(ctx: Context, who: Caller, event: AccessEvent | undefined): asserts event is AccessEvent {
    if (event?.reader.id !== who.id || event.reader.mspId !== who.mspId) {
      throw new ChaincodeError('TICKET_REQUIRED', 'no committed access request of yours for this value');
    }
    const now = txMillis(ctx);
    if (Math.abs(now - Date.now()) > CLOCK_SKEW_MS) {
      throw new ChaincodeError('TICKET_REQUIRED', 'the request time is too far from the custodian clock');
    }
    const age = now - Date.parse(event.time);
    if (age < 0 || age > TICKET_TTL_MS) {
      throw new ChaincodeError('TICKET_REQUIRED', 'the access request has expired: request access again');
    }
  }

  /** The patient's view: who accessed their data, when and why, oldest first, a page at a time. */
  @Transaction(false)
  @Returns('string')
  async ListMyAccessLog(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('a patient reads only their own access log');
    return this.#log(ctx, 'patientAccess', patient.patientId, pageSize, bookmark);
  }

  /** The admin's view: access events of the data their member holds, oldest first, a page at a time. */
  @Transaction(false)
  @Returns('string')
  async ListOrgAccessLog(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return this.#log(ctx, 'orgAccess', admin.mspId, pageSize, bookmark);
  }

  /**
   * The admin's view of the reads to review: flagged access events (break-glass, staff reading
   * without a care relationship) on the member's patients, wherever the data were held, oldest
   * first, a page at a time.
   */
  @Transaction(false)
  @Returns('string')
  async ListFlaggedReads(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return this.#log(ctx, FLAGGED_ACCESS, admin.mspId, pageSize, bookmark);
  }

  async #log(ctx: Context, index: string, owner: string, pageSize: string, bookmark: string): Promise<string> {
    const page = await pageOf(ctx, index, [owner], pageRequest(pageSize, bookmark), (entry) => {
      const { resource, ticketId } = entry as LogEntry;
      return getJson<AccessEvent>(ctx, eventKey(ctx, resource, ticketId));
    });
    return canonicalJson(page);
  }
}
