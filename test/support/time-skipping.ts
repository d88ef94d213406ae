import { createOcr } from '../../activities/understanding/ocr.js';
import { createEncryptionCodec } from '../../core/encryption/payload-codec.js';
import { createPayloadKeys, parleyDataConverter } from '../../core/encryption/data-converter.js';
import { randomUUID } from 'node:crypto';
// Internal path, but exported by the SDK precisely "for use in tests to register search attributes".
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { Client, type WorkflowHandle, type WorkflowResultType } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createGraphClient } from '../../activities/whatsapp/graph-client.js';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { createActivityDeps } from '../../worker/dependencies.js';
import { createParleyWorker } from '../../worker/worker.js';
import { seedDemoData } from '../../devstack/demo-data.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';
import { parseWebhook } from '../../api/webhooks/whatsapp/normalize.js';
import { DEFAULT_ESCALATION_POLICY } from '../../domain/escalation-policy.js';
import { conversationWorkflow } from '../../workflows/conversation/workflow.js';
import {
  closeUpdate,
  conversationStateQuery,
  inboundMessageSignal,
  type ConversationView,
  type ConversationSettings,
  type InboundMessage,
} from '../../workflows/definitions.js';
import { allSearchAttributeKeys } from '../../workflows/search-attributes.js';
import { startFakeSlack } from '../servers/fake-slack.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { createTestDatabase } from './database.js';
import {
  ALWAYS_OPEN,
  eventually,
  TEST_ACCESS_TOKEN,
  workflowBundle,
  conversationWorkflowId,
} from './parley.js';

/** Conversation settings for time-skipping tests; each test overrides what it is about. */
export const TEST_CONVERSATION_SETTINGS: ConversationSettings = {
  debounceMs: 0,
  maxBatchWaitMs: 10_000,
  botIdleResolveMs: 60 * 60_000,
  resolvedCloseMs: 24 * 60 * 60_000,
  maxHistoryEvents: 10_000,
  transcriptTurns: 50,
  agentMaxRounds: 4,
  confidenceThreshold: 0.6,
  summaryEveryTurns: 6,
  csatDelayMs: 60 * 60_000,
  // Always open unless a test is about business hours.
  businessHours: ALWAYS_OPEN,

  pickupSlaMs: 15 * 60_000,
  onCallAfterMs: 45 * 60_000,
  agentReplySlaMs: 10 * 60_000,
  escalation: DEFAULT_ESCALATION_POLICY,
};

const TEST_SLACK_TOKEN = 'xoxb-time-skipping';

/** What the worker's config needs besides the conversation settings (model-free, embedded index). */
const TEST_ENV = {
  WHATSAPP_APP_SECRET: 'time-skipping-secret',
  WHATSAPP_VERIFY_TOKEN: 'time-skipping-verify',
  WHATSAPP_ACCESS_TOKEN: TEST_ACCESS_TOKEN,
};

export type TimeSkippingParley = Awaited<ReturnType<typeof startTimeSkippingParley>>;

/**
 * Parley's conversation workflow on the Java time-skipping test server: real workers running the
 * shared workflow bundle and the REAL activities (a private Postgres database, the sandbox Graph API).
 * Time only jumps when a test asks for it (`env.sleep`) or awaits a result through `client`.
 *
 * The environment's clock is global: run the tests of one environment serially. Each call to
 * `startWorker` gets its own task queue and conversation settings, so tests stay independent.
 *
 * What the test server (temporal-test-server 1.40.0) does differently from a real server:
 * - It knows no custom search attributes until they are registered (done here, see below).
 * - Every workflow gets a 10-year (3650 d) run timeout whose timer outlives the workflow. Any
 *   unbounded unlock of time skipping, such as `client.workflow.result()` which unlocks until the
 *   result arrives and locks again only after, lets the clock jump to that timer: +10 years once a
 *   workflow has completed. `result()` below waits without unlocking; skip time with `env.sleep`.
 * - Terminating a workflow while one of its workflow tasks is in flight leaks a time-skipping
 *   lock (the worker's completion fails with "Completed workflow"): from then on `env.sleep` runs
 *   in real time, so a 25-hour skip hangs. End conversations by letting them complete instead.
 */
