import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { getAppointment } from './appointments';
import { getPatient, isThePatient } from './basis';
import {
  type BillRef,
  billBasisKey,
  billItemsKey,
  billKey,
  billView,
  getBill,
  PATIENT_BILLS,
  patientBillKey,
  PROVIDER_BILLS,
  providerBillKey,
} from './bills';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import { getOrder } from './lab-orders';
import {
  emit,
  endorsedBy,
  getJson,
  pageOf,
  pageRequest,
  putJson,
  putPrivate,
  requirePrivateHash,
  transientJson,
  txTime,
} from './ledger';
import { getHeader } from './records';
import {
  BILL_BASIS_KINDS,
  BILL_STATUSES,
  type Bill,
  type BillBasisKind,
  type BillLine,
  type BillStatus,
  type BillView,
  lineOf,
  parseBillItems,
  parseBillLines,
  totalOf,
} from './types/bill';
import { filePending } from './pending';
import { alreadyExists, createOnce, requestedId } from './requests';
import { isPatientReported } from './types/record';
import { hex64, id, parseObject } from './validate';

interface BillBasis {
  patientId: string;
  kind: BillBasisKind;
  id: string;
}

function basisKind(value: string): BillBasisKind {
  if (!(BILL_BASIS_KINDS as readonly string[]).includes(value)) {
    throw invalid(`basisKind must be one of ${BILL_BASIS_KINDS.join(', ')}`);
  }
  return value as BillBasisKind;
}

function billStatus(value: string): BillStatus {
  if (!(BILL_STATUSES as readonly string[]).includes(value)) {
    throw invalid(`status must be one of ${BILL_STATUSES.join(', ')} or empty`);
  }
  return value as BillStatus;
}

function amount(text: string): number {
  const value = Number(text);
  if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(value)) {
    throw invalid('amount must be a positive integer amount in cents');
  }
  return value;
}

/** The care a bill is for, as the appointment or the lab order says. */
async function careOf(
  ctx: Context,
  basis: BillBasis,
): Promise<{ patientId: string; provider: string; status: string; what: string }> {
  if (basis.kind === 'appointment') {
    const appointment = await getAppointment(ctx, basis.id);
    const { patientId, status } = appointment;
    return { patientId, provider: appointment.practitioner.mspId, status, what: `appointment ${basis.id}` };
  }
  const order = await getOrder(ctx, basis.id);
  return {
    patientId: order.patientId,
    provider: order.orderingOrg,
    status: order.status,
    what: `lab order ${basis.id}`,
  };
}

/**
 * Bills (SPEC §5): after a completed appointment with one of its practitioners, or a completed
 * lab order it placed, a hospital's billing clerk bills the patient. Like records, in two
 * transactions: the items in words (transient `items`) go into the hospital's implicit
 * collection, endorsed by the hospital alone; then `Issue`, endorsed by a majority whose peers
 * check the items' hash, writes the public bill: lines without words, total, status, payments.
 * From then on the hospital's peer must endorse every change of the bill. What insurers cover
 * is read from the claims made from the bill, never copied into it.
 */
@Info({ title: 'Bills', description: 'Bills of hospitals to patients for care' })
export class BillContract extends Contract {
  constructor() {
    super(contractName('bills'));
  }

  /**
   * Step 1, endorsed by the provider alone: stores `{ billId, items }` in its collection and
   * answers the public part, `{ billId, itemsHash, lines, total }`, to issue.
   */
  @Transaction()
  @Returns('string')
  async StoreItems(ctx: Context, patientId: string, basisKindName: string, basisId: string): Promise<string> {
    const clerk = await callerWithRole(ctx, 'billing');
    // Before the basis's rules: a retried request meets its own bill, not a basis billed already.
    const billId = requestedId(ctx, 'bills.StoreItems');
    if (await getJson<Bill>(ctx, billKey(ctx, billId))) throw alreadyExists('bill', billId);
    const basis = { patientId: id(patientId, 'patientId'), kind: basisKind(basisKindName), id: id(basisId, 'basisId') };
    await this.#billable(ctx, clerk, basis);
    const items = parseBillItems(parseObject(transientJson(ctx, 'items'), 'items'), billId);
    const lines = items.items.map(lineOf);
    await this.#documented(ctx, patientId, lines);
    const itemsHash = await putPrivate(ctx, [clerk.mspId], patientId, billItemsKey(ctx, billId), items);
    await filePending(ctx, [clerk.mspId], {
      kind: 'billItems',
      id: billId,
      patientId,
      awaits: billKey(ctx, billId),
      holds: [billItemsKey(ctx, billId)],
    });
    return canonicalJson({ billId, itemsHash, lines, total: totalOf(lines) });
  }

