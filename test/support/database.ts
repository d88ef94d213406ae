import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';

/** A fresh, migrated database on the shared test cluster, private to the calling test file. */
export async function createTestDatabase(): Promise<{ db: Db; url: string }> {
  const adminUrl = inject('postgresUrl');
  const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = createDb(url);
  await migrateToLatest(db);
  return { db, url };
}

/** A delivered, paid order for a test, beside the demo shop's (which stay untouched). */
export async function insertPaidOrder(
  db: Db,
  o: {
    id: string;
    customerId: string;
    totalCents: number;
    paymentRef: string;
    deliveredAt?: Date;
    /** The total split evenly over this many order lines (default 1). */
    lines?: number;
  },
): Promise<void> {
  await db
    .insertInto('shop_orders')
    .values({
      id: o.id,
      customer_id: o.customerId,
      status: 'delivered',
      placed_at: new Date((o.deliveredAt ?? new Date()).getTime() - 3 * 86_400_000),
      total_cents: o.totalCents,
      currency: 'EUR',
      shipping_country: 'FR',
      carrier: null,
      tracking_number: null,
      tracking_url: null,
      estimated_delivery: null,
      delivered_at: o.deliveredAt ?? new Date(),
      payment_ref: o.paymentRef,
    })
    .execute();
  const lines = o.lines ?? 1;
  await db
    .insertInto('shop_order_lines')
    .values(
      Array.from({ length: lines }, (_, i) => ({
        order_id: o.id,
        line_no: i + 1,
        sku: 'PH-C7',
        quantity: 1,
        unit_price_cents: o.totalCents / lines,
      })),
    )
    .execute();
}
