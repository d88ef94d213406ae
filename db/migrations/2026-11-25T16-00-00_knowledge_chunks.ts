import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Knowledge-base chunks for the embedded vector store: exact nearest-neighbour search runs in the
 * process over the embeddings persisted here (Float32 little-endian bytea), and Postgres full-text
 * search over `tsv`.
 *
 * `tsv` is a plain column computed on insert, not a generated one: the per-row `text_config::regconfig`
 * cast is only STABLE (it reads the catalogue), so Postgres refuses it in a generated column, and a
 * `regconfig`-typed column would block pg_upgrade (reg* types in user tables are not supported).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kb_chunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz')
    .addColumn('embedding', 'bytea')
    .addColumn('embedding_model', 'text')
    .addColumn('dims', 'integer')
    .addColumn('text_config', 'text', (c) =>
      c
        .notNull()
        .defaultTo('simple')
        .check(
          sql`text_config in ('simple', 'english', 'french', 'dutch', 'german', 'spanish', 'italian', 'portuguese')`,
        ),
    )
    .addColumn('tsv', sql`tsvector`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'kb_chunks_embedding_dims_check',
      sql`embedding is null or (dims is not null and octet_length(embedding) = dims * 4)`,
    )
    .execute();
  await db.schema.createIndex('kb_chunks_tsv_idx').on('kb_chunks').using('gin').column('tsv').execute();
  await db.schema.createIndex('kb_chunks_source_idx').on('kb_chunks').column('source').execute();
  await db.schema.createIndex('kb_chunks_language_idx').on('kb_chunks').column('language').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('kb_chunks').execute();
}
