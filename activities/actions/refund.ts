/**
 * request_refund: proposes a refund the customer confirms; the refund workflow executes it (it
 * reserves the amount in the ledger under a lock on the order, then pays). This tool only checks,
 * in code, what the model cannot be trusted with: whose order it is, that it was paid, and that the
 * amount fits what is left to refund — "refund me €500" on a €168 order is refused here, stating
 * the €168.
 */
import { z } from 'zod';
import {
  committedRefundsOfLine,
  getRefund,
  refundableCents,
  refundIdFor,
} from '../../db/repositories/refunds.js';
import { findOwnedOrder } from '../../db/repositories/shop.js';
import type { RefundStatus } from '../../db/tables/refunds.js';
import { localisedName, ORDER_NUMBER_JSON, orderNumberArg, strictObjectSchema } from '../tools/common.js';
import type { AgentTool, ToolOutcome } from '../tools/types.js';
import { say } from './l10n.js';
import { REASON_JSON, reasonArg } from './reasons.js';
import { actionTool, lineRange, ORDER_NOT_FOUND, type ActionContext } from './shared.js';
import { formatMoney, plainAmount } from '../../domain/locale.js';

const REFUNDABLE_STATUSES = ['paid', 'shipped', 'delivered'] as const;

// "12.50", "12,50", "12", "€12.50", "12.50 EUR": major units, at most two decimals.
const AMOUNT_RE = /^(?:€\s*)?(\d{1,7})(?:[.,](\d{1,2}))?(?:\s*(?:€|eur))?$/i;

/** An amount in major units as the model passes it, in integer cents (no float arithmetic). */
export const amountArg = z
  .string()
  .max(32)
  .transform((raw, ctx) => {
    const m = AMOUNT_RE.exec(raw.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: "expected an amount in major units like '12.50'" });
      return z.NEVER;
    }
    return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  });

const args = z.strictObject({
  orderNumber: orderNumberArg,
  lineNumber: z.number().int().min(1).max(999).nullable(),
  reason: reasonArg,
  amount: amountArg.nullable(),
});

/** What an existing refund with the same id is doing, for the model to tell the customer. */
const EXISTING_NOTE: Record<RefundStatus, string> = {
  reserved: 'it is being paid',
  awaiting_approval: 'it is waiting for a colleague to approve it',
  approved: 'it is approved and being paid',
  processing: 'it is being paid',
  succeeded: 'it was paid',
  failed: 'it failed; a colleague must look at it',
  rejected: 'it was declined; a colleague must look at it',
};

