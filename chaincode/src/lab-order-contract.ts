import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { addCareLink, getPatient, isThePatient, writeBasis } from './basis';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import {
  emit,
  endorsedBy,
  getJson,
  key,
  listPage,
  putJson,
  putPrivate,
  txTime,
  requirePrivateHash,
  transientJson,
} from './ledger';
import {
  detailsKey,
  fileOrder,
  getOrder,
  isOpen,
  LAB_ORDER_STATUSES,
  LAB_QUEUE,
  labOrderKey,
  labQueueKey,
  labResultKey,
  OPEN_LAB_ORDERS,
  openOrderKey,
} from './lab-orders';
import { filePending } from './pending';
import { bindingKey, bodyKey, headerKey, requireBinding, saveRecordVersion, storeBinding, versionKey } from './records';
import { alreadyExists, createOnce, requestedId } from './requests';
import { type LabOrder, type LabOrderStatus, parseLabOrderDetails, PRIORITIES } from './types/lab-order';
import { parseRecordBody, type RecordHeader } from './types/record';
import { filterOf, hex64, id, MSP_PATTERN, parseObject } from './validate';

/** What a result record of an order is: version 1, the order's patient, a lab result. */
const resultOf = (order: LabOrder, recordId: string) => ({
  recordId,
  version: 1,
  patientId: order.patientId,
  category: 'lab-result' as const,
  orderId: order.orderId,
});

/**
 * Lab orders: a doctor orders tests at a lab (details private to both members, then a public
 * order endorsed by a majority); the lab accepts or rejects, starts, and posts the result as a
 * record held by the lab. After creation every change needs the ordering hospital AND the lab.
 */
@Info({ title: 'LabOrders', description: 'Lab orders and results' })
export class LabOrderContract extends Contract {
  constructor() {
    super(contractName('laborders'));
  }

