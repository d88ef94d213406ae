/**
 * apply_promo_code: a code on one of the customer's own orders that has not shipped yet. The rules
 * of knowledge/demo/en/promo-codes.md, checked by code: the code exists and is active, not expired,
 * the basket (lines, before shipping) reaches its minimum, one code per order, and once per
 * customer when the code says so. The executor records the redemption; the unique indexes on
 * redemptions make a concurrent second redemption lose cleanly (nothing changes, it is refused).
 */
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { refundIdFor } from '../../db/repositories/refunds.js';
import {
  findCustomerRedemption,
  findOrderRedemption,
  findPromoCode,
  insertRedemption,
} from '../../db/repositories/shop-promo-codes.js';
import { deductFromOrderTotal, findOwnedOrder, type OwnedOrder } from '../../db/repositories/shop.js';
import { isoDate, ORDER_NUMBER_JSON, orderNumberArg, strictObjectSchema } from '../tools/common.js';
import type { ActionResult, AgentTool, ToolOutcome } from '../tools/types.js';
import { say } from './l10n.js';
import {
  actionTool,
  basketCents,
  ORDER_NOT_FOUND,
  refusedNotFound,
  type ActionContext,
  type Customer,
} from './shared.js';
import { formatMoney, plainAmount } from '../../domain/locale.js';

const PROMO_STATUSES = ['pending', 'paid'] as const;

const codeArg = z
  .string()
  .max(40)
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9_-]{3,32}$/, 'expected a promo code (letters and digits)'));

export const promoParams = z.strictObject({
  code: z.string(),
  orderId: z.string(),
  discountCents: z.number().int().min(0),
  currency: z.string(),
});
export type PromoParams = z.output<typeof promoParams>;

export function promoActionKey(p: { code: string; orderId: string }): string {
  return `promo:${p.code}:${p.orderId}`;
}

type PromoCheck =
  { ok: true; discountCents: number; onePerCustomer: boolean } | { ok: false; reason: string };

/** The preconditions, checked by the tool and again (on a locked order) by the executor. */
async function checkPromo(ctx: ActionContext, db: Db, code: string, order: OwnedOrder): Promise<PromoCheck> {
  const promo = await findPromoCode(db, code);
  // Unknown and deactivated codes get one answer: the tool is no oracle for codes that once existed.
  if (!promo || !promo.active) return { ok: false, reason: `${code} is not a valid promo code.` };
  if (promo.expires_at <= ctx.now()) {
    return {
      ok: false,
      reason: `Code ${code} expired on ${isoDate(promo.expires_at)}. Expired codes cannot be reactivated or extended.`,
    };
  }
  if (!(PROMO_STATUSES as readonly string[]).includes(order.status)) {
    return {
      ok: false,
      reason: `Order ${order.id} is ${order.status}: a code can only be applied before the order ships (pending or paid).`,
    };
  }
  const basket = basketCents(order);
  if (basket < promo.min_basket_cents) {
    return {
      ok: false,
      reason: `Code ${code} needs a basket of at least ${plainAmount(promo.min_basket_cents, order.currency)} before shipping; order ${order.id} has ${plainAmount(basket, order.currency)}.`,
    };
  }
  const onOrder = await findOrderRedemption(db, order.id);
  if (onOrder) {
    return {
      ok: false,
      reason:
        onOrder.code === code
          ? `Code ${code} is already applied to order ${order.id}.`
          : `Order ${order.id} already has code ${onOrder.code}: one promo code per order, codes are not cumulative.`,
    };
  }
  if (promo.one_per_customer) {
    const used = await findCustomerRedemption(db, code, order.customer_id);
    if (used) {
      return {
        ok: false,
        reason: `The customer already used code ${code} (on order ${used.order_id}): it can be used once per customer.`,
      };
    }
  }
  const discountCents =
    promo.percent_off !== null
      ? Math.round((basket * promo.percent_off) / 100)
      : Math.min(promo.amount_off_cents ?? 0, basket);
  return { ok: true, discountCents, onePerCustomer: promo.one_per_customer };
}

