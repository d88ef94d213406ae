/**
 * A tiny PDF 1.4 writer for the documents Parley sends (invoice copies, return labels): text in the
 * two base-14 fonts Helvetica and Helvetica-Bold, lines and boxes. No dependency, no embedded font:
 * every PDF reader ships these two fonts, which keeps a one-page invoice around 3 KB.
 *
 * Text is encoded in WinAnsiEncoding (Windows-1252), so the Western European letters of our
 * customers' names and addresses (é, ü, ç, ß…) and the euro sign (byte 0x80) print; characters
 * outside it come out as `?`. Content streams are left uncompressed and ASCII-only (bytes ≥ 0x80 are
 * written as octal escapes): easy to inspect and test, and small enough anyway.
 *
 * Output is deterministic — the same calls give the same bytes — as long as no creation date is
 * passed in: nothing reads the clock.
 *
 * Coordinates are PDF points (1/72 inch) measured from the page's top-left corner, y downwards
 * (the writer flips them): layouts read top to bottom like the page.
 */

export type PdfFont = 'Helvetica' | 'Helvetica-Bold';

/** Page sizes in points. */
export const PAGE_SIZES = {
  A4: { width: 595.28, height: 841.89 },
  Letter: { width: 612, height: 792 },
} as const;

export interface PdfTextStyle {
  /** Default Helvetica. */
  font?: PdfFont;
  /** Font size in points. Default 10. */
  size?: number;
  /** Where `x` is: the start (default), the centre or the end of the text. */
  align?: 'left' | 'center' | 'right';
  /** 0 = black (default) … 1 = white. */
  gray?: number;
}

export interface PdfStrokeStyle {
  /** Line width in points. Default 0.5. */
  width?: number;
  /** 0 = black (default) … 1 = white. */
  gray?: number;
  /** Dash pattern in points, e.g. `[4, 3]`. Default solid. */
  dash?: readonly number[];
}

export interface PdfRectStyle {
  /** Fill gray level (0 black … 1 white); no fill when absent. */
  fill?: number;
  /** Outline; default a 0.5 pt black outline. `false`: no outline (a filled box). */
  stroke?: PdfStrokeStyle | false;
}

/** One page. All drawing calls append to its content stream in call order. */
export interface PdfPage {
  readonly width: number;
  readonly height: number;
  /** One line of text, its baseline `y` points below the top edge. No wrapping: see {@link wrapText}. */
  text(x: number, y: number, text: string, style?: PdfTextStyle): void;
  /** A straight line. */
  line(x1: number, y1: number, x2: number, y2: number, style?: PdfStrokeStyle): void;
  /** A box whose top-left corner is (`x`, `y`). */
  rect(x: number, y: number, width: number, height: number, style?: PdfRectStyle): void;
}

export interface PdfDocumentOptions {
  /** Default A4. */
  pageSize?: { width: number; height: number };
  /** Document properties shown by readers. */
  title?: string;
  author?: string;
  subject?: string;
  /** Written as /CreationDate only when given, so output stays reproducible by default. */
  creationDate?: Date;
}

export interface PdfDocument {
  addPage(): PdfPage;
  /** The finished file. Throws when no page was added (an empty page tree is not a valid PDF). */
  toBytes(): Uint8Array;
}

/*
 * Advance widths (1/1000 em) of WinAnsi codes 32..255, from Adobe's Core 14 AFM metrics of
 * Helvetica and Helvetica-Bold. Codes WinAnsi leaves undefined (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D)
 * are never emitted by the encoder below.
 */
// prettier-ignore
const HELVETICA_WIDTHS = [
  278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,
  556,556,278,278,584,584,584,556,1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,
  667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,333,556,556,500,556,556,278,556,
  556,222,222,500,222,833,556,556,556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,0,
  556,350,222,556,333,1000,556,556,333,1000,667,333,1000,350,611,350,350,222,222,333,333,350,556,
  1000,333,1000,500,333,944,350,500,667,278,333,556,556,556,556,260,556,333,737,370,556,584,333,
  737,333,400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,667,667,667,667,667,667,
  1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,
  667,611,556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,556,556,556,556,556,556,
  556,584,611,556,556,556,556,500,556,500,
];
// prettier-ignore
const HELVETICA_BOLD_WIDTHS = [
  278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,
  556,556,333,333,584,584,584,611,975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,
  667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,333,556,611,556,611,556,333,611,
  611,278,278,556,278,889,611,611,611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,0,
  556,350,278,556,500,1000,556,556,333,1000,667,333,1000,350,611,350,350,278,278,500,500,350,556,
  1000,333,1000,556,333,944,350,500,667,278,333,556,556,556,556,280,556,333,737,370,556,584,333,
  737,333,400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,722,722,722,722,722,722,
  1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,
  667,611,556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,611,611,611,611,611,611,
  611,584,611,611,611,611,611,556,611,556,
];

