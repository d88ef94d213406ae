/**
 * Order tools: order_status, shipment_tracking, invoice_lookup.
 *
 * Authorisation: an order (or its invoice) is visible only when the order's customer has the
 * caller's WhatsApp id, and that is enforced by the order source (the built-in repository query
 * filters on the caller's wa_id; Shopify's answer is checked against it), never by the model.
 * Orders come from `deps.orders` (built-in tables or Shopify); invoices from the built-in table.
 *
 * Another customer's order and a nonexistent order get the same `not_found` with the same wording.
 * A distinct `refused` for "exists but not yours" would be an oracle: by trying numbers, anyone
 * could learn which orders exist (and so the shop's volume, or that a given number is real for a
 * phishing message). Both cases come from one identical query, so neither the answer nor its
 * timing tells them apart.
 */
import { z } from 'zod';
import { findCustomerInvoice, findCustomerOrder } from '../../db/repositories/shop.js';
import type { OrderStatus } from '../../db/tables/shop-orders.js';
import type { OrderView } from '../integrations/orders/types.js';
import {
  callerWaId,
  defineTool,
  ORDER_NUMBER_JSON,
  orderNumberArg,
  strictObjectSchema,
  type ToolDeps,
} from './common.js';
import { zonedParts } from './opening-hours.js';
import type { AgentTool, ToolCaller, ToolOutcome } from './types.js';
import { plainAmount } from '../../domain/locale.js';

/** The one answer for "no such order" and "not this caller's order" (the number is not even echoed). */
const ORDER_NOT_FOUND: ToolOutcome = {
  status: 'not_found',
  reason:
    "No order with this number was found for this customer's WhatsApp number. Ask them to check the number; an order placed from another phone number or as a guest can only be looked up by customer service.",
};

const INVOICE_NOT_FOUND: ToolOutcome = {
  status: 'not_found',
  reason:
    "No invoice with this number was found for this customer's WhatsApp number. Ask them to check the number; invoices of orders placed from another phone number or as a guest are sent by customer service.",
};

const STATUS_NOTES: Record<OrderStatus, string> = {
  pending: 'Awaiting payment (bank transfer orders are reserved for 5 days and ship once paid).',
  paid: 'Paid and being prepared; paid before 14:00 Paris time on a weekday, it ships the same day.',
  shipped: 'Handed to the carrier.',
  delivered: 'Delivered.',
  cancelled: 'Cancelled.',
  returned: 'Returned.',
};

const orderArgs = z.strictObject({ orderNumber: orderNumberArg });
const orderParameters = strictObjectSchema({ orderNumber: ORDER_NUMBER_JSON });

/** Tracking is shown once a parcel exists: shipped or delivered orders with a tracking number. */
function tracking(order: Pick<OrderView, 'status' | 'carrier' | 'trackingNumber' | 'trackingUrl'>) {
  if ((order.status !== 'shipped' && order.status !== 'delivered') || !order.trackingNumber) return null;
  return { carrier: order.carrier, trackingNumber: order.trackingNumber, trackingUrl: order.trackingUrl };
}

/** The order, only when it is the caller's own (the ownership check is in the order source). */
async function callersOrder(
  deps: ToolDeps,
  caller: ToolCaller,
  orderNumber: string,
): Promise<OrderView | undefined> {
  const waId = callerWaId(caller);
  return waId ? deps.orders.findOwnedOrder(waId, orderNumber) : undefined;
}

/** A line's name in the conversation's language when the source has it, else the shop's own. */
function lineName(line: OrderView['lines'][number], language: string | undefined): string {
  return (language ? line.names?.[language] : undefined) ?? line.name;
}

export function orderStatusTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'order_status',
    description:
      "Status of one of the customer's own orders: items, dates, estimated delivery and the tracking link once shipped. Only the customer's own orders can be found.",
    parameters: orderParameters,
    args: orderArgs,
    async run({ orderNumber }, caller) {
      const order = await callersOrder(deps, caller, orderNumber);
      if (!order) return { ...ORDER_NOT_FOUND };
      return {
        status: 'ok',
        data: {
          orderNumber: order.orderNumber,
          status: order.status,
          statusNote: STATUS_NOTES[order.status],
          placedAt: order.placedAt.toISOString(),
          total: plainAmount(order.totalCents, order.currency),
          shippingCountry: order.shippingCountry,
          items: order.lines.map((l) => ({
            sku: l.sku,
            name: lineName(l, caller.language),
            quantity: l.quantity,
            unitPrice: plainAmount(l.unitPriceCents, order.currency),
          })),
          estimatedDelivery:
            order.status === 'shipped' || order.status === 'paid' ? order.estimatedDelivery : null,
          deliveredAt: order.deliveredAt?.toISOString() ?? null,
          tracking: tracking(order),
          invoiceAvailable: order.hasInvoice,
        },
      };
    },
  });
}

