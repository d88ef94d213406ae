import type { ColumnType } from 'kysely';

/** Promo codes and their rules (see knowledge/demo/en/promo-codes.md). */
export interface ShopPromoCodesTable {
  /** Upper case; customers type codes in any case. */
  code: string;
  /** Exactly one of percent_off and amount_off_cents is set. */
  percent_off: number | null;
  amount_off_cents: number | null;
  /** On the basket (the lines), before shipping. */
  min_basket_cents: ColumnType<number, number | undefined, number>;
  expires_at: Date;
  one_per_customer: ColumnType<boolean, boolean | undefined, boolean>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
}