const WIDTHS: Record<PdfFont, readonly number[]> = {
  Helvetica: HELVETICA_WIDTHS,
  'Helvetica-Bold': HELVETICA_BOLD_WIDTHS,
};

/** Resource names of the fonts in every page's /Resources. */
const FONT_RESOURCE: Record<PdfFont, string> = { Helvetica: 'F1', 'Helvetica-Bold': 'F2' };

/** The WinAnsi bytes 0x80..0x9F, which differ from Latin-1 (where U+0080..U+009F are controls). */
const WIN_ANSI_HIGH = new Map<number, number>([
  [0x20ac, 0x80], // €
  [0x201a, 0x82],
  [0x0192, 0x83],
  [0x201e, 0x84],
  [0x2026, 0x85], // …
  [0x2020, 0x86],
  [0x2021, 0x87],
  [0x02c6, 0x88],
  [0x2030, 0x89],
  [0x0160, 0x8a], // Š
  [0x2039, 0x8b],
  [0x0152, 0x8c], // Œ
  [0x017d, 0x8e], // Ž
  [0x2018, 0x91],
  [0x2019, 0x92], // ’
  [0x201c, 0x93],
  [0x201d, 0x94],
  [0x2022, 0x95], // •
  [0x2013, 0x96], // –
  [0x2014, 0x97], // —
  [0x02dc, 0x98],
  [0x2122, 0x99], // ™
  [0x0161, 0x9a], // š
  [0x203a, 0x9b],
  [0x0153, 0x9c], // œ
  [0x017e, 0x9e], // ž
  [0x0178, 0x9f], // Ÿ
  // Not in WinAnsi, but Intl.NumberFormat puts them in amounts ("1 234,56 €"): a plain space.
  [0x202f, 0x20],
  [0x2009, 0x20],
  [0x2007, 0x20],
  // Non-breaking hyphen and minus sign: a hyphen.
  [0x2011, 0x2d],
  [0x2212, 0x2d],
]);

const QUESTION_MARK = 0x3f;

/**
 * `text` in WinAnsiEncoding, one byte per character. Tabs and line breaks become spaces (a PDF
 * text run is one line); characters WinAnsi lacks become `?`, after trying their decomposed base
 * letter (so "ő" prints as "o" rather than "?").
 */
export function encodeWinAnsi(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0) ?? QUESTION_MARK;
    out.push(winAnsiByte(code) ?? baseLetterByte(ch) ?? QUESTION_MARK);
  }
  return Uint8Array.from(out);
}

function winAnsiByte(code: number): number | undefined {
  if (code === 0x09 || code === 0x0a || code === 0x0d) return 0x20;
  if (code >= 0x20 && code <= 0x7e) return code;
  if (code >= 0xa0 && code <= 0xff) return code;
  return WIN_ANSI_HIGH.get(code);
}

function baseLetterByte(ch: string): number | undefined {
  const base = ch.normalize('NFD').codePointAt(0);
  return base !== undefined && base !== ch.codePointAt(0) ? winAnsiByte(base) : undefined;
}

/** Width in points of `text` set in `font` at `size`. */
export function textWidth(text: string, font: PdfFont, size: number): number {
  const widths = WIDTHS[font];
  let units = 0;
  for (const byte of encodeWinAnsi(text)) units += widths[byte - 32] ?? 0;
  return (units * size) / 1000;
}

/**
 * Splits `text` into lines no wider than `maxWidth` points, at spaces; a single word wider than
 * the line is cut between characters. Existing line breaks are kept.
 */
export function wrapText(text: string, font: PdfFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let current = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = current ? `${current} ${word}` : word;
      if (textWidth(candidate, font, size) <= maxWidth) {
        current = candidate;
        continue;
      }
      if (current) lines.push(current);
      current = '';
      // A word that does not fit alone is cut into pieces that do.
      let piece = '';
      for (const ch of word) {
        if (piece && textWidth(piece + ch, font, size) > maxWidth) {
          lines.push(piece);
          piece = '';
        }
        piece += ch;
      }
      current = piece;
    }
    lines.push(current);
  }
  return lines;
}

