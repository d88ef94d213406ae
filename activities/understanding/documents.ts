/**
 * Reads a document a customer sent (a PDF, or a photo of a paper) into text, offline: the PDF's own
 * text, else OCR of its rendered pages; OCR for images. Flags identity documents as sensitive, so
 * callers can keep their text out of transcripts and models.
 *
 * Outcomes (`MediaUnderstanding`):
 *   - `document` with `method: 'pdf-text'` or `'ocr'`
 *   - `unreadable` with `reason`:
 *       `unsupported_type` — not a PDF or a JPEG/PNG/WebP image (docx, zip, …)
 *       `corrupt`          — the bytes are not what the type says, or are truncated / broken
 *       `encrypted`        — a password-protected PDF
 *       `no_text`          — no text found (a photo without text, or a scanned PDF that cannot be
 *                            rendered here); `detail` says which
 */
import type { MediaUnderstanding } from './types.js';
import type { Ocr } from './ocr.js';
import { OcrError } from './ocr.js';
import {
  PdfReadError,
  extractPdfText,
  isPdfRenderingAvailable,
  renderPdfPagesForOcr,
  type PdfTextOptions,
} from './pdf-text.js';
import { foldText } from '../../domain/text.js';

export interface ReadDocumentDeps {
  ocr: Pick<Ocr, 'recognize'>;
  /**
   * Renders a PDF's first pages to images for OCR; `null` when rendering is not available. Default:
   * {@link renderPdfPagesForOcr} when `@napi-rs/canvas` is installed.
   */
  renderPdfPages?: ((pdf: Buffer, maxPages: number) => Promise<Buffer[]>) | null;
}

export interface ReadDocumentOptions extends PdfTextOptions {
  /** Pages of a scanned PDF sent to OCR. Default 3 (~1 s a page). */
  maxOcrPages?: number;
}

/** MIME types read with OCR (what WhatsApp accepts as images, sent as a document or a photo). */
export const OCR_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** Fewer letters and digits than this, and a PDF is taken for a scan / an image for text-free. */
const MIN_TEXT_CHARS = 20;
/** OCR text on a photo with no writing is short and low-confidence noise; below this we drop it. */
const MIN_OCR_CONFIDENCE = 0.5;

export async function readDocument(
  bytes: Buffer,
  mimeType: string,
  deps: ReadDocumentDeps,
  opts: ReadDocumentOptions = {},
): Promise<MediaUnderstanding> {
  const declared = baseMimeType(mimeType);
  const sniffed = sniffType(bytes);
  // WhatsApp forwards the sender's type; trust the bytes when the type says nothing useful.
  const type = declared === 'application/octet-stream' || declared === '' ? (sniffed ?? declared) : declared;

  if (type === 'application/pdf') {
    if (sniffed !== 'application/pdf') {
      return unreadable('corrupt', 'not a PDF file');
    }
    return readPdf(bytes, deps, opts);
  }
  if ((OCR_IMAGE_TYPES as readonly string[]).includes(type)) {
    if (sniffed === undefined || !(OCR_IMAGE_TYPES as readonly string[]).includes(sniffed)) {
      return unreadable('corrupt', `not a ${type.slice('image/'.length).toUpperCase()} image`);
    }
    return readImage(bytes, deps, opts);
  }
  return unreadable('unsupported_type', type || 'unknown type');
}

async function readPdf(
  bytes: Buffer,
  deps: ReadDocumentDeps,
  opts: ReadDocumentOptions,
): Promise<MediaUnderstanding> {
  let extracted;
  try {
    extracted = await extractPdfText(bytes, opts);
  } catch (err) {
    if (err instanceof PdfReadError) return unreadable(err.code, err.message);
    throw err;
  }
  if (countTextChars(extracted.text) >= MIN_TEXT_CHARS) {
    return document(extracted.text, 'pdf-text', extracted.pages);
  }

  // No text layer: a scan. OCR its first pages when they can be rendered here.
  const render =
    deps.renderPdfPages === undefined
      ? isPdfRenderingAvailable()
        ? (pdf: Buffer, maxPages: number) => renderPdfPagesForOcr(pdf, { maxPages })
        : null
      : deps.renderPdfPages;
  if (!render) {
    return unreadable('no_text', 'the PDF has no text layer and pages cannot be rendered for OCR here');
  }
  let images: Buffer[];
  try {
    images = await render(bytes, opts.maxOcrPages ?? 3);
  } catch (err) {
    if (err instanceof PdfReadError) {
      return err.code === 'render_unavailable'
        ? unreadable('no_text', 'the PDF has no text layer and pages cannot be rendered for OCR here')
        : unreadable(err.code, err.message);
    }
    throw err;
  }
  const texts: string[] = [];
  for (const image of images) {
    const { text, confidence } = await deps.ocr.recognize(image);
    if (confidence >= MIN_OCR_CONFIDENCE && countTextChars(text) > 0) texts.push(text);
  }
  const text = limit(texts.join('\n\n'), opts.maxChars);
  if (countTextChars(text) < MIN_TEXT_CHARS) {
    return unreadable('no_text', 'no text found in the PDF, nor by OCR of its pages');
  }
  return document(text, 'ocr', extracted.pages);
}

