/**
 * The Parley worker in a Node process of its own, for `startLocalStack({ worker: 'child-process' })`:
 * configured from the environment like `node dist/worker/main.js`, but with the Temporal runtime at
 * WARN (its INFO lines would pollute the figures) and the workflow bundle the parent already built.
 * SIGTERM/SIGINT shut it down gracefully (the runtime's default shutdown signals).
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { startWorker } from '../worker/main.js';
import { installTemporalRuntime } from '../worker/temporal-runtime.js';

const config = loadConfig();
const logger = createLogger(config.logLevel, { service: 'parley-worker' });
installTemporalRuntime(logger, 'warn');
const bundlePath = process.env.BENCH_WORKFLOW_BUNDLE;
const workflowBundle = bundlePath ? { code: await readFile(bundlePath, 'utf8') } : undefined;

try {
  const worker = await startWorker(config, logger, { workflowBundle });
  await worker.done;
} catch (err) {
  logger.error('bench worker failed', { err });
  process.exit(1);
}
