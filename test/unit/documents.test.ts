/**
 * Reading documents offline, on the committed fixtures (scripts/make-media-fixtures.sh): PDF text,
 * OCR of a scan and of a scanned PDF, corrupt / encrypted / unsupported files, and identity
 * documents flagged sensitive. One real OCR engine (eng+fra) for the whole file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  baseMimeType,
  isSensitiveDocumentText,
  readDocument,
  sniffType,
} from '../../activities/understanding/documents.js';
import { createOcr, OcrError, type Ocr } from '../../activities/understanding/ocr.js';
import {
  extractPdfText,
  isPdfRenderingAvailable,
  PdfReadError,
} from '../../activities/understanding/pdf-text.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/media', name));

const LETTER_WORDS = ['parcel', 'delivered', 'warehouse', 'refund', 'support'];

let ocr: Ocr;
beforeAll(() => {
  ocr = createOcr({ languages: ['eng', 'fra'] });
});
afterAll(() => ocr.close());

/** How many of `words` appear in `text`, case-insensitively. */
function found(text: string, words: string[]): string[] {
  const lower = text.toLowerCase();
  return words.filter((w) => lower.includes(w));
}

describe('PDF text', () => {
  it('extracts the exact sentences of a text PDF', async () => {
    const { text, pages, truncated } = await extractPdfText(fixture('invoice.pdf'));
    expect(pages).toBe(1);
    expect(truncated).toBe(false);
    const lines = text.split('\n');
    expect(lines).toContain('Invoice INV-2041');
    expect(lines).toContain('Customer: Jane Doe, order 1042');
    expect(lines).toContain('Total 59.90 EUR');
    expect(lines).toContain('Thank you for shopping with Parley Home.');
  });

  it('reads a PDF document without OCR, not sensitive', async () => {
    const recognize = vi.fn();
    const result = await readDocument(fixture('invoice.pdf'), 'application/pdf', { ocr: { recognize } });
    expect(result).toMatchObject({ kind: 'document', method: 'pdf-text', pages: 1, sensitive: false });
    expect(result.kind === 'document' && result.text).toContain('Total 59.90 EUR');
    expect(recognize).not.toHaveBeenCalled();
  });

  it('throws a typed error for a corrupt (truncated) or encrypted PDF', async () => {
    await expect(extractPdfText(fixture('corrupt.pdf'))).rejects.toMatchObject({
      name: 'PdfReadError',
      code: 'corrupt',
    });
    const encrypted = await extractPdfText(fixture('encrypted.pdf')).catch((e: unknown) => e);
    expect(encrypted).toBeInstanceOf(PdfReadError);
    expect(encrypted).toMatchObject({ code: 'encrypted' });
  });

  it('caps the text at maxChars', async () => {
    const { text, truncated } = await extractPdfText(fixture('invoice.pdf'), { maxChars: 40 });
    expect(text.length).toBeLessThanOrEqual(40);
    expect(truncated).toBe(true);
  });
});

describe('readDocument outcomes', () => {
  const noOcr = { ocr: { recognize: vi.fn() } };

  it('a truncated PDF is unreadable: corrupt', async () => {
    expect(await readDocument(fixture('corrupt.pdf'), 'application/pdf', noOcr)).toMatchObject({
      kind: 'unreadable',
      reason: 'corrupt',
    });
    // Bytes that are no PDF at all, sent as one.
    expect(await readDocument(Buffer.from('hello'), 'application/pdf', noOcr)).toMatchObject({
      kind: 'unreadable',
      reason: 'corrupt',
    });
  });

  it('a password-protected PDF is unreadable: encrypted', async () => {
    expect(await readDocument(fixture('encrypted.pdf'), 'application/pdf', noOcr)).toMatchObject({
      kind: 'unreadable',
      reason: 'encrypted',
    });
  });

  it('docx, zip and other types are unreadable: unsupported_type', async () => {
    const docx = fixture('unsupported.docx');
    const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    expect(await readDocument(docx, docxType, noOcr)).toMatchObject({
      kind: 'unreadable',
      reason: 'unsupported_type',
      detail: docxType,
    });
    expect(await readDocument(docx, 'application/octet-stream', noOcr)).toMatchObject({
      reason: 'unsupported_type',
      detail: 'application/zip',
    });
    expect(await readDocument(fixture('voice-note.ogg'), 'audio/ogg; codecs=opus', noOcr)).toMatchObject({
      reason: 'unsupported_type',
    });
    expect(noOcr.ocr.recognize).not.toHaveBeenCalled();
  });

  it('an image whose bytes are not an image is corrupt, without OCR', async () => {
    expect(await readDocument(fixture('invoice.pdf'), 'image/png', noOcr)).toMatchObject({
      kind: 'unreadable',
      reason: 'corrupt',
    });
    expect(noOcr.ocr.recognize).not.toHaveBeenCalled();
  });

  it('a PDF sent as application/octet-stream is read by its bytes', async () => {
    const result = await readDocument(fixture('invoice.pdf'), 'application/octet-stream', noOcr);
    expect(result).toMatchObject({ kind: 'document', method: 'pdf-text' });
  });

  it('a scanned PDF is unreadable: no_text when pages cannot be rendered', async () => {
    const result = await readDocument(fixture('scanned.pdf'), 'application/pdf', {
      ...noOcr,
      renderPdfPages: null,
    });
    expect(result).toMatchObject({ kind: 'unreadable', reason: 'no_text' });
  });
});

