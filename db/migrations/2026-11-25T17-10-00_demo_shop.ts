import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The demo shop the agent's read-only tools query: customers (keyed by their WhatsApp id, the only
 * identity the tools trust), products, orders with their lines, and invoices.
 *
 * Money is integer cents (no float rounding); order ids are the shop's plain numbers ('1042'), which
 * is what customers type. `owner_agent_id` points at the human agent who owns a VIP/enterprise
 * account; it is set to null if that agent row is ever deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shop_customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('wa_id', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`wa_id ~ '^[0-9]{6,15}$'`),
    )
    .addColumn('email', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) =>
      c
        .notNull()
        .defaultTo('standard')
        .check(sql`tier in ('standard', 'vip', 'enterprise')`),
    )
    .addColumn('language', 'text', (c) =>
      c
        .notNull()
        .defaultTo('en')
        .check(sql`language ~ '^[a-z]{2}$'`),
    )
    .addColumn('owner_agent_id', 'text', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('lifetime_value_cents', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`lifetime_value_cents >= 0`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('shop_products')
    .addColumn('sku', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_fr', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('price_cents', 'integer', (c) => c.notNull().check(sql`price_cents >= 0`))
    .addColumn('currency', 'text', (c) =>
      c
        .notNull()
        .defaultTo('EUR')
        .check(sql`currency ~ '^[A-Z]{3}$'`),
    )
    .addColumn('stock', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`stock >= 0`),
    )
    .addColumn('specs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('compatible_with', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();

  await db.schema
    .createTable('shop_orders')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[0-9]{1,12}$'`))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('shop_customers.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'returned')`),
    )
    .addColumn('placed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('total_cents', 'integer', (c) => c.notNull().check(sql`total_cents >= 0`))
    .addColumn('currency', 'text', (c) =>
      c
        .notNull()
        .defaultTo('EUR')
        .check(sql`currency ~ '^[A-Z]{3}$'`),
    )
    .addColumn('shipping_country', 'text', (c) => c.notNull().check(sql`shipping_country ~ '^[A-Z]{2}$'`))
    .addColumn('carrier', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('tracking_url', 'text')
    .addColumn('estimated_delivery', 'date')
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  // "My orders" and the profile's open-orders summary: a customer's orders, newest first.
  await db.schema
    .createIndex('shop_orders_customer_idx')
    .on('shop_orders')
    .columns(['customer_id', 'placed_at'])
    .execute();

  await db.schema
    .createTable('shop_order_lines')
    .addColumn('order_id', 'text', (c) => c.notNull().references('shop_orders.id').onDelete('cascade'))
    .addColumn('line_no', 'integer', (c) => c.notNull().check(sql`line_no > 0`))
    .addColumn('sku', 'text', (c) => c.notNull().references('shop_products.sku'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('unit_price_cents', 'integer', (c) => c.notNull().check(sql`unit_price_cents >= 0`))
    .addPrimaryKeyConstraint('shop_order_lines_pkey', ['order_id', 'line_no'])
    .execute();
  await db.schema.createIndex('shop_order_lines_sku_idx').on('shop_order_lines').column('sku').execute();

  await db.schema
    .createTable('shop_invoices')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^INV-[0-9]{4}-[0-9]{6}$'`))
    // One invoice per order: corrections are credit notes, which this demo does not model.
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('shop_orders.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('shop_customers.id'))
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('total_cents', 'integer', (c) => c.notNull().check(sql`total_cents >= 0`))
    .addColumn('vat_cents', 'integer', (c) => c.notNull().check(sql`vat_cents >= 0`))
    .addColumn('pdf_url', 'text')
    .execute();
  await db.schema
    .createIndex('shop_invoices_customer_idx')
    .on('shop_invoices')
    .column('customer_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shop_invoices').execute();
  await db.schema.dropTable('shop_order_lines').execute();
  await db.schema.dropTable('shop_orders').execute();
  await db.schema.dropTable('shop_products').execute();
  await db.schema.dropTable('shop_customers').execute();
}
