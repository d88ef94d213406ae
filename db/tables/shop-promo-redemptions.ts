import type { ColumnType, Generated } from 'kysely';

/** Promo codes applied to orders: one per order, and once per customer when the code says so. */
export interface ShopPromoRedemptionsTable {
  /** bigserial: pg returns int8 as a string. */
  id: Generated<string>;
  code: string;
  customer_id: string;
  order_id: string;
  discount_cents: number;
  /** The code's flag when redeemed: a partial unique index enforces once per customer. */
  one_per_customer: boolean;
  redeemed_at: ColumnType<Date, Date | undefined, never>;
}