describe('OCR (tesseract.js, offline)', () => {
  it('finds the known words of a scanned letter', async () => {
    const result = await readDocument(fixture('scan-letter.jpg'), 'image/jpeg', { ocr });
    expect(result).toMatchObject({ kind: 'document', method: 'ocr', pages: 1, sensitive: false });
    const text = result.kind === 'document' ? result.text : '';
    expect(found(text, LETTER_WORDS).length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('1042');
  });

  it('returns a confidence between 0 and 1', async () => {
    const { text, confidence } = await ocr.recognize(fixture('scan-letter.jpg'));
    expect(text.length).toBeGreaterThan(100);
    expect(confidence).toBeGreaterThan(0.7);
    expect(confidence).toBeLessThanOrEqual(1);
  });

  it('flags a scanned identity card as sensitive', async () => {
    const result = await readDocument(fixture('id-card.png'), 'image/png', { ocr });
    expect(result).toMatchObject({ kind: 'document', method: 'ocr', sensitive: true });
  });

  it('a photo without writing is unreadable: no_text', async () => {
    const result = await readDocument(fixture('photo.jpg'), 'image/jpeg', { ocr });
    expect(result).toMatchObject({ kind: 'unreadable', reason: 'no_text' });
  });

  it('undecodable image bytes are corrupt', async () => {
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]);
    await expect(ocr.recognize(fake)).rejects.toMatchObject({ name: 'OcrError', code: 'unreadable_image' });
    expect(await readDocument(fake, 'image/jpeg', { ocr })).toMatchObject({
      kind: 'unreadable',
      reason: 'corrupt',
    });
  });

  it.runIf(isPdfRenderingAvailable())('reads a scanned PDF by OCR of its rendered page', async () => {
    const result = await readDocument(fixture('scanned.pdf'), 'application/pdf', { ocr });
    expect(result).toMatchObject({ kind: 'document', method: 'ocr', pages: 1, sensitive: false });
    const text = result.kind === 'document' ? result.text : '';
    expect(found(text, LETTER_WORDS).length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a language without its trained-data package, and calls after close', async () => {
    expect(() => createOcr({ languages: ['eng', 'jpn'] })).toThrow(/@tesseract.js-data\/jpn/);
    const other = createOcr({ languages: ['eng'] });
    await other.close();
    await expect(other.recognize(fixture('scan-letter.jpg'))).rejects.toBeInstanceOf(OcrError);
  });
});

describe('sensitive documents and types', () => {
  it.each([
    'PASSPORT / PASSEPORT',
    "CARTE NATIONALE D'IDENTITÉ",
    'Carte d’identité',
    'BUNDESREPUBLIK DEUTSCHLAND PERSONALAUSWEIS',
    'Führerschein',
    'KONINKRIJK DER NEDERLANDEN Identiteitskaart',
    'Documento Nacional de Identidad',
    "Carta d'identità",
    'Cartão de Cidadão',
    'IDFRAX4RTBPFW46<<<<<<<<<<<<<<<\n8807035F3407019FRA<<<<<<<<<<<4',
    'P<FRAMARTIN<<CLAIRE<SOPHIE<<<<<<<<<<<<<<<<<<',
  ])('sensitive: %s', (text) => {
    expect(isSensitiveDocumentText(text)).toBe(true);
  });

  it.each([
    'Invoice INV-2041 Total 59.90 EUR',
    'Your parcel was delivered to our warehouse',
    'Order ID: 1042, card ending 4242',
    '<<<< not a machine readable zone >>>>',
  ])('not sensitive: %s', (text) => {
    expect(isSensitiveDocumentText(text)).toBe(false);
  });

  it('reads MIME types and magic bytes', () => {
    expect(baseMimeType('Application/PDF; name="a.pdf"')).toBe('application/pdf');
    expect(sniffType(fixture('invoice.pdf'))).toBe('application/pdf');
    expect(sniffType(fixture('scan-letter.jpg'))).toBe('image/jpeg');
    expect(sniffType(fixture('id-card.png'))).toBe('image/png');
    expect(sniffType(fixture('unsupported.docx'))).toBe('application/zip');
    expect(sniffType(fixture('voice-note.ogg'))).toBeUndefined();
  });
});