/** A number as PDF writes it: at most two decimals, no exponent, no "-0". */
function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`PDF coordinates must be finite numbers (got ${n})`);
  const rounded = Math.round(n * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

function grayLevel(g: number): string {
  return num(Math.min(1, Math.max(0, g)));
}

/** A literal string `( … )` of WinAnsi bytes, kept ASCII: `(`, `)`, `\` and non-printables escaped. */
function pdfString(bytes: Uint8Array): string {
  let out = '(';
  for (const b of bytes) {
    if (b === 0x28 || b === 0x29 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out})`;
}

/** A text string for the document information dictionary: UTF-16BE with BOM, as hex (any Unicode). */
function pdfTextString(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

/** `D:YYYYMMDDHHmmSSZ` in UTC. */
function pdfDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `D:${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

function strokeOps(style: PdfStrokeStyle | undefined): string[] {
  const ops = [`${num(style?.width ?? 0.5)} w`];
  if (style?.gray !== undefined) ops.push(`${grayLevel(style.gray)} G`);
  if (style?.dash && style.dash.length > 0) ops.push(`[${style.dash.map(num).join(' ')}] 0 d`);
  return ops;
}

/** Creates an empty document; add pages, draw, then call `toBytes()`. */
export function createPdfDocument(opts: PdfDocumentOptions = {}): PdfDocument {
  const size = opts.pageSize ?? PAGE_SIZES.A4;
  const pages: string[][] = [];

  function addPage(): PdfPage {
    const ops: string[] = [];
    pages.push(ops);
    const flipY = (y: number) => size.height - y;
    return {
      width: size.width,
      height: size.height,

      text(x, y, text, style = {}) {
        const font = style.font ?? 'Helvetica';
        const fontSize = style.size ?? 10;
        const bytes = encodeWinAnsi(text);
        if (bytes.length === 0) return;
        const w = textWidth(text, font, fontSize);
        const left = style.align === 'right' ? x - w : style.align === 'center' ? x - w / 2 : x;
        const run = `BT /${FONT_RESOURCE[font]} ${num(fontSize)} Tf ${num(left)} ${num(flipY(y))} Td ${pdfString(bytes)} Tj ET`;
        // The fill colour is graphics state, which BT/ET do not save: scope it with q/Q.
        ops.push(style.gray !== undefined ? `q ${grayLevel(style.gray)} g ${run} Q` : run);
      },

      line(x1, y1, x2, y2, style) {
        const path = `${num(x1)} ${num(flipY(y1))} m ${num(x2)} ${num(flipY(y2))} l S`;
        ops.push(`q ${[...strokeOps(style), path].join(' ')} Q`);
      },

      rect(x, y, width, height, style = {}) {
        if (style.fill === undefined && style.stroke === false) return;
        const box = `${num(x)} ${num(flipY(y + height))} ${num(width)} ${num(height)} re`;
        const parts: string[] = [];
        if (style.fill !== undefined) parts.push(`${grayLevel(style.fill)} g`);
        if (style.stroke !== false) parts.push(...strokeOps(style.stroke));
        const paint = style.fill !== undefined ? (style.stroke !== false ? 'B' : 'f') : 'S';
        ops.push(`q ${[...parts, box, paint].join(' ')} Q`);
      },
    };
  }

  function toBytes(): Uint8Array {
    if (pages.length === 0) throw new Error('A PDF needs at least one page');
    // Fixed object numbers: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then a page and its content per page.
    const objects: string[] = [];
    const pageRef = (i: number) => `${6 + 2 * i} 0 R`;
    objects.push('<< /Type /Catalog /Pages 2 0 R >>');
    objects.push(
      `<< /Type /Pages /Kids [${pages.map((_, i) => pageRef(i)).join(' ')}] /Count ${pages.length} >>`,
    );
    for (const font of ['Helvetica', 'Helvetica-Bold'] as const) {
      objects.push(`<< /Type /Font /Subtype /Type1 /BaseFont /${font} /Encoding /WinAnsiEncoding >>`);
    }
    const info = ['/Producer (Parley)'];
    if (opts.title) info.push(`/Title ${pdfTextString(opts.title)}`);
    if (opts.author) info.push(`/Author ${pdfTextString(opts.author)}`);
    if (opts.subject) info.push(`/Subject ${pdfTextString(opts.subject)}`);
    if (opts.creationDate) info.push(`/CreationDate (${pdfDate(opts.creationDate)})`);
    objects.push(`<< ${info.join(' ')} >>`);
    const mediaBox = `[0 0 ${num(size.width)} ${num(size.height)}]`;
    pages.forEach((ops, i) => {
      objects.push(
        `<< /Type /Page /Parent 2 0 R /MediaBox ${mediaBox} /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${7 + 2 * i} 0 R >>`,
      );
      // Everything in the stream is ASCII (see pdfString), so its length in bytes is its length.
      const stream = ops.join('\n');
      objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
    });

    // The comment of four bytes ≥ 0x80 on line 2 tells transfer tools the file is binary.
    const header = Buffer.concat([
      Buffer.from('%PDF-1.4\n%'),
      Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
      Buffer.from('\n'),
    ]);
    const chunks: Buffer[] = [header];
    let offset = header.length;
    const offsets: number[] = [];
    objects.forEach((body, i) => {
      offsets.push(offset);
      const chunk = Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1');
      chunks.push(chunk);
      offset += chunk.length;
    });
    // Each cross-reference entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, EOL.
    const xref = [
      'xref',
      `0 ${objects.length + 1}`,
      '0000000000 65535 f \n' + offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join(''),
    ].join('\n');
    const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
    chunks.push(Buffer.from(`${xref}${trailer}`, 'latin1'));
    return new Uint8Array(Buffer.concat(chunks));
  }

  return { addPage, toBytes };
}
