/**
 * The PDF writer and the document renderers: the file structure a reader relies on (cross-reference
 * offsets, trailer, stream lengths) checked byte by byte, WinAnsi text (accents, €) in the content
 * streams, a round trip through PDF.js, and invoices loaded from the seeded demo shop with the
 * customer's ownership enforced in SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDocumentRenderer,
  DEMO_SELLER,
  loadInvoiceForCustomer,
  renderInvoicePdf,
  renderReturnLabelPdf,
  type InvoiceData,
  type ReturnLabelData,
} from '../../activities/pdf/index.js';
import { createPdfDocument, encodeWinAnsi, textWidth, wrapText } from '../../activities/pdf/pdf-writer.js';
import { extractPdfText } from '../../activities/understanding/pdf-text.js';
import type { Db } from '../../db/database.js';
import { seedDemoData } from '../../devstack/demo-data.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';

const { alex, camille } = DEMO_CUSTOMERS;
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

interface PdfStructure {
  objects: Map<number, string>;
  trailer: string;
  /** Content streams' raw text, in object order. */
  streams: string[];
}

/**
 * Checks the skeleton a PDF reader walks — header, startxref → xref table → every object at its
 * offset, trailer /Size, stream /Length — and returns the objects. Fails the test on any mismatch.
 */
function checkStructure(bytes: Uint8Array): PdfStructure {
  const file = latin1(bytes);
  expect(file.startsWith('%PDF-1.4\n%')).toBe(true);
  // Binary marker comment: four bytes ≥ 128 on the second line.
  expect([...bytes.subarray(10, 14)].every((b) => b >= 128)).toBe(true);

  const tail = /startxref\n(\d+)\n%%EOF\n$/.exec(file);
  expect(tail, 'startxref at the end').not.toBeNull();
  const xrefAt = Number(tail![1]);
  expect(file.slice(xrefAt, xrefAt + 5)).toBe('xref\n');
  const head = /^xref\n0 (\d+)\n/.exec(file.slice(xrefAt));
  expect(head).not.toBeNull();
  const count = Number(head![1]);
  const entriesAt = xrefAt + head![0].length;
  const objects = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const entry = file.slice(entriesAt + 20 * i, entriesAt + 20 * (i + 1));
    expect(entry, `xref entry ${i} is 20 bytes`).toMatch(/^\d{10} \d{5} [nf] \n$/);
    if (i === 0) {
      expect(entry).toBe('0000000000 65535 f \n');
      continue;
    }
    const offset = Number(entry.slice(0, 10));
    expect(file.slice(offset, offset + `${i} 0 obj\n`.length), `object ${i} at its xref offset`).toBe(
      `${i} 0 obj\n`,
    );
    const end = file.indexOf('\nendobj\n', offset);
    objects.set(i, file.slice(offset + `${i} 0 obj\n`.length, end));
  }
  const trailerAt = entriesAt + 20 * count;
  const trailer = file.slice(trailerAt, file.lastIndexOf('startxref'));
  expect(trailer.startsWith('trailer\n')).toBe(true);
  expect(trailer).toContain(`/Size ${count}`);
  const root = /\/Root (\d+) 0 R/.exec(trailer);
  expect(objects.get(Number(root?.[1]))).toContain('/Type /Catalog');

  const streams: string[] = [];
  for (const body of objects.values()) {
    const m = /^<< \/Length (\d+) >>\nstream\n([\s\S]*)\nendstream$/.exec(body);
    if (!m) continue;
    expect(m[2]!.length, 'stream /Length').toBe(Number(m[1]));
    streams.push(m[2]!);
  }
  return { objects, trailer, streams };
}

// Windows-1252 bytes 0x80..0x9F (undefined ones as U+FFFD); the rest is Latin-1. Spelled out here
// because Node's TextDecoder('windows-1252') decodes plain Latin-1 (nodejs/node#56542).
const CP1252_HIGH = '€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ';
const decodeCp1252 = (bytes: number[]) =>
  bytes.map((b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b))).join('');

