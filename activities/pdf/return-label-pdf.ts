/**
 * A return label as a PDF: an A4 page with the label in a box on the top half (sender, recipient,
 * carrier, tracking number, return and order numbers) and the instructions under a cut line. No
 * barcode: the carrier scans the tracking number from its own system or prints its own label at
 * the drop-off point.
 */
import { documentLanguage, formatDate, safeFilename, type DocumentLanguage } from './format.js';
import { createPdfDocument, textWidth, wrapText } from './pdf-writer.js';

/** Everything printed on a return label (loaded from the returns table by its owner). */
export interface ReturnLabelData {
  returnId: string;
  orderId: string;
  /** The product sent back, in the customer's language. */
  productName: string;
  customerName: string;
  /** The customer's address, one line per element (name included or not: printed as given). */
  fromAddress: string[];
  /** The returns warehouse. */
  toAddress: string[];
  carrier: string;
  trackingNumber: string;
  createdAt: Date;
  /** ISO 639-1 of the texts around the addresses; English when absent or unsupported. */
  language?: string;
  /** Time zone of the printed date. Default Europe/Paris (the demo shop's). */
  timeZone?: string;
}

interface LabelTexts {
  title: string;
  from: string;
  to: string;
  tracking: string;
  returnNo: string;
  order: string;
  item: string;
  created: string;
  instructions: (carrier: string) => string[];
  caption: (orderId: string) => string;
}

const TEXTS: Record<DocumentLanguage, LabelTexts> = {
  en: {
    title: 'RETURN',
    from: 'From',
    to: 'To',
    tracking: 'Tracking number',
    returnNo: 'Return',
    order: 'Order',
    item: 'Item',
    created: 'Created',
    instructions: (carrier) => [
      'Print this page and cut along the dotted line.',
      'Pack the item in its original packaging if you still have it, with all accessories.',
      'Stick the label on the parcel, covering any old labels or barcodes.',
      `Drop the parcel at a ${carrier} point and keep the receipt until your refund arrives.`,
    ],
    caption: (orderId) => `Your return label for order ${orderId}: print it and stick it on the parcel.`,
  },
  fr: {
    title: 'RETOUR',
    from: 'Expéditeur',
    to: 'Destinataire',
    tracking: 'Numéro de suivi',
    returnNo: 'Retour',
    order: 'Commande',
    item: 'Article',
    created: 'Créée le',
    instructions: (carrier) => [
      'Imprimez cette page et découpez le long des pointillés.',
      "Emballez l'article dans son emballage d'origine si possible, avec tous ses accessoires.",
      "Collez l'étiquette sur le colis en couvrant les anciennes étiquettes et codes-barres.",
      `Déposez le colis dans un point ${carrier} et gardez le reçu jusqu'au remboursement.`,
    ],
    caption: (orderId) =>
      `Votre étiquette de retour pour la commande ${orderId} : imprimez-la et collez-la sur le colis.`,
  },
  nl: {
    title: 'RETOUR',
    from: 'Afzender',
    to: 'Ontvanger',
    tracking: 'Trackingnummer',
    returnNo: 'Retour',
    order: 'Bestelling',
    item: 'Artikel',
    created: 'Aangemaakt',
    instructions: (carrier) => [
      'Print deze pagina en knip langs de stippellijn.',
      'Verpak het artikel zo mogelijk in de originele verpakking, met alle accessoires.',
      'Plak het label op het pakket en bedek oude labels en barcodes.',
      `Lever het pakket af bij een ${carrier}-punt en bewaar het bewijs tot je terugbetaling binnen is.`,
    ],
    caption: (orderId) => `Je retourlabel voor bestelling ${orderId}: print het en plak het op het pakket.`,
  },
};

/** The file name and caption WhatsApp shows for a return label. */
export function returnLabelDocumentInfo(data: Pick<ReturnLabelData, 'returnId' | 'orderId' | 'language'>) {
  const texts = TEXTS[documentLanguage(data.language)];
  return {
    filename: safeFilename(`return-label-${data.returnId}`, 'pdf'),
    caption: texts.caption(data.orderId),
  };
}

const MARGIN = 50;
const BOX_TOP = 50;
const BOX_HEIGHT = 360;

