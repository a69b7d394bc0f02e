import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { getPatient, isThePatient } from './basis';
import { ChaincodeError, forbidden, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson, unmarshal } from './json';
import {
  emit,
  getJson,
  implicitCollection,
  key,
  listJson,
  listPage,
  PHI_INDEX,
  phiIndexEntry,
  phiIndexKey,
  phiLastEntry,
  phiLastKey,
  putJson,
  requirePrivateHash,
  sha256Hex,
  txTime,
} from './ledger';
import { MEMBER_KIND, type MemberKind } from './members';
import { getHeader, headerKey } from './records';
import { createOnce, requestedId } from './requests';
import { type ErasureRequest, type HeldKeys, parseHeldKeys } from './types/erasure';
import type { Patient } from './types/patient';
import { id, parseObject } from './validate';

const requestKey = (ctx: Context, patientId: string, requestId: string) => key(ctx, 'erasure', patientId, requestId);

/**
 * Public index: the requests awaiting a member's approval, oldest first. Written for every
 * required member at the request, deleted at that member's approval.
 */
const PENDING_ERASURE = 'erasurePending';
const pendingKey = (ctx: Context, mspId: string, request: ErasureRequest) =>
  key(ctx, PENDING_ERASURE, mspId, request.requestedAt, request.requestId);

/**
 * Erasure (SPEC §4): the patient asks; the patient's home member and every member holding
 * something of the patient must approve. Every private value of a patient is filed in its
 * collection under the patient (ledger.ts `filePrivate`): record bodies and their bindings,
 * published or not, demographics, lab order details, appointment reasons, feedback comments,
 * break-glass reasons, claim lines, bill items. An approval purges, with PurgePrivateData, every
 * key the approving member's index lists, the index with them. Public headers, bills, orders,
 * claims, hashes and the audit trail stay; reads then answer PURGED or NOT_FOUND.
 */
@Info({ title: 'Erasure', description: "Purging a patient's private data on request" })
export class ErasureContract extends Contract {
  constructor() {
    super(contractName('erasure'));
  }

