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
import { Runtime } from '@temporalio/worker';
import { startApi } from '../api/main.js';
import { loadConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { freePort } from '../devstack/free-port.js';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import { startTemporalDevServer } from '../devstack/temporal-dev-server.js';
import { startWhatsAppSandbox } from '../devstack/whatsapp-sandbox.js';
import { startWorker } from '../worker/main.js';

const dataDir = fileURLToPath(new URL('../.data', import.meta.url));
const stops: (() => Promise<void>)[] = [];
const env: Record<string, string | undefined> = { ...process.env };
const logger = createLogger((env.LOG_LEVEL as 'info') ?? 'info', { service: 'parley-dev' });

async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // We stop the worker ourselves on Ctrl-C, after the API, so in-flight webhooks still land.
  Runtime.install({ shutdownSignals: [] });
  const lines: string[] = [];

  if (!env.TEMPORAL_ADDRESS) {
    const temporal = await startTemporalDevServer({
      port: await portOr(SANDBOX_DEFAULTS.TEMPORAL_PORT),
      uiPort: await portOr(SANDBOX_DEFAULTS.TEMPORAL_UI_PORT),
      dbFilename: join(dataDir, 'temporal.sqlite'),
    });
    stops.unshift(temporal.stop);
    env.TEMPORAL_ADDRESS = temporal.address;
    lines.push(`Temporal Web UI    ${temporal.uiUrl}`, `Temporal gRPC      ${temporal.address}`);
  } else lines.push(`Temporal gRPC      ${env.TEMPORAL_ADDRESS} (from TEMPORAL_ADDRESS)`);

  if (!env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres') });
    stops.unshift(postgres.stop);
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
    stops.unshift(sandbox.close);
    env.WHATSAPP_GRAPH_URL = sandbox.url;
    lines.push(`Sandbox Graph API  ${sandbox.url} (outbound messages: ${sandbox.url}/sandbox/messages)`);
  } else lines.push(`WhatsApp Graph API ${env.WHATSAPP_GRAPH_URL}`);

  const config = loadConfig(env);
  const worker = await startWorker(config, logger.child({ service: 'parley-worker' }));
  stops.unshift(worker.shutdown);
  const api = await startApi(config, logger.child({ service: 'parley-api' }));
  stops.unshift(api.close);
  lines.push(
    `Parley API         ${api.url.replace('127.0.0.1', 'localhost')}  (webhook: /webhooks/whatsapp)`,
  );

  console.log(
    [
      '',
      'Parley is running on embedded defaults:',
      ...lines.map((l) => `  ${l}`),
      '',
      'Talk to it:  npm run chat',
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
  for (const stop of stops) {
    await stop().catch((err: unknown) => logger.warn('stop step failed', { err }));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

main().catch(async (err: unknown) => {
  logger.error('npm run dev failed', { err });
  await stopAll(1);
});
