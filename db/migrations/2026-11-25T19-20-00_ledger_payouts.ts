import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The built-in payment provider's own record of refunds paid out (`activities/payments/ledger.ts`):
 * what "the payment system" did, kept apart from our `refunds` ledger (what Parley decided) so the
 * two can be reconciled as with Stripe. One row per payout; `refund_id` is our refund id and the
 * idempotency key, hence unique. The payouts of one payment never exceed what was paid: the
 * provider checks that under a lock on the payment ref (nothing here could express it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ledger_payouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_ref', 'text', (c) => c.notNull())
    .addColumn('refund_id', 'text', (c) => c.notNull().unique())
    .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('succeeded')
        .check(sql`status in ('succeeded')`),
    )
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('ledger_payouts_payment_idx')
    .on('ledger_payouts')
    .column('payment_ref')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ledger_payouts').execute();
}