  /**
   * Step 1, endorsed by the ordering hospital and the lab: the tests (transient `details`). A
   * retried request stores them again under the same order id, until the order is created.
   */
  @Transaction()
  @Returns('string')
  async StoreDetails(ctx: Context, patientId: string, labMspId: string): Promise<string> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const orderId = requestedId(ctx, 'laborders.StoreDetails');
    if (await getJson<LabOrder>(ctx, labOrderKey(ctx, orderId))) throw alreadyExists('lab order', orderId);
    if (!MSP_PATTERN.test(labMspId)) throw invalid('labMspId must be an MSP ID');
    await getPatient(ctx, id(patientId, 'patientId'));
    const details = parseLabOrderDetails(parseObject(transientJson(ctx, 'details'), 'details'), orderId);
    const detailsHash = await putPrivate(ctx, [doctor.mspId, labMspId], patientId, detailsKey(ctx, orderId), details);
    await filePending(ctx, [doctor.mspId, labMspId], {
      kind: 'labOrderDetails',
      id: orderId,
      patientId,
      awaits: labOrderKey(ctx, orderId),
      holds: [detailsKey(ctx, orderId)],
    });
    return canonicalJson({ orderId, detailsHash });
  }

  /** Step 2, majority: the public order, bound to the details held by both members. */
  @Transaction()
  async Create(
    ctx: Context,
    orderId: string,
    patientId: string,
    labMspId: string,
    priority: string,
    detailsHash: string,
  ): Promise<void> {
    const doctor = await callerWithRole(ctx, 'doctor');
    if (!MSP_PATTERN.test(labMspId)) throw invalid('labMspId must be an MSP ID');
    id(patientId, 'patientId');
    hex64(detailsHash, 'detailsHash');
    if (!(PRIORITIES as readonly string[]).includes(priority))
      throw invalid(`priority must be one of ${PRIORITIES.join(', ')}`);
    if (await getJson<LabOrder>(ctx, labOrderKey(ctx, id(orderId, 'orderId'))))
      throw alreadyExists('lab order', orderId);
    await createOnce(ctx, 'lab order', orderId);
    for (const mspId of [doctor.mspId, labMspId]) {
      await requirePrivateHash(ctx, mspId, detailsKey(ctx, orderId), detailsHash, `details of lab order ${orderId}`);
    }
    await writeBasis(ctx, doctor, { patientId, category: 'lab-result' });
    const now = txTime(ctx);
    const order: LabOrder = {
      orderId,
      patientId,
      orderingOrg: doctor.mspId,
      orderingDoctor: doctor.practitionerId ?? '',
      lab: labMspId,
      detailsHash,
      priority: priority as LabOrder['priority'],
      status: 'ordered',
      createdAt: now,
      updatedAt: now,
    };
    await this.#save(ctx, order);
    await putJson(ctx, key(ctx, 'patientLabOrder', patientId, orderId), { orderId });
    await addCareLink(ctx, { mspId: doctor.mspId, practitionerId: order.orderingDoctor }, patientId, {
      via: 'lab-order',
      ref: orderId,
    });
    await endorsedBy(ctx, labOrderKey(ctx, orderId), doctor.mspId, labMspId);
  }

  @Transaction()
  async Accept(ctx: Context, orderId: string): Promise<void> {
    await this.#labMove(ctx, orderId, 'ordered', 'accepted');
  }

  @Transaction()
  async Reject(ctx: Context, orderId: string, reason: string): Promise<void> {
    if (reason.length === 0 || reason.length > 200)
      throw invalid('a rejection needs a reason of at most 200 characters');
    await this.#labMove(ctx, orderId, 'ordered', 'rejected', reason);
  }

  @Transaction()
  async Start(ctx: Context, orderId: string): Promise<void> {
    await this.#labMove(ctx, orderId, 'accepted', 'in-progress');
  }

  /**
   * Step 1 of the result, endorsed by the lab alone: the result body (transient `body`). A
   * retried request stores it again under the same record id, until the result is published.
   */
  @Transaction()
  @Returns('string')
  async StoreResultBody(ctx: Context, orderId: string): Promise<string> {
    const tech = await callerWithRole(ctx, 'labtech');
    const recordId = requestedId(ctx, 'laborders.StoreResultBody');
    if (await getJson<RecordHeader>(ctx, headerKey(ctx, recordId))) throw alreadyExists('record', recordId);
    const order = await this.#labOrder(ctx, tech, orderId, 'in-progress');
    const body = parseRecordBody(parseObject(transientJson(ctx, 'body'), 'body'), {
      recordId,
      version: 1,
      patientId: order.patientId,
      category: 'lab-result',
    });
    const contentHash = await putPrivate(ctx, [tech.mspId], order.patientId, bodyKey(ctx, recordId, 1), body);
    await storeBinding(ctx, tech.mspId, { ...resultOf(order, recordId), contentHash });
    await filePending(ctx, [tech.mspId], {
      kind: 'recordBody',
      id: recordId,
      patientId: order.patientId,
      version: 1,
      awaits: versionKey(ctx, recordId, 1),
      holds: [bodyKey(ctx, recordId, 1), bindingKey(ctx, recordId, 1)],
    });
    return canonicalJson({ orderId, recordId, contentHash });
  }

  /**
   * Step 2: the result record's header and the completed order; the result is ready. Answers
   * the order and record ids; a retry of a published result is refused with ALREADY_EXISTS.
   */
  @Transaction()
  @Returns('string')
  async PublishResult(ctx: Context, orderId: string, recordId: string, contentHash: string): Promise<string> {
    const tech = await callerWithRole(ctx, 'labtech');
    // Before the order's status: a retried request meets its result, not a completed order.
    if (await getJson<RecordHeader>(ctx, headerKey(ctx, id(recordId, 'recordId'))))
      throw alreadyExists('record', recordId);
    const order = await this.#labOrder(ctx, tech, orderId, 'in-progress');
    hex64(contentHash, 'contentHash');
    await requirePrivateHash(ctx, tech.mspId, bodyKey(ctx, recordId, 1), contentHash, `result ${recordId}`);
    await createOnce(ctx, 'record', recordId);
    await requireBinding(ctx, tech.mspId, { ...resultOf(order, recordId), contentHash });
    const now = txTime(ctx);
    const author = tech.practitionerId ?? '';
    const header: RecordHeader = {
      recordId,
      patientId: order.patientId,
      category: 'lab-result',
      custodian: tech.mspId,
      author,
      source: 'clinician',
      version: 1,
      createdAt: now,
      updatedAt: now,
      contentHash,
      purged: false,
    };
    await saveRecordVersion(ctx, header);
    await putJson(ctx, labResultKey(ctx, recordId), { orderId });
    await this.#save(ctx, { ...order, status: 'completed', resultRecordId: recordId, updatedAt: now }, 'ResultReady');
    return canonicalJson({ orderId, recordId });
  }

  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, orderId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'doctor', 'labtech', 'admin');
    const order = await getOrder(ctx, orderId);
    const involved = who.mspId === order.orderingOrg || who.mspId === order.lab;
    const allowed = who.role === 'patient' ? isThePatient(who, await getPatient(ctx, order.patientId)) : involved;
    if (!allowed) throw forbidden('lab orders are seen by the patient, the ordering member and the lab');
    return canonicalJson(order);
  }

  /** A patient's orders: all of them for the patient, those of the caller's member for staff. */
  @Transaction(false)
  @Returns('string')
  async ListForPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'doctor', 'labtech', 'admin');
    // NOT_FOUND for a patient the ledger does not have: an empty list would say one exists.
    const patient = await getPatient(ctx, patientId);
    if (who.role === 'patient' && !isThePatient(who, patient))
      throw forbidden('patients see only their own lab orders');
    return listPage(ctx, 'patientLabOrder', [patientId], { pageSize, bookmark }, async (entry) => {
      const order = await this.#indexed(ctx, entry);
      const involved = order && (order.orderingOrg === who.mspId || order.lab === who.mspId);
      return who.role === 'patient' || involved ? order : undefined;
    });
  }

  /**
   * The work queue of the caller's lab (labtechs and the lab's admin), oldest first within each
   * status; `status` '' for all. An entry counts only where its order is filed now, so a stale or
   * forged entry never shows an order in the wrong queue.
   */
  @Transaction(false)
  @Returns('string')
  async ListForLab(ctx: Context, status: string, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'labtech', 'admin');
    const wanted = filterOf(status, 'status', LAB_ORDER_STATUSES);
    const parts = wanted === '' ? [who.mspId] : [who.mspId, wanted];
    return listPage(ctx, LAB_QUEUE, parts, { pageSize, bookmark }, async (entry, entryKey) => {
      const order = await this.#indexed(ctx, entry);
      return order && labQueueKey(ctx, order) === entryKey ? order : undefined;
    });
  }

  /** The calling doctor's orders not yet completed or rejected, oldest first. */
  @Transaction(false)
  @Returns('string')
  async ListMyOpen(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const parts = [doctor.mspId, doctor.practitionerId ?? ''];
    return listPage(ctx, OPEN_LAB_ORDERS, parts, { pageSize, bookmark }, async (entry, entryKey) => {
      const order = await this.#indexed(ctx, entry);
      return order && isOpen(order) && openOrderKey(ctx, order) === entryKey ? order : undefined;
    });
  }

  /** The order an index entry points at, if any. */
  async #indexed(ctx: Context, entry: unknown): Promise<LabOrder | undefined> {
    return getJson<LabOrder>(ctx, labOrderKey(ctx, (entry as { orderId: string }).orderId));
  }

  async #labOrder(ctx: Context, tech: Caller, orderId: string, status: LabOrderStatus): Promise<LabOrder> {
    const order = await getOrder(ctx, orderId);
    if (order.lab !== tech.mspId) throw forbidden(`lab order ${orderId} is for ${order.lab}`);
    if (order.status !== status)
      throw new ChaincodeError('CONFLICT', `lab order ${orderId} is ${order.status}, not ${status}`);
    return order;
  }

  async #labMove(
    ctx: Context,
    orderId: string,
    from: LabOrderStatus,
    to: LabOrderStatus,
    reason?: string,
  ): Promise<void> {
    const tech = await callerWithRole(ctx, 'labtech');
    const order = await this.#labOrder(ctx, tech, orderId, from);
    const moved: LabOrder = { ...order, status: to, updatedAt: txTime(ctx) };
    if (reason) moved.rejectionReason = reason;
    await this.#save(ctx, moved);
  }

  async #save(
    ctx: Context,
    order: LabOrder,
    eventName: 'LabOrderStatus' | 'ResultReady' = 'LabOrderStatus',
  ): Promise<void> {
    const previous = await getJson<LabOrder>(ctx, labOrderKey(ctx, order.orderId));
    await putJson(ctx, labOrderKey(ctx, order.orderId), order);
    await fileOrder(ctx, order, previous);
    emit(ctx, eventName, {
      orderId: order.orderId,
      patientId: order.patientId,
      orderingOrg: order.orderingOrg,
      lab: order.lab,
      status: order.status,
      resultRecordId: order.resultRecordId,
    });
  }
}