export function requestRefundTool(ctx: ActionContext): AgentTool {
  return actionTool(ctx, {
    name: 'request_refund',
    action: 'refund',
    description:
      "Proposes a refund on one of the customer's own orders (paid, shipped or delivered): one item (lineNumber, 1 = first item of the order) or the whole order (lineNumber null), for the item's or order's price unless the customer asks for less (amount). Nothing is refunded by this call: the customer is shown the exact refund and asked to confirm with buttons; only then is it processed (large refunds are approved by a colleague first). The refundable amount is checked by code.",
    parameters: strictObjectSchema({
      orderNumber: ORDER_NUMBER_JSON,
      lineNumber: {
        type: ['integer', 'null'],
        description:
          'The item to refund: its position in the order (1 = first item), or null for the whole order.',
      },
      reason: REASON_JSON,
      amount: {
        type: ['string', 'null'],
        description:
          "A partial amount in the order's currency, major units as a string like '12.50', or null for the full price of the item (or order).",
      },
    }),
    args,
    notFound: ORDER_NOT_FOUND,
    async propose(a, customer): Promise<ToolOutcome> {
      const order = await findOwnedOrder(ctx.db, customer.waId, a.orderNumber);
      if (!order) return { ...ORDER_NOT_FOUND };
      if (!(REFUNDABLE_STATUSES as readonly string[]).includes(order.status)) {
        return {
          status: 'refused',
          reason:
            order.status === 'pending'
              ? `Order ${order.id} has not been paid yet: there is nothing to refund. An unpaid order can simply be cancelled by customer service.`
              : order.status === 'returned'
                ? `Order ${order.id} was returned: its refund is handled with the return.`
                : `Order ${order.id} was cancelled: nothing was charged, so there is nothing to refund.`,
        };
      }
      const line = a.lineNumber === null ? undefined : order.lines.find((l) => l.line_no === a.lineNumber);
      if (a.lineNumber !== null && !line) {
        return {
          status: 'refused',
          reason: `Order ${order.id} has no item ${a.lineNumber}: it has ${lineRange(order)}.`,
        };
      }
      const money = (cents: number) => plainAmount(cents, order.currency);
      const lineTotal = line ? line.quantity * line.unit_price_cents : undefined;
      const amountCents = a.amount ?? lineTotal ?? order.total_cents;
      if (amountCents <= 0) {
        return { status: 'refused', reason: 'A refund must be more than zero.' };
      }
      const refundId = refundIdFor(order.id, line?.line_no, a.reason);
      const existing = await getRefund(ctx.db, refundId);
      if (existing) {
        return {
          status: 'refused',
          reason: `This refund was already requested (${money(existing.amount_cents)}, reason ${a.reason}): ${EXISTING_NOTE[existing.status]}. Nothing new to confirm.`,
        };
      }
      const lineLeft =
        line && lineTotal !== undefined
          ? lineTotal - (await committedRefundsOfLine(ctx.db, order.id, line.line_no))
          : undefined;
      if (lineLeft !== undefined && amountCents > lineLeft) {
        return {
          status: 'refused',
          escalate: true,
          reason: `Item ${line!.line_no} of order ${order.id} cost ${money(lineTotal!)} and ${money(Math.max(0, lineLeft))} of it can still be refunded: a refund of that item cannot be more.`,
        };
      }
      const refundable = Math.max(0, (await refundableCents(ctx.db, order.id)) ?? 0);
      if (amountCents > refundable) {
        return {
          status: 'refused',
          escalate: true,
          reason:
            refundable === 0
              ? `Order ${order.id} has already been refunded in full (or refunds covering its total are in progress): nothing is left to refund.`
              : `The most that can still be refunded on order ${order.id} is ${money(refundable)} (order total ${money(order.total_cents)}, minus refunds already made or in progress). ${money(amountCents)} is more than that: offer at most ${money(refundable)}, or hand over to a colleague.`,
        };
      }
      if (!order.payment_ref) {
        return {
          status: 'refused',
          escalate: true,
          reason: `The payment of order ${order.id} cannot be found automatically: a colleague must handle this refund (hand over).`,
        };
      }
      const needsApproval = amountCents > ctx.autoApproveRefundCents;
      const lang = customer.language;
      const item = line ? ` (${localisedName(line, lang)})` : '';
      const summary = [
        say('refund_proposal', lang, {
          amount: formatMoney(amountCents, order.currency, lang),
          order: order.id,
          item,
        }),
        needsApproval ? say('refund_approval', lang) : '',
      ]
        .join(' ')
        .trim();
      return {
        status: 'needs_confirmation',
        proposal: {
          action: 'refund',
          actionKey: refundId,
          summary,
          params: {
            refundId,
            orderId: order.id,
            orderLine: line?.line_no ?? null,
            reason: a.reason,
            amountCents,
            currency: order.currency,
            paymentRef: order.payment_ref,
            needsApproval,
          },
        },
        data: {
          amount: money(amountCents),
          refundableBefore: money(refundable),
          needsApproval,
          note: needsApproval
            ? 'Above the automatic limit: after the customer confirms, a colleague approves it before it is paid.'
            : 'After the customer confirms, the refund goes to the original payment method (card and PayPal usually show it within 2–5 days).',
        },
      };
    },
  });
}
