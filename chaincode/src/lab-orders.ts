/** Lab orders as ledger keys, shared by the lab-order contract and the lawful-basis rules. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key, refile } from './ledger';
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

export { LAB_ORDER_STATUSES } from '@ehr/protocol';

/** Public index: a lab's work queue, by status, oldest first. */
export const LAB_QUEUE = 'labQueue';
export const labQueueKey = (ctx: Context, order: LabOrder) =>
  key(ctx, LAB_QUEUE, order.lab, order.status, order.createdAt, order.orderId);

/** Public index: a doctor's orders still open (not completed or rejected), oldest first. */
export const OPEN_LAB_ORDERS = 'openLabOrder';
export const openOrderKey = (ctx: Context, order: LabOrder) =>
  key(ctx, OPEN_LAB_ORDERS, order.orderingOrg, order.orderingDoctor, order.createdAt, order.orderId);

export const isOpen = (order: LabOrder) => order.status !== 'completed' && order.status !== 'rejected';

/** The index keys an order is filed under in its current status. */
export function orderIndexKeys(ctx: Context, order: LabOrder): string[] {
  return isOpen(order) ? [labQueueKey(ctx, order), openOrderKey(ctx, order)] : [labQueueKey(ctx, order)];
}

/**
 * Files an order under its status, moving it out of the entries of its previous status in the
 * same transaction. The entries carry the order's policy: the ordering member AND the lab.
 */
export async function fileOrder(ctx: Context, order: LabOrder, previous: LabOrder | undefined): Promise<void> {
  const before = previous ? orderIndexKeys(ctx, previous) : [];
  await refile(ctx, before, orderIndexKeys(ctx, order), { orderId: order.orderId }, [order.orderingOrg, order.lab]);
}
