/**
 * Text out of PDFs with Mozilla's PDF.js (`pdfjs-dist`, legacy build: the one meant for Node), and
 * scanned pages rendered to PNG for OCR.
 *
 * Rendering uses `@napi-rs/canvas` (Skia), an optional dependency of pdfjs-dist shipped as a prebuilt
 * binary per platform on npm (no build, no install script). Where it did not install,
 * {@link renderPdfPagesForOcr} throws `PdfReadError` `render_unavailable` and
 * {@link isPdfRenderingAvailable} says false: a scanned PDF then has no text.
 *
 * PDF.js is imported on first use: it is ~40 MB RSS, and in Node it polyfills a few browser globals
 * (`DOMMatrix`, `ImageData`, `Path2D`, and `navigator` on Node 20) when loaded. It parses in the
 * calling thread (Node has no PDF.js worker), so a very large PDF holds the event loop while it is
 * parsed: callers bound the work with `maxPages` / `maxChars`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type PdfReadErrorCode =
  /** Password-protected: PDF.js asks for a password. */
  | 'encrypted'
  /** Not a PDF, truncated, or broken beyond what PDF.js repairs. */
  | 'corrupt'
  /** Page rendering needs `@napi-rs/canvas`, which is not installed for this platform. */
  | 'render_unavailable';