/** The text of the content streams' `(…) Tj` runs, decoded as Windows-1252 independently of our encoder. */
function shownText(streams: string[]): string[] {
  const runs: string[] = [];
  for (const stream of streams) {
    for (const m of stream.matchAll(/\(((?:\\[0-7]{3}|\\[()\\]|[^\\()])*)\) Tj/g)) {
      const bytes: number[] = [];
      const literal = m[1]!;
      for (let i = 0; i < literal.length; i++) {
        if (literal[i] === '\\') {
          if (/[0-7]/.test(literal[i + 1]!)) {
            bytes.push(parseInt(literal.slice(i + 1, i + 4), 8));
            i += 3;
          } else {
            bytes.push(literal.charCodeAt(i + 1));
            i += 1;
          }
        } else bytes.push(literal.charCodeAt(i));
      }
      runs.push(decodeCp1252(bytes));
    }
  }
  return runs;
}

describe('PDF writer', () => {
  it('writes a structurally valid PDF 1.4 with text, rules and boxes', () => {
    const doc = createPdfDocument({ title: 'Reçu – test' });
    const page = doc.addPage();
    page.text(50, 60, 'Hello (world) \\ back', { font: 'Helvetica-Bold', size: 14 });
    page.line(50, 70, 300, 70, { dash: [4, 3] });
    page.rect(50, 80, 200, 40, { fill: 0.9 });
    doc.addPage().text(50, 60, 'Second page');
    const { objects, trailer, streams } = checkStructure(doc.toBytes());

    expect(objects.get(2)).toContain('/Count 2');
    expect(trailer).toContain('/Info 5 0 R');
    // Title as UTF-16BE with BOM: "Reçu" = 0052 0065 00E7 0075.
    expect(objects.get(5)).toContain('/Title <FEFF0052006500E70075');
    expect([...objects.values()].join()).toContain('/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding');
    // y is measured from the top: 60 pt below the top of A4 is 841.89 - 60 from the bottom.
    expect(streams[0]).toContain('/F2 14 Tf 50 781.89 Td (Hello \\(world\\) \\\\ back) Tj');
    expect(streams[0]).toContain('[4 3] 0 d 50 771.89 m 300 771.89 l S');
    expect(streams[0]).toContain('50 721.89 200 40 re B');
    expect(shownText(streams)).toEqual(['Hello (world) \\ back', 'Second page']);
  });

  it('encodes accented letters and € in WinAnsi, as octal escapes in the content stream', () => {
    const doc = createPdfDocument();
    doc.addPage().text(50, 50, 'Café crème – 12,50 € — Müller ß Œuvre');
    const { streams } = checkStructure(doc.toBytes());
    expect(streams[0]).toContain(
      '(Caf\\351 cr\\350me \\226 12,50 \\200 \\227 M\\374ller \\337 \\214uvre) Tj',
    );
    expect(shownText(streams)).toEqual(['Café crème – 12,50 € — Müller ß Œuvre']);
    // € is byte 0x80; decomposable letters outside WinAnsi fall back to their base letter; the rest is '?'.
    expect([...encodeWinAnsi('€')]).toEqual([0x80]);
    expect(latin1(encodeWinAnsi('Łódź ő 日本'))).toBe('?ódz o ??');
  });

  it('measures text with the Helvetica metrics and wraps to a width', () => {
    // AFM widths: H 722, e 556, l 222, o 556 → 2,278 units; bold: 722 + 556 + 278 + 278 + 611.
    expect(textWidth('Hello', 'Helvetica', 10)).toBeCloseTo(22.78, 5);
    expect(textWidth('Hello', 'Helvetica-Bold', 10)).toBeCloseTo(24.45, 5);
    expect(textWidth('é', 'Helvetica', 10)).toBe(textWidth('e', 'Helvetica', 10));
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 'Helvetica', 10, 60);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(textWidth(line, 'Helvetica', 10)).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog');
    expect(wrapText('abcdefghijklmnopqrstuvwxyz', 'Helvetica', 10, 40).join('')).toBe(
      'abcdefghijklmnopqrstuvwxyz',
    );
  });

  it('is deterministic, with a creation date only when one is passed', () => {
    const draw = (creationDate?: Date) => {
      const doc = createPdfDocument(creationDate ? { creationDate } : {});
      doc.addPage().text(10, 10, 'same');
      return latin1(doc.toBytes());
    };
    expect(draw()).toBe(draw());
    expect(draw()).not.toContain('CreationDate');
    expect(draw(new Date('2026-11-25T09:05:07Z'))).toContain('/CreationDate (D:20261125090507Z)');
  });

  it('refuses an empty document and non-finite coordinates', () => {
    expect(() => createPdfDocument().toBytes()).toThrow(/at least one page/);
    const page = createPdfDocument().addPage();
    expect(() => page.text(Number.NaN, 10, 'x')).toThrow(RangeError);
  });
});