async function readImage(
  bytes: Buffer,
  deps: ReadDocumentDeps,
  opts: ReadDocumentOptions,
): Promise<MediaUnderstanding> {
  let result;
  try {
    result = await deps.ocr.recognize(bytes);
  } catch (err) {
    if (err instanceof OcrError && err.code === 'unreadable_image') return unreadable('corrupt', err.message);
    throw err;
  }
  if (result.confidence < MIN_OCR_CONFIDENCE || countTextChars(result.text) < MIN_TEXT_CHARS) {
    return unreadable('no_text', 'no text found in the image');
  }
  return document(limit(result.text, opts.maxChars), 'ocr', 1);
}

function document(text: string, method: 'pdf-text' | 'ocr', pages: number): MediaUnderstanding {
  return { kind: 'document', text, method, pages, sensitive: isSensitiveDocumentText(text) };
}

function unreadable(reason: string, detail?: string): MediaUnderstanding {
  return detail === undefined ? { kind: 'unreadable', reason } : { kind: 'unreadable', reason, detail };
}

function limit(text: string, maxChars = 50_000): string {
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

function countTextChars(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}

/** `Application/PDF; name="x.pdf"` → `application/pdf`. */
export function baseMimeType(mimeType: string): string {
  return (mimeType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** The type the first bytes announce, for the formats read here and the common unsupported ones. */
export function sniffType(bytes: Buffer): string | undefined {
  if (looksLikePdf(bytes)) return 'application/pdf';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'application/zip';
  return undefined;
}

/** `%PDF-` within the first KB (the spec allows junk before the header, and readers accept it). */
function looksLikePdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes('%PDF-', 0, 'latin1');
}

// ── Sensitive (identity) documents ──────────────────────────────────────────────────────────────

/**
 * Phrases that name an identity document, in the supported languages, written as OCR and PDFs
 * give them: lower case, accents removed, apostrophes and hyphens as spaces (see {@link foldWords}).
 */
const ID_DOCUMENT_PHRASES = [
  // en
  'passport',
  'identity card',
  'id card',
  'national identity',
  'driving licence',
  'driving license',
  'driver s license',
  'drivers license',
  'residence permit',
  // fr
  'passeport',
  'carte d identite',
  'carte nationale d identite',
  'permis de conduire',
  'titre de sejour',
  // de
  'reisepass',
  'personalausweis',
  'fuhrerschein',
  'fuehrerschein',
  'aufenthaltstitel',
  // nl
  'paspoort',
  'identiteitskaart',
  'identiteitsbewijs',
  'rijbewijs',
  'verblijfsvergunning',
  // es
  'pasaporte',
  'documento nacional de identidad',
  'documento de identidad',
  'permiso de conducir',
  'carnet de conducir',
  // it
  'passaporto',
  'carta d identita',
  'carta di identita',
  'patente di guida',
  'permesso di soggiorno',
  // pt
  'passaporte',
  'cartao de cidadao',
  'bilhete de identidade',
  'carteira de identidade',
  'carta de conducao',
];

const ID_PHRASE_PATTERN = new RegExp(`\\b(?:${ID_DOCUMENT_PHRASES.map(escapeRegExp).join('|')})\\b`);

/**
 * Machine-readable zone of passports and ID cards (ICAO 9303): lines of capitals, digits and runs
 * of `<` fillers, 30, 36 or 44 long (±2 for OCR slips), e.g. `P<FRAMARTIN<<CLAIRE<SOPHIE<<<<<<<<<<<<<<<<<<`.
 */
const MRZ_LINE = /^(?=[A-Z0-9<]*<<)[A-Z0-9<]{28,46}$/m;

/** Whether extracted text looks like it comes from an identity document (ID card, passport, …). */
export function isSensitiveDocumentText(text: string): boolean {
  if (ID_PHRASE_PATTERN.test(foldWords(text))) return true;
  return MRZ_LINE.test(text.replace(/[ \t]+/g, '').replace(/«/g, '<<'));
}

/** Folded words (domain/text.ts) with apostrophes, hyphens and punctuation runs as single spaces. */
export function foldWords(text: string): string {
  return foldText(text).replace(/[^\p{L}\p{N}]+/gu, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
