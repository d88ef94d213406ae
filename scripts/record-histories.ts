/**
 * `npx tsx scripts/record-histories.ts`: records the event histories of representative
 * conversations into test/histories/<scenario>.json, for the replay test (test/replay) that proves
 * a change to the workflow code still replays what production already has in flight.
 *
 * It runs the real stack on throwaway infrastructure — a Temporal dev server, an embedded
 * PostgreSQL, the sandbox Graph API, the worker and the API — and drives each conversation over
 * HTTP exactly as Meta and an operator would. Re-running overwrites the files it writes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startApi, type RunningApi } from '../api/main.js';
import { loadConfig, type Config } from '../core/config.js';
import { createLogger, silentLogger } from '../core/logger.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { eventually } from '../devstack/eventually.js';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import { startTemporalDevServer } from '../devstack/temporal-dev-server.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../devstack/whatsapp-sandbox.js';
import { startWorker, type RunningWorker } from '../worker/main.js';
import { installTemporalRuntime } from '../worker/temporal-runtime.js';
import { conversationStateQuery, conversationWorkflowId } from '../workflows/definitions.js';
import {
  buttonReplyMessage,
  messageChangeValue,
  nextWamid,
  signWebhook,
  webhookBody,
  statusWebhook,
  textMessageWebhook,
} from '../test/fixtures/whatsapp-webhooks.js';
import { historyToJSON } from '../test/replay/history-json.js';
import {
  sampleFromSchema,
  startScriptedOpenAI,
  type ChatReply,
  type ChatRequestView,
} from '../test/servers/scripted-openai.js';
import { createDb } from '../db/database.js';
import { seedDemoData } from '../devstack/demo-data.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '../devstack/demo-shop.js';

const historiesDir = fileURLToPath(new URL('../test/histories', import.meta.url));
const PHONE_NUMBER_ID = SANDBOX_DEFAULTS.PHONE_NUMBER_ID;
const OPERATOR_TOKEN = 'record-histories-operator-token';

interface Stack {
  config: Config;
  api: RunningApi;
  worker: RunningWorker;
}

interface Ctx {
  client: Client;
  sandbox: WhatsAppSandbox;
  main: Stack;
  /** A stack whose worker continues conversations as new after 50 history events. */
  small: Stack;
  /** A stack with a (scripted) model: the agent loop with tool calls. */
  model: Stack;
}

const stops: (() => Promise<unknown>)[] = [];

async function main() {
  // The scenarios fail sends on purpose: the worker's warnings about them are expected noise.
  installTemporalRuntime(createLogger('error'), 'error');

  const temporal = await startTemporalDevServer({ headless: true });
  stops.unshift(temporal.stop);
  const postgres = await startEmbeddedPostgres();
  stops.unshift(postgres.stop);
  await postgres.createDatabase('parley_histories');
  const sandbox = await startWhatsAppSandbox({ accessToken: SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN });
  stops.unshift(sandbox.close);
  const openai = await startScriptedOpenAI();
  stops.unshift(openai.close);
  openai.onChat(scriptedAgent);

  const env = (taskQueue: string, extra: Record<string, string> = {}) =>
    loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      DATABASE_URL: postgres.databaseUrl('parley_histories'),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WHATSAPP_APP_SECRET: SANDBOX_DEFAULTS.WHATSAPP_APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: SANDBOX_DEFAULTS.WHATSAPP_VERIFY_TOKEN,
      WHATSAPP_ACCESS_TOKEN: SANDBOX_DEFAULTS.WHATSAPP_ACCESS_TOKEN,
      WHATSAPP_GRAPH_URL: sandbox.url,
      OPERATOR_API_TOKEN: OPERATOR_TOKEN,
      CONVERSATION_DEBOUNCE_MS: '300',
      CONVERSATION_MAX_BATCH_WAIT_MS: '3000',
      ...extra,
    });
  const startStack = async (config: Config): Promise<Stack> => {
    const worker = await startWorker(config, silentLogger);
    stops.unshift(() => worker.shutdown());
    const api = await startApi(config, silentLogger);
    stops.unshift(() => api.close());
    return { config, worker, api };
  };
  // One after the other: both run the database migrations.
  const mainStack = await startStack(env('parley-record-histories'));
  const small = await startStack(
    env('parley-record-histories-small', { CONVERSATION_MAX_HISTORY_EVENTS: '50' }),
  );
  const model = await startStack(
    env('parley-record-histories-model', { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'record' }),
  );
  const db = createDb(postgres.databaseUrl('parley_histories'));
  await seedDemoData(db);
  await db.destroy();

  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const ctx: Ctx = { client: new Client({ connection }), sandbox, main: mainStack, small, model };

  await mkdir(historiesDir, { recursive: true });
  const scenarios: [string, (ctx: Ctx) => Promise<{ workflowId: string; runId?: string }>][] = [
    ['bot-replies', botReplies],
    ['human-handoff', humanHandoff],
    ['send-failures', sendFailures],
    ['continue-as-new', continueAsNew],
    ['agent-tools', agentTools],
    ['refund-action', refundAction],
  ];
  for (const [name, run] of scenarios) {
    const { workflowId, runId } = await run(ctx);
    const history = await ctx.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = join(historiesDir, `${name}.json`);
    const json = historyToJSON(history);
    await writeFile(file, json + '\n');
    const events = (JSON.parse(json) as { events: { eventType: string }[] }).events;
    const last = events[events.length - 1]?.eventType;
    console.log(`wrote test/histories/${name}.json: ${events.length} events, last ${last}`);
  }
  // The refund workflow's own history (the approved refund of refund-action): its replay guard.
  const refund = await ctx.client.workflow.getHandle(APPROVED_REFUND_ID).fetchHistory();
  await mkdir(join(historiesDir, 'refund'), { recursive: true });
  await writeFile(join(historiesDir, 'refund', 'approved-refund.json'), historyToJSON(refund) + '\n');
  console.log('wrote test/histories/refund/approved-refund.json');
}

