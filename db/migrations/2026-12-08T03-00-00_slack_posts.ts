import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * `slack_posts`: the Slack messages Parley posted about a conversation (hand-offs, reminders,
 * on-call pages), by channel and `ts`, so erasing the customer can delete them too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('slack_posts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('slack_posts_channel_ts', ['channel', 'ts'])
    .execute();
  await db.schema
    .createIndex('slack_posts_conversation_idx')
    .on('slack_posts')
    .column('conversation_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slack_posts').execute();
}
