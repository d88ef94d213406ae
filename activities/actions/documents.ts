/**
 * Documents the customer can receive in the chat: send_invoice_copy (a tool: sending a copy
 * changes nothing, so no confirmation) and the data of a return label. The workflow renders and
 * sends the document from the `DocumentRef`; this module only decides what the caller may get.
 */
import { z } from 'zod';
import type { ReturnLabelData as PdfReturnLabel } from '../pdf/return-label-pdf.js';
import type { Db } from '../../db/database.js';
import { findCustomerReturnLabel } from '../../db/repositories/shop-returns.js';
import { findCustomerInvoice, findCustomerOrder } from '../../db/repositories/shop.js';
import {
  callerWaId,
  defineTool,
  localisedName,
  ORDER_NUMBER_JSON,
  orderNumberArg,
  strictObjectSchema,
} from '../tools/common.js';
import type { AgentTool, DocumentRef } from '../tools/types.js';
import type { ActionContext } from './shared.js';

const INVOICE_NOT_FOUND = {
  status: 'not_found',
  reason:
    "No invoice for this order number was found for this customer's WhatsApp number. Ask them to check the number; invoices of orders placed from another phone number or as a guest are sent by customer service.",
} as const;

export function sendInvoiceCopyTool(ctx: ActionContext): AgentTool {
  return defineTool({
    name: 'send_invoice_copy',
    description:
      "Sends a copy of the invoice of one of the customer's own orders as a PDF in this chat. No confirmation needed: it changes nothing.",
    parameters: strictObjectSchema({ orderNumber: ORDER_NUMBER_JSON }),
    args: z.strictObject({ orderNumber: orderNumberArg }),
    async run({ orderNumber }, caller) {
      const waId = callerWaId(caller);
      if (!waId) return { ...INVOICE_NOT_FOUND };
      const invoice = await findCustomerInvoice(ctx.db, waId, { orderId: orderNumber });
      if (!invoice) {
        const own = await findCustomerOrder(ctx.db, waId, orderNumber);
        if (!own) return { ...INVOICE_NOT_FOUND };
        return {
          status: 'not_found',
          reason:
            own.status === 'cancelled'
              ? `Order ${own.id} was cancelled before it shipped: no invoice was issued.`
              : `Order ${own.id} has no invoice yet (status ${own.status}): the invoice is issued when the order ships.`,
        };
      }
      const document: DocumentRef = { kind: 'invoice', orderId: invoice.order_id };
      return {
        status: 'ok',
        data: { invoiceId: invoice.id, document, note: 'The invoice PDF is sent in this chat.' },
      };
    },
  });
}

export interface PostalAddress {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** Where returns go: the demo shop's warehouse (the label's ship-to address). */
export const DEMO_RETURNS_WAREHOUSE: Readonly<PostalAddress> = {
  name: 'Parley Home Returns',
  street: '45 avenue des Frères Lumière',
  postalCode: '69008',
  city: 'Lyon',
  country: 'FR',
};

export interface ReturnLabelData {
  returnId: string;
  orderId: string;
  lineNo: number;
  product: { sku: string; name: string; quantity: number };
  customerName: string;
  shipTo: PostalAddress;
  carrier: string;
  trackingNumber: string;
  status: string;
  createdAt: string;
}

/**
 * What a return label PDF needs, only for the caller's own return (ownership in SQL by the
 * caller's WhatsApp id); undefined for anyone else's and for unknown ids alike.
 */
export async function loadReturnLabel(
  db: Db,
  waId: string,
  returnId: string,
  language?: string,
): Promise<ReturnLabelData | undefined> {
  if (!/^\d{6,15}$/.test(waId)) return undefined;
  const row = await findCustomerReturnLabel(db, waId, returnId);
  if (!row) return undefined;
  return {
    returnId: row.return_id,
    orderId: row.order_id,
    lineNo: row.line_no,
    product: { sku: row.sku, name: localisedName(row, language), quantity: row.quantity },
    customerName: row.customer_name,
    shipTo: { ...DEMO_RETURNS_WAREHOUSE },
    carrier: row.carrier,
    trackingNumber: row.label_tracking_number,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

/** The label data in the PDF renderer's shape (the customer's own address is not on file: their name). */
export function returnLabelForPdf(label: ReturnLabelData, language?: string): PdfReturnLabel {
  const a = label.shipTo;
  return {
    returnId: label.returnId,
    orderId: label.orderId,
    productName: label.product.name,
    customerName: label.customerName,
    fromAddress: [label.customerName],
    toAddress: [a.name, a.street, `${a.postalCode} ${a.city}`, a.country],
    carrier: label.carrier,
    trackingNumber: label.trackingNumber,
    createdAt: new Date(label.createdAt),
    ...(language ? { language } : {}),
  };
}