  /** The patient asks; answers the request with the members that must approve it. */
  @Transaction()
  @Returns('string')
  async Request(ctx: Context): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('only the patient asks for their erasure');
    const request: ErasureRequest = {
      requestId: requestedId(ctx, 'erasure.Request'),
      patientId: patient.patientId,
      requestedAt: txTime(ctx),
      status: 'requested',
      required: await this.#holders(ctx, patient),
      approvals: [],
    };
    await createOnce(ctx, 'erasure request', request.requestId);
    await putJson(ctx, requestKey(ctx, patient.patientId, request.requestId), request);
    const entry = { patientId: patient.patientId, requestId: request.requestId };
    for (const mspId of request.required) await putJson(ctx, pendingKey(ctx, mspId, request), entry);
    emit(ctx, 'ErasureRequested', {
      requestId: request.requestId,
      patientId: patient.patientId,
      required: request.required,
    });
    return canonicalJson(request);
  }

  /**
   * The home member and every member whose collection holds something of the patient, sorted:
   * those with the patient's latest-write marker, whose hash every peer holds. Members are those
   * whose kind is in effect (the chaincode cannot read the channel's). A first write of the
   * patient's data at another member meanwhile changes a marker read here, and the request
   * fails on commit (MVCC); its retry asks that member too.
   */
  async #holders(ctx: Context, patient: Patient): Promise<string[]> {
    const members = new Set([patient.homeOrg]);
    for (const { mspId } of await listJson<MemberKind>(ctx, MEMBER_KIND)) {
      if ((await this.#lastWrite(ctx, mspId, patient.patientId)) !== '') members.add(mspId);
    }
    return [...members].sort();
  }

  /** The hash (hex) of the patient's latest-write marker in a member's collection; '' when none. */
  async #lastWrite(ctx: Context, mspId: string, patientId: string): Promise<string> {
    try {
      const hash = await ctx.stub.getPrivateDataHash(implicitCollection(mspId), phiLastKey(ctx, patientId));
      return Buffer.from(hash).toString('hex');
    } catch {
      // A member whose kind took effect before it joined the channel has no collection yet.
      return '';
    }
  }

  /**
   * What the admin's member holds of a patient, as its index lists it: evaluated on that
   * member's own peer (private range reads are for read-only transactions, and only the
   * member's peers hold its collection). The answer is what `Approve` is given.
   */
  @Transaction(false)
  @Returns('string')
  async Held(ctx: Context, patientId: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const collection = implicitCollection(admin.mspId);
    const keys: string[][] = [];
    // `for await`, not `await`: fabric-shim resolves a private range query to `{ iterator }`.
    const entries = ctx.stub.getPrivateDataByPartialCompositeKey(collection, PHI_INDEX, [id(patientId, 'patientId')]);
    for await (const entry of entries) {
      keys.push(ctx.stub.splitCompositeKey(entry.key).attributes.slice(1));
    }
    let last: Uint8Array;
    try {
      last = await ctx.stub.getPrivateData(collection, phiLastKey(ctx, patientId));
    } catch {
      throw new ChaincodeError('WRONG_PEER', `ask a peer of ${admin.mspId} what it holds`);
    }
    const through = last.length === 0 ? '' : (unmarshal(last) as { txId: string }).txId;
    const held: HeldKeys = { patientId, mspId: admin.mspId, keys, through };
    return canonicalJson(held);
  }

  /**
   * A required member's admin approves: every key the member's index lists for the patient is
   * purged. `heldJson` is what `Held` answered on the member's peer; every endorser checks each
   * key against its index entry's hash (nothing but the patient's filed data is purged), and the
   * latest-write marker against `through` (nothing written since is missed: CONFLICT, list
   * again; a write committed meanwhile makes the approval fail on commit).
   */
  @Transaction()
  @Returns('string')
  async Approve(ctx: Context, patientId: string, requestId: string, heldJson: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const stateKey = requestKey(ctx, id(patientId, 'patientId'), id(requestId, 'requestId'));
    const request = await getJson<ErasureRequest>(ctx, stateKey);
    if (!request) throw notFound(`erasure request ${requestId} of patient ${patientId} does not exist`);
    if (request.approvals.some((a) => a.mspId === admin.mspId)) {
      throw new ChaincodeError('ALREADY_EXISTS', `${admin.mspId} approved this request already`);
    }
    if (!request.required.includes(admin.mspId)) {
      throw forbidden(
        `${admin.mspId} is not among the members asked to approve erasure request ${requestId}: ${request.required.join(', ')}`,
      );
    }
    const held = parseHeldKeys(parseObject(heldJson, 'held'), patientId, admin.mspId);
    await this.#purge(ctx, held);
    await this.#markErased(ctx, admin.mspId, patientId);
    request.approvals.push({ mspId: admin.mspId, approvedAt: txTime(ctx), purgedKeys: held.keys.length });
    if (request.required.every((mspId) => request.approvals.some((a) => a.mspId === mspId)))
      request.status = 'approved';
    await ctx.stub.deleteState(pendingKey(ctx, admin.mspId, request));
    await putJson(ctx, stateKey, request);
    return canonicalJson(request);
  }

  /** Purges, in the member's collection, every listed key of the patient, its index entry and the marker. */
  async #purge(ctx: Context, held: HeldKeys): Promise<void> {
    const { patientId, mspId, through } = held;
    const expected = through === '' ? '' : sha256Hex(phiLastEntry(patientId, through));
    if ((await this.#lastWrite(ctx, mspId, patientId)) !== expected) {
      throw new ChaincodeError(
        'CONFLICT',
        `${mspId} stored data of patient ${patientId} since the list of held keys was read: read it again`,
      );
    }
    const collection = implicitCollection(mspId);
    for (const parts of held.keys) {
      const indexKey = phiIndexKey(ctx, patientId, parts);
      const what = `index entry of ${parts.join('/')} for patient ${patientId}`;
      await requirePrivateHash(ctx, mspId, indexKey, sha256Hex(phiIndexEntry(patientId, parts)), what);
      const [objectType = '', ...attributes] = parts;
      await ctx.stub.purgePrivateData(collection, ctx.stub.createCompositeKey(objectType, attributes));
      await ctx.stub.purgePrivateData(collection, indexKey);
    }
    if (through !== '') await ctx.stub.purgePrivateData(collection, phiLastKey(ctx, patientId));
  }

  /**
   * The public side of an approval: the member's records of the patient are marked purged and,
   * at the home member, the patient is marked erased. Headers, versions and hashes stay.
   */
  async #markErased(ctx: Context, mspId: string, patientId: string): Promise<void> {
    for (const { recordId } of await listJson<{ recordId: string }>(ctx, 'patientRecord', patientId)) {
      const header = await getHeader(ctx, recordId);
      if (header.custodian === mspId && !header.purged) {
        await putJson(ctx, headerKey(ctx, recordId), { ...header, purged: true });
      }
    }
    const patient = await getPatient(ctx, patientId);
    if (patient.homeOrg === mspId) {
      const erased: Patient = { ...patient, status: 'erased' };
      await putJson(ctx, key(ctx, 'patient', patientId), erased);
    }
  }

  /** The requests awaiting the approval of the admin's member, oldest first. */
  @Transaction(false)
  @Returns('string')
  async ListPending(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return listPage(ctx, PENDING_ERASURE, [admin.mspId], { pageSize, bookmark }, async (entry, entryKey) => {
      const { patientId, requestId } = entry as { patientId: string; requestId: string };
      const request = await getJson<ErasureRequest>(ctx, requestKey(ctx, patientId, requestId));
      const awaited =
        request?.required.includes(admin.mspId) === true &&
        !request.approvals.some((a) => a.mspId === admin.mspId) &&
        pendingKey(ctx, admin.mspId, request) === entryKey;
      return awaited ? request : undefined;
    });
  }

  /** The calling patient's requests, with their status and approvals. */
  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('patients see only their own erasure requests');
    return listPage(ctx, 'erasure', [patient.patientId], { pageSize, bookmark }, (request) =>
      Promise.resolve(request as ErasureRequest),
    );
  }
}
