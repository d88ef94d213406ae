/**
 * A copy of a shop invoice as a PDF, in the customer's language: seller, customer, invoice number
 * and date, the order's lines, shipping, the total with the VAT it includes.
 *
 * The figures are the invoice row's (total, VAT) and the order's lines as stored: this is a copy
 * of what was issued, nothing is recomputed except the shipping line (total minus the lines).
 */
import type { Db } from '../../db/database.js';
import { findCustomerInvoiceWithBuyer, orderLines } from '../../db/repositories/shop.js';
import { DEMO_BUSINESS, type BusinessInfo } from '../tools/business.js';
import { countryName, documentLanguage, formatDate, safeFilename, type DocumentLanguage } from './format.js';
import { formatMoney } from '../../domain/locale.js';
import { createPdfDocument, wrapText, type PdfPage } from './pdf-writer.js';

/** Who issues the invoice. */
export interface InvoiceSeller {
  name: string;
  addressLines: string[];
  email: string;
  /** The dates printed on the invoice are the seller's calendar dates. */
  timeZone: string;
}

/** The seller block from the business facts the tools use (postal address split at commas). */
export function sellerFromBusiness(business: BusinessInfo): InvoiceSeller {
  return {
    name: business.name,
    addressLines: business.contact.postalAddress.split(/\s*,\s*/).filter(Boolean),
    email: business.contact.email,
    timeZone: business.timezone,
  };
}

export const DEMO_SELLER: InvoiceSeller = sellerFromBusiness(DEMO_BUSINESS);

export interface InvoiceLine {
  sku: string;
  /** The product name in the invoice's language. */
  description: string;
  quantity: number;
  unitPriceCents: number;
}

/** Everything printed on an invoice. Plain data: built by hand or loaded by {@link loadInvoiceForCustomer}. */
export interface InvoiceData {
  invoiceId: string;
  orderId: string;
  issuedAt: Date;
  /** ISO 4217. */
  currency: string;
  /** ISO 639-1; documents are written in English, French or Dutch (others get English). */
  language: string;
  seller: InvoiceSeller;
  customer: {
    name: string;
    email: string | null;
    /** ISO 3166-1 alpha-2 delivery country. */ country: string;
  };
  lines: InvoiceLine[];
  /** Total, VAT included (what the customer paid). */
  totalCents: number;
  /** The VAT included in the total. */
  vatCents: number;
}

/**
 * The invoice of order `orderId`, only if the order belongs to the customer with WhatsApp id
 * `waId` (checked in the same SQL query, as the shop repository does): another customer's order
 * and an order without invoice are both `undefined`.
 */
export async function loadInvoiceForCustomer(
  db: Db,
  waId: string,
  orderId: string,
  opts: { seller?: InvoiceSeller } = {},
): Promise<InvoiceData | undefined> {
  const invoice = await findCustomerInvoiceWithBuyer(db, waId, orderId);
  if (!invoice) return undefined;
  const lines = await orderLines(db, invoice.order_id);
  const language = documentLanguage(invoice.language);
  return {
    invoiceId: invoice.invoice_id,
    orderId: invoice.order_id,
    issuedAt: invoice.issued_at,
    currency: invoice.currency,
    language,
    seller: opts.seller ?? DEMO_SELLER,
    customer: { name: invoice.name, email: invoice.email, country: invoice.shipping_country },
    lines: lines.map((l) => ({
      sku: l.sku,
      description: language === 'fr' ? l.name_fr : l.name,
      quantity: l.quantity,
      unitPriceCents: l.unit_price_cents,
    })),
    totalCents: invoice.total_cents,
    vatCents: invoice.vat_cents,
  };
}

interface InvoiceLabels {
  title: string;
  number: string;
  date: string;
  order: string;
  billedTo: string;
  description: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  subtotal: string;
  shipping: string;
  free: string;
  adjustment: string;
  total: string;
  vatIncluded: (rate: string) => string;
  footer: (sellerName: string) => string;
  caption: (invoiceId: string, orderId: string) => string;
}

