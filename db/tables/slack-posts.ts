import type { ColumnType, Generated } from 'kysely';

/** Slack messages Parley posted about a conversation (see the migration). */
export interface SlackPostsTable {
  id: Generated<string>;
  conversation_id: string;
  channel: string;
  ts: string;
  posted_at: ColumnType<Date, Date | undefined, never>;
}
