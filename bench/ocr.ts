/**
 * `npm run bench ocr`: offline OCR (tesseract.js) of the one-page scan fixture, N times in a row:
 * engine load time, recognize latency p50/p95, and the process RSS before and after loading the
 * engine (worker thread + WebAssembly + trained data), then after the runs (the WebAssembly heap
 * grows to the largest image and stays). Also runnable alone: `npx tsx bench/ocr.ts [-- options]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createOcr } from '../activities/understanding/ocr.js';
import { latencyRows, ms, printTable, summarize, type Row } from './stats.js';

const USAGE = `npm run bench ocr [-- options]

  --runs N            recognitions of the scan, counted (default 10)
  --warmup N          recognitions before counting (default 1)
  --languages L       Tesseract languages loaded, comma-separated (default eng,fra)
  --image FILE        image to read (default test/fixtures/media/scan-letter.jpg)`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      runs: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      languages: { type: 'string', default: 'eng,fra' },
      image: { type: 'string', default: join(import.meta.dirname, '../test/fixtures/media/scan-letter.jpg') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive integer`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError(`--warmup must be 0 or more`);
  const languages = values.languages.split(',').map((l) => l.trim());
  const image = readFileSync(values.image);

  const rssBefore = process.memoryUsage().rss;
  const ocr = createOcr({ languages });
  try {
    const loadStart = performance.now();
    await ocr.load();
    const loadMs = performance.now() - loadStart;
    const rssLoaded = process.memoryUsage().rss;

    let text = '';
    let confidence = 0;
    for (let i = 0; i < warmup; i++) await ocr.recognize(image);
    const durations: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      ({ text, confidence } = await ocr.recognize(image));
      durations.push(performance.now() - start);
    }
    const rssAfter = process.memoryUsage().rss;
    const summary = summarize(durations);

    const rows: Row[] = [
      ['image', values.image.split('/').pop() ?? values.image, `${(image.length / 1024).toFixed(0)} KB`],
      ['languages', languages.join('+')],
      ['engine load', ms(loadMs), 'worker thread + WebAssembly + trained data, once'],
      ['runs', summary.count, warmup ? `after ${warmup} warm-up` : undefined],
      ...latencyRows(summary, 'recognize'),
      ['mean confidence', `${(confidence * 100).toFixed(0)} %`],
      ['characters read', text.length],
    ];
    printTable('OCR (tesseract.js, offline)', rows);
    printTable('Process memory (RSS)', [
      ['before the engine', mb(rssBefore)],
      ['engine loaded', mb(rssLoaded), `+${mb(rssLoaded - rssBefore)}`],
      [`after ${warmup + runs} recognitions`, mb(rssAfter), `+${mb(rssAfter - rssBefore)} in all`],
    ]);
    return 0;
  } finally {
    await ocr.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  run(args[0] === '--' ? args.slice(1) : args).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('bench ocr failed:', err);
      process.exit(1);
    },
  );
}
