import { randomUUID } from 'node:crypto';
import { main as parleyCli } from '../../cli/parley.js';
import { createEncryptionCodec } from '../../core/encryption/payload-codec.js';
import { createPayloadKeys, parleyDataConverter } from '../../core/encryption/data-converter.js';
import { readFile } from 'node:fs/promises';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { connectTemporal } from '../../core/temporal-client.js';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { startApi, type RunningApi } from '../../api/main.js';
import { DEVELOPMENT_CONVERSATION_ID_SECRET, loadConfig, type Config } from '../../core/config.js';
import { createConversationIds } from '../../core/conversation-ids.js';
import { silentLogger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { seedDemoData } from '../../devstack/demo-data.js';
import { eventually } from '../../devstack/eventually.js';
import { startWhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import { ALWAYS_OPEN } from '../../domain/business-hours.js';

export { ALWAYS_OPEN, eventually };
import { signWebhook } from '../fixtures/whatsapp-webhooks.js';
import { createTestDatabase } from './database.js';

export const TEST_APP_SECRET = 'test-app-secret';
export const TEST_VERIFY_TOKEN = 'test-verify-token';
export const TEST_ACCESS_TOKEN = 'test-access-token';
export const TEST_OPERATOR_TOKEN = 'test-operator-token';

/** Conversation ids as every test stack keys them (none sets CONVERSATION_ID_SECRET). */
export const testConversationIds = createConversationIds(DEVELOPMENT_CONVERSATION_ID_SECRET);
/** The workflow id of the conversation between a business number and a customer. */
export const conversationWorkflowId = (phoneNumberId: string, waId: string) =>
  testConversationIds.idFor(phoneNumberId, waId);
/** The opaque reference of a conversation, as links and tickets carry it. */
export const conversationRef = (conversationId: string) => testConversationIds.refFor(conversationId);

/** A fresh WhatsApp message id. */
export const newWamid = () => `wamid.${randomUUID()}`;

/** A fresh customer number under `prefix` (digits), so each test talks to a conversation of its own. */
export const newWaId = (prefix: string) =>
  `${prefix}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

let cachedBundle: { code: string } | undefined;
export async function workflowBundle() {
  cachedBundle ??= { code: await readFile(inject('workflowBundlePath'), 'utf8') };
  return cachedBundle;
}

export type TestParley = Awaited<ReturnType<typeof startTestParley>>;

/**
 * A whole Parley (API + worker, as `npm run dev` runs them) on the shared real Temporal and
 * Postgres, with its own database, task queue and sandbox Graph API: tests drive it over HTTP
 * exactly as Meta would.
 */
export async function startTestParley(
  opts: {
    env?: Record<string, string>;
    worker?: boolean;
    demoData?: boolean;
    /** The sandbox posts Meta's `sent` status webhook for every message it accepts. */
    statusWebhooks?: boolean;
    adjustDeps?: (deps: ActivityDeps) => ActivityDeps;
  } = {},
) {
  const { db, url: databaseUrl } = await createTestDatabase();
  // The demo shop and its knowledge base, unless a test is about starting from nothing.
  if (opts.demoData !== false) await seedDemoData(db);
  const sandbox = await startWhatsAppSandbox({ accessToken: TEST_ACCESS_TOKEN });
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    WHATSAPP_APP_SECRET: TEST_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: TEST_VERIFY_TOKEN,
    WHATSAPP_ACCESS_TOKEN: TEST_ACCESS_TOKEN,
    WHATSAPP_GRAPH_URL: sandbox.url,
    OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN,
    // Short burst window: tests that are about batching set their own.
    CONVERSATION_DEBOUNCE_MS: '200',
    // Always open, so no test depends on the hour it runs at; business-hours tests set their own.
    BUSINESS_HOURS: JSON.stringify(ALWAYS_OPEN),
    ...opts.env,
  });
  let worker: RunningWorker | undefined;
  if (opts.worker !== false)
    worker = await startWorker(config, silentLogger, {
      workflowBundle: await workflowBundle(),
      ...(opts.adjustDeps ? { adjustDeps: opts.adjustDeps } : {}),
    });
  const api: RunningApi = await startApi(config, silentLogger);
  if (opts.statusWebhooks)
    sandbox.postStatusesTo({ url: `${api.url}/webhooks/whatsapp`, appSecret: TEST_APP_SECRET });
  const temporal = await connectTemporal({ address: inject('temporalAddress') });
  // The same data converter as the API and the worker: a test reads what they wrote.
  const payloadKeys = createPayloadKeys(config, db);
  const client = new Client({
    connection: temporal.connection,
    dataConverter: parleyDataConverter(payloadKeys),
  });
  // A client without it sees what the Temporal server stores (and its Web UI shows without a codec).
  const rawClient = new Client({ connection: temporal.connection });

  return {
    config,
    db: db as Db,
    sandbox,
    api,
    client,
    rawClient,
    /** The payload codec of this stack (its data keys, in its database). */
    codec: payloadKeys && createEncryptionCodec(payloadKeys),
    payloadKeys,
    /** Posts a webhook body the way Meta does: raw JSON, signed with the app secret unless told otherwise. */
    async postWebhook(body: unknown, o: { signature?: string | null; raw?: string } = {}) {
      const raw = o.raw ?? JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const signature = o.signature === undefined ? signWebhook(raw, TEST_APP_SECRET) : o.signature;
      if (signature !== null) headers['x-hub-signature-256'] = signature;
      return fetch(`${api.url}/webhooks/whatsapp`, { method: 'POST', headers, body: raw });
    },
    /** The texts Parley sent the customer, in order. */
    textsTo(waId: string) {
      return sandbox.sent.filter((m) => m.waId === waId && m.type === 'text');
    },
    /** Whether a conversation workflow was ever started for this business number and customer. */
    async conversationExists(phoneNumberId: string, waId: string) {
      try {
        await client.workflow.getHandle(conversationWorkflowId(phoneNumberId, waId)).describe();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    /** Calls the operator API with the bearer token. */
    async operator(
      method: 'GET' | 'POST',
      path: string,
      body?: unknown,
      token: string | null = TEST_OPERATOR_TOKEN,
    ) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${api.url}/api${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    /** Runs `parley …` as ops do, against this API with the operator token; its exit code and lines. */
    async cli(...argv: string[]) {
      const lines: string[] = [];
      const code = await parleyCli(
        argv,
        { PARLEY_API_URL: api.url, OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN },
        { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      );
      return { code, lines, output: lines.join('\n') };
    },
    async close() {
      await api.close();
      await worker?.shutdown();
      await temporal.close();
      await sandbox.close();
      await db.destroy();
    },
  };
}