// ---- scenarios ------------------------------------------------------------------------------------

/** Three texts (two in a burst, one later) answered by the bot, and a delivery status. */
async function botReplies(ctx: Ctx) {
  const c = conversation(ctx, ctx.main, '15550100001');
  await c.say('Hi', 'Ana');
  await c.say('my order #1234 has not arrived');
  const first = await c.reply(1);
  await c.status(first.messageId, 'delivered');
  await c.say('It was due on Monday');
  const second = await c.reply(2);
  await c.status(second.messageId, 'read');
  await c.quiet();
  return { workflowId: c.id };
}

/** With a model: an order question answered through the order_status tool, then a KB question. */
async function agentTools(ctx: Ctx) {
  const c = conversation(ctx, ctx.model, DEMO_CUSTOMERS.alex.waId);
  await c.say(`Hi, where is my order ${DEMO_ORDERS.alexShipped}?`, 'Alex');
  await c.reply(1);
  await c.say('And how long do I have to return a kettle?');
  await c.reply(2);
  await c.quiet();
  return { workflowId: c.id };
}

/** Camille's delivered order 1043 (a V9): a small refund, then one above the 50 EUR auto-approve limit. */
const APPROVED_REFUND_ID = 'refund:1043:1:wrong-item';

/**
 * With a model: the customer asks for a refund, the model calls request_refund, Parley asks for
 * confirmation with buttons, the tap starts the refund workflow, which pays through the built-in
 * ledger and tells the conversation; then a refund above the limit waits for a person's approval.
 */
