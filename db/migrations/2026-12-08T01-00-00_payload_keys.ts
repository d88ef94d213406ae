import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * `payload_keys`: the data keys that encrypt Temporal payloads, one live key per scope (a
 * conversation, or `system` for workflows that belong to no customer), each wrapped by a master key
 * from config. Erasing a customer shreds their keys: `wrapped_key` is set to null and `destroyed_at`
 * stamped, and every history encrypted with them can no longer be read. A later conversation with
 * the same customer gets a new key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payload_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('destroyed_at', 'timestamptz')
    .addCheckConstraint('payload_keys_shredded', sql`(wrapped_key is null) = (destroyed_at is not null)`)
    .execute();
  // One live key per scope: concurrent first uses agree on it.
  await sql`create unique index payload_keys_live_scope_idx on payload_keys (scope) where destroyed_at is null`.execute(
    db,
  );
  await db.schema.createIndex('payload_keys_scope_idx').on('payload_keys').column('scope').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payload_keys').execute();
}
