/**
 * `npm run bench vector-index`: the embedded vector store (exact kNN over embeddings persisted in
 * Postgres). For each size × dimension: insert time, matrix load time (first search), search latency
 * p50/p95 over random queries (k=5), with and without a language filter, and the memory the matrix
 * takes. Starts its own embedded Postgres unless DATABASE_URL is set; either way it works in a fresh
 * database that it drops at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createEmbeddedVectorIndex, type VectorChunk } from '../activities/knowledge/embedded-index.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../devstack/embedded-postgres.js';
import { latencyRows, ms, printTable, summarize, type Row } from './stats.js';

const LANGUAGES = ['en', 'fr', 'nl', 'de', 'es', 'it', 'pt'];
const WORDS = [
  'order',
  'refund',
  'parcel',
  'delivery',
  'invoice',
  'return',
  'address',
  'payment',
  'size',
  'exchange',
];
const TARGET_P95_MS = 20;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function randomVector(dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = Math.random() * 2 - 1;
  return v;
}

function randomText(words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');
}

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

function parseList(value: string, option: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0))
    throw usageError(`--${option} takes positive integers`);
  return list;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      dims: { type: 'string', default: '384,1536' },
      queries: { type: 'string', default: '200' },
      /** Skip size × dims combinations whose matrix exceeds this many MB. */
      'max-matrix-mb': { type: 'string', default: '700' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'options: --sizes 10000,100000  --dims 384,1536  --queries 200  --max-matrix-mb 700  --strict (exit 1 if p95 at 10,000 chunks > 20 ms)',
    );
    return 0;
  }
  const sizes = parseList(values.sizes, 'sizes');
  const dimsList = parseList(values.dims, 'dims');
  const queries = parseList(values.queries, 'queries')[0]!;
  const maxMatrixMb = Number(values['max-matrix-mb']);

  let server: EmbeddedPostgresServer | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres();
    adminUrl = server.url;
  }
  const name = `bench_vectors_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString());
  let missedTarget = false;
  console.log('\nnpm run bench vector-index', args.join(' '));
  try {
    await migrateToLatest(db);
    for (const dims of dimsList) {
      for (const size of sizes) {
        const matrixBytes = size * dims * 4;
        if (matrixBytes / 1024 / 1024 > maxMatrixMb) {
          console.log(
            `\n(skipped ${size} × ${dims}: matrix ${mb(matrixBytes)} > --max-matrix-mb ${maxMatrixMb})`,
          );
          continue;
        }
        // truncate, not delete: the table size below must not count the previous run's dead rows.
        await sql`truncate kb_chunks`.execute(db);
        const index = createEmbeddedVectorIndex(db);

        const insertStarted = performance.now();
        const BATCH = 2000;
        for (let start = 0; start < size; start += BATCH) {
          const chunks: VectorChunk[] = [];
          for (let i = start; i < Math.min(size, start + BATCH); i++) {
            chunks.push({
              id: `c${String(i).padStart(7, '0')}`,
              source: `doc-${Math.floor(i / 20)}.md`,
              title: randomText(3),
              language: LANGUAGES[i % LANGUAGES.length]!,
              tags: [WORDS[i % WORDS.length]!],
              content: randomText(40),
              contentHash: String(i),
              embedding: randomVector(dims),
            });
          }
          await index.upsert(chunks);
        }
        const insertMs = performance.now() - insertStarted;
        const tableSize = await db
          .selectNoFrom((eb) => eb.fn<string>('pg_total_relation_size', [eb.val('kb_chunks')]).as('bytes'))
          .executeTakeFirst();

        (globalThis as { gc?: () => void }).gc?.();
        const before = process.memoryUsage();
        const loadStarted = performance.now();
        await index.search(randomVector(dims), { k: 5 });
        const loadMs = performance.now() - loadStarted;
        const after = process.memoryUsage();

        const plain: number[] = [];
        const filtered: number[] = [];
        for (let q = 0; q < queries; q++) {
          const query = randomVector(dims);
          let t0 = performance.now();
          await index.search(query, { k: 5 });
          plain.push(performance.now() - t0);
          t0 = performance.now();
          await index.search(query, { k: 5, language: LANGUAGES[q % LANGUAGES.length]! });
          filtered.push(performance.now() - t0);
        }
        const summary = summarize(plain);
        const meetsTarget = summary.p95 <= TARGET_P95_MS;
        if (size === 10_000 && !meetsTarget) missedTarget = true;

        printTable(`Exact kNN, ${size.toLocaleString('en')} chunks × ${dims} dims (k=5)`, [
          [
            'insert (upsert, batches of 2,000)',
            ms(insertMs),
            `${((size / insertMs) * 1000).toFixed(0)} chunks/s`,
          ],
          ['table size (with indexes)', mb(Number(tableSize?.bytes))],
          ['matrix load (first search)', ms(loadMs)],
          ['matrix', mb(matrixBytes), 'Float32, normalised'],
          [
            'RSS before / after load',
            `${mb(before.rss)} / ${mb(after.rss)}`,
            `+${mb(after.rss - before.rss)} (arrayBuffers +${mb(after.arrayBuffers - before.arrayBuffers)})`,
          ],
          ['queries', queries],
          ...latencyRows(summary, 'search').map(([l, v], i): Row =>
            i === 1 && size === 10_000
              ? [l, v, `target ≤ ${TARGET_P95_MS} ms ${meetsTarget ? '✓' : '✗'}`]
              : [l, v],
          ),
          ...latencyRows(summarize(filtered), 'search, language filter').slice(0, 2),
        ]);
        index.refresh();
      }
    }
  } finally {
    await db.destroy();
    await admin.query(`drop database if exists ${name}`).catch(() => undefined);
    await admin.end();
    await server?.stop();
  }
  return values.strict && missedTarget ? 1 : 0;
}