async function refundAction(ctx: Ctx) {
  const c = conversation(ctx, ctx.model, DEMO_CUSTOMERS.camille.waId);
  const buttons = () => ctx.sandbox.sent.filter((m) => m.waId === c.waId && m.type === 'interactive');
  await c.say('My order 1043 arrived damaged, please refund 10 euros', 'Camille');
  await eventually(() => (buttons().length >= 1 ? true : undefined), { what: 'confirmation buttons' });
  await c.quiet();
  await c.tap('act:1:yes', 'Confirm');
  await c.reply(2, 20_000); // "refund on its way", "refund issued" (the reply went with the buttons)
  await c.quiet();
  await c.say('The other one was the wrong item, please refund 60 euros');
  await eventually(() => (buttons().length >= 2 ? true : undefined), { what: 'second confirmation' });
  await c.quiet();
  await c.tap('act:2:yes', 'Confirm');
  await c.reply(3, 20_000); // "a colleague approves"
  await eventually(
    async () => {
      const view = await c.handle().query(conversationStateQuery);
      return view.refundsInFlight?.includes(APPROVED_REFUND_ID) ? true : undefined;
    },
    { what: 'refund awaiting approval' },
  );
  await c.operator('POST', `/api/refunds/${encodeURIComponent(APPROVED_REFUND_ID)}/approve`, {
    by: 'agent-ana',
  });
  await c.reply(4, 20_000); // "refund issued"
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * The scripted model behind agent-tools and refund-action: understanding answers with the schema's sample, the agent
 * asks for order_status when it sees an order number and no tool result yet, then answers.
 */
function scriptedAgent(req: ChatRequestView): ChatReply {
  if (req.responseFormat?.name !== 'agent_answer') {
    return { json: sampleFromSchema(req.responseFormat?.schema ?? {}), usage: { promptTokens: 80 } };
  }
  const order = /<customer_message>[^<]*order (\d{4})/.exec(req.userText)?.[1];
  const toolResult = req.messages.find((m) => m.role === 'tool');
  const refund = /<customer_message>[^<]*refund (\d+) euros/.exec(req.userText)?.[1];
  if (refund && !toolResult) {
    const small = Number(refund) < 50;
    return {
      toolCalls: [
        {
          name: 'request_refund',
          arguments: {
            orderNumber: '1043',
            lineNumber: 1,
            reason: small ? 'damaged' : 'wrong_item',
            amount: `${refund}.00`,
          },
        },
      ],
      usage: { promptTokens: 900 },
    };
  }
  if (refund) {
    return {
      json: {
        reply: `I can refund ${refund}.00 EUR. Please confirm with the button below.`,
        confidence: 0.9,
        citedChunkIds: [],
        intent: 'refund_request',
        needsHuman: false,
        needsHumanReason: null,
      },
      usage: { promptTokens: 1200, completionTokens: 30 },
    };
  }
  if (order && !toolResult) {
    return {
      toolCalls: [{ name: 'order_status', arguments: { orderNumber: order } }],
      usage: { promptTokens: 900 },
    };
  }
  const passage = /<passage id="([^"]+)"/.exec(req.userText)?.[1];
  return {
    json: {
      reply: toolResult ? 'Your order is on its way.' : 'You have 30 days from delivery to return it.',
      confidence: 0.9,
      citedChunkIds: passage && !toolResult ? [passage] : [],
      intent: toolResult ? 'order_status' : 'returns_refund_policy',
      needsHuman: false,
      needsHumanReason: null,
    },
    usage: { promptTokens: 1200, completionTokens: 40 },
  };
}

