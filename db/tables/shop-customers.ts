import type { ColumnType } from 'kysely';

export type CustomerTier = 'standard' | 'vip' | 'enterprise';

/** The demo shop's customers. `wa_id` (digits only) is the identity the agent's tools trust. */
export interface ShopCustomersTable {
  id: string;
  wa_id: string;
  email: string | null;
  name: string;
  tier: ColumnType<CustomerTier, CustomerTier | undefined, CustomerTier>;
  /** ISO 639-1. */
  language: ColumnType<string, string | undefined, string>;
  /** The human agent who owns the account (VIP / enterprise), if any. */
  owner_agent_id: string | null;
  lifetime_value_cents: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}
