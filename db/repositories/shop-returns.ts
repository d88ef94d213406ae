/**
 * Returns of order lines, with their prepaid labels. One return per order line, ever: the unique
 * (order_id, line_no) is what holds that, not the callers' checks.
 */
import type { Db } from '../database.js';
import type { ReasonCategory } from '../tables/shop-returns.js';

/** The return of one order line, whatever its status. Only for an order the caller already owns. */
export async function findLineReturn(db: Db, orderId: string, lineNo: number) {
  return db
    .selectFrom('shop_returns')
    .select(['return_id', 'status'])
    .where('order_id', '=', orderId)
    .where('line_no', '=', lineNo)
    .executeTakeFirst();
}

export interface NewReturn {
  returnId: string;
  orderId: string;
  lineNo: number;
  reason: ReasonCategory;
  carrier: string;
  labelTrackingNumber: string;
}

/** Creates the return; undefined (nothing written) when the line or the return id already has one. */
export async function insertReturn(db: Db, r: NewReturn) {
  return db
    .insertInto('shop_returns')
    .values({
      return_id: r.returnId,
      order_id: r.orderId,
      line_no: r.lineNo,
      reason: r.reason,
      carrier: r.carrier,
      label_tracking_number: r.labelTrackingNumber,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(['return_id', 'label_tracking_number'])
    .executeTakeFirst();
}

/**
 * A return with what its label prints (the line's product, the customer's name), only if its order
 * belongs to the customer with WhatsApp id `waId`.
 */
export async function findCustomerReturnLabel(db: Db, waId: string, returnId: string) {
  return db
    .selectFrom('shop_returns')
    .innerJoin('shop_orders', 'shop_orders.id', 'shop_returns.order_id')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_orders.customer_id')
    .innerJoin('shop_order_lines', (j) =>
      j
        .onRef('shop_order_lines.order_id', '=', 'shop_returns.order_id')
        .onRef('shop_order_lines.line_no', '=', 'shop_returns.line_no'),
    )
    .innerJoin('shop_products', 'shop_products.sku', 'shop_order_lines.sku')
    .select([
      'shop_returns.return_id',
      'shop_returns.order_id',
      'shop_returns.line_no',
      'shop_returns.carrier',
      'shop_returns.label_tracking_number',
      'shop_returns.status',
      'shop_returns.created_at',
      'shop_order_lines.sku',
      'shop_order_lines.quantity',
      'shop_products.name',
      'shop_products.name_fr',
      'shop_customers.name as customer_name',
    ])
    .where('shop_customers.wa_id', '=', waId)
    .where('shop_returns.return_id', '=', returnId)
    .executeTakeFirst();
}
