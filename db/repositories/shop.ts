/**
 * Queries of the demo shop: for the agent's tools (read-only and actions), the invoice copy, and
 * the built-in payment provider's lookup of what a payment paid.
 *
 * Every query that returns an order or an invoice takes the caller's WhatsApp id and filters on it
 * in SQL: there is deliberately no "get order by id" here, so a tool cannot load another customer's
 * order and forget to check it afterwards. Someone else's order and a nonexistent one are the same
 * empty result, found by the same single query.
 */
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { OrderStatus } from '../tables/shop-orders.js';

export async function findCustomerByWaId(db: Db, waId: string) {
  return db
    .selectFrom('shop_customers')
    .select([
      'id',
      'name',
      'email',
      'tier',
      'language',
      'owner_agent_id',
      'lifetime_value_cents',
      'created_at',
    ])
    .where('wa_id', '=', waId)
    .executeTakeFirst();
}

/** Order columns the tools use; the date-only column is read as text ('YYYY-MM-DD'). */
const ORDER_COLUMNS = [
  'shop_orders.id',
  'shop_orders.status',
  'shop_orders.placed_at',
  'shop_orders.total_cents',
  'shop_orders.currency',
  'shop_orders.shipping_country',
  'shop_orders.carrier',
  'shop_orders.tracking_number',
  'shop_orders.tracking_url',
  'shop_orders.delivered_at',
] as const;
const estimatedDelivery = sql<string | null>`shop_orders.estimated_delivery::text`.as('estimated_delivery');

/** The order with its lines, only if it belongs to the customer with WhatsApp id `waId`. */
export async function findCustomerOrder(db: Db, waId: string, orderId: string) {
  const order = await db
    .selectFrom('shop_orders')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_orders.customer_id')
    .select([...ORDER_COLUMNS, estimatedDelivery])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('shop_invoices')
            .select('id')
            .whereRef('shop_invoices.order_id', '=', 'shop_orders.id'),
        )
        .as('has_invoice'),
    )
    .where('shop_customers.wa_id', '=', waId)
    .where('shop_orders.id', '=', orderId)
    .executeTakeFirst();
  if (!order) return undefined;
  return { ...order, lines: await orderLines(db, order.id) };
}

/**
 * An order's lines with their products' names, in line order. Only for an order the caller already
 * found through an ownership check: the order id alone is no authorisation.
 */
export async function orderLines(db: Db, orderId: string) {
  return db
    .selectFrom('shop_order_lines')
    .innerJoin('shop_products', 'shop_products.sku', 'shop_order_lines.sku')
    .select([
      'shop_order_lines.line_no',
      'shop_order_lines.sku',
      'shop_products.name',
      'shop_products.name_fr',
      'shop_order_lines.quantity',
      'shop_order_lines.unit_price_cents',
    ])
    .where('shop_order_lines.order_id', '=', orderId)
    .orderBy('shop_order_lines.line_no')
    .execute();
}

/**
 * The order with its lines, customer id and payment reference, for the action tools, only if it
 * belongs to the customer with WhatsApp id `waId`. With `lock`, the order row is locked for the
 * rest of the transaction (the executors' re-checks: nothing can change it between the check and
 * the write).
 */
export async function findOwnedOrder(db: Db, waId: string, orderId: string, opts: { lock?: boolean } = {}) {
  let query = db
    .selectFrom('shop_orders')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_orders.customer_id')
    .select([
      'shop_orders.id',
      'shop_orders.customer_id',
      'shop_orders.status',
      'shop_orders.placed_at',
      'shop_orders.delivered_at',
      'shop_orders.total_cents',
      'shop_orders.currency',
      'shop_orders.payment_ref',
    ])
    .where('shop_customers.wa_id', '=', waId)
    .where('shop_orders.id', '=', orderId);
  if (opts.lock) query = query.forUpdate('shop_orders');
  const order = await query.executeTakeFirst();
  if (!order) return undefined;
  return { ...order, lines: await orderLines(db, order.id) };
}

export type OwnedOrder = NonNullable<Awaited<ReturnType<typeof findOwnedOrder>>>;

/** Takes a discount off an order's total (an unpaid order owes less). */
export async function deductFromOrderTotal(db: Db, orderId: string, cents: number): Promise<void> {
  await db
    .updateTable('shop_orders')
    .set((eb) => ({ total_cents: eb('total_cents', '-', cents) }))
    .where('id', '=', orderId)
    .execute();
}

/** The total of the one order paid by `paymentRef`; undefined for none, and for several. */
export async function findPaidOrderTotal(
  db: Db,
  paymentRef: string,
): Promise<{ amountCents: number; currency: string } | undefined> {
  const orders = await db
    .selectFrom('shop_orders')
    .select(['total_cents as amountCents', 'currency'])
    .where('payment_ref', '=', paymentRef)
    .limit(2)
    .execute();
  return orders.length === 1 ? orders[0] : undefined;
}

/** A customer's orders, newest first, optionally only those in `statuses`. */
export async function listCustomerOrders(
  db: Db,
  customerId: string,
  opts: { statuses?: readonly OrderStatus[]; limit?: number } = {},
) {
  let query = db
    .selectFrom('shop_orders')
    .select([...ORDER_COLUMNS, estimatedDelivery])
    .where('customer_id', '=', customerId)
    .orderBy('placed_at', 'desc')
    .limit(opts.limit ?? 20);
  if (opts.statuses) {
    if (opts.statuses.length === 0) return [];
    query = query.where('status', 'in', [...opts.statuses]);
  }
  return query.execute();
}

