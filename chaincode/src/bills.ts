/** Bills as ledger keys, and what claims and readers need of them. */
import type { Context } from 'fabric-contract-api';
import { getClaim } from './claims';
import { forbidden, invalid, notFound } from './errors';
import { getJson, key, listJson, putJson } from './ledger';
import type { Bill, BillBasisKind, BillStatus, BillView } from './types/bill';
import type { Claim, ClaimStatus } from './types/claim';
import { id } from './validate';

export const billKey = (ctx: Context, billId: string) => key(ctx, 'bill', billId);
/** Private, in the provider's collection: the items in words. */
export const billItemsKey = (ctx: Context, billId: string) => key(ctx, 'billItems', billId);
/** One bill per appointment or lab order: the bill issued for it. */
export const billBasisKey = (ctx: Context, kind: BillBasisKind, basisId: string) =>
  key(ctx, 'billBasis', kind, basisId);

/** Index of a patient's bills: `patientBill/<patientId>/<billId>`. */
export const PATIENT_BILLS = 'patientBill';
export const patientBillKey = (ctx: Context, patientId: string, billId: string) =>
  key(ctx, PATIENT_BILLS, patientId, billId);

/** Index of a provider's bills by status: `providerBill/<mspId>/<status>/<billId>`, moved with the status. */
export const PROVIDER_BILLS = 'providerBill';
export const providerBillKey = (ctx: Context, provider: string, status: BillStatus, billId: string) =>
  key(ctx, PROVIDER_BILLS, provider, status, billId);

/** The claims made from a bill: `billClaim/<billId>/<claimId>`. */
const BILL_CLAIMS = 'billClaim';

/** Index entry pointing at a bill. */
export interface BillRef {
  billId: string;
}

export async function getBill(ctx: Context, billId: string): Promise<Bill> {
  const bill = await getJson<Bill>(ctx, billKey(ctx, id(billId, 'billId')));
  if (!bill) throw notFound(`bill ${billId} does not exist`);
  return bill;
}

/** Claim statuses whose approved amount the insurer owes or paid: what covers a bill. */
const COVERING: readonly ClaimStatus[] = ['approved', 'partially-approved', 'paid'];

/**
 * The bill with the insurers' share, the patient's payments and what remains, computed from the
 * claims as they stand now: an adjudication never has to touch the bill.
 */
export async function billView(ctx: Context, bill: Bill): Promise<BillView> {
  let covered = 0;
  for (const { claimId } of await listJson<{ claimId: string }>(ctx, BILL_CLAIMS, bill.billId)) {
    const claim = await getClaim(ctx, claimId);
    if (COVERING.includes(claim.status)) covered += claim.adjudication?.approvedAmount ?? 0;
  }
  const paid = bill.payments.reduce((sum, p) => sum + p.amount, 0);
  return { ...bill, covered, paid, remaining: Math.max(0, bill.total - covered - paid) };
}

/**
 * A claim made from a bill cites only the bill's documented lines: the bill must be the claim's
 * provider's and patient's, and each claim line a bill line with that record, of the same
 * category, for no more than was billed. Links the two, so the bill shows what insurers cover.
 */
export async function linkClaimToBill(
  ctx: Context,
  claim: Pick<Claim, 'claimId' | 'billId' | 'provider' | 'patientId' | 'lines'>,
): Promise<void> {
  if (claim.billId === undefined) return;
  const bill = await getBill(ctx, claim.billId);
  if (bill.provider !== claim.provider) throw forbidden(`bill ${bill.billId} was issued by ${bill.provider}`);
  if (bill.patientId !== claim.patientId) throw invalid(`bill ${bill.billId} is for another patient`);
  for (const line of claim.lines) {
    const billed = bill.lines.find((l) => l.recordId === line.recordId);
    if (!billed) throw invalid(`record ${line.recordId} is on no line of bill ${bill.billId}`);
    if (billed.category !== line.category || line.amount > billed.amount) {
      throw invalid(`the line of record ${line.recordId} claims more than, or other than, bill ${bill.billId} billed`);
    }
  }
  await putJson(ctx, key(ctx, BILL_CLAIMS, bill.billId, claim.claimId), { claimId: claim.claimId });
}
