import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * `conversations.ref`: the opaque reference links carry (tickets, Slack), stored and indexed
 * instead of recomputed for every row on each lookup. New rows get a keyed reference (HMAC with
 * CONVERSATION_ID_SECRET); rows from before keep the unkeyed one their links already use.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('ref', 'text').execute();
  await sql`update conversations set ref = left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 20)`.execute(
    db,
  );
  await db.schema
    .alterTable('conversations')
    .alterColumn('ref', (c) => c.setNotNull())
    .execute();
  await db.schema.createIndex('conversations_ref_idx').unique().on('conversations').column('ref').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('ref').execute();
}
