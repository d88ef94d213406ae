import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Inbound traffic from an external helpdesk (Zendesk's webhook) names its own ticket id; these
 * tables lead it back to the conversation and make Zendesk's retries harmless.
 *
 * - `helpdesk_ticket_links`: one row per external ticket Parley created, written by the helpdesk
 *   adapter right after the create (and again, as a no-op, on its de-duplicated retries).
 * - `zendesk_processed_comments`: one row per agent comment relayed (or deliberately not relayed) to
 *   the customer. The row is claimed before the comment is sent, so a webhook delivered twice sends
 *   once; a claim left `processing` by a crashed API process can be taken over after a while.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('helpdesk_ticket_links')
    .addColumn('system', 'text', (c) => c.notNull().check(sql`system in ('builtin', 'zendesk')`))
    .addColumn('external_ticket_id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('helpdesk_ticket_links_pkey', ['system', 'external_ticket_id'])
    .execute();
  await db.schema
    .createIndex('helpdesk_ticket_links_conversation_idx')
    .on('helpdesk_ticket_links')
    .column('conversation_id')
    .execute();

  await db.schema
    .createTable('zendesk_processed_comments')
    .addColumn('comment_id', 'text', (c) => c.primaryKey())
    .addColumn('external_ticket_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('processing', 'sent', 'not_delivered', 'rejected')`),
    )
    .addColumn('detail', 'text')
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('zendesk_processed_comments').execute();
  await db.schema.dropTable('helpdesk_ticket_links').execute();
}
