import type { ColumnType, Generated } from 'kysely';

/** One row per conversation workflow: the cross-conversation projection of its state. */
export interface ConversationsTable {
  /** The workflow id, `whatsapp:<phone_number_id>:<wa_id>`. */
  id: string;
  phone_number_id: string;
  wa_id: string;
  display_name: string | null;
  status: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  last_inbound_at: Date | null;
  last_outbound_at: Date | null;
  message_count: Generated<number>;
}