  /**
   * Step 2, majority: the public bill of stored items, whose hash every endorser checks. The
   * lines are the provider's statement of the items' public part: only the provider and the
   * patient (through an audited read) can compare them with the items.
   */
  @Transaction()
  @Returns('string')
  async Issue(
    ctx: Context,
    billId: string,
    patientId: string,
    basisKindName: string,
    basisId: string,
    linesJson: string,
    itemsHash: string,
  ): Promise<string> {
    const clerk = await callerWithRole(ctx, 'billing');
    const basis = { patientId: id(patientId, 'patientId'), kind: basisKind(basisKindName), id: id(basisId, 'basisId') };
    id(billId, 'billId');
    hex64(itemsHash, 'itemsHash');
    const lines = parseBillLines(linesJson);
    if (await getJson<Bill>(ctx, billKey(ctx, billId))) throw alreadyExists('bill', billId);
    await createOnce(ctx, 'bill', billId);
    await requirePrivateHash(ctx, clerk.mspId, billItemsKey(ctx, billId), itemsHash, `items of bill ${billId}`);
    await this.#billable(ctx, clerk, basis);
    await this.#documented(ctx, patientId, lines);
    const now = txTime(ctx);
    const bill: Bill = {
      billId,
      patientId,
      provider: clerk.mspId,
      basis: { kind: basis.kind, id: basis.id },
      lines,
      total: totalOf(lines),
      itemsHash,
      status: 'issued',
      payments: [],
      issuedAt: now,
      updatedAt: now,
    };
    await this.#save(ctx, bill);
    await putJson(ctx, billBasisKey(ctx, basis.kind, basis.id), { billId });
    await putJson(ctx, patientBillKey(ctx, patientId, billId), { billId });
    await endorsedBy(ctx, billKey(ctx, billId), clerk.mspId);
    return canonicalJson(bill);
  }

