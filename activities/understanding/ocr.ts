/**
 * Offline OCR with tesseract.js (Tesseract 5 compiled to WebAssembly, run in a worker thread).
 *
 * Nothing is fetched from the network: the WebAssembly core comes from the `tesseract.js-core` npm
 * package (tesseract.js `require`s it in Node) and the trained data from the `@tesseract.js-data/<lang>`
 * npm packages (their LSTM-only `4.0.0_best_int` models, the ones tesseract.js itself would download).
 * tesseract.js reads every language from one `langPath` folder while each package has its own, so
 * the engine links the files into a private temporary folder; `cacheMethod: 'none'` keeps it from
 * reading or writing a cache. Without a `langPath` tesseract.js would fetch from a CDN: we always set
 * one, and a missing file fails loudly ("ENOENT"), never silently downloads.
 *
 * Loading the engine (worker thread + WebAssembly + eng+fra models) is the expensive part (~0.3 s,
 * ~80 MB RSS), so it is created on the first `recognize` (or `load`) and reused until `close`.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Tesseract from 'tesseract.js';

/** Languages whose trained data Parley installs (`@tesseract.js-data/<code>`, Tesseract's codes). */
export const OCR_LANGUAGES = ['eng', 'fra', 'nld', 'deu', 'spa', 'ita', 'por'] as const;
export type OcrLanguage = (typeof OCR_LANGUAGES)[number];

/** Maps Parley's (ISO 639-1) language codes to Tesseract's. */
export const TESSERACT_LANGUAGE: Readonly<Record<string, OcrLanguage>> = {
  en: 'eng',
  fr: 'fra',
  nl: 'nld',
  de: 'deu',
  es: 'spa',
  it: 'ita',
  pt: 'por',
};

export interface OcrResult {
  text: string;
  /** Tesseract's mean word confidence, scaled to 0…1. */
  confidence: number;
}

export interface Ocr {
  /** Text in an image (PNG, JPEG, WebP, BMP, TIFF, PNM). Loads the engine on first use. */
  recognize(image: Buffer): Promise<OcrResult>;
  /** Loads the engine now (e.g. at worker start-up), so the first document isn't slower. */
  load(): Promise<void>;
  /** Terminates the worker thread(s) and removes the temporary folder. Later calls throw. */
  close(): Promise<void>;
}

export interface OcrOptions {
  /** Tesseract codes, e.g. `['eng', 'fra']`; each needs its `@tesseract.js-data/<code>` package. */
  languages: string[];
  /** Worker threads (each holds its own copy of the models, ~80 MB). Default 1. */
  workers?: number;
  /**
   * Longest one `recognize` may take. On expiry the engine is terminated (the only way to stop a
   * running WebAssembly job), that call and the ones queued behind it fail with `OcrError` `timeout`,
   * and the next call loads a fresh engine. Default 60 s.
   */
  timeoutMs?: number;
}

export type OcrErrorCode =
  /** The engine could not be loaded (missing language package, worker failure). */
  | 'unavailable'
  /** Tesseract could not decode the image (not an image, truncated, unsupported format). */
  | 'unreadable_image'
  | 'timeout'
  /** `close()` was called, or the engine was restarted after another call's timeout. */
  | 'closed';

