/**
 * The documents Parley can send a customer as WhatsApp document messages, rendered on demand from
 * the shop's data. Rendering is keyed by the customer's WhatsApp id: every loader checks that the
 * document is theirs, so a `DocumentRef` the model or a stale proposal points at someone else's
 * order renders nothing.
 */
import type { Db } from '../../db/database.js';
import type { DocumentRef } from '../tools/types.js';
import {
  invoiceDocumentInfo,
  loadInvoiceForCustomer,
  renderInvoicePdf,
  type InvoiceSeller,
} from './invoice-pdf.js';
import { renderReturnLabelPdf, returnLabelDocumentInfo, type ReturnLabelData } from './return-label-pdf.js';

export {
  DEMO_SELLER,
  loadInvoiceForCustomer,
  renderInvoicePdf,
  sellerFromBusiness,
  type InvoiceData,
  type InvoiceLine,
  type InvoiceSeller,
} from './invoice-pdf.js';
export { renderReturnLabelPdf, type ReturnLabelData } from './return-label-pdf.js';

/** A rendered file, ready for upload. */
export interface RenderedDocument {
  /** What the customer's phone shows (and uses to pick the icon): ends in `.pdf`. */
  filename: string;
  mimeType: string;
  bytes: Uint8Array;
  /** A one-line caption in the customer's language (≤ 1024 characters, WhatsApp's limit). */
  caption: string;
}

export interface DocumentRenderer {
  /** The document, or undefined when it does not exist or is not the customer `waId`'s. */
  render(ref: DocumentRef, waId: string): Promise<RenderedDocument | undefined>;
}

export interface DocumentRendererDeps {
  db: Db;
  /** Loads a return label, only if the return belongs to the customer `waId` (undefined otherwise). */
  loadReturnLabel: (waId: string, returnId: string) => Promise<ReturnLabelData | undefined>;
  /** Who issues the invoices. Default the demo shop. */
  seller?: InvoiceSeller;
}

const PDF = 'application/pdf';

export function createDocumentRenderer(deps: DocumentRendererDeps): DocumentRenderer {
  return {
    async render(ref, waId) {
      switch (ref.kind) {
        case 'invoice': {
          const data = await loadInvoiceForCustomer(
            deps.db,
            waId,
            ref.orderId,
            deps.seller ? { seller: deps.seller } : {},
          );
          if (!data) return undefined;
          return { ...invoiceDocumentInfo(data), mimeType: PDF, bytes: renderInvoicePdf(data) };
        }
        case 'return_label': {
          const data = await deps.loadReturnLabel(waId, ref.returnId);
          if (!data) return undefined;
          return { ...returnLabelDocumentInfo(data), mimeType: PDF, bytes: renderReturnLabelPdf(data) };
        }
        default: {
          // A kind added to DocumentRef without a renderer here fails to compile.
          const unhandled: never = ref;
          return unhandled;
        }
      }
    },
  };
}
