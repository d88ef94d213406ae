import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createPayloadKeys, parleyDataConverter } from '../core/encryption/data-converter.js';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createModelClient } from '../activities/understanding/model-client.js';
import { createOcr, OCR_LANGUAGES } from '../activities/understanding/ocr.js';
import { createGraphClient } from '../activities/whatsapp/graph-client.js';
import { loadConfig, type Config } from '../core/config.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createActivityDeps } from './dependencies.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { createParleyWorker } from './worker.js';

export interface RunningWorker {
  /** Settles when the worker has stopped (after `shutdown()` or a SIGINT/SIGTERM). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Wires config → clients → activities → Worker and starts polling. On SIGINT/SIGTERM the Temporal
 * runtime shuts the worker down gracefully; then it closes its own clients.
 */
export async function startWorker(
  config: Config,
  logger: Logger,
  opts: {
    workflowBundle?: WorkflowBundle;
    /** Adjusts the activities' dependencies (the fault-injection tests add their crash points). */
    adjustDeps?: (deps: ActivityDeps) => ActivityDeps;
  } = {},
): Promise<RunningWorker> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run the worker');
  const db = createDb(config.databaseUrl, {
    onIdleClientError: (err) => logger.warn('idle Postgres connection lost', { err }),
  });
  await migrateToLatest(db);
  const model = config.openai.baseUrl
    ? createModelClient({
        baseUrl: config.openai.baseUrl,
        apiKey: config.openai.apiKey,
        chatModel: config.openai.chatModel,
        visionModel: config.openai.visionModel,
        transcriptionModel: config.openai.transcriptionModel,
        timeoutMs: config.openai.timeoutMs,
      })
    : undefined;
  // Loaded on the first document or photo, not at start: most turns are text.
  const ocr = createOcr({ languages: [...OCR_LANGUAGES] });
  const connection = await NativeConnection.connect({ address: config.temporal.address ?? 'localhost:7233' });
  const payloadKeys = createPayloadKeys(config, db);
  const worker = await createParleyWorker({
    connection,
    dataConverter: parleyDataConverter(payloadKeys),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: opts.workflowBundle,
    activities: createActivities(
      (opts.adjustDeps ?? ((d) => d))(
        createActivityDeps(config, {
          db,
          payloadKeys,
          model,
          ocr,
          logger,
          graph: createGraphClient({
            graphUrl: config.whatsapp.graphUrl,
            apiVersion: config.whatsapp.apiVersion,
            accessToken: config.whatsapp.accessToken,
          }),
        }),
      ),
    ),
  });
  logger.info('worker started', {
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
  });
  const done = worker.run().finally(async () => {
    await ocr.close().catch(() => {});
    await connection.close();
    await db.destroy();
    logger.info('worker stopped');
  });
  return {
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { service: 'parley-worker' });
  installTemporalRuntime(logger, config.logLevel);
  startWorker(config, logger)
    .then((worker) => worker.done)
    .catch((err: unknown) => {
      logger.error('worker failed', { err });
      process.exit(1);
    });
}