/** The one error type this module throws for a PDF it cannot read. */
export class PdfReadError extends Error {
  override readonly name = 'PdfReadError';
  constructor(
    readonly code: PdfReadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PdfText {
  /** Pages in reading order, separated by a blank line; lines as PDF.js ends them. */
  text: string;
  /** Pages in the document (not only the ones read). */
  pages: number;
  /** True when `maxPages` or `maxChars` cut the text short. */
  truncated: boolean;
}

export interface PdfTextOptions {
  /** Pages read, from the first. Default 50. */
  maxPages?: number;
  /** Characters kept (the text goes into workflow state). Default 50,000. */
  maxChars?: number;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
type RenderParameters = Parameters<Awaited<ReturnType<PdfDocument['getPage']>>['render']>[0];

const require = createRequire(import.meta.url);
let pdfjsModule: Promise<PdfJs> | undefined;

function pdfjs(): Promise<PdfJs> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

/** pdfjs-dist's own data folders (standard fonts, CMaps, decoders' WebAssembly), read from disk. */
function pdfjsDataDirs() {
  const root = dirname(require.resolve('pdfjs-dist/package.json'));
  // PDF.js joins these with file names: they must end with a separator.
  return {
    standardFontDataUrl: join(root, 'standard_fonts') + '/',
    cMapUrl: join(root, 'cmaps') + '/',
    wasmUrl: join(root, 'wasm') + '/',
    iccUrl: join(root, 'iccs') + '/',
  };
}

async function openPdf(pdf: Buffer): Promise<PdfDocument> {
  const { getDocument, VerbosityLevel } = await pdfjs();
  if (pdf.length === 0) throw new PdfReadError('corrupt', 'empty file');
  const task = getDocument({
    // A copy: PDF.js may transfer (detach) the buffer it is given.
    data: new Uint8Array(pdf),
    ...pdfjsDataDirs(),
    cMapPacked: true,
    verbosity: VerbosityLevel.ERRORS,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    // Never ask the network for anything (no URL is given, this makes it explicit).
    disableAutoFetch: true,
    disableStream: true,
  });
  try {
    return await task.promise;
  } catch (err) {
    await task.destroy().catch(() => {});
    const name = (err as { name?: string }).name;
    const message = (err as Error).message ?? String(err);
    if (name === 'PasswordException') {
      throw new PdfReadError('encrypted', 'the PDF is password-protected', { cause: err });
    }
    throw new PdfReadError('corrupt', `the PDF cannot be read: ${message}`, { cause: err });
  }
}

/**
 * The text of a PDF's pages. Throws {@link PdfReadError} (`encrypted` or `corrupt`); a PDF without
 * a text layer (a scan) returns empty or near-empty text, not an error.
 */
export async function extractPdfText(pdf: Buffer, opts: PdfTextOptions = {}): Promise<PdfText> {
  const maxPages = opts.maxPages ?? 50;
  const maxChars = opts.maxChars ?? 50_000;
  const doc = await openPdf(pdf);
  try {
    const pages = doc.numPages;
    const parts: string[] = [];
    let length = 0;
    let truncated = pages > maxPages;
    for (let n = 1; n <= Math.min(pages, maxPages); n++) {
      const pageText = await readPage(doc, n);
      parts.push(pageText);
      length += pageText.length + 2;
      if (length >= maxChars) {
        truncated = truncated || length > maxChars || n < Math.min(pages, maxPages);
        break;
      }
    }
    let text = parts
      .filter((p) => p.length > 0)
      .join('\n\n')
      .trim();
    if (text.length > maxChars) text = text.slice(0, maxChars);
    return { text, pages, truncated };
  } finally {
    await doc.destroy();
  }
}

async function readPage(doc: PdfDocument, n: number): Promise<string> {
  let page;
  try {
    page = await doc.getPage(n);
    const content = await page.getTextContent();
    let out = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      out += item.str;
      if (item.hasEOL) out += '\n';
    }
    return out
      .split('\n')
      .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  } catch (err) {
    throw new PdfReadError('corrupt', `page ${n} cannot be read: ${(err as Error).message}`, { cause: err });
  } finally {
    page?.cleanup();
  }
}

export interface RenderOptions {
  /** Pages rendered, from the first. Default 5. */
  maxPages?: number;
  /** Target resolution. Default 300 dpi, lowered so that no side exceeds `maxSide`. */
  dpi?: number;
  /** Longest side of a rendered page, in pixels. Default 2,500 (A4 at ~210 dpi). */
  maxSide?: number;
}

interface CanvasAndContext {
  canvas: { width: number; height: number; toBuffer(mime: 'image/png'): Buffer };
  context: object;
}
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(entry: CanvasAndContext): void;
}

let renderingAvailable: boolean | undefined;

/** Whether {@link renderPdfPagesForOcr} can work here (`@napi-rs/canvas` installed and loadable). */
export function isPdfRenderingAvailable(): boolean {
  if (renderingAvailable === undefined) {
    try {
      // Resolved from pdfjs-dist, whose (optional) dependency it is.
      const fromPdfjs = createRequire(require.resolve('pdfjs-dist/package.json'));
      fromPdfjs('@napi-rs/canvas');
      renderingAvailable = true;
    } catch {
      renderingAvailable = false;
    }
  }
  return renderingAvailable;
}

/**
 * Renders the first pages of a PDF to PNG images (white background), for OCR of scanned PDFs.
 * Throws {@link PdfReadError} (`encrypted`, `corrupt`, or `render_unavailable`).
 */
export async function renderPdfPagesForOcr(pdf: Buffer, opts: RenderOptions = {}): Promise<Buffer[]> {
  if (!isPdfRenderingAvailable()) {
    throw new PdfReadError('render_unavailable', 'rendering PDF pages needs @napi-rs/canvas, not installed');
  }
  const maxPages = opts.maxPages ?? 5;
  const dpi = opts.dpi ?? 300;
  const maxSide = opts.maxSide ?? 2500;
  const doc = await openPdf(pdf);
  const factory = doc.canvasFactory as CanvasFactory;
  const images: Buffer[] = [];
  try {
    for (let n = 1; n <= Math.min(doc.numPages, maxPages); n++) {
      let page;
      let entry: CanvasAndContext | undefined;
      try {
        page = await doc.getPage(n);
        const natural = page.getViewport({ scale: 1 });
        const scale = Math.min(dpi / 72, maxSide / Math.max(natural.width, natural.height));
        const viewport = page.getViewport({ scale });
        entry = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
        await page.render({
          canvas: entry.canvas as unknown as RenderParameters['canvas'],
          canvasContext: entry.context as RenderParameters['canvasContext'],
          viewport,
          background: 'white',
        }).promise;
        images.push(entry.canvas.toBuffer('image/png'));
      } catch (err) {
        throw new PdfReadError('corrupt', `page ${n} cannot be rendered: ${(err as Error).message}`, {
          cause: err,
        });
      } finally {
        if (entry) factory.destroy(entry);
        page?.cleanup();
      }
    }
    return images;
  } finally {
    await doc.destroy();
  }
}
