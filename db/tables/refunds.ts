import type { ColumnType } from 'kysely';

export type RefundStatus =
  'reserved' | 'awaiting_approval' | 'approved' | 'processing' | 'succeeded' | 'failed' | 'rejected';

/** The refund ledger (see the migration): one row per refund id, the provider's idempotency key. */
export interface RefundsTable {
  refund_id: string;
  order_id: string;
  order_line: number | null;
  conversation_id: string | null;
  reason: string;
  amount_cents: number;
  currency: string;
  status: RefundStatus;
  approved_by: string | null;
  provider: string | null;
  provider_refund_id: string | null;
  failure_reason: string | null;
  /** What was paid (added by migration 19-30; null on rows reserved before it). */
  payment_ref: ColumnType<string | null, string | null | undefined, string | null>;
  /** Who asked for the refund (`customer:<masked number>`, an agent, ops). */
  requested_by: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
