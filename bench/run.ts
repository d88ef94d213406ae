/**
 * `npm run bench <name> [-- options]`: runs one benchmark against the real local stack and prints its
 * figures. Exit code: 0 when the benchmark ran, 1 when it failed (or, with --strict, missed its
 * target), 2 on a wrong name or option.
 */
interface Benchmark {
  run(args: string[]): Promise<number>;
}

/** Loaded on demand, so one benchmark's imports never slow another down. */
const benchmarks: Record<string, { description: string; load: () => Promise<Benchmark> }> = {
  webhook: {
    description: 'signed webhooks at the API: acknowledgement latency p50/p99 and throughput',
    load: () => import('./webhook.js'),
  },
  turn: {
    description:
      'one conversation turn, webhook 200 → reply at the Graph API: p50/p95; worker memory with 1,000 open conversations',
    load: () => import('./turn.js'),
  },
  ocr: {
    description: 'OCR of a one-page scan: latency p50/p95, memory with the OCR engine loaded',
    load: () => import('./ocr.js'),
  },
  language: {
    description: 'offline language detection: per-call latency p50/p95, database load time and memory',
    load: () => import('./language.js'),
  },
  'vector-index': {
    description:
      'embedded vector store (exact kNN over Postgres-persisted embeddings): search p50/p95 at 10k/100k × 384/1536 dims',
    load: () => import('./vector-index.js'),
  },
  privacy: {
    description:
      'payload codec cost p50/p99 at 1 KB/64 KB, audit-log append rate and verify over 1,000,000 entries, erasure of a customer with 1,000 messages',
    load: () => import('./privacy.js'),
  },
  retrieval: {
    description:
      'retrieval quality on labelled EN/FR/NL customer questions over the demo KB: recall@3 and MRR for dense, lexical and hybrid',
    load: () => import('./retrieval.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(benchmarks).map((n) => n.length));
  return [
    'usage: npm run bench <name> [-- options]     (npm run bench <name> -- --help for its options)',
    '',
    'benchmarks:',
    ...Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(width)}  ${b.description}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const entry = name ? benchmarks[name] : undefined;
  if (!entry) {
    console.error(`${name ? `unknown benchmark "${name}"` : 'no benchmark given'}\n\n${usage()}`);
    return 2;
  }
  const benchmark = await entry.load();
  try {
    return await benchmark.run(args);
  } catch (err) {
    // Option errors (node:util parseArgs or our own checks) are usage errors, not failed runs.
    const code = (err as { code?: string }).code;
    if ((err as Error).name === 'UsageError' || code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`bench ${name}: ${(err as Error).message}\n(npm run bench ${name} -- --help)`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