/** Bot → agent assigned → agent reply → customer writes to the agent → hand back → resolve → close. */
async function humanHandoff(ctx: Ctx) {
  const c = conversation(ctx, ctx.main, '15550100002');
  await c.say('I want to speak to a person', 'Ben');
  await c.reply(1);
  await c.operator('POST', '/api/agents', { id: 'agent-ana', name: 'Ana Agent' });
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/assign`, { agentId: 'agent-ana' });
  const sent = (await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/reply`, {
    agentId: 'agent-ana',
    text: 'Hi Ben, Ana here. How can I help?',
  })) as { delivered: boolean };
  if (!sent.delivered) throw new Error(`agent reply not delivered: ${JSON.stringify(sent)}`);
  const toAgent = await c.say('My parcel is damaged');
  await eventually(() => ctx.sandbox.reads.find((r) => r.messageId === toAgent), {
    what: 'read receipt (human)',
  });
  await c.quiet();
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/hand-back`, {
    by: 'agent-ana',
    reason: 'refund issued',
  });
  await c.say('Thanks, anything else I need to do?');
  await c.reply(3);
  await c.quiet();
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/resolve`, { by: 'operator' });
  await c.quiet();
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/close`, { by: 'operator' });
  const outcome: unknown = await c.handle().result();
  console.log(`  human-handoff completed: ${JSON.stringify(outcome)}`);
  return { workflowId: c.id };
}

/** A rate limit (130429) retried to success, then a permanent 131026 recorded, then business as usual. */
async function sendFailures(ctx: Ctx) {
  const c = conversation(ctx, ctx.main, '15550100003');
  ctx.sandbox.failNext(1, { httpStatus: 429, code: 130429, message: 'Rate limit hit' });
  await c.say('Hello?', 'Chloe');
  await c.reply(1, 20_000);
  await c.quiet();
  ctx.sandbox.failNext(1, {
    httpStatus: 400,
    code: 131026,
    message: 'Message undeliverable',
    details: 'Message failed to send because the recipient is not a WhatsApp user.',
  });
  await c.say('Are you there?');
  await eventually(
    async () => {
      const view = await c.handle().query(conversationStateQuery);
      return view.recentSendFailures.some((f) => f.code === 131026) ? true : undefined;
    },
    { what: '131026 recorded' },
  );
  await c.quiet();
  await c.say('Now I updated WhatsApp');
  await c.reply(2);
  await c.quiet();
  return { workflowId: c.id };
}

/** Enough turns to pass CONVERSATION_MAX_HISTORY_EVENTS=50; the first run's history is recorded. */
async function continueAsNew(ctx: Ctx) {
  const c = conversation(ctx, ctx.small, '15550100004');
  await c.say('Hi', 'Dana');
  await c.reply(1);
  const firstRunId = (await c.handle().describe()).runId;
  for (let turn = 2; turn <= 12; turn++) {
    await c.say(`Question number ${turn}`);
    await c.reply(turn);
    // Let each turn settle, so the run continues as new at its first idle point past 50 events
    // rather than racing the next message (which the server answers with UnhandledCommand).
    await c.quiet();
    const { runId } = await c.handle().describe();
    if (runId !== firstRunId) {
      const first = await c.handle(firstRunId).describe();
      console.log(`  continue-as-new after ${turn} turns (first run ${first.status.name})`);
      return { workflowId: c.id, runId: firstRunId };
    }
  }
  throw new Error('the conversation did not continue as new');
}

// ---- helpers --------------------------------------------------------------------------------------

function conversation(ctx: Ctx, stack: Stack, waId: string) {
  const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
  const texts = () => ctx.sandbox.sent.filter((m) => m.waId === waId && m.type === 'text');
  const post = async (body: unknown) => {
    const raw = JSON.stringify(body);
    const res = await fetch(`${stack.api.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signWebhook(raw, stack.config.whatsapp.appSecret),
      },
      body: raw,
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  };
  const handle = (runId?: string): WorkflowHandle => ctx.client.workflow.getHandle(id, runId);

  return {
    id,
    handle,
    /** The customer sends a text; resolves with its wamid once the API accepted it. */
    async say(body: string, name?: string) {
      const messageId = nextWamid();
      await post(
        textMessageWebhook({
          phoneNumberId: PHONE_NUMBER_ID,
          waId,
          id: messageId,
          body,
          ...(name ? { name } : {}),
        }),
      );
      return messageId;
    },
    waId,
    /** The customer taps a reply button. */
    async tap(replyId: string, title: string) {
      await post(
        webhookBody([
          messageChangeValue([buttonReplyMessage({ from: waId, id: nextWamid(), replyId, title })], {
            phoneNumberId: PHONE_NUMBER_ID,
          }),
        ]),
      );
    },
    /** Meta reports a delivery status for one of our messages. */
    async status(messageId: string, status: string) {
      await post(statusWebhook({ phoneNumberId: PHONE_NUMBER_ID, recipientId: waId, messageId, status }));
    },
    /** Waits until the customer has received `count` texts in all; resolves with the last one. */
    async reply(count: number, timeoutMs = 15_000) {
      return eventually(() => (texts().length >= count ? texts()[count - 1] : undefined), {
        what: `text #${count}`,
        timeoutMs,
      });
    },
    async operator(method: string, path: string, body: unknown) {
      const res = await fetch(`${stack.api.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
        body: JSON.stringify(body),
      });
      const json: unknown = await res.json();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    },
    /** Waits for a quiet point: nothing queued, no task or activity pending, history length stable. */
    async quiet() {
      let previous = -1;
      let stableSince = 0;
      await eventually(
        async () => {
          const d = await handle().describe();
          const view = d.status.name === 'RUNNING' ? await handle().query(conversationStateQuery) : undefined;
          const busy =
            (view?.queuedMessages ?? 0) > 0 ||
            (d.raw.pendingActivities?.length ?? 0) > 0 ||
            d.raw.pendingWorkflowTask != null;
          if (busy || d.historyLength !== previous) {
            previous = busy ? -1 : d.historyLength;
            stableSince = Date.now();
            return undefined;
          }
          return Date.now() - stableSince >= 700 ? true : undefined;
        },
        { what: 'quiet point', intervalMs: 100 },
      );
    },
  };
}

async function stopAll() {
  for (const stop of stops.splice(0)) {
    await stop().catch((err: unknown) => console.warn('stop step failed:', err));
  }
}

main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err: unknown) => {
    console.error('recording failed:', err);
    await stopAll();
    process.exit(1);
  },
);
