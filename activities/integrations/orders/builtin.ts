/**
 * The built-in order source: the demo shop's Postgres tables, through the shop repository, whose
 * queries filter on the caller's WhatsApp id in SQL (a foreign order and a missing one are the same
 * empty result of the same single query).
 */
import type { Db } from '../../../db/database.js';
import { findCustomerByWaId, findCustomerOrder, listCustomerOrders } from '../../../db/repositories/shop.js';
import { isOrderNumber, isWaId, type OrderSource, type OrderSummary } from './types.js';

export function createBuiltinOrderSource(db: Db): OrderSource {
  return {
    kind: 'builtin',

    async findOwnedOrder(waId, orderNumber) {
      if (!isWaId(waId) || !isOrderNumber(orderNumber)) return undefined;
      const order = await findCustomerOrder(db, waId, orderNumber);
      if (!order) return undefined;
      return {
        ...summary(order),
        hasInvoice: Boolean(order.has_invoice),
        lines: order.lines.map((l) => ({
          sku: l.sku,
          name: l.name,
          names: { en: l.name, fr: l.name_fr },
          quantity: l.quantity,
          unitPriceCents: l.unit_price_cents,
        })),
      };
    },

    async listCustomerOrders(waId, opts = {}) {
      if (!isWaId(waId)) return [];
      const customer = await findCustomerByWaId(db, waId);
      if (!customer) return [];
      const rows = await listCustomerOrders(db, customer.id, opts);
      return rows.map(summary);
    },
  };
}

type OrderRow = Awaited<ReturnType<typeof listCustomerOrders>>[number];

function summary(o: OrderRow): OrderSummary {
  return {
    orderNumber: o.id,
    status: o.status,
    placedAt: o.placed_at,
    totalCents: o.total_cents,
    currency: o.currency,
    shippingCountry: o.shipping_country,
    carrier: o.carrier,
    trackingNumber: o.tracking_number,
    trackingUrl: o.tracking_url,
    estimatedDelivery: o.estimated_delivery,
    deliveredAt: o.delivered_at,
  };
}
