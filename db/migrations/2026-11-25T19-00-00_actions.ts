import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * What the agent's action tools change, and the audit trail of every action.
 *
 * - `shop_orders.payment_ref`: what paid the order (a Stripe PaymentIntent `pi_…`), which a refund
 *   is issued against.
 * - `shop_returns`: one return per order line, ever (unique (order_id, line_no)): the constraint, not
 *   a read-then-insert, is what makes creating a return idempotent.
 * - `shop_appointment_slots` / `shop_appointments`: the embedded calendar. A slot counts its
 *   bookings, and `booked <= capacity` is checked by Postgres as the last line of defence behind the
 *   row locks the executor takes. `version` on appointments and subscriptions goes into the action
 *   keys, so "move it back to where it was" is a new action, not a replay of an old one.
 * - `shop_subscriptions` (one per customer in this demo) and their tiers.
 * - `shop_promo_codes` / `shop_promo_redemptions`: a code once per order, and once per customer when
 *   the code says so. The flag is copied onto the redemption so a partial unique index can enforce
 *   it: two concurrent redemptions on different orders cannot both win.
 * - `action_log`: every proposal, refusal and execution (GDPR / AI Act audit). It names the
 *   customer by id, never by phone number, and holds normalised parameters only, never the
 *   customer's or the model's free text. The one `executed` row per action key holds the result
 *   that a repeated execution returns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shop_orders').addColumn('payment_ref', 'text').execute();

  await db.schema
    .createTable('shop_returns')
    .addColumn('return_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`reason in ('damaged', 'not_received', 'wrong_item', 'changed_mind', 'late_delivery', 'other')`,
        ),
    )
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('label_issued')
        .check(sql`status in ('label_issued', 'received', 'cancelled')`),
    )
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('label_tracking_number', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('shop_returns_line_fkey', ['order_id', 'line_no'], 'shop_order_lines', [
      'order_id',
      'line_no',
    ])
    .addUniqueConstraint('shop_returns_order_line_key', ['order_id', 'line_no'])
    .execute();

  await db.schema
    .createTable('shop_appointment_slots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull().check(sql`capacity > 0`))
    .addColumn('booked', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`booked >= 0`),
    )
    .addCheckConstraint('shop_appointment_slots_booked_within_capacity', sql`booked <= capacity`)
    .execute();
  await db.schema
    .createIndex('shop_appointment_slots_service_idx')
    .on('shop_appointment_slots')
    .columns(['service', 'starts_at'])
    .execute();

  await db.schema
    .createTable('shop_appointments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('shop_customers.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('slot_id', 'text', (c) => c.notNull().references('shop_appointment_slots.id'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('booked')
        .check(sql`status in ('booked', 'cancelled')`),
    )
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('shop_appointments_customer_idx')
    .on('shop_appointments')
    .column('customer_id')
    .execute();

  await db.schema
    .createTable('shop_subscription_tiers')
    .addColumn('tier', 'text', (c) => c.primaryKey())
    .addColumn('monthly_cents', 'integer', (c) => c.notNull().check(sql`monthly_cents >= 0`))
    .addColumn('currency', 'text', (c) =>
      c
        .notNull()
        .defaultTo('EUR')
        .check(sql`currency ~ '^[A-Z]{3}$'`),
    )
    .execute();

  await db.schema
    .createTable('shop_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // One subscription per customer: the tool acts on "my subscription" without an id to guess.
    .addColumn('customer_id', 'text', (c) => c.notNull().unique().references('shop_customers.id'))
    .addColumn('tier', 'text', (c) => c.notNull().references('shop_subscription_tiers.tier'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'paused')`))
    .addColumn('paused_until', 'date')
    .addColumn('monthly_cents', 'integer', (c) => c.notNull().check(sql`monthly_cents >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('EUR'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'shop_subscriptions_paused_check',
      sql`(status = 'paused') = (paused_until is not null)`,
    )
    .execute();

  await db.schema
    .createTable('shop_promo_codes')
    .addColumn('code', 'text', (c) => c.primaryKey().check(sql`code ~ '^[A-Z0-9_-]{3,32}$'`))
    .addColumn('percent_off', 'integer', (c) => c.check(sql`percent_off between 1 and 100`))
    .addColumn('amount_off_cents', 'integer', (c) => c.check(sql`amount_off_cents > 0`))
    .addColumn('min_basket_cents', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`min_basket_cents >= 0`),
    )
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('one_per_customer', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addCheckConstraint(
      'shop_promo_codes_discount_check',
      sql`(percent_off is null) <> (amount_off_cents is null)`,
    )
    .execute();

  await db.schema
    .createTable('shop_promo_redemptions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().references('shop_promo_codes.code'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('shop_customers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('shop_orders.id'))
    .addColumn('discount_cents', 'integer', (c) => c.notNull().check(sql`discount_cents >= 0`))
    .addColumn('one_per_customer', 'boolean', (c) => c.notNull())
    .addColumn('redeemed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('shop_promo_redemptions_code_order_key', ['code', 'order_id'])
    .execute();
  await db.schema
    .createIndex('shop_promo_redemptions_once_per_customer')
    .on('shop_promo_redemptions')
    .columns(['code', 'customer_id'])
    .unique()
    .where(sql.ref('one_per_customer'), '=', true)
    .execute();
  await db.schema
    .createIndex('shop_promo_redemptions_order_idx')
    .on('shop_promo_redemptions')
    .column('order_id')
    .execute();

  await db.schema
    .createTable('action_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // Null for a refusal that never identified what would change (an unknown order…).
    .addColumn('action_key', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    // The shop's customer id, never the phone number; null when the caller is no known customer.
    // No foreign key: the audit trail outlives the rows it talks about.
    .addColumn('customer_id', 'text')
    .addColumn('event', 'text', (c) =>
      c.notNull().check(sql`event in ('proposed', 'refused', 'executed', 'execution_refused')`),
    )
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // An action executes once: the second execution finds this row and returns its result.
  await db.schema
    .createIndex('action_log_executed_once')
    .on('action_log')
    .column('action_key')
    .unique()
    .where(sql.ref('event'), '=', 'executed')
    .execute();
  await db.schema.createIndex('action_log_key_idx').on('action_log').column('action_key').execute();
  // Subject access requests and audits: everything done for one customer, in order.
  await db.schema
    .createIndex('action_log_customer_idx')
    .on('action_log')
    .columns(['customer_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('action_log').execute();
  await db.schema.dropTable('shop_promo_redemptions').execute();
  await db.schema.dropTable('shop_promo_codes').execute();
  await db.schema.dropTable('shop_subscriptions').execute();
  await db.schema.dropTable('shop_subscription_tiers').execute();
  await db.schema.dropTable('shop_appointments').execute();
  await db.schema.dropTable('shop_appointment_slots').execute();
  await db.schema.dropTable('shop_returns').execute();
  await db.schema.alterTable('shop_orders').dropColumn('payment_ref').execute();
}
