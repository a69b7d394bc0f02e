import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { getPatient, isThePatient, readBasis } from './basis';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson, unmarshal } from './json';
import { getJson, implicitCollection, key, listJson, putJson, txMillis, txTime } from './ledger';
import { bodyKey, getHeader } from './records';
import type { AccessEvent } from './types/access';
import type { RecordHeader } from './types/record';
import { PURPOSES, type Purpose } from './types/vocabulary';
import { id } from './validate';

/** How long a committed access event lets its reader fetch the body. */
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

const READERS = ['patient', 'doctor', 'labtech', 'adjuster'] as const;

/**
 * No unaudited read (SPEC §4): `RequestAccess` (submitted, majority-endorsed) checks the basis
 * and records an access event; `ReadBody` (evaluated on the custodian's peer) returns the body
 * only for a fresh committed event of the same reader, with the basis still holding.
 */
@Info({ title: 'Access', description: 'Audited reads of clinical records' })
export class AccessContract extends Contract {
  constructor() {
    super('access');
  }

  @Transaction()
  @Returns('string')
  async RequestAccess(ctx: Context, recordId: string, purposeName: string): Promise<string> {
    const who = callerWithRole(ctx, ...READERS);
    const header = await getHeader(ctx, recordId);
    if (header.purged) throw new ChaincodeError('PURGED', `record ${recordId} was erased`);
    const why = purpose(purposeName);
    const found = await readBasis(ctx, who, header, why);
    const ticketId = ctx.stub.getTxID();
    const event: AccessEvent = {
      ticketId,
      reader: readerOf(who),
      patientId: header.patientId,
      resource: `record:${recordId}`,
      action: 'read',
      purpose: why,
      ...found,
      custodian: header.custodian,
      txId: ticketId,
      time: txTime(ctx),
    };
    await putJson(ctx, key(ctx, 'access', recordId, ticketId), event);
    await putJson(ctx, key(ctx, 'patientAccess', header.patientId, ticketId), { recordId, ticketId });
    await putJson(ctx, key(ctx, 'orgAccess', header.custodian, ticketId), { recordId, ticketId });
    const expiresAt = new Date(txMillis(ctx) + TICKET_TTL_MS).toISOString();
    return canonicalJson({ ticketId, recordId, basis: found.basis, flagged: found.flagged, expiresAt });
  }

  @Transaction(false)
  @Returns('string')
  async ReadBody(ctx: Context, recordId: string, ticketId: string): Promise<string> {
    const who = callerWithRole(ctx, ...READERS);
    const header = await getHeader(ctx, recordId);
    const event = await getJson<AccessEvent>(ctx, key(ctx, 'access', recordId, id(ticketId, 'ticketId')));
    this.#checkTicket(ctx, who, event);
    // The basis must still hold: a revocation or expiry since the ticket denies the read.
    await readBasis(ctx, who, header, event.purpose);
    return this.#body(ctx, header);
  }

  #checkTicket(ctx: Context, who: Caller, event: AccessEvent | undefined): asserts event is AccessEvent {
    if (event?.reader.id !== who.id || event.reader.mspId !== who.mspId) {
      throw new ChaincodeError('TICKET_REQUIRED', 'no committed access request of yours for this record');
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

  async #body(ctx: Context, header: RecordHeader): Promise<string> {
    if (header.purged) throw new ChaincodeError('PURGED', `record ${header.recordId} was erased`);
    let bytes: Uint8Array;
    try {
      bytes = await ctx.stub.getPrivateData(
        implicitCollection(header.custodian),
        bodyKey(ctx, header.recordId, header.version),
      );
    } catch {
      throw new ChaincodeError('WRONG_PEER', `read the body on a peer of ${header.custodian}, its custodian`);
    }
    if (bytes.length === 0) throw new ChaincodeError('PURGED', `the body of ${header.recordId} is no longer held`);
    return canonicalJson(unmarshal(bytes));
  }

  /** The patient's view: who accessed their data, when and why. */
  @Transaction(false)
  @Returns('string')
  async ListMyAccessLog(ctx: Context): Promise<string> {
    const who = callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('a patient reads only their own access log');
    return canonicalJson(await this.#events(ctx, 'patientAccess', patient.patientId));
  }

  /** The admin's view: access events of the records their member holds. */
  @Transaction(false)
  @Returns('string')
  async ListOrgAccessLog(ctx: Context): Promise<string> {
    const admin = callerWithRole(ctx, 'admin');
    return canonicalJson(await this.#events(ctx, 'orgAccess', admin.mspId));
  }

  async #events(ctx: Context, index: string, owner: string): Promise<AccessEvent[]> {
    const entries = await listJson<{ recordId: string; ticketId: string }>(ctx, index, owner);
    const events = await Promise.all(
      entries.map((entry) => getJson<AccessEvent>(ctx, key(ctx, 'access', entry.recordId, entry.ticketId))),
    );
    return events.filter((e): e is AccessEvent => e !== undefined).sort((a, b) => a.time.localeCompare(b.time));
  }
}
