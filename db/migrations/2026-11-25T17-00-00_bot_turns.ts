import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * One row per answer Parley composed: which mode answered and why (model, knowledge-base passage,
 * order status, a clarifying question, hand-off), the passages it cited, the tools it called, tokens and model latency —
 * for cost analytics, quality review and the AI Act audit trail. Keyed by the reply's idempotency
 * key, so a retried turn records once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bot_turns')
    .addColumn('turn_key', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) =>
      c.notNull().check(sql`mode in ('model', 'knowledge', 'order_status', 'clarify', 'handoff', 'media')`),
    )
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('intent', 'text')
    .addColumn('confidence', 'real')
    .addColumn('needs_human', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('cited_chunk_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('tool_calls', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('model', 'text')
    .addColumn('model_rounds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('model_latency_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('bot_turns_conversation_idx')
    .on('bot_turns')
    .columns(['conversation_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bot_turns').execute();
}
