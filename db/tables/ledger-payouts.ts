import type { ColumnType } from 'kysely';

/** The built-in payment provider's payouts (see the migration): one per refund id. */
export interface LedgerPayoutsTable {
  /** `lp_<random>`. */
  id: string;
  payment_ref: string;
  /** Our refund id, also the idempotency key. */
  refund_id: string;
  amount_cents: number;
  /** Upper-case ISO 4217, the payment's. */
  currency: string;
  /** Payouts are instantaneous: a row is a refund paid. */
  status: ColumnType<'succeeded', 'succeeded' | undefined, never>;
  reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}
