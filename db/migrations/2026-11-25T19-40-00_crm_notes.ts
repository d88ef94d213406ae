import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * `crm_notes`: one row per resolution note, keyed by the CRM and a hash of the note's idempotency
 * key (keys are built from conversation ids, which hold the customer's number).
 *
 * - For the built-in CRM the row *is* the note (`body`), written once: the primary key makes a
 *   retried write a no-op.
 * - For HubSpot, which has no idempotency key, the row records that a note was sent. It is claimed
 *   (`sending`) before the note is created and becomes `written` with HubSpot's note id after; an
 *   attempt that lost HubSpot's answer leaves it `uncertain`, and the next attempt first looks for
 *   the note in HubSpot before creating one. `claimed_at` lets a claim left `sending` by a dead
 *   worker be taken over after a lease.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crm_notes')
    .addColumn('system', 'text', (c) => c.notNull().check(sql`system in ('builtin', 'hubspot')`))
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('contact_ref', 'text', (c) => c.notNull())
    .addColumn('conversation_ref', 'text', (c) => c.notNull())
    .addColumn('resolved_by', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('note_at', 'timestamptz', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('sending', 'uncertain', 'written')`))
    .addColumn('external_note_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('written_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('crm_notes_pkey', ['system', 'key_hash'])
    .execute();
  await db.schema
    .createIndex('crm_notes_contact_idx')
    .on('crm_notes')
    .columns(['system', 'contact_ref', 'note_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crm_notes').execute();
}
