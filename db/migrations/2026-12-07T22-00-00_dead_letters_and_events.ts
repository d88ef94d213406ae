import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * - `dead_letters`: parts of signed webhook deliveries that could not be understood or routed,
 *   kept with the reason and a webhook body holding only that part, so ops can replay them after a
 *   fix. One row per distinct part (`fingerprint`): Meta's retries of the same delivery count up
 *   `deliveries` instead of adding rows. Rows expire (`expires_at`): the raw part holds customer
 *   data.
 * - `conversation_events`: what happened in a conversation that is not a turn — a reaction, an
 *   edit, a deletion, a system notice, a number change, a turn suppressed by the loop guard — once
 *   per `event_key`.
 * - `bot_turns.feedback`: a customer's reaction on one of Parley's answers (👍 / 👎 / another emoji).
 * - `messages.edited_at` / `deleted_at`: the customer edited or deleted the message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dead_letters')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('raw_truncated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('request_id', 'text')
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('new')
        .check(sql`status in ('new', 'replayed')`),
    )
    .addColumn('replay_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_replay_error', 'text')
    .addColumn('replayed_at', 'timestamptz')
    .addColumn('replayed_by', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dead_letters_status_idx')
    .on('dead_letters')
    .columns(['status', 'id'])
    .execute();
  await db.schema.createIndex('dead_letters_expires_idx').on('dead_letters').column('expires_at').execute();

  await db.schema
    .createTable('conversation_events')
    .addColumn('event_key', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_events_conversation_idx')
    .on('conversation_events')
    .columns(['conversation_id', 'at'])
    .execute();

  await db.schema
    .alterTable('bot_turns')
    .addColumn('feedback', 'text')
    .addColumn('feedback_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('messages')
    .addColumn('edited_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('edited_at').dropColumn('deleted_at').execute();
  await db.schema.alterTable('bot_turns').dropColumn('feedback').dropColumn('feedback_at').execute();
  await db.schema.dropTable('conversation_events').execute();
  await db.schema.dropTable('dead_letters').execute();
}