export class OcrError extends Error {
  override readonly name = 'OcrError';
  constructor(
    readonly code: OcrErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const require = createRequire(import.meta.url);

/** Where `@tesseract.js-data/<code>` keeps its gzipped LSTM model; throws OcrError if not installed. */
export function trainedDataPath(code: string): string {
  if (!/^[a-z]{3}(_[a-z]+)?$/.test(code)) {
    throw new OcrError('unavailable', `"${code}" is not a Tesseract language code (e.g. "eng", "fra")`);
  }
  let pkg: string;
  try {
    pkg = require.resolve(`@tesseract.js-data/${code}/package.json`);
  } catch (err) {
    throw new OcrError(
      'unavailable',
      `no trained data for "${code}": install the npm package @tesseract.js-data/${code}`,
      { cause: err },
    );
  }
  const file = join(dirname(pkg), '4.0.0_best_int', `${code}.traineddata.gz`);
  // tesseract.js never settles createWorker() when a language file is missing: check here.
  if (!existsSync(file)) throw new OcrError('unavailable', `trained data missing: ${file}`);
  return file;
}

interface Engine {
  scheduler: Tesseract.Scheduler;
  workers: Tesseract.Worker[];
  langDir: string;
}

export function createOcr(opts: OcrOptions): Ocr {
  if (opts.languages.length === 0) throw new OcrError('unavailable', 'createOcr: no languages given');
  const languages = [...new Set(opts.languages)];
  // Fail fast on a language without its package, not at the first customer's document.
  const dataFiles = languages.map((code) => ({ code, file: trainedDataPath(code) }));
  const workerCount = Math.max(1, Math.floor(opts.workers ?? 1));
  const timeoutMs = opts.timeoutMs ?? 60_000;

  let engine: Promise<Engine> | undefined;
  let closed = false;
  /** Calls waiting on the current engine: rejected when it is torn down. */
  const pending = new Set<(err: OcrError) => void>();

  async function start(): Promise<Engine> {
    const langDir = await mkdtemp(join(tmpdir(), 'parley-tessdata-'));
    const workers: Tesseract.Worker[] = [];
    try {
      for (const { code, file } of dataFiles) {
        const target = join(langDir, `${code}.traineddata.gz`);
        await symlink(file, target).catch(() => copyFile(file, target));
      }
      for (let i = 0; i < workerCount; i++) {
        const worker = Tesseract.createWorker(languages, Tesseract.OEM.LSTM_ONLY, {
          langPath: langDir,
          gzip: true,
          cacheMethod: 'none',
          // Without a handler tesseract.js rethrows a failed job from its message listener,
          // an uncaught exception; the job's own promise still rejects.
          errorHandler: () => {},
        });
        // createWorker() never settles when loading the language data fails (only a failed
        // WebAssembly load rejects it): bound it.
        workers.push(await withTimeout(worker, timeoutMs, 'loading the OCR engine'));
      }
    } catch (err) {
      await Promise.allSettled(workers.map((w) => w.terminate()));
      await rm(langDir, { recursive: true, force: true });
      throw new OcrError('unavailable', `OCR engine failed to load: ${describe(err)}`, { cause: err });
    }
    const scheduler = Tesseract.createScheduler();
    for (const w of workers) scheduler.addWorker(w);
    return { scheduler, workers, langDir };
  }

  function getEngine(): Promise<Engine> {
    if (closed) return Promise.reject(new OcrError('closed', 'OCR engine is closed'));
    if (!engine) {
      const starting = start();
      engine = starting;
      // A failed start is not kept: the next call tries again.
      starting.catch(() => {
        if (engine === starting) engine = undefined;
      });
    }
    return engine;
  }

  async function stop(reason: OcrError): Promise<void> {
    const current = engine;
    engine = undefined;
    for (const reject of pending) reject(reason);
    pending.clear();
    if (!current) return;
    const e = await current.catch(() => undefined);
    if (!e) return;
    // scheduler.terminate() does not wait for its workers; terminate them ourselves.
    await Promise.allSettled(e.workers.map((w) => w.terminate()));
    await rm(e.langDir, { recursive: true, force: true });
  }

  async function recognize(image: Buffer): Promise<OcrResult> {
    const e = await getEngine();
    return new Promise<OcrResult>((resolve, reject) => {
      const settle = (err: OcrError) => {
        clearTimeout(timer);
        pending.delete(settle);
        reject(err);
      };
      pending.add(settle);
      const timer = setTimeout(() => {
        settle(new OcrError('timeout', `OCR took longer than ${timeoutMs} ms`));
        void stop(new OcrError('closed', 'OCR engine restarted after a timeout'));
      }, timeoutMs);
      e.scheduler.addJob('recognize', image).then(
        ({ data }) => {
          if (!pending.has(settle)) return;
          clearTimeout(timer);
          pending.delete(settle);
          resolve({ text: data.text.trim(), confidence: Math.max(0, Math.min(1, data.confidence / 100)) });
        },
        (err: unknown) => {
          const message = describe(err);
          settle(
            /read image|pix/i.test(message)
              ? new OcrError('unreadable_image', `OCR could not decode the image: ${firstLine(message)}`)
              : new OcrError('unavailable', `OCR failed: ${firstLine(message)}`, { cause: err }),
          );
        },
      );
    });
  }

  return {
    recognize,
    load: async () => {
      await getEngine();
    },
    close: async () => {
      closed = true;
      await stop(new OcrError('closed', 'OCR engine is closed'));
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
