import type { ColumnType, Generated } from 'kysely';

/** Every attempt ops (or Parley) made on a refund: who asked, what happened. */
export interface RefundAttemptsTable {
  id: Generated<string>;
  refund_id: string;
  requested_by: string;
  outcome: string;
  detail: string | null;
  at: ColumnType<Date, Date | undefined, never>;
}