export function shipmentTrackingTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'shipment_tracking',
    description:
      "Parcel tracking of one of the customer's own orders: carrier, tracking number, tracking link, status and estimated delivery.",
    parameters: orderParameters,
    args: orderArgs,
    async run({ orderNumber }, caller) {
      const order = await callersOrder(deps, caller, orderNumber);
      if (!order) return { ...ORDER_NOT_FOUND };
      const parcel = tracking(order);
      if (!parcel) {
        return {
          status: 'ok',
          data: {
            orderNumber: order.orderNumber,
            status: order.status,
            shipped: false,
            note:
              order.status === 'cancelled' || order.status === 'returned'
                ? `The order is ${order.status}: there is no parcel on its way.`
                : 'Not shipped yet: the tracking link is sent by email (and WhatsApp if opted in) when it ships.',
          },
        };
      }
      // Late parcels: the KB asks customers to wait 5 business days past the latest expected date
      // before an investigation; the flag lets the model say so instead of guessing.
      const today = zonedParts(deps.now(), deps.business.timezone).date;
      const late =
        order.status === 'shipped' && order.estimatedDelivery !== null && today > order.estimatedDelivery;
      return {
        status: 'ok',
        data: {
          orderNumber: order.orderNumber,
          status: order.status,
          shipped: true,
          ...parcel,
          shippingCountry: order.shippingCountry,
          estimatedDelivery: order.status === 'shipped' ? order.estimatedDelivery : null,
          deliveredAt: order.deliveredAt?.toISOString() ?? null,
          pastEstimatedDelivery: late,
        },
      };
    },
  });
}

const INVOICE_NUMBER_RE = /^INV-\d{4}-\d{6}$/;

const invoiceArgs = z
  .strictObject({
    orderNumber: orderNumberArg.nullable().optional(),
    invoiceNumber: z
      .string()
      .max(32)
      .transform((s) => s.trim().toUpperCase())
      .pipe(z.string().regex(INVOICE_NUMBER_RE, "expected an invoice number like 'INV-2026-001042'"))
      .nullable()
      .optional(),
  })
  .refine((a) => a.orderNumber || a.invoiceNumber, { message: 'give an order number or an invoice number' });

export function invoiceLookupTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'invoice_lookup',
    description:
      "Invoice of one of the customer's own orders, by order number or invoice number: invoice number, date, totals with VAT, and the PDF link.",
    parameters: strictObjectSchema({
      orderNumber: {
        type: ['string', 'null'],
        description:
          "The customer's order number, e.g. '1042', or null when only the invoice number is known.",
      },
      invoiceNumber: {
        type: ['string', 'null'],
        description: "The invoice number, e.g. 'INV-2026-001042', or null.",
      },
    }),
    args: invoiceArgs,
    async run({ orderNumber, invoiceNumber }, caller) {
      const waId = callerWaId(caller);
      const ref = { orderId: orderNumber ?? undefined, invoiceId: invoiceNumber ?? undefined };
      const invoice = waId ? await findCustomerInvoice(deps.db, waId, ref) : undefined;
      if (!invoice) {
        // The caller's own order without an invoice may be explained; anything else gets the one
        // wording used for missing and foreign orders alike.
        const own =
          waId && orderNumber && !invoiceNumber
            ? await findCustomerOrder(deps.db, waId, orderNumber)
            : undefined;
        if (own) {
          return {
            status: 'not_found',
            reason:
              own.status === 'cancelled'
                ? `Order ${own.id} was cancelled before it shipped: no invoice was issued.`
                : `Order ${own.id} has no invoice yet (status ${own.status}): the invoice is issued when the order ships.`,
          };
        }
        return { ...INVOICE_NOT_FOUND };
      }
      return {
        status: 'ok',
        data: {
          invoiceNumber: invoice.id,
          orderNumber: invoice.order_id,
          issuedAt: invoice.issued_at.toISOString(),
          total: plainAmount(invoice.total_cents, invoice.currency),
          vatIncluded: plainAmount(invoice.vat_cents, invoice.currency),
          totalExcludingVat: plainAmount(invoice.total_cents - invoice.vat_cents, invoice.currency),
          pdfUrl: invoice.pdf_url,
        },
      };
    },
  });
}
