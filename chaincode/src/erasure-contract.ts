import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { getPatient, isThePatient } from './basis';
import { purgeBillItems } from './bills';
import { demographicsKey } from './directory-contract';
import { ChaincodeError, forbidden, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson } from './json';
import { getJson, implicitCollection, key, listJson, putJson, txTime } from './ledger';
import { bodyKey, getHeader, headerKey } from './records';
import type { ErasureRequest } from './types/erasure';
import type { Patient } from './types/patient';
import { id } from './validate';

/**
 * Erasure (SPEC §4): the patient asks; each custodian's admin approves, which purges that
 * member's private bodies and bill items (and, at the home member, the demographics) with
 * PurgePrivateData.
 * Public headers, bills, hashes and the audit trail stay; reads then answer PURGED (bill items:
 * NOT_FOUND, as nothing is held any more).
 */
@Info({ title: 'Erasure', description: "Purging a patient's private data on request" })
export class ErasureContract extends Contract {
  constructor() {
    super('erasure');
  }

  @Transaction()
  @Returns('string')
  async Request(ctx: Context): Promise<string> {
    const who = callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('only the patient asks for their erasure');
    const request: ErasureRequest = {
      requestId: `ER-${ctx.stub.getTxID().slice(0, 32)}`,
      patientId: patient.patientId,
      requestedAt: txTime(ctx),
      status: 'requested',
      approvals: [],
    };
    await putJson(ctx, key(ctx, 'erasure', patient.patientId, request.requestId), request);
    return canonicalJson(request);
  }

  /** A custodian's admin approves: that member's private data of the patient is purged. */
  @Transaction()
  @Returns('string')
  async Approve(ctx: Context, patientId: string, requestId: string): Promise<string> {
    const admin = callerWithRole(ctx, 'admin');
    const requestKey = key(ctx, 'erasure', id(patientId, 'patientId'), id(requestId, 'requestId'));
    const request = await getJson<ErasureRequest>(ctx, requestKey);
    if (!request) throw notFound(`erasure request ${requestId} of patient ${patientId} does not exist`);
    if (request.approvals.some((a) => a.mspId === admin.mspId)) {
      throw new ChaincodeError('ALREADY_EXISTS', `${admin.mspId} approved this request already`);
    }
    const collection = implicitCollection(admin.mspId);
    let purgedKeys = 0;
    for (const { recordId } of await listJson<{ recordId: string }>(ctx, 'patientRecord', patientId)) {
      const header = await getHeader(ctx, recordId);
      if (header.custodian !== admin.mspId || header.purged) continue;
      for (let version = 1; version <= header.version; version++) {
        await ctx.stub.purgePrivateData(collection, bodyKey(ctx, recordId, version));
        purgedKeys++;
      }
      await putJson(ctx, headerKey(ctx, recordId), { ...header, purged: true });
    }
    purgedKeys += await purgeBillItems(ctx, admin.mspId, patientId);
    const patient = await getPatient(ctx, patientId);
    if (patient.homeOrg === admin.mspId) {
      await ctx.stub.purgePrivateData(collection, demographicsKey(ctx, patientId));
      purgedKeys++;
      const erased: Patient = { ...patient, status: 'erased' };
      await putJson(ctx, key(ctx, 'patient', patientId), erased);
      request.status = 'approved';
    }
    request.approvals.push({ mspId: admin.mspId, approvedAt: txTime(ctx), purgedKeys });
    await putJson(ctx, requestKey, request);
    return canonicalJson(request);
  }
}
