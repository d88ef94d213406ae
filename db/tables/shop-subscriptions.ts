import type { ColumnType } from 'kysely';

export type SubscriptionStatus = 'active' | 'paused';

/** A customer's subscription (at most one per customer). */
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
