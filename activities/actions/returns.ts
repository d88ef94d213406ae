/**
 * create_return: a return of one delivered order line, with a prepaid label. Proposed by the
 * tool, created by the executor after the customer confirmed — once per order line, ever: the
 * return id is derived from the line, and (order_id, line_no) is unique in Postgres.
 */
import { z } from 'zod';
import {
  isoDate,
  localisedName,
  ORDER_NUMBER_JSON,
  orderNumberArg,
  strictObjectSchema,
} from '../tools/common.js';
import { zonedInstant, zonedParts } from '../tools/opening-hours.js';
import type { ActionResult, AgentTool, ToolOutcome } from '../tools/types.js';
import { say } from './l10n.js';
import { REASON_JSON, reasonArg, type ReasonCategory } from './reasons.js';
import {
  actionTool,
  changed,
  lineRange,
  ORDER_NOT_FOUND,
  refusedNotFound,
  type ActionContext,
  type Customer,
} from './shared.js';
import type { Db } from '../../db/database.js';
import { findLineReturn, insertReturn } from '../../db/repositories/shop-returns.js';
import { findOwnedOrder, type OwnedOrder } from '../../db/repositories/shop.js';
import { plainAmount } from '../../domain/locale.js';

/** The carrier of the prepaid return labels. */
export const RETURN_CARRIER = 'Colissimo';

/** Consumables cannot be returned once opened (knowledge/demo/en/returns-refunds.md). */
const CONSUMABLE_SKUS = new Set(['PH-DL', 'K2-F', 'V9-HF']);

export function returnIdFor(orderId: string, lineNo: number): string {
  return `RET-${orderId}-${lineNo}`;
}

/** The label's tracking number: derived from the return, so a re-created label is the same one. */
export function returnTrackingNumber(orderId: string, lineNo: number): string {
  return `8R${orderId.padStart(9, '0')}${String(lineNo).padStart(2, '0')}`;
}

/**
 * When the order's return window ends: `days` after delivery, or — the shop's holiday rule —
 * 31 January (end of day, business time) for orders placed from 15 November to 24 December,
 * whichever is later. Undefined when the order was never delivered.
 */
export function returnDeadline(
  order: { placed_at: Date; delivered_at: Date | null },
  days: number,
  timezone: string,
): Date | undefined {
  if (!order.delivered_at) return undefined;
  const standard = new Date(order.delivered_at.getTime() + days * 86_400_000);
  const placed = zonedParts(order.placed_at, timezone).date;
  const monthDay = placed.slice(5);
  if (monthDay < '11-15' || monthDay > '12-24') return standard;
  const holiday = zonedInstant(`${Number(placed.slice(0, 4)) + 1}-02-01`, '00:00', timezone);
  return holiday > standard ? holiday : standard;
}

export const returnParams = z.strictObject({
  returnId: z.string().regex(/^RET-\d{1,12}-\d{1,3}$/),
  orderId: z.string().regex(/^\d{1,12}$/),
  lineNo: z.number().int().min(1),
  sku: z.string(),
  reason: z.enum(['damaged', 'not_received', 'wrong_item', 'changed_mind', 'late_delivery', 'other']),
});
export type ReturnParams = z.output<typeof returnParams>;

export function returnActionKey(p: { orderId: string; lineNo: number }): string {
  return `return:${p.orderId}:${p.lineNo}`;
}

type Check = { ok: true; line: OwnedOrder['lines'][number] } | { ok: false; reason: string; window?: true };

/** The preconditions, checked by the tool and again by the executor. */
async function checkReturnable(
  ctx: ActionContext,
  db: Db,
  order: OwnedOrder,
  lineNo: number,
): Promise<Check> {
  if (order.status === 'returned')
    return { ok: false, reason: `Order ${order.id} has already been returned.` };
  if (order.status !== 'delivered') {
    return {
      ok: false,
      reason:
        order.status === 'shipped'
          ? `Order ${order.id} has not been delivered yet: a return can be created once it is delivered. If the parcel is late, check shipment_tracking.`
          : `Order ${order.id} is ${order.status}, not delivered: there is nothing to return.`,
    };
  }
  const deadline = returnDeadline(order, ctx.returnWindowDays, ctx.timezone);
  if (!deadline || ctx.now() >= deadline) {
    return {
      ok: false,
      window: true,
      reason: `The return window of order ${order.id} ended on ${deadline ? isoDate(new Date(deadline.getTime() - 1)) : 'its delivery'} (${ctx.returnWindowDays} days after delivery on ${order.delivered_at ? isoDate(order.delivered_at) : '?'}). A defective product may still be covered by the 2-year warranty: offer a hand-over for a warranty claim.`,
    };
  }
  const line = order.lines.find((l) => l.line_no === lineNo);
  if (!line)
    return { ok: false, reason: `Order ${order.id} has no item ${lineNo}: it has ${lineRange(order)}.` };
  const existing = await findLineReturn(db, order.id, lineNo);
  if (existing) {
    return {
      ok: false,
      reason:
        existing.status === 'cancelled'
          ? `A return of this item (${existing.return_id}) was cancelled earlier: a colleague must reopen it.`
          : `This item already has a return, ${existing.return_id} (${existing.status === 'received' ? 'received at the warehouse' : 'label issued'}).`,
    };
  }
  return { ok: true, line };
}

