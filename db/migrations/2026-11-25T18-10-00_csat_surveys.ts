import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * One row per resolution that was due a satisfaction survey: sent (how), or skipped (why), and the
 * customer's answer. Feeds CSAT by resolver (Parley vs a person) and the response rate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csat_surveys')
    .addColumn('survey_key', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('resolved_by', 'text', (c) => c.notNull().check(sql`resolved_by in ('parley', 'agent')`))
    .addColumn('agent_id', 'text')
    .addColumn('intent', 'text')
    .addColumn('language', 'text')
    .addColumn('resolved_at', 'timestamptz', (c) => c.notNull())
    .addColumn('time_to_resolution_ms', 'bigint')
    .addColumn('channel', 'text', (c) => c.check(sql`channel in ('buttons', 'template')`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('skipped_reason', 'text')
    .addColumn('score', 'integer', (c) => c.check(sql`score between 1 and 3`))
    .addColumn('comment', 'text')
    .addColumn('answered_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('csat_surveys_resolved_idx').on('csat_surveys').column('resolved_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('csat_surveys').execute();
}
