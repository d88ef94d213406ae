import { randomUUID } from 'node:crypto';
// Internal path, but exported by the SDK precisely "for use in tests to register search attributes".
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createGraphClient } from '../../activities/whatsapp/graph-client.js';
import type { Db } from '../../db/database.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';
import type { ConversationSettings } from '../../workflows/definitions.js';
import { allSearchAttributeKeys } from '../../workflows/search-attributes.js';
import { createTestDatabase } from './database.js';
import { TEST_ACCESS_TOKEN, workflowBundle } from './parley.js';

/** Conversation settings for time-skipping tests; each test overrides what it is about. */
export const TEST_CONVERSATION_SETTINGS: ConversationSettings = {
  debounceMs: 0,
  maxBatchWaitMs: 10_000,
  botIdleResolveMs: 60 * 60_000,
  resolvedCloseMs: 24 * 60 * 60_000,
  maxHistoryEvents: 10_000,
  transcriptTurns: 50,
};

export type TimeSkippingParley = Awaited<ReturnType<typeof startTimeSkippingParley>>;

/**
 * Parley's conversation workflow on the Java time-skipping test server: real workers running the
 * shared workflow bundle and the REAL activities (a private Postgres database, the sandbox Graph API).
 * Time only jumps when a test asks for it (`env.sleep`) or awaits a workflow result.
 *
 * The environment's clock is global: run the tests of one environment serially. Each call to
 * `startWorker` gets its own task queue and conversation settings, so tests stay independent.
 */
export async function startTimeSkippingParley() {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
  });
  await registerSearchAttributes(env);
  const { db } = await createTestDatabase();
  const sandbox: WhatsAppSandbox = await startWhatsAppSandbox({ accessToken: TEST_ACCESS_TOKEN });
  const graph = createGraphClient({ graphUrl: sandbox.url, apiVersion: 'v23.0', accessToken: TEST_ACCESS_TOKEN });
  const workers: { worker: Worker; running: Promise<void> }[] = [];

  return {
    env,
    client: env.client,
    db: db as Db,
    sandbox,

    /** Starts a worker with these settings on a fresh task queue; it runs until `close()`. */
    async startWorker(overrides: Partial<ConversationSettings> = {}): Promise<{ taskQueue: string }> {
      const taskQueue = `time-skipping-${randomUUID()}`;
      const conversationSettings = { ...TEST_CONVERSATION_SETTINGS, ...overrides };
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities({ db, graph, conversationSettings }),
      });
      workers.push({ worker, running: worker.run() });
      return { taskQueue };
    },

    /** The time-skipping server's clock: what `Date.now()` is inside workflows right now. */
    now(): Promise<number> {
      return env.currentTimeMs();
    },

    async close() {
      for (const { worker } of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await Promise.allSettled(workers.map((w) => w.running));
      await env.teardown();
      await sandbox.close();
      await db.destroy();
    },
  };
}

/**
 * The Java test server knows only Temporal's built-in search attributes: without this, the
 * workflow's first `upsertSearchAttributes` fails its workflow task ("search attribute
 * ParleyBusinessNumber is not defined") and the task is retried forever. Its operator service does
 * register custom ones, as the dev server's `--search-attribute` flag does.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const searchAttributes: Record<string, number> = {};
  for (const key of allSearchAttributeKeys) {
    const type = encodeSearchAttributeIndexedValueType(key.type);
    if (type === undefined) throw new Error(`no indexed value type for ${key.name} (${key.type})`);
    searchAttributes[key.name] = type;
  }
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes,
  });
}
