import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The refund ledger: one row per refund, keyed by the refund id derived from the request (order +
 * line + reason), which is also the payment provider's idempotency key. A refund is reserved here
 * before any money moves, under a lock on its order, so the refunds of an order never exceed what
 * was paid; every ops retry is recorded with who asked and the outcome.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refunds')
    .addColumn('refund_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_line', 'integer')
    .addColumn('conversation_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`status in ('reserved', 'awaiting_approval', 'approved', 'processing', 'succeeded', 'failed', 'rejected')`,
        ),
    )
    .addColumn('approved_by', 'text')
    .addColumn('provider', 'text')
    .addColumn('provider_refund_id', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('refunds_order_idx').on('refunds').column('order_id').execute();
  await db.schema.createIndex('refunds_status_idx').on('refunds').column('status').execute();
  await db.schema
    .createTable('refund_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('refund_id', 'text', (c) => c.notNull().references('refunds.refund_id'))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('refund_attempts').execute();
  await db.schema.dropTable('refunds').execute();
}