export async function startTimeSkippingParley() {
  const { db } = await createTestDatabase();
  // The same data converter as production: payloads encrypted per customer.
  const payloadKeys = createPayloadKeys(loadConfig(TEST_ENV), db);
  const dataConverter = parleyDataConverter(payloadKeys);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
    client: { dataConverter },
  });
  await registerSearchAttributes(env);
  await seedDemoData(db);
  const sandbox: WhatsAppSandbox = await startWhatsAppSandbox({ accessToken: TEST_ACCESS_TOKEN });
  const slack = await startFakeSlack({
    token: TEST_SLACK_TOKEN,
    channels: [
      { id: 'C0SUPPORT', name: 'support' },
      { id: 'C0ONCALL', name: 'on-call' },
    ],
  });
  const workerEnv = {
    ...TEST_ENV,
    SLACK_BOT_TOKEN: TEST_SLACK_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    SLACK_CHANNEL: 'C0SUPPORT',
    SLACK_ON_CALL_CHANNEL: 'C0ONCALL',
  };
  const graph = createGraphClient({
    graphUrl: sandbox.url,
    apiVersion: 'v23.0',
    accessToken: TEST_ACCESS_TOKEN,
  });
  const workers: { worker: Worker; running: Promise<void> }[] = [];
  const ocr = createOcr({ languages: ['eng', 'fra'] });
  const namespace = env.namespace ?? 'default';
  const fixedClock = new Client({ connection: env.connection, namespace, dataConverter });
  const started: WorkflowHandle<typeof conversationWorkflow>[] = [];

  return {
    env,
    client: env.client,
    db: db as Db,
    /** The payload codec the workers and clients use: to read a raw history's payloads. */
    codec: createEncryptionCodec(payloadKeys!),
    sandbox,
    /** Slack as the team sees it: `#support` is `C0SUPPORT`, `#on-call` is `C0ONCALL`. */
    slack,

    /** Starts a worker with these settings on a fresh task queue; it runs until `close()`. */
    async startWorker(overrides: Partial<ConversationSettings> = {}): Promise<{ taskQueue: string }> {
      const taskQueue = `time-skipping-${randomUUID()}`;
      const conversationSettings = { ...TEST_CONVERSATION_SETTINGS, ...overrides };
      const worker = await createParleyWorker({
        connection: env.nativeConnection,
        namespace,
        dataConverter,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities(
          createActivityDeps(
            { ...loadConfig(workerEnv), conversation: conversationSettings },
            { db, graph, model: undefined, ocr, logger: silentLogger },
          ),
        ),
      });
      workers.push({ worker, running: worker.run() });
      return { taskQueue };
    },

    /** Waits for a workflow's result without unlocking time skipping (unlike `client`'s handles). */
    result<T extends Workflow>(workflowId: string): Promise<WorkflowResultType<T>> {
      return fixedClock.workflow.result<T>(workflowId);
    },

    /** A customer message as the webhook hands it to the workflow, stamped with the server's clock. */
    async inbound(build: (timestamp: number) => unknown): Promise<InboundMessage> {
      const nowMs = await env.currentTimeMs();
      // Judged against the test server's clock, which tests skip far ahead of the wall clock.
      const parsed = parseWebhook(build(Math.floor(nowMs / 1000)), nowMs);
      if (parsed.deadLetters.length) throw new Error(parsed.deadLetters[0]!.reason);
      return parsed.messages[0]!;
    },

    /**
     * What the webhook does with every inbound message: signal the conversation, starting it if
     * needed. The conversation is remembered for `closeConversations`.
     */
    async deliver(taskQueue: string, message: InboundMessage) {
      const handle = await env.client.workflow.signalWithStart(conversationWorkflow, {
        workflowId: conversationWorkflowId(message.phoneNumberId, message.waId),
        taskQueue,
        args: [{ phoneNumberId: message.phoneNumberId, waId: message.waId }],
        signal: inboundMessageSignal,
        signalArgs: [message],
      });
      if (!started.some((h) => h.workflowId === handle.workflowId)) started.push(handle);
      return handle;
    },

    /** A customer's text message, delivered as the webhook would. */
    async say(taskQueue: string, o: { phoneNumberId: string; waId: string; body: string }) {
      const message = await this.inbound((timestamp) =>
        hooks.textMessageWebhook({ ...o, id: `wamid.${randomUUID()}`, timestamp }),
      );
      return this.deliver(taskQueue, message);
    },

    /**
     * Ends the still-running conversations this environment delivered to, through their own close
     * update (afterEach): the clock is shared, and terminating one mid-task would break the test
     * server's time skipping.
     */
    async closeConversations(): Promise<void> {
      for (const handle of started.splice(0)) {
        if ((await handle.describe()).status.name !== 'RUNNING') continue;
        await handle.executeUpdate(closeUpdate, { args: [{ by: 'test', reason: 'test finished' }] });
        await fixedClock.workflow.result(handle.workflowId);
      }
    },

    /** Skips the clock to `atMs` (no-op when already past it). */
    async skipTo(atMs: number): Promise<void> {
      await env.sleep(Math.max(0, atMs - (await env.currentTimeMs())));
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
      await ocr.close().catch(() => {});
      await env.teardown();
      await sandbox.close();
      await slack.close();
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

/** Polls the state query until `check` accepts it (the workflow reacts to a skip asynchronously). */
export function viewWhen(
  handle: WorkflowHandle<typeof conversationWorkflow>,
  check: (v: ConversationView) => boolean,
): Promise<ConversationView> {
  return eventually(async () => {
    const v = await handle.query(conversationStateQuery);
    return check(v) ? v : undefined;
  });
}

/** When the named timer is due (throws when it is not pending). */
export function timerDue(view: ConversationView, name: string): number {
  const timer = view.pendingTimers.find((t) => t.name === name);
  if (!timer) throw new Error(`timer ${name} is not pending: ${JSON.stringify(view.pendingTimers)}`);
  return Date.parse(timer.dueAt);
}
