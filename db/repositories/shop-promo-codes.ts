/**
 * Promo codes and their redemptions. One code per order and, for codes flagged so, once per
 * customer: unique indexes on the redemptions hold both, so of two concurrent redemptions one
 * inserts nothing.
 */
import type { Db } from '../database.js';

export async function findPromoCode(db: Db, code: string) {
  return db.selectFrom('shop_promo_codes').selectAll().where('code', '=', code).executeTakeFirst();
}

/** The code already applied to an order, if any. */
export async function findOrderRedemption(db: Db, orderId: string) {
  return db
    .selectFrom('shop_promo_redemptions')
    .select('code')
    .where('order_id', '=', orderId)
    .executeTakeFirst();
}

/** The order on which a customer already redeemed a code, if any. */
export async function findCustomerRedemption(db: Db, code: string, customerId: string) {
  return db
    .selectFrom('shop_promo_redemptions')
    .select('order_id')
    .where('code', '=', code)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

export interface NewRedemption {
  code: string;
  customerId: string;
  orderId: string;
  discountCents: number;
  /** The code's flag, copied so the partial unique index can enforce it. */
  onePerCustomer: boolean;
}

/**
 * Records a redemption: false (nothing written) when a unique index refused it. "Do nothing" on
 * the conflict, not an error, so the caller's transaction stays usable to say so.
 */
export async function insertRedemption(db: Db, r: NewRedemption): Promise<boolean> {
  const inserted = await db
    .insertInto('shop_promo_redemptions')
    .values({
      code: r.code,
      customer_id: r.customerId,
      order_id: r.orderId,
      discount_cents: r.discountCents,
      one_per_customer: r.onePerCustomer,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}