const INVOICE: InvoiceData = {
  invoiceId: 'INV-2026-009999',
  orderId: '9999',
  issuedAt: new Date('2026-11-23T13:40:00Z'),
  currency: 'EUR',
  language: 'en',
  seller: DEMO_SELLER,
  customer: { name: 'Zoë Müller', email: 'zoe@example.com', country: 'DE' },
  lines: [
    { sku: 'PH-C7', description: 'C7 capsule coffee machine', quantity: 2, unitPriceCents: 12900 },
    { sku: 'PH-DL', description: 'Descaler', quantity: 1, unitPriceCents: 1290 },
  ],
  totalCents: 27090 + 690,
  vatCents: Math.round(((27090 + 690) * 19) / 119),
};

describe('invoice PDF', () => {
  it('prints seller, customer, lines, shipping, total and VAT, readable by PDF.js', async () => {
    const bytes = renderInvoicePdf(INVOICE);
    const { streams } = checkStructure(bytes);
    const runs = shownText(streams);
    expect(runs).toEqual(
      expect.arrayContaining([
        'Parley Home',
        '12 rue des Artisans',
        'INVOICE',
        'INV-2026-009999',
        '23 November 2026',
        'Zoë Müller',
        'Germany',
        'C7 capsule coffee machine (PH-C7)',
        '2',
        '€129.00',
        '€258.00',
        'Descaler (PH-DL)',
        '€12.90',
        'Subtotal',
        '€270.90',
        'Shipping',
        '€6.90',
        'Total (VAT included)',
        '€277.80',
        'of which VAT 19 %',
        '€44.35',
      ]),
    );
    // Zoë is encoded as WinAnsi (ë = 0xEB = \353), not as UTF-8.
    expect(streams.join()).toContain('(Zo\\353 M\\374ller) Tj');

    const { text, pages } = await extractPdfText(Buffer.from(bytes));
    expect(pages).toBe(1);
    expect(text).toContain('Zoë Müller');
    expect(text).toContain('€277.80');
  });

  it('continues the table on a new page when the lines do not fit', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      sku: `SKU-${i + 1}`,
      description: `Spare part number ${i + 1}`,
      quantity: 1,
      unitPriceCents: 100,
    }));
    const bytes = renderInvoicePdf({ ...INVOICE, lines, totalCents: 6000, vatCents: 958 });
    const { objects, streams } = checkStructure(bytes);
    const pageCount = Number(/\/Count (\d+)/.exec(objects.get(2) ?? '')?.[1]);
    expect(pageCount).toBeGreaterThan(1);
    expect(streams).toHaveLength(pageCount);
    const runs = shownText(streams);
    for (let i = 1; i <= 60; i++) expect(runs).toContain(`Spare part number ${i} (SKU-${i})`);
    expect((await extractPdfText(Buffer.from(bytes))).pages).toBe(pageCount);
  });
});

describe('return label PDF', () => {
  const label: ReturnLabelData = {
    returnId: 'RET-1042-1',
    orderId: '1042',
    productName: 'M1 milk frother',
    customerName: 'Alex Morgan',
    fromAddress: ['Alex Morgan', 'Keizersgracht 123', '1015 CJ Amsterdam', 'Netherlands'],
    toAddress: ['Parley Home Retours', 'ZI des Ponts, Bât. C', '69800 Saint-Priest', 'France'],
    carrier: 'DPD',
    trackingNumber: '05212345679999',
    createdAt: new Date('2026-11-25T09:00:00Z'),
  };

  it('prints both addresses, the carrier and the tracking number', () => {
    const { streams } = checkStructure(renderReturnLabelPdf(label));
    const runs = shownText(streams);
    expect(runs).toEqual(
      expect.arrayContaining([
        'RETURN',
        'DPD',
        'Keizersgracht 123',
        'ZI des Ponts, Bât. C',
        '05212345679999',
        'RET-1042-1',
        '1042',
        '25 November 2026',
      ]),
    );
    expect(streams.join()).toContain('(ZI des Ponts, B\\342t. C) Tj');
  });

  it('writes the texts in French for a French customer', () => {
    const runs = shownText(checkStructure(renderReturnLabelPdf({ ...label, language: 'fr' })).streams);
    expect(runs).toEqual(expect.arrayContaining(['RETOUR', 'EXPÉDITEUR', 'Numéro de suivi'.toUpperCase()]));
  });
});

