import type { ColumnType } from 'kysely';

/** Why a customer wants a refund or a return, normalised (see activities/actions/reasons.ts). */
export type ReasonCategory =
  'damaged' | 'not_received' | 'wrong_item' | 'changed_mind' | 'late_delivery' | 'other';

export type ReturnStatus = 'label_issued' | 'received' | 'cancelled';

/** One return per order line (unique (order_id, line_no)), with its prepaid label. */
export interface ShopReturnsTable {
  /** 'RET-<order>-<line>': derived from what is returned, so creating it twice is one return. */
  return_id: string;
  order_id: string;
  line_no: number;
  reason: ReasonCategory;
  status: ColumnType<ReturnStatus, ReturnStatus | undefined, ReturnStatus>;
  carrier: string;
  label_tracking_number: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}
