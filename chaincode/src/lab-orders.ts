/** Lab orders as ledger keys, shared by the lab-order contract and the lawful-basis rules. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key } from './ledger';
import type { LabOrder } from './types/lab-order';
import { id } from './validate';

export const labOrderKey = (ctx: Context, orderId: string) => key(ctx, 'labOrder', orderId);
/** Private, in the ordering member's and the lab's collections: what is to be tested. */
export const detailsKey = (ctx: Context, orderId: string) => key(ctx, 'labOrderDetails', orderId);
/** Finds the order a result record answers (the ordering doctor's lawful basis). */
export const labResultKey = (ctx: Context, recordId: string) => key(ctx, 'labResult', recordId);

export async function getOrder(ctx: Context, orderId: string): Promise<LabOrder> {
  const order = await getJson<LabOrder>(ctx, labOrderKey(ctx, id(orderId, 'orderId')));
  if (!order) throw notFound(`lab order ${orderId} does not exist`);
  return order;
}

/** The order whose result this record is, if any. */
export async function orderOfResult(ctx: Context, recordId: string): Promise<LabOrder | undefined> {
  const link = await getJson<{ orderId: string }>(ctx, labResultKey(ctx, recordId));
  return link ? getJson<LabOrder>(ctx, labOrderKey(ctx, link.orderId)) : undefined;
}
