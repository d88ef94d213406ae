import type { ColumnType, JSONColumnType } from 'kysely';

export type ConversationEventKind =
  'reaction' | 'edit' | 'revoke' | 'system' | 'number_changed' | 'turn_suppressed' | 'input_skipped';

/** What happened in a conversation that is not a turn (see the migration). */
export interface ConversationEventsTable {
  /** Idempotency: one row per event, however often the activity that writes it is retried. */
  event_key: string;
  conversation_id: string;
  kind: ConversationEventKind;
  message_id: string | null;
  detail: JSONColumnType<Record<string, unknown>>;
  at: ColumnType<Date, Date, never>;
}
