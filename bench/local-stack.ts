/**
 * The real local stack for benchmarks, as `npm run dev` runs it but throwaway and quiet: a headless
 * Temporal dev server on a fresh SQLite file, an embedded PostgreSQL cluster, the sandbox Graph API,
 * then the Parley worker and API in this process. TEMPORAL_ADDRESS and DATABASE_URL, when set, are
 * used instead of starting those two. Everything listens on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { connectTemporal } from '../core/temporal-client.js';
import { createPayloadKeys, parleyDataConverter } from '../core/encryption/data-converter.js';
import { createDb } from '../db/database.js';
import type { WorkflowBundle } from '@temporalio/worker';
import { bundleParleyWorkflows } from '../devstack/workflow-bundle.js';
import { startApi, type RunningApi } from '../api/main.js';
import { loadConfig, type Config } from '../core/config.js';
import { createLogger, type Logger, type LogLevel } from '../core/logger.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import { startTemporalDevServer, stopProcess } from '../devstack/temporal-dev-server.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../devstack/whatsapp-sandbox.js';
import { startWorker } from '../worker/main.js';
import { installTemporalRuntime } from '../worker/temporal-runtime.js';

/**
 * Where the worker runs: `in-process` (default, as the tests and `npm run dev` run it), `child-process`
 * (its own Node process, as deployed), or `deferred` (not started until `startWorker()`).
 */
export type WorkerPlacement = 'in-process' | 'child-process' | 'deferred';

export interface LocalStackOptions {
  worker?: WorkerPlacement;
  /** Where `startWorker()` puts a deferred worker. Default `in-process`. */
  deferredWorker?: Exclude<WorkerPlacement, 'deferred'>;
  /** Child-process worker only: its `nice` value (e.g. 10: the API and Temporal get the CPU first). */
  workerNice?: number;
  /** Level of Parley's own logs (stderr). Default `LOG_LEVEL` from the environment, else `warn`. */
  logLevel?: LogLevel;
  /** Extra configuration variables (as in the environment) for the worker and the API. */
  env?: Record<string, string>;
  /** Progress lines while starting ("Temporal dev server on …"); default silent. */
  progress?: (line: string) => void;
}

