/**
 * `npm run dev`: Parley on embedded defaults. Starts whatever is not configured — the Temporal dev
 * server (Web UI, search attributes registered, state in .data/), PostgreSQL (data in .data/), the
 * sandbox WhatsApp Graph API — then the worker and the API in this process. Ctrl-C stops it all.
 * Every variable from the config list is honoured: set TEMPORAL_ADDRESS, DATABASE_URL or
 * WHATSAPP_GRAPH_URL and that embedded piece steps aside.
 *
 * Then it loads the demo: the shop's customers, orders and invoices, and the knowledge base synced
 * through the ingestion workflow (embedded too when OPENAI_BASE_URL is set) and refreshed hourly by a
 * Temporal Schedule. PARLEY_DEV_KNOWLEDGE_DIR syncs another folder instead of knowledge/demo.
 */
import { createPayloadKeys, parleyDataConverter } from '../core/encryption/data-converter.js';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { startApi } from '../api/main.js';
import {
  knowledgeSyncResult,
  scheduleKnowledgeSync,
  startKnowledgeSync,
  summarizeReport,
} from '../cli/kb-commands.js';
import { loadConfig, loadTemporalSettings, type Config } from '../core/config.js';
import { createLogger, type LogLevel } from '../core/logger.js';
import { createDb } from '../db/database.js';
import { DEMO_KNOWLEDGE_DIR } from '../devstack/demo-data.js';
import { seedDemoShop } from '../devstack/demo-shop.js';
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
    const uiPort = await portOr(SANDBOX_DEFAULTS.TEMPORAL_UI_PORT);
    const temporal = await startTemporalDevServer({
      port: await portOr(SANDBOX_DEFAULTS.TEMPORAL_PORT),
      uiPort,
      dbFilename: join(dataDir, 'temporal.sqlite'),
      // Payloads are encrypted: the local UI decodes them through the API's codec server, which
      // answers this machine's UI without a token (development only).
      uiCodecEndpoint: `http://localhost:${apiPort}/codec`,
    });
    env.CODEC_CORS_ORIGINS ??= `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`;
    env.CODEC_ALLOW_LOOPBACK ??= 'true';
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

  let sandboxStatuses: ((apiUrl: string) => void) | undefined;
  if (!env.WHATSAPP_GRAPH_URL) {
    env.WHATSAPP_APP_SECRET ??= SANDBOX_DEFAULTS.WHATSAPP_APP_SECRET;
    env.WHATSAPP_VERIFY_TOKEN ??= SANDBOX_DEFAULTS.WHATSAPP_VERIFY_TOKEN;
    env.WHATSAPP_ACCESS_TOKEN ??= SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN;
    const sandbox = await startWhatsAppSandbox({
      port: await portOr(Number(env.SANDBOX_PORT ?? SANDBOX_DEFAULTS.SANDBOX_PORT)),
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
    });
    started(sandbox.close);
    // Like Meta, the sandbox posts a `sent` status for every message it accepts.
    sandboxStatuses = (apiUrl) =>
      sandbox.postStatusesTo({ url: `${apiUrl}/webhooks/whatsapp`, appSecret: env.WHATSAPP_APP_SECRET! });
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
  sandboxStatuses?.(api.url);
  lines.push(
    `Parley API         ${api.url.replace('127.0.0.1', 'localhost')}  (webhook: /webhooks/whatsapp)`,
  );
  const port = new URL(api.url).port;
  if (chat && port !== '3000') chat = `PORT=${port} ${chat}`;
  lines.push(...(await loadDemo(config)));

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

/** How long start-up waits for the knowledge sync before going on without it (it keeps running). */
const KNOWLEDGE_SYNC_WAIT_MS = 120_000;

/**
 * The demo shop (idempotent inserts), then the knowledge base: synced now through the workflow the
 * worker just started polling for, then every hour by a schedule. Nothing here stops the stack from
 * coming up: a failure is logged and shown in the banner. Returns the banner lines.
 */
async function loadDemo(config: Config): Promise<string[]> {
  const lines: string[] = [];
  const db = createDb(config.databaseUrl!, {
    onIdleClientError: (err) => logger.warn('idle Postgres connection lost', { err }),
  });
  started(() => db.destroy());
  try {
    await seedDemoShop(db);
    logger.info('demo shop seeded (customers, products, orders, invoices)');
    lines.push('Demo shop          seeded (customers, products, orders, invoices)');
  } catch (err) {
    logger.error('seeding the demo shop failed; continuing without it', { err });
    lines.push(`Demo shop          NOT seeded: ${errorMessage(err)}`);
  }

  const temporal = loadTemporalSettings(env);
  const connection = await Connection.connect({ address: temporal.address });
  started(() => connection.close());
  const client = new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: parleyDataConverter(createPayloadKeys(config, db)),
  });
  const dir = env.PARLEY_DEV_KNOWLEDGE_DIR ? resolve(env.PARLEY_DEV_KNOWLEDGE_DIR) : DEMO_KNOWLEDGE_DIR;
  const shownDir = relative(process.cwd(), dir).startsWith('..') ? dir : relative(process.cwd(), dir) || '.';
  const retry = `npm run parley -- kb sync ${shownDir}`;
  try {
    const sync = await startKnowledgeSync(client, { taskQueue: temporal.taskQueue, dir });
    if (sync.attached) logger.info('a knowledge sync is already running: waiting for it', { dir: sync.dir });
    const outcome = await untilStoppedOr(knowledgeSyncResult(sync), KNOWLEDGE_SYNC_WAIT_MS);
    if (outcome) {
      logger.info(summarizeReport(outcome.report), { report: outcome.report });
      const { report } = outcome;
      lines.push(
        `Knowledge base     ${shownDir}: ${report.sources} documents, ${report.chunks} chunks, ${report.changed} (re)indexed` +
          (config.openai.baseUrl ? '' : ' (full-text only: no OPENAI_BASE_URL to embed)') +
          (report.failed.length ? `, ${report.failed.length} FAILED (see the log)` : ''),
      );
    } else if (!stopping) {
      logger.warn('knowledge sync still running; start-up goes on without waiting', {
        workflowId: sync.handle.workflowId,
      });
      lines.push(`Knowledge base     ${shownDir}: sync still running (workflow ${sync.handle.workflowId})`);
    }
  } catch (err) {
    logger.error(`knowledge sync of ${dir} failed; the stack runs without it (retry: ${retry})`, { err });
    lines.push(`Knowledge base     sync FAILED: ${errorMessage(err)}  (retry: ${retry})`);
  }
  if (stopping) return lines;
  try {
    const schedule = await scheduleKnowledgeSync(client, { taskQueue: temporal.taskQueue, dir, every: '1h' });
    logger.info(`knowledge sync schedule ${schedule.action}`, {
      scheduleId: schedule.scheduleId,
      every: '1h',
      nextRunAt: schedule.nextRunAt,
    });
    lines.push(`                   refreshed hourly (schedule ${schedule.scheduleId})`);
  } catch (err) {
    logger.error('creating the knowledge sync schedule failed', { err });
  }
  return lines;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

let stopRequested: () => void = () => {};
const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));

/** `promise`'s value, or undefined after `ms` or once stopping (the promise is left to settle alone). */
async function untilStoppedOr<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  promise.catch(() => {}); // settled later, after the race is over: not an unhandled rejection
  try {
    return await Promise.race([promise, timeout, stopSignal.then(() => undefined)]);
  } finally {
    clearTimeout(timer);
  }
}

let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  stopRequested();
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