const LABELS: Record<DocumentLanguage, InvoiceLabels> = {
  en: {
    title: 'INVOICE',
    number: 'Invoice no.',
    date: 'Date',
    order: 'Order',
    billedTo: 'Billed to',
    description: 'Description',
    quantity: 'Qty',
    unitPrice: 'Unit price',
    amount: 'Amount',
    subtotal: 'Subtotal',
    shipping: 'Shipping',
    free: 'Free',
    adjustment: 'Discount',
    total: 'Total (VAT included)',
    vatIncluded: (rate) => `of which VAT${rate}`,
    footer: (seller) =>
      `Prices include the VAT of the delivery country. Thank you for shopping with ${seller}.`,
    caption: (invoiceId, orderId) => `Your invoice ${invoiceId} for order ${orderId}`,
  },
  fr: {
    title: 'FACTURE',
    number: 'Facture n°',
    date: 'Date',
    order: 'Commande',
    billedTo: 'Facturé à',
    description: 'Désignation',
    quantity: 'Qté',
    unitPrice: 'Prix unitaire',
    amount: 'Montant',
    subtotal: 'Sous-total',
    shipping: 'Livraison',
    free: 'Offerte',
    adjustment: 'Remise',
    total: 'Total TTC',
    vatIncluded: (rate) => `dont TVA${rate}`,
    footer: (seller) => `Prix TTC, TVA du pays de livraison. Merci pour votre achat chez ${seller}.`,
    caption: (invoiceId, orderId) => `Votre facture ${invoiceId} pour la commande ${orderId}`,
  },
  nl: {
    title: 'FACTUUR',
    number: 'Factuurnummer',
    date: 'Datum',
    order: 'Bestelling',
    billedTo: 'Factuur aan',
    description: 'Omschrijving',
    quantity: 'Aantal',
    unitPrice: 'Stukprijs',
    amount: 'Bedrag',
    subtotal: 'Subtotaal',
    shipping: 'Verzending',
    free: 'Gratis',
    adjustment: 'Korting',
    total: 'Totaal (incl. btw)',
    vatIncluded: (rate) => `waarvan btw${rate}`,
    footer: (seller) =>
      `Prijzen inclusief de btw van het land van levering. Bedankt voor je aankoop bij ${seller}.`,
    caption: (invoiceId, orderId) => `Je factuur ${invoiceId} voor bestelling ${orderId}`,
  },
};

/** The file name and caption WhatsApp shows for an invoice. */
export function invoiceDocumentInfo(data: Pick<InvoiceData, 'invoiceId' | 'orderId' | 'language'>) {
  const labels = LABELS[documentLanguage(data.language)];
  return {
    filename: safeFilename(`invoice-${data.invoiceId}`, 'pdf'),
    caption: labels.caption(data.invoiceId, data.orderId),
  };
}

// Layout, in points on A4.
const MARGIN = 50;
const COL_QTY = 370;
const COL_UNIT = 455;
const DESCRIPTION_WIDTH = 290;
const ROW = 15;
const BOTTOM = 760;

