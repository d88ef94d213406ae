import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { searchAttributeCliPairs } from '../workflows/search-attributes.js';
import { freePort } from './free-port.js';
import { temporalCliPath } from './temporal-binaries.js';

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the real Temporal dev server (`temporal server start-dev`) with Parley's search attributes
 * registered. SQLite runs in WAL mode with synchronous=OFF: plain file-backed SQLite manages only a
 * few workflows a second, and this server is for development and tests, not production.
 */
export async function startTemporalDevServer(opts: {
  port?: number;
  uiPort?: number;
  headless?: boolean;
  dbFilename?: string;
  /** The Web UI decodes payloads through this remote codec (Parley's `/codec`). */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const port = opts.port ?? (await freePort());
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await freePort()));
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    ...searchAttributeCliPairs().flatMap((pair) => ['--search-attribute', pair]),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(uiPort && opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
  ];
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    opts.log?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilReachable(address, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}\n${output.join('')}`);
  }
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => stopProcess(child),
  };
}

async function waitUntilReachable(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`not reachable at ${address} after ${timeoutMs} ms: ${String(lastError)}`);
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
