import type { ColumnType, Generated } from 'kysely';

/** One row per conversation workflow: the cross-conversation projection of its state. */
export interface ConversationsTable {
  /** The workflow id: a keyed hash of the business number and the customer (core/conversation-ids.ts). */
  id: string;
  /** The opaque reference in links (tickets, Slack); unique. */
  ref: string;
  phone_number_id: string;
  wa_id: string;
  display_name: string | null;
  status: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  last_inbound_at: Date | null;
  last_outbound_at: Date | null;
  message_count: Generated<number>;
  assigned_agent_id: string | null;
  language: string | null;
  customer_tier: string | null;
  escalated: Generated<boolean>;
  /** The rolling summary, carried into the customer's next conversation. */
  summary: Generated<string>;
  resolved_at: Date | null;
  closed_at: Date | null;
}