/** The invoice as PDF bytes. Deterministic: the same data gives the same bytes. */
export function renderInvoicePdf(data: InvoiceData): Uint8Array {
  const language = documentLanguage(data.language);
  const t = LABELS[language];
  const money = (cents: number) => formatMoney(cents, data.currency, language);
  const doc = createPdfDocument({ title: `${t.title} ${data.invoiceId}`, author: data.seller.name });
  const right = (page: PdfPage) => page.width - MARGIN;

  let page = doc.addPage();
  let y = header(page);

  /** Seller and invoice facts at the top of the first page; returns where the table starts. */
  function header(p: PdfPage): number {
    p.text(MARGIN, 70, data.seller.name, { font: 'Helvetica-Bold', size: 18 });
    let sy = 88;
    for (const line of [...data.seller.addressLines, data.seller.email]) {
      p.text(MARGIN, sy, line, { size: 9, gray: 0.35 });
      sy += 12;
    }
    p.text(right(p), 70, t.title, { font: 'Helvetica-Bold', size: 20, align: 'right' });
    const facts: Array<[string, string]> = [
      [t.number, data.invoiceId],
      [t.date, formatDate(data.issuedAt, language, data.seller.timeZone)],
      [t.order, data.orderId],
    ];
    facts.forEach(([label, value], i) => {
      p.text(right(p) - 130, 92 + i * 14, label, { size: 9.5, gray: 0.35 });
      p.text(right(p), 92 + i * 14, value, { size: 9.5, align: 'right' });
    });

    let by = Math.max(sy, 140) + 24;
    p.text(MARGIN, by, t.billedTo, { font: 'Helvetica-Bold', size: 10 });
    const customer = [
      data.customer.name,
      data.customer.email ?? '',
      countryName(data.customer.country, language),
    ];
    for (const line of customer.filter(Boolean)) {
      by += 13;
      p.text(MARGIN, by, line, { size: 10 });
    }
    return tableHeader(p, by + 36);
  }

  function tableHeader(p: PdfPage, top: number): number {
    p.rect(MARGIN, top - 13, right(p) - MARGIN, 19, { fill: 0.92, stroke: false });
    const style = { font: 'Helvetica-Bold', size: 9.5 } as const;
    p.text(MARGIN + 6, top, t.description, style);
    p.text(COL_QTY, top, t.quantity, { ...style, align: 'right' });
    p.text(COL_UNIT, top, t.unitPrice, { ...style, align: 'right' });
    p.text(right(p) - 6, top, t.amount, { ...style, align: 'right' });
    return top + 22;
  }

  for (const line of data.lines) {
    const description = wrapText(`${line.description} (${line.sku})`, 'Helvetica', 9.5, DESCRIPTION_WIDTH);
    if (y + description.length * ROW > BOTTOM) {
      page = doc.addPage();
      y = tableHeader(page, 70);
    }
    description.forEach((text, i) => page.text(MARGIN + 6, y + i * ROW, text, { size: 9.5 }));
    page.text(COL_QTY, y, String(line.quantity), { size: 9.5, align: 'right' });
    page.text(COL_UNIT, y, money(line.unitPriceCents), { size: 9.5, align: 'right' });
    page.text(right(page) - 6, y, money(line.unitPriceCents * line.quantity), { size: 9.5, align: 'right' });
    y += (description.length - 1) * ROW + 7;
    page.line(MARGIN, y, right(page), y, { width: 0.4, gray: 0.8 });
    y += ROW;
  }

  const subtotal = data.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
  const rest = data.totalCents - subtotal;
  const net = data.totalCents - data.vatCents;
  // The rate is not stored; derived from the amounts, shown only when it comes out a whole percent.
  const rate = net > 0 ? (data.vatCents * 100) / net : NaN;
  const rateText = Math.abs(rate - Math.round(rate)) < 0.05 ? ` ${Math.round(rate)} %` : '';
  const totals: Array<[string, string, boolean]> = [
    [t.subtotal, money(subtotal), false],
    rest >= 0 ? [t.shipping, rest === 0 ? t.free : money(rest), false] : [t.adjustment, money(rest), false],
    [t.total, money(data.totalCents), true],
    [t.vatIncluded(rateText), money(data.vatCents), false],
  ];
  if (y + totals.length * 17 + 60 > BOTTOM) {
    page = doc.addPage();
    y = 70;
  }
  y += 4;
  for (const [label, value, bold] of totals) {
    const style = { font: bold ? 'Helvetica-Bold' : 'Helvetica', size: bold ? 11 : 9.5 } as const;
    if (bold) {
      y += 4;
      page.line(COL_QTY - 40, y - 14, right(page), y - 14, { width: 0.8 });
    }
    page.text(COL_UNIT, y, label, { ...style, align: 'right' });
    page.text(right(page) - 6, y, value, { ...style, align: 'right' });
    y += bold ? 19 : 16;
  }

  const footer = wrapText(t.footer(data.seller.name), 'Helvetica', 8.5, page.width - 2 * MARGIN);
  footer.forEach((line, i) => page.text(MARGIN, 800 + i * 11, line, { size: 8.5, gray: 0.35 }));
  return doc.toBytes();
}
