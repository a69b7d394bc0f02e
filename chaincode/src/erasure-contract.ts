import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { getPatient, isThePatient } from './basis';
import { purgeBillItems } from './bills';
import { demographicsKey } from './directory-contract';
import { ChaincodeError, forbidden, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson } from './json';
import { emit, getJson, implicitCollection, key, listJson, listPage, putJson, txTime } from './ledger';
import { bindingKey, bodyKey, getHeader, headerKey } from './records';
import { createOnce, requestedId } from './requests';
import type { ErasureRequest } from './types/erasure';
import type { Patient } from './types/patient';
import { id } from './validate';

const requestKey = (ctx: Context, patientId: string, requestId: string) => key(ctx, 'erasure', patientId, requestId);

/**
 * Public index: the requests awaiting a member's approval, oldest first. Written for every
 * required member at the request, deleted at that member's approval.
 */
const PENDING_ERASURE = 'erasurePending';
const pendingKey = (ctx: Context, mspId: string, request: ErasureRequest) =>
  key(ctx, PENDING_ERASURE, mspId, request.requestedAt, request.requestId);

/**
 * Erasure (SPEC §4): the patient asks; the patient's home member and every custodian of their
 * records must approve, each approval purging that member's private bodies and bill items (and,
 * at the home member, the demographics) with PurgePrivateData. Public headers, bills, hashes and
 * the audit trail stay; reads then answer PURGED (bill items: NOT_FOUND, nothing is held).
 */
@Info({ title: 'Erasure', description: "Purging a patient's private data on request" })
export class ErasureContract extends Contract {
  constructor() {
    super('erasure');
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
   * The home member and every custodian of the patient's records, sorted. The patient's record
   * index is read as a range: a record published meanwhile makes the request fail on commit
   * (phantom read), and the retried request asks its custodian too.
   */
  async #holders(ctx: Context, patient: Patient): Promise<string[]> {
    const members = new Set([patient.homeOrg]);
    for (const { recordId } of await listJson<{ recordId: string }>(ctx, 'patientRecord', patient.patientId)) {
      members.add((await getHeader(ctx, recordId)).custodian);
    }
    return [...members].sort();
  }

  /** A required member's admin approves: that member's private data of the patient is purged. */
  @Transaction()
  @Returns('string')
  async Approve(ctx: Context, patientId: string, requestId: string): Promise<string> {
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
    const purgedKeys = await this.#purge(ctx, admin.mspId, patientId);
    request.approvals.push({ mspId: admin.mspId, approvedAt: txTime(ctx), purgedKeys });
    if (request.required.every((mspId) => request.approvals.some((a) => a.mspId === mspId)))
      request.status = 'approved';
    await ctx.stub.deleteState(pendingKey(ctx, admin.mspId, request));
    await putJson(ctx, stateKey, request);
    return canonicalJson(request);
  }

  /**
   * Purges what a member holds of the patient: record bodies with their bindings, bill items,
   * and at the home member the demographics.
   */
  async #purge(ctx: Context, mspId: string, patientId: string): Promise<number> {
    const collection = implicitCollection(mspId);
    let purgedKeys = 0;
    for (const { recordId } of await listJson<{ recordId: string }>(ctx, 'patientRecord', patientId)) {
      const header = await getHeader(ctx, recordId);
      if (header.custodian !== mspId || header.purged) continue;
      for (let version = 1; version <= header.version; version++) {
        await ctx.stub.purgePrivateData(collection, bodyKey(ctx, recordId, version));
        await ctx.stub.purgePrivateData(collection, bindingKey(ctx, recordId, version));
        purgedKeys += 2;
      }
      await putJson(ctx, headerKey(ctx, recordId), { ...header, purged: true });
    }
    purgedKeys += await purgeBillItems(ctx, mspId, patientId);
    const patient = await getPatient(ctx, patientId);
    if (patient.homeOrg === mspId) {
      await ctx.stub.purgePrivateData(collection, demographicsKey(ctx, patientId));
      purgedKeys++;
      const erased: Patient = { ...patient, status: 'erased' };
      await putJson(ctx, key(ctx, 'patient', patientId), erased);
    }
    return purgedKeys;
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