const args = z.strictObject({
  orderNumber: orderNumberArg,
  lineNumber: z.number().int().min(1).max(999),
  reason: reasonArg,
});

export function createReturnTool(ctx: ActionContext): AgentTool {
  return actionTool(ctx, {
    name: 'create_return',
    action: 'create_return',
    description:
      "Proposes returning one item of one of the customer's own delivered orders, within the return window, with a prepaid return label. Nothing happens by this call: the customer is shown the return and asked to confirm with buttons; only then is the return created and the label sent in this chat.",
    parameters: strictObjectSchema({
      orderNumber: ORDER_NUMBER_JSON,
      lineNumber: {
        type: 'integer',
        description: 'The item to return: its position in the order (1 = first item listed by order_status).',
      },
      reason: REASON_JSON,
    }),
    args,
    notFound: ORDER_NOT_FOUND,
    async propose(a, customer): Promise<ToolOutcome> {
      const order = await findOwnedOrder(ctx.db, customer.waId, a.orderNumber);
      if (!order) return { ...ORDER_NOT_FOUND };
      const check = await checkReturnable(ctx, ctx.db, order, a.lineNumber);
      if (!check.ok) return { status: 'refused', reason: check.reason };
      const { line } = check;
      const params: ReturnParams = {
        returnId: returnIdFor(order.id, line.line_no),
        orderId: order.id,
        lineNo: line.line_no,
        sku: line.sku,
        reason: a.reason,
      };
      const notes = [
        CONSUMABLE_SKUS.has(line.sku)
          ? 'This is a consumable: it can be returned only unopened. Tell the customer before they confirm.'
          : null,
        a.reason === 'changed_mind'
          ? 'For a change of mind the prepaid label costs 5.90 EUR, deducted from the refund (free for defective, damaged or wrong products).'
          : 'Return shipping is free for this reason.',
        `Refund of the item (${plainAmount(line.quantity * line.unit_price_cents, order.currency)}) within 5–10 business days after the return arrives.`,
      ].filter((n): n is string => n !== null);
      return {
        status: 'needs_confirmation',
        proposal: {
          action: 'create_return',
          actionKey: returnActionKey(params),
          summary: say('return_proposal', customer.language, {
            item: localisedName(line, customer.language),
            order: order.id,
          }),
          params,
        },
        data: { returnId: params.returnId, notes },
      };
    },
  });
}

/** Creates the return inside the executor's transaction, after re-checking everything. */
export async function executeReturn(
  ctx: ActionContext,
  tx: Db,
  p: ReturnParams,
  customer: Customer,
): Promise<ActionResult> {
  const lang = customer.language;
  const order = await findOwnedOrder(tx, customer.waId, p.orderId, { lock: true });
  if (!order) return refusedNotFound(lang, `No order ${p.orderId} for this customer.`);
  const check = await checkReturnable(ctx, tx, order, p.lineNo);
  if (!check.ok) {
    return {
      status: 'refused',
      reason: check.reason,
      summary: say(check.window ? 'refused_return_window' : 'refused_changed', lang),
    };
  }
  if (check.line.sku !== p.sku) return changed(lang, 'The order line no longer holds the confirmed product.');
  const inserted = await insertReturn(tx, {
    returnId: p.returnId,
    orderId: p.orderId,
    lineNo: p.lineNo,
    reason: p.reason as ReasonCategory,
    carrier: RETURN_CARRIER,
    labelTrackingNumber: returnTrackingNumber(p.orderId, p.lineNo),
  });
  // Created meanwhile by another channel (the order row lock keeps our own executions apart).
  if (!inserted) return changed(lang, 'A return of this item was created meanwhile.');
  return {
    status: 'done',
    summary: say('return_done', lang, {
      returnId: inserted.return_id,
      item: localisedName(check.line, lang),
      order: p.orderId,
    }),
    document: { kind: 'return_label', returnId: inserted.return_id },
    data: {
      returnId: inserted.return_id,
      carrier: RETURN_CARRIER,
      trackingNumber: inserted.label_tracking_number,
    },
  };
}
