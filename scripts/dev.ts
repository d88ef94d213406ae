/**
 * `npm run dev`: Parley on embedded defaults. Starts whatever is not configured — the Temporal dev
 * server (Web UI, search attributes registered, state in .data/), PostgreSQL (data in .data/), the
 * sandbox WhatsApp Graph API — then the worker and the API in this process. Ctrl-C stops it all.
 * Every variable from the config list is honoured: set TEMPORAL_ADDRESS, DATABASE_URL or
 * WHATSAPP_GRAPH_URL and that embedded piece steps aside.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApi } from '../api/main.js';
import { loadConfig } from '../core/config.js';
import { createLogger, type LogLevel } from '../core/logger.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { freePort } from '../devstack/free-port.js';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import { startTemporalDevServer } from '../devstack/temporal-dev-server.js';
import { startWhatsAppSandbox } from '../devstack/whatsapp-sandbox.js';
import { startWorker } from '../worker/main.js';
import { installTemporalRuntime } from '../worker/temporal-runtime.js';

const dataDir = fileURLToPath(new URL('../.data', import.meta.url));
const stops: (() => Promise<void>)[] = [];
const env: Record<string, string | undefined> = { ...process.env };
const logLevel = (env.LOG_LEVEL as LogLevel | undefined) ?? 'info';
const logger = createLogger(logLevel, { service: 'parley-dev' });

function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

async function portOr(preferred: number): Promise<number> {
  return (await isFree(preferred)) ? preferred : freePort();
}

/** Registers how to stop what just started; stops starting more if Ctrl-C came meanwhile. */
function started(stop: () => Promise<void>): void {
  stops.unshift(stop);
  if (stopping) throw new Error('interrupted while starting');
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // The API is not an embedded piece that can move: fail now, before starting anything, if its port is taken.
  const apiPort = Number(env.PORT ?? 3000);
  if (Number.isInteger(apiPort) && !(await isFree(apiPort, '0.0.0.0'))) {
    throw new Error(`Port ${apiPort} is already in use (another \`npm run dev\`?). Stop it or set PORT.`);
  }
  // We stop the worker ourselves on Ctrl-C, after the API, so in-flight webhooks still land. The SDK's
  // own logs (Rust core included) go through Parley's JSON logger, at warnings unless LOG_LEVEL=debug.
  installTemporalRuntime(logger, logLevel === 'debug' ? 'debug' : 'warn', { handleSignals: false });
  const lines: string[] = [];
  let chat: string | undefined; // how to run `npm run chat` against this stack (sandbox only)

  if (!env.TEMPORAL_ADDRESS) {
    const temporal = await startTemporalDevServer({
      port: await portOr(SANDBOX_DEFAULTS.TEMPORAL_PORT),
      uiPort: await portOr(SANDBOX_DEFAULTS.TEMPORAL_UI_PORT),
      dbFilename: join(dataDir, 'temporal.sqlite'),
    });
    started(temporal.stop);
    env.TEMPORAL_ADDRESS = temporal.address;
    lines.push(`Temporal Web UI    ${temporal.uiUrl}`, `Temporal gRPC      ${temporal.address}`);
  } else lines.push(`Temporal gRPC      ${env.TEMPORAL_ADDRESS} (from TEMPORAL_ADDRESS)`);

  if (!env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres') });
    started(postgres.stop);
    env.DATABASE_URL = postgres.url;
    lines.push(`PostgreSQL         ${postgres.url} (embedded, data in .data/postgres)`);
  } else lines.push('PostgreSQL         from DATABASE_URL');

  if (!env.WHATSAPP_GRAPH_URL) {
    env.WHATSAPP_APP_SECRET ??= SANDBOX_DEFAULTS.WHATSAPP_APP_SECRET;
    env.WHATSAPP_VERIFY_TOKEN ??= SANDBOX_DEFAULTS.WHATSAPP_VERIFY_TOKEN;
    env.WHATSAPP_ACCESS_TOKEN ??= SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN;
    const sandbox = await startWhatsAppSandbox({
      port: await portOr(Number(env.SANDBOX_PORT ?? SANDBOX_DEFAULTS.SANDBOX_PORT)),
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
    });
    started(sandbox.close);
    env.WHATSAPP_GRAPH_URL = sandbox.url;
    const defaultUrl = `http://127.0.0.1:${SANDBOX_DEFAULTS.SANDBOX_PORT}`;
    chat = sandbox.url === defaultUrl ? 'npm run chat' : `SANDBOX_URL=${sandbox.url} npm run chat`;
    lines.push(`Sandbox Graph API  ${sandbox.url} (outbound messages: ${sandbox.url}/sandbox/messages)`);
  } else lines.push(`WhatsApp Graph API ${env.WHATSAPP_GRAPH_URL}`);

  const config = loadConfig(env);
  const worker = await startWorker(config, logger.child({ service: 'parley-worker' }));
  started(worker.shutdown);
  // A worker that stops on its own (e.g. a fatal error) takes the whole stack down, not just itself.
  const workerEnded = (err?: unknown) => {
    if (stopping) return;
    logger.error('worker stopped on its own; stopping everything', { err });
    void stopAll(1);
  };
  worker.done.then(() => workerEnded(), workerEnded);
  const api = await startApi(config, logger.child({ service: 'parley-api' }));
  started(api.close);
  lines.push(
    `Parley API         ${api.url.replace('127.0.0.1', 'localhost')}  (webhook: /webhooks/whatsapp)`,
  );
  const port = new URL(api.url).port;
  if (chat && port !== '3000') chat = `PORT=${port} ${chat}`;

  console.log(
    [
      '',
      'Parley is running on embedded defaults:',
      ...lines.map((l) => `  ${l}`),
      '',
      ...(chat ? [`Talk to it:  ${chat}`] : []),
      'Stop:        Ctrl-C',
      '',
    ].join('\n'),
  );
}

let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Parley…');
  // Let the piece being started come up, so it is stopped too instead of left running.
  await startup.catch(() => {});
  for (const stop of stops) {
    await stop().catch((err: unknown) => logger.warn('stop step failed', { err }));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// Whatever crashes this process must not leave Temporal or PostgreSQL running behind it. (While
// stopping, e.g. pg's idle clients report Postgres going away: not worth more than a warning.)
function crashed(err: unknown) {
  if (stopping) return logger.warn('error while stopping', { err });
  logger.error('npm run dev crashed', { err });
  void stopAll(1);
}
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

const startup = main();
startup.catch(async (err: unknown) => {
  if (stopping) return;
  logger.error('npm run dev failed', { err });
  await stopAll(1);
});