export function applyPromoCodeTool(ctx: ActionContext): AgentTool {
  return actionTool(ctx, {
    name: 'apply_promo_code',
    action: 'apply_promo_code',
    description:
      "Proposes applying a promo code to one of the customer's own orders that has not shipped yet (pending or paid). The code's rules (expiry, minimum basket, once per customer, one code per order) are checked by code. Nothing changes by this call: the customer is shown the discount and asked to confirm with buttons; only then is the code applied.",
    parameters: strictObjectSchema({
      code: {
        type: 'string',
        description: 'The promo code as the customer typed it (case does not matter).',
      },
      orderNumber: ORDER_NUMBER_JSON,
    }),
    args: z.strictObject({ code: codeArg, orderNumber: orderNumberArg }),
    notFound: ORDER_NOT_FOUND,
    async propose(a, customer): Promise<ToolOutcome> {
      const order = await findOwnedOrder(ctx.db, customer.waId, a.orderNumber);
      if (!order) return { ...ORDER_NOT_FOUND };
      const check = await checkPromo(ctx, ctx.db, a.code, order);
      if (!check.ok) return { status: 'refused', reason: check.reason };
      const params: PromoParams = {
        code: a.code,
        orderId: order.id,
        discountCents: check.discountCents,
        currency: order.currency,
      };
      const lang = customer.language;
      return {
        status: 'needs_confirmation',
        proposal: {
          action: 'apply_promo_code',
          actionKey: promoActionKey(params),
          summary: say('promo_proposal', lang, {
            code: a.code,
            order: order.id,
            discount: formatMoney(check.discountCents, order.currency, lang),
          }),
          params,
        },
        data: { discount: plainAmount(check.discountCents, order.currency) },
      };
    },
  });
}

/** Records the redemption inside the executor's transaction, after re-checking everything. */
export async function executePromo(
  ctx: ActionContext,
  tx: Db,
  p: PromoParams,
  customer: Customer,
): Promise<ActionResult> {
  const lang = customer.language;
  // The order row lock serialises everything done to this order (one code per order holds).
  const order = await findOwnedOrder(tx, customer.waId, p.orderId, { lock: true });
  if (!order) return refusedNotFound(lang, `No order ${p.orderId} for this customer.`);
  const refuse = (reason: string): ActionResult => ({
    status: 'refused',
    reason,
    summary: say('refused_promo', lang),
  });
  const check = await checkPromo(ctx, tx, p.code, order);
  if (!check.ok) return refuse(check.reason);
  if (check.discountCents !== p.discountCents || order.currency !== p.currency) {
    return refuse(`The discount of code ${p.code} on order ${p.orderId} changed after this was proposed.`);
  }
  // Once per customer across orders is not covered by the order lock: the partial unique index is.
  const inserted = await insertRedemption(tx, {
    code: p.code,
    customerId: order.customer_id,
    orderId: order.id,
    discountCents: p.discountCents,
    onePerCustomer: check.onePerCustomer,
  });
  if (!inserted) return refuse(`Code ${p.code} was redeemed by this customer meanwhile (once per customer).`);
  // Money follows the code: an unpaid order owes less; a paid one gets the discount back, as a
  // refund the conversation starts (the refund workflow, so it is paid exactly once).
  let refundDue: PromoRefundDue | undefined;
  if (order.status === 'pending') {
    await deductFromOrderTotal(tx, order.id, p.discountCents);
  } else if (order.payment_ref && p.discountCents > 0) {
    refundDue = {
      refundId: refundIdFor(order.id, undefined, `promo ${p.code}`),
      orderId: order.id,
      reason: `promo code ${p.code}`,
      amountCents: p.discountCents,
      currency: order.currency,
      paymentRef: order.payment_ref,
    };
  }
  return {
    status: 'done',
    summary: say('promo_done', lang, {
      code: p.code,
      order: p.orderId,
      discount: formatMoney(p.discountCents, p.currency, lang),
    }),
    data: {
      code: p.code,
      orderId: p.orderId,
      discountCents: p.discountCents,
      ...(refundDue ? { refundDue } : {}),
    },
  };
}

/** The discount of a code applied to a paid order, to be refunded to the payment. */
export interface PromoRefundDue {
  refundId: string;
  orderId: string;
  reason: string;
  amountCents: number;
  currency: string;
  paymentRef: string;
}