/**
 * The invoice matching the order number and/or invoice number (both must match when both are
 * given), only if its order belongs to the customer with WhatsApp id `waId`.
 */
export async function findCustomerInvoice(
  db: Db,
  waId: string,
  ref: { orderId?: string; invoiceId?: string },
) {
  if (!ref.orderId && !ref.invoiceId) return undefined;
  let query = db
    .selectFrom('shop_invoices')
    .innerJoin('shop_orders', 'shop_orders.id', 'shop_invoices.order_id')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_orders.customer_id')
    .select([
      'shop_invoices.id',
      'shop_invoices.order_id',
      'shop_invoices.issued_at',
      'shop_invoices.total_cents',
      'shop_invoices.vat_cents',
      'shop_invoices.pdf_url',
      'shop_orders.currency',
      'shop_orders.shipping_country',
    ])
    .where('shop_customers.wa_id', '=', waId)
    // The invoice's own customer must be the order's customer too: a mis-filed invoice stays hidden.
    .whereRef('shop_invoices.customer_id', '=', 'shop_customers.id');
  if (ref.orderId) query = query.where('shop_invoices.order_id', '=', ref.orderId);
  if (ref.invoiceId) query = query.where('shop_invoices.id', '=', ref.invoiceId);
  return query.executeTakeFirst();
}

/**
 * The newest invoice of order `orderId` with the buyer's name, email and language, only if the
 * order belongs to the customer with WhatsApp id `waId`.
 */
export async function findCustomerInvoiceWithBuyer(db: Db, waId: string, orderId: string) {
  return (
    db
      .selectFrom('shop_invoices')
      .innerJoin('shop_orders', 'shop_orders.id', 'shop_invoices.order_id')
      .innerJoin('shop_customers', 'shop_customers.id', 'shop_orders.customer_id')
      .select([
        'shop_invoices.id as invoice_id',
        'shop_invoices.issued_at',
        'shop_invoices.total_cents',
        'shop_invoices.vat_cents',
        'shop_orders.id as order_id',
        'shop_orders.currency',
        'shop_orders.shipping_country',
        'shop_customers.name',
        'shop_customers.email',
        'shop_customers.language',
      ])
      .where('shop_customers.wa_id', '=', waId)
      .where('shop_orders.id', '=', orderId)
      // The invoice's own customer must be the order's customer too: a mis-filed invoice stays hidden.
      .whereRef('shop_invoices.customer_id', '=', 'shop_customers.id')
      .orderBy('shop_invoices.issued_at', 'desc')
      .executeTakeFirst()
  );
}

// Accent folding done in SQL so the catalogue need not be loaded into memory: upper and lower case
// are both listed because lower() only folds ASCII under the C locale.
const ACCENTED = 'ÀÂÄÁÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑàâäáãéèêëíìîïóòôöõúùûüçñ';
const UNACCENTED = 'aaaaaeeeeiiiiooooouuuucnaaaaaeeeeiiiiooooouuuucn';

/**
 * Products whose SKU, English or French name contains any of `terms` (lowercase, unaccented),
 * best match first: an exact SKU, then terms found as whole words (so "machine" ranks the "coffee
 * machine" above the "descaler for machines"), then terms found inside words.
 */
export async function searchProducts(db: Db, terms: readonly string[], limit: number) {
  if (terms.length === 0) return [];
  const haystack = sql<string>`lower(translate(shop_products.sku || ' ' || shop_products.name || ' ' || shop_products.name_fr, ${ACCENTED}, ${UNACCENTED}))`;
  const matches = terms.map(
    (t) =>
      sql<number>`(${haystack} like ${`%${escapeLike(t)}%`})::int + (${haystack} ~ ${`\\m${escapeRegex(t)}\\M`})::int`,
  );
  const score = sql<number>`(${sql.join(matches, sql` + `)}) + 10 * (lower(shop_products.sku) = any(${[...terms]}))::int`;
  return db
    .selectFrom('shop_products')
    .select([
      'sku',
      'name',
      'name_fr',
      'description',
      'price_cents',
      'currency',
      'stock',
      'specs',
      'compatible_with',
    ])
    .select(score.as('score'))
    .where(score, '>', 0)
    .orderBy('score', 'desc')
    .orderBy('sku')
    .limit(limit)
    .execute();
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}

/** SKU → English and French names, for listing compatible products by name. */
export async function findProductNames(db: Db, skus: readonly string[]) {
  if (skus.length === 0) return [];
  return db
    .selectFrom('shop_products')
    .select(['sku', 'name', 'name_fr'])
    .where('sku', 'in', [...skus])
    .execute();
}

/**
 * The customer with WhatsApp id `from` now has `to` (WhatsApp's user_changed_number): their record
 * follows them. Not when another customer already has `to`: that needs a person. How many moved.
 */
export async function moveCustomerWaId(db: Db, from: string, to: string): Promise<number> {
  const taken = await db.selectFrom('shop_customers').select('id').where('wa_id', '=', to).executeTakeFirst();
  if (taken) return 0;
  const result = await db
    .updateTable('shop_customers')
    .set({ wa_id: to })
    .where('wa_id', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
