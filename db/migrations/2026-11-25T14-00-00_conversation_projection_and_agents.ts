import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('assigned_agent_id', 'text')
    .addColumn('language', 'text')
    .addColumn('customer_tier', 'text')
    .addColumn('escalated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('conversation_transitions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    /** Unique per conversation: a retried projection activity does not log a transition twice. */
    .addColumn('transition_key', 'text', (c) => c.notNull().unique())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_transitions_conversation_idx')
    .on('conversation_transitions')
    .columns(['conversation_id', 'at'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agents').execute();
  await db.schema.dropTable('conversation_transitions').execute();
  await db.schema
    .alterTable('conversations')
    .dropColumn('assigned_agent_id')
    .dropColumn('language')
    .dropColumn('customer_tier')
    .dropColumn('escalated')
    .dropColumn('summary')
    .dropColumn('resolved_at')
    .dropColumn('closed_at')
    .execute();
}