/** The label as PDF bytes. Deterministic: the same data gives the same bytes. */
export function renderReturnLabelPdf(data: ReturnLabelData): Uint8Array {
  const language = documentLanguage(data.language);
  const t = TEXTS[language];
  const doc = createPdfDocument({ title: `${t.title} ${data.returnId}` });
  const page = doc.addPage();
  const left = MARGIN;
  const right = page.width - MARGIN;
  const middle = page.width / 2;

  page.rect(left, BOX_TOP, right - left, BOX_HEIGHT, { stroke: { width: 1.5 } });
  // Title bar: what it is and who carries it, readable from across the counter.
  page.rect(left, BOX_TOP, right - left, 44, { fill: 0, stroke: false });
  page.text(left + 14, BOX_TOP + 30, t.title, { font: 'Helvetica-Bold', size: 22, gray: 1 });
  page.text(right - 14, BOX_TOP + 30, data.carrier, {
    font: 'Helvetica-Bold',
    size: 22,
    gray: 1,
    align: 'right',
  });

  // Sender (small) on the left, recipient (large) on the right, as carriers expect.
  let y = BOX_TOP + 70;
  page.text(left + 14, y, t.from.toUpperCase(), { font: 'Helvetica-Bold', size: 8, gray: 0.35 });
  page.text(middle + 6, y, t.to.toUpperCase(), { font: 'Helvetica-Bold', size: 8, gray: 0.35 });
  // As many address lines as the space above the tracking number holds (addresses have 3 to 6).
  const fromLines = data.fromAddress
    .flatMap((l) => wrapText(l, 'Helvetica', 10, middle - left - 28))
    .slice(0, 9);
  fromLines.forEach((line, i) => page.text(left + 14, y + 16 + i * 13, line, { size: 10 }));
  const toLines = data.toAddress
    .flatMap((l) => wrapText(l, 'Helvetica-Bold', 13, right - middle - 20))
    .slice(0, 7);
  toLines.forEach((line, i) =>
    page.text(middle + 6, y + 18 + i * 17, line, { font: 'Helvetica-Bold', size: 13 }),
  );
  page.line(middle - 6, y - 12, middle - 6, y + 112, { width: 0.5, gray: 0.6 });

  y = BOX_TOP + 210;
  page.line(left, y, right, y, { width: 1 });
  page.text(left + 14, y + 20, t.tracking.toUpperCase(), { font: 'Helvetica-Bold', size: 8, gray: 0.35 });
  // The tracking number as large as fits the box: it is what the carrier's staff type in.
  let size = 26;
  while (size > 12 && textWidth(data.trackingNumber, 'Helvetica-Bold', size) > right - left - 28) size -= 1;
  page.text(left + 14, y + 52, data.trackingNumber, { font: 'Helvetica-Bold', size });

  y = BOX_TOP + 290;
  page.line(left, y, right, y, { width: 0.5 });
  const facts: Array<[string, string]> = [
    [t.returnNo, data.returnId],
    [t.order, data.orderId],
    [t.created, formatDate(data.createdAt, language, data.timeZone ?? 'Europe/Paris')],
  ];
  const column = (right - left) / facts.length;
  facts.forEach(([label, value], i) => {
    page.text(left + 14 + i * column, y + 20, label.toUpperCase(), {
      font: 'Helvetica-Bold',
      size: 8,
      gray: 0.35,
    });
    page.text(left + 14 + i * column, y + 36, value, { size: 11 });
  });
  const item = wrapText(
    `${t.item}: ${data.productName} (${data.customerName})`,
    'Helvetica',
    9,
    right - left - 28,
  );
  page.text(left + 14, y + 56, item.length > 1 ? `${item[0]}…` : (item[0] ?? ''), { size: 9, gray: 0.35 });

  // Cut line and instructions below the label.
  const cut = BOX_TOP + BOX_HEIGHT + 30;
  page.line(left - 20, cut, right + 20, cut, { width: 0.6, gray: 0.5, dash: [4, 3] });
  let iy = cut + 34;
  t.instructions(data.carrier).forEach((instruction, n) => {
    const lines = wrapText(instruction, 'Helvetica', 10.5, right - left - 24);
    page.text(left, iy, `${n + 1}.`, { font: 'Helvetica-Bold', size: 10.5 });
    lines.forEach((line, i) => page.text(left + 20, iy + i * 14, line, { size: 10.5 }));
    iy += lines.length * 14 + 8;
  });
  return doc.toBytes();
}
