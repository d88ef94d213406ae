import type { ColumnType } from 'kysely';

/** The subscription tiers and their monthly price. */
export interface ShopSubscriptionTiersTable {
  tier: string;
  monthly_cents: number;
  currency: ColumnType<string, string | undefined, string>;
}