describe('documents from the demo shop', () => {
  let db: Db;
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    await seedDemoData(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("loads the invoice of Alex's order 1042 with its lines and the stored totals", async () => {
    const data = await loadInvoiceForCustomer(db, alex.waId, DEMO_ORDERS.alexShipped);
    const stored = await db
      .selectFrom('shop_invoices')
      .selectAll()
      .where('order_id', '=', '1042')
      .executeTakeFirstOrThrow();
    expect(data).toMatchObject({
      invoiceId: 'INV-2026-001042',
      orderId: '1042',
      currency: 'EUR',
      language: 'en',
      customer: { name: 'Alex Morgan', email: alex.email, country: 'NL' },
      totalCents: stored.total_cents,
      vatCents: stored.vat_cents,
    });
    expect(data?.issuedAt.toISOString()).toBe('2026-11-23T13:40:00.000Z');
    expect(data?.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['PH-C7', 1],
      ['PH-M1', 1],
    ]);
    // Free shipping from €49: the lines add up to the total.
    const subtotal = data!.lines.reduce((s, l) => s + l.unitPriceCents * l.quantity, 0);
    expect(subtotal).toBe(stored.total_cents);

    const runs = shownText(checkStructure(renderInvoicePdf(data!)).streams);
    const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;
    expect(runs).toEqual(
      expect.arrayContaining([
        'INV-2026-001042',
        'Alex Morgan',
        'Netherlands',
        'C7 capsule coffee machine (PH-C7)',
        'Free',
        euros(stored.total_cents),
        euros(stored.vat_cents),
        'of which VAT 21 %',
      ]),
    );
  });

  it("gives nothing for Camille's order asked by Alex, nor for an order without invoice", async () => {
    expect(await loadInvoiceForCustomer(db, alex.waId, DEMO_ORDERS.camilleDelivered)).toBeUndefined();
    expect(await loadInvoiceForCustomer(db, alex.waId, '1046')).toBeUndefined(); // paid, not shipped yet
    expect(await loadInvoiceForCustomer(db, alex.waId, '9999')).toBeUndefined();
    const own = await loadInvoiceForCustomer(db, camille.waId, DEMO_ORDERS.camilleDelivered);
    expect(own?.invoiceId).toBe('INV-2026-001043');
  });

  it("writes Camille's invoice in French with the French product names", async () => {
    const data = await loadInvoiceForCustomer(db, camille.waId, DEMO_ORDERS.camilleDelivered);
    const { streams } = checkStructure(renderInvoicePdf(data!));
    const runs = shownText(streams);
    expect(runs).toEqual(expect.arrayContaining(['FACTURE', 'Désignation', 'Total TTC', 'dont TVA 20 %']));
    expect(runs.some((r) => r.startsWith('Aspirateur'))).toBe(true);
    expect(streams.join()).toContain('(D\\351signation) Tj');
  });

  it('renders through the document renderer, for the owner only', async () => {
    const labels = new Map<string, ReturnLabelData>();
    labels.set(`${alex.waId}:RET-1`, {
      returnId: 'RET-1',
      orderId: '1042',
      productName: 'M1 milk frother',
      customerName: 'Alex Morgan',
      fromAddress: ['Alex Morgan'],
      toAddress: ['Parley Home Returns'],
      carrier: 'DPD',
      trackingNumber: '0521',
      createdAt: new Date('2026-11-25T09:00:00Z'),
    });
    const renderer = createDocumentRenderer({
      db,
      loadReturnLabel: async (waId, returnId) => labels.get(`${waId}:${returnId}`),
    });

    const invoice = await renderer.render({ kind: 'invoice', orderId: '1042' }, alex.waId);
    expect(invoice).toMatchObject({
      filename: 'invoice-INV-2026-001042.pdf',
      mimeType: 'application/pdf',
      caption: 'Your invoice INV-2026-001042 for order 1042',
    });
    checkStructure(invoice!.bytes);
    expect(await renderer.render({ kind: 'invoice', orderId: '1043' }, alex.waId)).toBeUndefined();

    const returnLabel = await renderer.render({ kind: 'return_label', returnId: 'RET-1' }, alex.waId);
    expect(returnLabel?.filename).toBe('return-label-RET-1.pdf');
    expect(returnLabel?.caption).toContain('order 1042');
    expect(await renderer.render({ kind: 'return_label', returnId: 'RET-1' }, camille.waId)).toBeUndefined();
  });
});
