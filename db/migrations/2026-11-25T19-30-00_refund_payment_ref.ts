import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * A refund records what was paid (the provider's payment reference) when it is reserved: an ops
 * retry days later must refund the same payment, whatever the order looks like by then. The
 * provider's own status is kept beside ours for reconciliation (Stripe: `pending` until the bank
 * confirms).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refunds').addColumn('payment_ref', 'text').execute();
  await db.schema.alterTable('refunds').addColumn('requested_by', 'text').execute();
  await db.schema
    .createIndex('refund_attempts_refund_idx')
    .on('refund_attempts')
    .columns(['refund_id', 'at'])
    .execute();
  await sql`comment on column refunds.payment_ref is 'provider payment reference (Stripe pi_/ch_, ledger ref)'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('refund_attempts_refund_idx').execute();
  await db.schema.alterTable('refunds').dropColumn('requested_by').execute();
  await db.schema.alterTable('refunds').dropColumn('payment_ref').execute();
}
