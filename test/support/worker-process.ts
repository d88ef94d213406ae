import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../core/config.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A Parley worker running as its own OS process (`worker/main.ts`), as it runs in production. */
export interface WorkerProcess {
  pid: number;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<WorkerExit>;
  /** Settles when the process exits, however that happens. */
  exited: Promise<WorkerExit>;
  /** Everything the process wrote to stderr so far (its JSON log lines), for diagnostics. */
  output(): string;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Safety net: a test that fails or times out before its cleanup must not leave a worker polling.
const live = new Set<WorkerProcess>();
process.once('exit', () => {
  for (const w of live) {
    try {
      process.kill(w.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The environment that makes `worker/main.ts` serve the same Parley as `config` (task queue, DB, sandbox). */
export function workerEnv(config: Config): Record<string, string> {
  const c = config.conversation;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: config.databaseUrl ?? '',
    TEMPORAL_ADDRESS: config.temporal.address ?? '',
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    WHATSAPP_APP_SECRET: config.whatsapp.appSecret,
    WHATSAPP_VERIFY_TOKEN: config.whatsapp.verifyToken,
    WHATSAPP_ACCESS_TOKEN: config.whatsapp.accessToken,
    WHATSAPP_GRAPH_URL: config.whatsapp.graphUrl,
    WHATSAPP_API_VERSION: config.whatsapp.apiVersion,
    CONVERSATION_DEBOUNCE_MS: String(c.debounceMs),
    CONVERSATION_MAX_BATCH_WAIT_MS: String(c.maxBatchWaitMs),
    CONVERSATION_BOT_IDLE_RESOLVE_MS: String(c.botIdleResolveMs),
    CONVERSATION_RESOLVED_CLOSE_MS: String(c.resolvedCloseMs),
    CONVERSATION_MAX_HISTORY_EVENTS: String(c.maxHistoryEvents),
    CONVERSATION_TRANSCRIPT_TURNS: String(c.transcriptTurns),
  };
  if (c.reengagementTemplate) {
    env.WHATSAPP_REENGAGEMENT_TEMPLATE = c.reengagementTemplate.name;
    env.WHATSAPP_REENGAGEMENT_TEMPLATE_LANGUAGE = c.reengagementTemplate.language;
  }
  return env;
}

/**
 * Starts `worker/main.ts` in a child process and resolves once it logged `worker started` (the
 * workflow bundle is built and the Worker is created; it polls right after). The environment is
 * only what is given plus PATH/HOME, so the worker reads its whole config from `env`, as deployed.
 *
 * It runs as `node --import tsx worker/main.ts` rather than through the `tsx` CLI: the CLI forks a
 * second node process and only relays catchable signals, so a SIGKILL would kill the wrapper and
 * leave the real worker polling.
 */
export async function startWorkerProcess(opts: {
  env: Record<string, string>;
  /** How long to wait for `worker started` (bundling the workflows takes a few seconds). */
  startTimeoutMs?: number;
}): Promise<WorkerProcess> {
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the worker process');

  let output = '';
  let lineBuffer = '';
  let started: (() => void) | undefined;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    lineBuffer += chunk;
    const lines = lineBuffer.split('\n');
    lineBuffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        if ((JSON.parse(line) as { msg?: unknown }).msg === 'worker started') started?.();
      } catch {
        // not a log line (e.g. a native runtime message)
      }
    }
  });

  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const handle: WorkerProcess = {
    pid,
    exited,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    startedPromise.then(() => 'started' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), startTimeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'started') {
    await handle.kill('SIGKILL');
    throw new Error(
      `worker process ${outcome === 'exited' ? 'exited' : `did not start within ${startTimeoutMs} ms`}:\n${output}`,
    );
  }
  return handle;
}
