import type { ColumnType, Generated } from 'kysely';

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

/** The embedded calendar: bookable slots of a service, each with a capacity. */
export interface ShopAppointmentSlotsTable {
  id: string;
  service: string;
  starts_at: Date;
  capacity: number;
  booked: ColumnType<number, number | undefined, number>;
}

export type AppointmentStatus = 'booked' | 'cancelled';

export interface ShopAppointmentsTable {
  id: string;
  customer_id: string;
  service: string;
  slot_id: string;
  starts_at: Date;
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  /** Bumped by every change; part of the action keys (see the migration). */
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ShopSubscriptionTiersTable {
  tier: string;
  monthly_cents: number;
  currency: ColumnType<string, string | undefined, string>;
}

export type SubscriptionStatus = 'active' | 'paused';

export interface ShopSubscriptionsTable {
  id: string;
  customer_id: string;
  tier: string;
  status: SubscriptionStatus;
  /** A calendar date: read it as text (`paused_until::text`), like `estimated_delivery`. */
  paused_until: ColumnType<Date | null, string | null, string | null>;
  monthly_cents: number;
  currency: ColumnType<string, string | undefined, string>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

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

export type ActionLogEvent = 'proposed' | 'refused' | 'executed' | 'execution_refused';

/** The audit trail of every action proposal, refusal and execution. No phone numbers, no free text. */
export interface ActionLogTable {
  id: Generated<string>;
  action_key: string | null;
  action: string;
  conversation_id: string;
  customer_id: string | null;
  event: ActionLogEvent;
  /** Written as a JSON string, read back parsed. */
  detail: ColumnType<unknown, string, string>;
  at: ColumnType<Date, Date | undefined, never>;
}