  /**
   * The provider's billing clerk records a payment by the patient, of at most what remains
   * after insurers' approved shares and earlier payments; the bill is paid once nothing remains.
   */
  @Transaction()
  @Returns('string')
  async RecordPayment(ctx: Context, billId: string, amountText: string, paymentRef: string): Promise<string> {
    const clerk = await callerWithRole(ctx, 'billing');
    const bill = await this.#providersIssuedBill(ctx, clerk, billId);
    const paid = amount(amountText);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(paymentRef)) throw invalid('paymentRef must be 1-64 letters, digits, "-" or "_"');
    // A payment reference names one payment: the same one recorded twice is a mistake, not two payments.
    if (bill.payments.some((p) => p.paymentRef === paymentRef)) {
      throw new ChaincodeError('ALREADY_EXISTS', `payment ${paymentRef} is recorded on bill ${billId}`);
    }
    const before = await billView(ctx, bill);
    if (paid > before.remaining) throw invalid(`the payment exceeds the ${before.remaining} cents that remain`);
    const now = txTime(ctx);
    const payment = { amount: paid, paymentRef, paidAt: now, recordedBy: clerk.id };
    const status: BillStatus = paid === before.remaining ? 'paid' : 'issued';
    const updated: Bill = { ...bill, payments: [...bill.payments, payment], status, updatedAt: now };
    await this.#save(ctx, updated, bill.status);
    return canonicalJson({
      ...updated,
      covered: before.covered,
      paid: before.paid + paid,
      remaining: before.remaining - paid,
    });
  }

  /**
   * Marks a bill paid that insurers' approved shares (and payments) cover whole: no payment is
   * left to record, so nothing else would close it.
   */
  @Transaction()
  @Returns('string')
  async Settle(ctx: Context, billId: string): Promise<string> {
    const clerk = await callerWithRole(ctx, 'billing');
    const bill = await this.#providersIssuedBill(ctx, clerk, billId);
    const view = await billView(ctx, bill);
    if (view.remaining > 0) throw new ChaincodeError('CONFLICT', `${view.remaining} cents of bill ${billId} remain`);
    const updated: Bill = { ...bill, status: 'paid', updatedAt: txTime(ctx) };
    await this.#save(ctx, updated, bill.status);
    return canonicalJson({ ...view, ...updated });
  }

  /** The bill with `covered`, `paid` and `remaining` as of now: for the patient and the provider's billing and admin. */
  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, billId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'billing', 'admin');
    const bill = await getBill(ctx, billId);
    const allowed =
      who.role === 'patient' ? isThePatient(who, await getPatient(ctx, bill.patientId)) : who.mspId === bill.provider;
    if (!allowed) throw forbidden("bills are seen by the patient and the provider's billing and admin");
    return canonicalJson(await billView(ctx, bill));
  }

  /** The patient's bills, a page at a time: `{ items, bookmark }`. */
  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('patients see only their own bills');
    return this.#page(ctx, PATIENT_BILLS, [patient.patientId], pageSize, bookmark);
  }

  /** The member's bills in a status ('issued', 'paid', or '' for all), a page at a time. */
  @Transaction(false)
  @Returns('string')
  async ListForProvider(ctx: Context, status: string, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'billing', 'admin');
    const parts = status === '' ? [who.mspId] : [who.mspId, billStatus(status)];
    return this.#page(ctx, PROVIDER_BILLS, parts, pageSize, bookmark);
  }

  async #page(ctx: Context, index: string, parts: string[], pageSize: string, bookmark: string): Promise<string> {
    const page = await pageOf<BillView>(ctx, index, parts, pageRequest(pageSize, bookmark), async (entry) =>
      billView(ctx, await getBill(ctx, (entry as BillRef).billId)),
    );
    return canonicalJson(page);
  }

  /**
   * Care this member may bill the patient for: an appointment completed with one of its
   * practitioners, or a lab order it placed that is completed; not billed before.
   */
  async #billable(ctx: Context, clerk: Caller, basis: BillBasis): Promise<void> {
    const patient = await getPatient(ctx, basis.patientId);
    if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patient.patientId} was erased`);
    const care = await careOf(ctx, basis);
    if (care.patientId !== basis.patientId) throw invalid(`${care.what} is not of patient ${basis.patientId}`);
    if (care.provider !== clerk.mspId) throw forbidden(`${care.what} is care of ${care.provider}, not ${clerk.mspId}`);
    if (care.status !== 'completed')
      throw new ChaincodeError('CONFLICT', `${care.what} is ${care.status}, not completed`);
    const billed = await getJson<BillRef>(ctx, billBasisKey(ctx, basis.kind, basis.id));
    if (billed) throw new ChaincodeError('ALREADY_EXISTS', `${care.what} is billed already: ${billed.billId}`);
  }

  /** A line citing a record cites the patient's clinical record of that category, not erased. */
  async #documented(ctx: Context, patientId: string, lines: BillLine[]): Promise<void> {
    for (const line of lines) {
      if (line.recordId === undefined) continue;
      const header = await getHeader(ctx, line.recordId);
      if (header.patientId !== patientId) throw invalid(`record ${line.recordId} is not of patient ${patientId}`);
      if (header.category !== line.category) throw invalid(`record ${line.recordId} is ${header.category}`);
      if (isPatientReported(header)) throw invalid(`record ${line.recordId} is the patient's own report, not care`);
      if (header.purged) throw new ChaincodeError('PURGED', `record ${line.recordId} was erased`);
    }
  }

  async #providersIssuedBill(ctx: Context, clerk: Caller, billId: string): Promise<Bill> {
    const bill = await getBill(ctx, billId);
    if (bill.provider !== clerk.mspId) throw forbidden(`bill ${billId} was issued by ${bill.provider}`);
    if (bill.status !== 'issued') throw new ChaincodeError('CONFLICT', `bill ${billId} is ${bill.status}`);
    return bill;
  }

  /** Writes the bill, moves it in its provider's status index, and announces it (no PHI). */
  async #save(ctx: Context, bill: Bill, previous?: BillStatus): Promise<void> {
    await putJson(ctx, billKey(ctx, bill.billId), bill);
    if (previous !== bill.status) {
      if (previous !== undefined)
        await ctx.stub.deleteState(providerBillKey(ctx, bill.provider, previous, bill.billId));
      await putJson(ctx, providerBillKey(ctx, bill.provider, bill.status, bill.billId), { billId: bill.billId });
    }
    emit(ctx, 'BillStatus', {
      billId: bill.billId,
      patientId: bill.patientId,
      provider: bill.provider,
      status: bill.status,
      total: bill.total,
      paid: bill.payments.reduce((sum, p) => sum + p.amount, 0),
    });
  }
}