export interface LocalStack {
  config: Config;
  /** The configuration variables the worker and the API were started with (for more workers). */
  env: Record<string, string>;
  /** The prebuilt workflow bundle. */
  bundle: WorkflowBundle;
  /** Base URL of the API, `http://127.0.0.1:<port>`. */
  apiUrl: string;
  temporalAddress: string;
  databaseUrl: string;
  /** Which pieces came from the environment instead of being started here. */
  external: { temporal: boolean; postgres: boolean };
  sandbox: WhatsAppSandbox;
  /** The app secret webhooks must be signed with. */
  appSecret: string;
  /** The business phone number id the sandbox stands for. */
  phoneNumberId: string;
  /** A Temporal client of the benchmark's own (not the API's), for probes and checks. */
  client: Client;
  /** The running worker, if any. */
  readonly worker: BenchWorker | undefined;
  /** Starts the worker (no-op if running) and resolves once it polls; the workflow bundle is prebuilt. */
  startWorker(): Promise<BenchWorker>;
  /** Stops everything this stack started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

export interface BenchWorker {
  placement: Exclude<WorkerPlacement, 'deferred'>;
  /** The process the worker runs in: the child's pid, or this process's when in-process. */
  pid: number | undefined;
  /** Stops polling and lets running activities finish. */
  shutdown(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const progress = opts.progress ?? (() => {});
  const logLevel = opts.logLevel ?? parseLogLevel(process.env.LOG_LEVEL) ?? 'warn';
  const logger = cappedLogger(logLevel, 30);
  // We take over SIGINT/SIGTERM (see below), so the runtime must not shut workers down on its own.
  installTemporalRuntime(logger, logLevel, { handleSignals: false });

  // Stop steps, most recent first; run on stop(), on a failed start and on Ctrl-C.
  const stops: { name: string; fn: () => Promise<void> }[] = [];
  const onStop = (name: string, fn: () => Promise<void>) => stops.unshift({ name, fn });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const step of stops) {
        await step.fn().catch((err: unknown) => console.error(`bench: stopping ${step.name} failed:`, err));
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nbench: ${signal}, stopping the local stack…`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // One throwaway folder for the Temporal SQLite file and the workflow bundle, removed last.
  let scratch: Promise<string> | undefined;
  const scratchDir = () =>
    (scratch ??= mkdtemp(join(tmpdir(), 'parley-bench-')).then((dir) => {
      onStop('scratch folder', () => rm(dir, { recursive: true, force: true }));
      return dir;
    }));

  try {
    const externalTemporal = process.env.TEMPORAL_ADDRESS || undefined;
    const externalDatabase = process.env.DATABASE_URL || undefined;

    // allSettled, not all: on a failure, whatever else is still starting must register its stop step
    // before we run them, or a half-started Temporal dev server would outlive us.
    const [temporalAddress, databaseUrl, bundle] = settledOrThrow(
      await Promise.allSettled([
        externalTemporal ??
          (async () => {
            const dir = await scratchDir();
            const temporal = await startTemporalDevServer({
              headless: true,
              dbFilename: join(dir, 'temporal.sqlite'),
            });
            onStop('Temporal dev server', temporal.stop);
            progress(`Temporal dev server  ${temporal.address} (SQLite in ${dir})`);
            return temporal.address;
          })(),
        externalDatabase ??
          (async () => {
            const postgres = await startEmbeddedPostgres();
            onStop('PostgreSQL', postgres.stop);
            progress(
              `PostgreSQL           ${postgres.url.replace(/:[^:@/]+@/, ':***@')} (embedded, throwaway)`,
            );
            return postgres.url;
          })(),
        bundleParleyWorkflows(),
      ]),
    );
    if (externalTemporal) progress(`Temporal             ${temporalAddress} (from TEMPORAL_ADDRESS)`);
    if (externalDatabase) progress('PostgreSQL           from DATABASE_URL');

    const sandbox = await startWhatsAppSandbox({ accessToken: SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN });
    onStop('sandbox Graph API', sandbox.close);
    progress(`Sandbox Graph API    ${sandbox.url}`);

    const configEnv: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: logLevel,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      // A task queue of its own, so a shared Temporal's other workers never pick up bench workflows.
      TEMPORAL_TASK_QUEUE: `parley-bench-${randomUUID().slice(0, 8)}`,
      WHATSAPP_APP_SECRET: SANDBOX_DEFAULTS.WHATSAPP_APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: SANDBOX_DEFAULTS.WHATSAPP_VERIFY_TOKEN,
      WHATSAPP_ACCESS_TOKEN: SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN,
      WHATSAPP_GRAPH_URL: sandbox.url,
      ...opts.env,
    };
    const config = loadConfig(configEnv);

    const temporal = await connectTemporal({ address: temporalAddress });
    onStop('Temporal client', temporal.close);
    // The same data converter as the API and the worker (its keys live in the stack's database).
    const keysDb = createDb(config.databaseUrl!);
    onStop('payload keys database pool', () => keysDb.destroy());
    const client = new Client({
      connection: temporal.connection,
      namespace: config.temporal.namespace,
      dataConverter: parleyDataConverter(createPayloadKeys(config, keysDb)),
    });

    let worker: BenchWorker | undefined;
    const startBenchWorker = async () => {
      if (worker) return worker;
      const placement =
        opts.worker === 'child-process' ? 'child-process' : (opts.deferredWorker ?? 'in-process');
      let started: BenchWorker;
      if (placement === 'in-process') {
        const running = await startWorker(config, logger.child({ service: 'parley-worker' }), {
          workflowBundle: bundle,
        });
        started = { placement, pid: process.pid, shutdown: () => running.shutdown() };
      } else {
        const bundlePath = join(await scratchDir(), 'workflow-bundle.js');
        await writeFile(bundlePath, bundle.code);
        started = startChildWorker({ ...configEnv, BENCH_WORKFLOW_BUNDLE: bundlePath }, opts.workerNice);
      }
      worker = started;
      onStop('worker', () => started.shutdown());
      await waitForWorkflowPoller(client, config.temporal.taskQueue, config.temporal.namespace);
      const nice = placement === 'child-process' && opts.workerNice ? `, nice ${opts.workerNice}` : '';
      progress(`Worker               ${placement}${nice}, task queue ${config.temporal.taskQueue}`);
      return started;
    };
    if (opts.worker !== 'deferred') await startBenchWorker();

    const api: RunningApi = await startApi(config, logger.child({ service: 'parley-api' }));
    onStop('API', api.close);
    progress(`Parley API           ${api.url}`);

    return {
      config,
      env: configEnv,
      bundle,
      apiUrl: api.url,
      temporalAddress,
      databaseUrl,
      external: { temporal: Boolean(externalTemporal), postgres: Boolean(externalDatabase) },
      sandbox,
      appSecret: config.whatsapp.appSecret,
      phoneNumberId: SANDBOX_DEFAULTS.PHONE_NUMBER_ID,
      client,
      get worker() {
        return worker;
      },
      startWorker: startBenchWorker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The worker in a Node process of its own (bench/worker-process.ts), optionally `nice`d. SIGTERM
 * shuts it down gracefully, as Kubernetes would.
 */
function startChildWorker(env: Record<string, string>, nice: number | undefined): BenchWorker {
  const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  const node = [process.execPath, '--import', 'tsx', entry];
  const [command, ...args] = nice ? ['nice', '-n', String(nice), ...node] : node;
  const child = spawn(command!, args, {
    env: { ...process.env, ...env },
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { placement: 'child-process', pid: child.pid, shutdown: () => stopProcess(child, 30_000) };
}

/** Resolves once a worker polls the task queue for workflow tasks. */
async function waitForWorkflowPoller(client: Client, taskQueue: string, namespace: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace,
      // The type left unset means workflow tasks.
      taskQueue: { name: taskQueue },
    });
    if (pollers.length > 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no worker polled ${taskQueue} within 60 s`);
}

function settledOrThrow<T extends readonly unknown[]>(results: {
  [K in keyof T]: PromiseSettledResult<T[K]>;
}): T {
  for (const r of results as readonly PromiseSettledResult<unknown>[])
    if (r.status === 'rejected') throw r.reason;
  return (results as readonly PromiseSettledResult<unknown>[]).map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as unknown as T;
}

function parseLogLevel(value: string | undefined): LogLevel | undefined {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : undefined;
}

/** Parley's JSON logger on stderr, but at most `limit` lines, so a failing run does not bury the figures. */
function cappedLogger(level: LogLevel, limit: number): Logger {
  let written = 0;
  return createLogger(level, {}, (line) => {
    written += 1;
    if (written <= limit) process.stderr.write(line + '\n');
    else if (written === limit + 1) process.stderr.write(`bench: more than ${limit} log lines, muting\n`);
  });
}
