/**
 * `npx tsx scripts/record-histories.ts [scenario…]`: records the event histories of representative
 * conversations into test/histories/<scenario>.json, for the replay test (test/replay) that proves
 * a change to the workflow code still replays what production already has in flight.
 *
 * It runs the real stack on throwaway infrastructure — a Temporal dev server, an embedded
 * PostgreSQL, the sandbox Graph API, the worker and the API — and drives each conversation over
 * HTTP exactly as Meta and an operator would. Re-running overwrites the files it writes; name
 * scenarios to record only those (the others keep the histories older code wrote).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startApi, type RunningApi } from '../api/main.js';
import { loadConfig, type Config } from '../core/config.js';
import { createConversationIds } from '../core/conversation-ids.js';
import { createLogger, silentLogger } from '../core/logger.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { eventually } from '../devstack/eventually.js';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import { startTemporalDevServer } from '../devstack/temporal-dev-server.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../devstack/whatsapp-sandbox.js';
import { startWorker, type RunningWorker } from '../worker/main.js';
import { installTemporalRuntime } from '../worker/temporal-runtime.js';
import { conversationStateQuery, type ConversationView } from '../workflows/definitions.js';
import {
  buttonReplyMessage,
  documentMessage,
  editMessage,
  reactionMessage,
  revokeMessage,
  systemMessage,
  imageMessage,
  messageChangeValue,
  messageWebhook,
  voiceNoteMessage,
  type MediaOptions,
  type MetaMessage,
  nextWamid,
  signWebhook,
  webhookBody,
  statusWebhook,
  textMessageWebhook,
} from '../test/fixtures/whatsapp-webhooks.js';
import { historyToJSON } from '../test/replay/history-json.js';
import { ALWAYS_OPEN } from '../domain/business-hours.js';
import {
  sampleFromSchema,
  startScriptedOpenAI,
  type ChatReply,
  type ChatRequestView,
  type ScriptedOpenAI,
} from '../test/servers/scripted-openai.js';
import { createDb, type Db } from '../db/database.js';
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
  /**
   * Model-free, always open, with timers of seconds (bot idle resolve, survey, pickup SLA, on-call,
   * agent reply) so they fire while the recording watches, and a re-engagement template.
   */
  timers: Stack;
  /** The same short timers with the scripted model: actions, media, refunds settling late. */
  modelTimers: Stack;
  /** The scripted model with a history cap of 50 events: a flood keeps it busy past the hard cap. */
  modelSmall: Stack;
  db: Db;
  openai: ScriptedOpenAI;
}

const stops: (() => Promise<unknown>)[] = [];
/** How long the scripted model takes to answer (the flood scenario slows it down). */
let modelDelayMs = 0;

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
  openai.onChat(async (req) => {
    if (modelDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, modelDelayMs));
    return scriptedAgent(req);
  });

  const env = (taskQueue: string, extra: Record<string, string> = {}) =>
    loadConfig({
      NODE_ENV: 'development',
      // Recorded histories stay readable (and replayable) without this run's keys.
      PAYLOAD_ENCRYPTION: 'off',
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
      ERASURE_SETTLE_MS: '500',
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
  const shortTimers = {
    BUSINESS_HOURS: JSON.stringify(ALWAYS_OPEN),
    CONVERSATION_BOT_IDLE_RESOLVE_MS: '3000',
    CONVERSATION_RESOLVED_CLOSE_MS: '60000',
    CSAT_DELAY_MS: '1500',
    HANDOFF_PICKUP_SLA_MS: '1500',
    HANDOFF_ON_CALL_AFTER_MS: '3000',
    AGENT_REPLY_SLA_MS: '1500',
    WHATSAPP_REENGAGEMENT_TEMPLATE: 'parley_reengage',
  };
  const timers = await startStack(env('parley-record-histories-timers', shortTimers));
  const modelTimers = await startStack(
    env('parley-record-histories-model-timers', {
      ...shortTimers,
      // A refund waiting for approval keeps a resolved conversation open: the close comes round often.
      CONVERSATION_RESOLVED_CLOSE_MS: '4000',
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'record',
    }),
  );
  const modelSmall = await startStack(
    env('parley-record-histories-model-small', {
      CONVERSATION_MAX_HISTORY_EVENTS: '50',
      CONVERSATION_DEBOUNCE_MS: '100',
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'record',
    }),
  );
  const db = createDb(postgres.databaseUrl('parley_histories'));
  stops.unshift(() => db.destroy());
  await seedDemoData(db);

  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const ctx: Ctx = {
    client: new Client({ connection }),
    sandbox,
    main: mainStack,
    small,
    model,
    timers,
    modelTimers,
    modelSmall,
    db,
    openai,
  };

  await mkdir(historiesDir, { recursive: true });
  const scenarios: [string, (ctx: Ctx) => Promise<{ workflowId: string; runId?: string }>][] = [
    ['bot-replies', botReplies],
    ['human-handoff', humanHandoff],
    ['send-failures', sendFailures],
    ['continue-as-new', continueAsNew],
    ['agent-tools', agentTools],
    ['refund-action', refundAction],
    ['survey-answered', surveyAnswered],
    ['outside-window-template', outsideWindowTemplate],
    ['return-with-label', returnWithLabel],
    ['media-turns', mediaTurns],
    ['handoff-sla-reminders', handoffSlaReminders],
    ['confirmed-action-fails', confirmedActionFails],
    ['refund-settles-after-resolve', refundSettlesAfterResolve],
    ['whatsapp-outage-redelivery', whatsappOutageRedelivery],
    ['customer-events', customerEvents],
    ['flood-continues-as-new-busy', floodContinuesAsNewBusy],
    ['customer-erasure', customerErasure],
  ];
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !scenarios.some(([name]) => name === w));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  for (const [name, run] of scenarios) {
    if (wanted.length && !wanted.includes(name)) continue;
    const { workflowId, runId } = await run(ctx);
    const history = await ctx.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = join(historiesDir, `${name}.json`);
    const json = historyToJSON(history);
    await writeFile(file, json + '\n');
    // The replay test replays each scenario under the workflow id it was recorded with.
    const idsFile = join(historiesDir, 'meta', 'workflow-ids.json');
    const ids = JSON.parse(await readFile(idsFile, 'utf8').catch(() => '{}')) as Record<string, string>;
    await writeFile(idsFile, JSON.stringify({ ...ids, [name]: workflowId }, null, 2) + '\n');
    const events = (JSON.parse(json) as { events: { eventType: string }[] }).events;
    const last = events[events.length - 1]?.eventType;
    console.log(`wrote test/histories/${name}.json: ${events.length} events, last ${last}`);
  }
  if (wanted.length && !wanted.includes('refund-action')) return;
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

/**
 * The customer asks to delete their data, is shown what that means with two buttons, taps "Delete
 * my data": the goodbye goes out, the erasure workflow starts and closes (cancels) the conversation.
 */
async function customerErasure(ctx: Ctx) {
  const c = conversation(ctx, ctx.main, '15550100077');
  await c.say('Hi, where is my parcel?', 'Eve');
  await c.reply(1);
  await c.say('DELETE MY DATA');
  await c.interactive(1);
  await c.quiet();
  await c.tap('erasure:confirm', 'Delete my data');
  await eventually(
    async () => ((await c.handle().describe()).status.name === 'CANCELLED' ? true : undefined),
    { what: 'the conversation closed by its erasure', timeoutMs: 30_000 },
  );
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
 * The scripted model behind the model scenarios: understanding answers with the schema's sample;
 * the agent calls request_refund ("refund N euros"), create_return ("return … order N") or
 * order_status (an order number) when it has no tool result yet, then answers.
 */
function scriptedAgent(req: ChatRequestView): ChatReply {
  if (req.responseFormat?.name !== 'agent_answer') {
    return { json: sampleFromSchema(req.responseFormat?.schema ?? {}), usage: { promptTokens: 80 } };
  }
  const words = /<customer_message>([^<]*)/.exec(req.userText)?.[1] ?? '';
  const order = /order (\d{4,6})/i.exec(words)?.[1];
  const toolResult = req.messages.find((m) => m.role === 'tool');
  const refund = /refund (\d+) euros/.exec(words)?.[1];
  const wantsReturn = /\breturn\b/.test(words) && order !== undefined;
  if (refund && !toolResult) {
    const small = Number(refund) < 50;
    return {
      toolCalls: [
        {
          name: 'request_refund',
          arguments: {
            orderNumber: order ?? '1043',
            lineNumber: 1,
            reason: small ? 'damaged' : 'wrong_item',
            amount: `${refund}.00`,
          },
        },
      ],
      usage: { promptTokens: 900 },
    };
  }
  if (refund || (wantsReturn && toolResult)) {
    return {
      json: {
        reply: refund
          ? `I can refund ${refund}.00 EUR. Please confirm with the button below.`
          : 'I can set up a return for your machine. Please confirm with the button below.',
        confidence: 0.9,
        citedChunkIds: [],
        intent: 'refund_request',
        needsHuman: false,
        needsHumanReason: null,
      },
      usage: { promptTokens: 1200, completionTokens: 30 },
    };
  }
  if (wantsReturn) {
    return {
      toolCalls: [
        { name: 'create_return', arguments: { orderNumber: order, lineNumber: 1, reason: 'changed_mind' } },
      ],
      usage: { promptTokens: 900 },
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

/**
 * Parley answers, the customer goes quiet (botIdleResolve fires), the survey goes out as buttons
 * (csatSurvey fires), the customer taps the low score and writes the comment Parley asks for.
 */
async function surveyAnswered(ctx: Ctx) {
  const c = conversation(ctx, ctx.timers, '15550100005');
  await c.say('Hi, what are your opening hours?', 'Eva');
  await c.reply(1);
  await c.interactive(1, 20_000); // the survey's buttons
  await c.quiet();
  await c.tap('csat:1', 'Not good');
  await c.reply(2); // "what could we do better?"
  await c.quiet();
  await c.say('The delivery took two weeks');
  await c.reply(3); // thanks
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * Meta delivers a message a day late: the 24-hour window is already closed, so the answer goes as
 * the re-engagement template; after the resolution the survey is skipped (no survey template).
 */
async function outsideWindowTemplate(ctx: Ctx) {
  const c = conversation(ctx, ctx.timers, '15550100006');
  const dayAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
  await c.say('What are your opening hours?', 'Femi', dayAgo);
  await eventually(
    () => (ctx.sandbox.sent.some((m) => m.waId === c.waId && m.type === 'template') ? true : undefined),
    { what: 're-engagement template' },
  );
  await c.view((v) => v.status === 'resolved' && !v.pendingTimers.some((t) => t.name === 'csatSurvey'));
  await c.quiet();
  return { workflowId: c.id };
}

/** With a model: a return is proposed, confirmed with the button, executed, its label sent as a PDF. */
async function returnWithLabel(ctx: Ctx) {
  const orderId = '900101';
  await insertDeliveredOrder(ctx.db, orderId);
  const c = conversation(ctx, ctx.modelTimers, DEMO_CUSTOMERS.alex.waId, '106540352200075');
  await c.say(`I'd like to return the machine from order ${orderId}`, 'Alex');
  await c.interactive(1);
  await c.quiet();
  await c.tap('act:1:yes', 'Confirm');
  await eventually(
    () => (ctx.sandbox.sent.some((m) => m.waId === c.waId && m.type === 'document') ? true : undefined),
    { what: 'return label document' },
  );
  await c.quiet();
  return { workflowId: c.id };
}

/** With a model: a voice note (transcribed), a photo (OCR + vision), a PDF document, one turn each. */
async function mediaTurns(ctx: Ctx) {
  const c = conversation(ctx, ctx.modelTimers, '15550100007');
  ctx.openai.enqueueTranscription({ text: 'Hello, my coffee machine is leaking.', language: 'en' });
  await c.media('voice-note.ogg', 'audio/ogg; codecs=opus', voiceNoteMessage, 'Gus');
  await c.reply(1, 30_000);
  await c.quiet();
  await c.media('photo.jpg', 'image/jpeg', imageMessage, undefined, 'this is the leak');
  await c.reply(2, 60_000);
  await c.quiet();
  await c.media('invoice.pdf', 'application/pdf', documentMessage, undefined, 'my invoice');
  await c.reply(3, 30_000);
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * A hand-off nobody picks up: the pickup reminder and the on-call page fire; then an agent takes
 * it, the customer writes and the agent-reply reminder fires before the agent answers and resolves.
 */
async function handoffSlaReminders(ctx: Ctx) {
  const c = conversation(ctx, ctx.timers, '15550100008');
  await c.say('I want to speak to a person', 'Hana');
  await c.reply(1);
  await c.view(
    (v) =>
      v.status === 'awaiting_human' &&
      !v.pendingTimers.some((t) => t.name === 'pickupSla' || t.name === 'pickupOnCall'),
  );
  await c.quiet();
  await c.operator('POST', '/api/agents', { id: 'agent-ana', name: 'Ana Agent' });
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/assign`, { agentId: 'agent-ana' });
  await c.say('Hello? Is someone there?');
  await c.view((v) => v.status === 'human' && v.pendingTimers.some((t) => t.name === 'agentReplySla'));
  await c.view((v) => !v.pendingTimers.some((t) => t.name === 'agentReplySla'));
  await c.quiet();
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/reply`, {
    agentId: 'agent-ana',
    text: 'Sorry for the wait, Ana here. How can I help?',
  });
  await c.operator('POST', `/api/conversations/${encodeURIComponent(c.id)}/resolve`, { by: 'agent-ana' });
  await c.interactive(1, 20_000); // the survey
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * With a model: a return is confirmed and made, but WhatsApp refuses its label for good; the
 * customer is told a colleague finishes it and the conversation is handed off (action_failed).
 */
async function confirmedActionFails(ctx: Ctx) {
  const orderId = '900102';
  await insertDeliveredOrder(ctx.db, orderId, DEMO_CUSTOMERS.camille.id);
  const c = conversation(ctx, ctx.modelTimers, DEMO_CUSTOMERS.camille.waId, '106540352200076');
  await c.say(`I want to return order ${orderId}`, 'Camille');
  await c.interactive(1);
  await c.quiet();
  ctx.sandbox.failNext(
    1,
    { httpStatus: 400, code: 100, message: 'Invalid parameter' },
    { target: 'uploads' },
  );
  await c.tap('act:1:yes', 'Confirm');
  await c.view((v) => v.status === 'awaiting_human', 60_000);
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * With a model: a refund above the limit waits for approval; meanwhile the conversation resolves
 * and its close comes round (kept open for the refund); the approval then settles the refund, the
 * customer is told, and the conversation closes.
 */
async function refundSettlesAfterResolve(ctx: Ctx) {
  const orderId = '900103';
  await insertDeliveredOrder(ctx.db, orderId, DEMO_CUSTOMERS.camille.id);
  const refundId = `refund:${orderId}:1:wrong-item`;
  const c = conversation(ctx, ctx.modelTimers, DEMO_CUSTOMERS.camille.waId, '106540352200077');
  await c.say(`Order ${orderId} was the wrong item, please refund 60 euros`, 'Camille');
  await c.interactive(1);
  await c.quiet();
  await c.tap('act:1:yes', 'Confirm');
  await c.view((v) => v.refundsInFlight?.includes(refundId) === true);
  // Resolved for quiet, and the close re-armed at least once because the refund still settles.
  await c.view((v) => v.status === 'resolved', 20_000);
  await c.view((v) => v.pendingTimers.some((t) => t.summary.startsWith('Close once the refunds settle')));
  await c.operator('POST', `/api/refunds/${encodeURIComponent(refundId)}/approve`, { by: 'agent-ana' });
  const outcome: unknown = await c.handle().result();
  console.log(`  refund-settles-after-resolve completed: ${JSON.stringify(outcome)}`);
  return { workflowId: c.id };
}

/**
 * The Graph API answers 5xx for about twenty seconds: the reply's quick attempts run out, the
 * conversation waits on its own backoff timer (the send pending in the state) and delivers it once
 * WhatsApp is back.
 */
async function whatsappOutageRedelivery(ctx: Ctx) {
  const c = conversation(ctx, ctx.timers, '15550100009');
  ctx.sandbox.failNext(100_000, { httpStatus: 503, code: 131000, message: 'Something went wrong' });
  await c.say('What are your opening hours?', 'Iris');
  await c.view((v) => v.pendingSends.length === 1, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  ctx.sandbox.clearFaults();
  await c.reply(1, 60_000);
  await c.quiet();
  return { workflowId: c.id };
}

/**
 * Events that are not questions: a 👍 on Parley's answer, an edit and a deletion of an answered
 * message, a reaction after the resolution (no reopen, the survey stays), then a number change
 * that moves the conversation to the new number and closes this one.
 */
async function customerEvents(ctx: Ctx) {
  const c = conversation(ctx, ctx.timers, '15550100010');
  const first = await c.say('What are your opening hours?', 'Jo');
  const answer = await c.reply(1);
  await c.quiet();
  await c.send(reactionMessage({ id: nextWamid(), messageId: answer.messageId, emoji: '👍' }));
  await c.send(
    editMessage({ id: nextWamid(), originalMessageId: first, body: 'When are you open on Sunday?' }),
  );
  await c.send(revokeMessage({ id: nextWamid(), originalMessageId: first }));
  await c.quiet();
  await c.view((v) => v.status === 'resolved', 20_000);
  await c.interactive(1, 20_000); // the survey
  await c.quiet();
  await c.send(reactionMessage({ id: nextWamid(), messageId: answer.messageId, emoji: '🙏' }));
  await c.quiet();
  await c.send(systemMessage({ id: nextWamid(), body: 'User changed number', newWaId: '15550100011' }));
  const outcome: unknown = await c.handle().result();
  console.log(`  customer-events completed: ${JSON.stringify(outcome)}`);
  return { workflowId: c.id };
}

/**
 * A flood faster than the conversation answers (the model takes 300 ms): the run never reaches an
 * idle point, so past the hard cap it continues as new with the queue in its state. The first
 * run's history is recorded.
 */
async function floodContinuesAsNewBusy(ctx: Ctx) {
  const c = conversation(ctx, ctx.modelSmall, '15550100012');
  modelDelayMs = 300;
  try {
    const firstRunId = await (async () => {
      await c.say('flood 0', 'Kim');
      return (await c.handle().describe()).runId;
    })();
    for (let i = 1; i < 120; i++) {
      await c.say(`flood ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const { runId } = await c.handle().describe();
      if (runId !== firstRunId) break;
    }
    const first = await c.handle(firstRunId).describe();
    if (first.status.name !== 'CONTINUED_AS_NEW') throw new Error('the flood did not continue as new');
    await c.quiet();
    return { workflowId: c.id, runId: firstRunId };
  } finally {
    modelDelayMs = 0;
  }
}

/** A paid order delivered two days ago (inside the return window), for one of the demo customers. */
async function insertDeliveredOrder(db: Db, id: string, customerId = 'CUS-1001') {
  const deliveredAt = new Date(Date.now() - 2 * 86_400_000);
  await db
    .insertInto('shop_orders')
    .values({
      id,
      customer_id: customerId,
      status: 'delivered',
      placed_at: new Date(deliveredAt.getTime() - 3 * 86_400_000),
      total_cents: 12_900,
      currency: 'EUR',
      shipping_country: 'FR',
      carrier: 'DPD',
      tracking_number: `05${id}`,
      tracking_url: null,
      estimated_delivery: null,
      delivered_at: deliveredAt,
      payment_ref: `pi_${id}`,
    })
    .execute();
  await db
    .insertInto('shop_order_lines')
    .values({ order_id: id, line_no: 1, sku: 'PH-C7', quantity: 1, unit_price_cents: 12_900 })
    .execute();
}

// ---- helpers --------------------------------------------------------------------------------------

function conversation(ctx: Ctx, stack: Stack, waId: string, phoneNumberId: string = PHONE_NUMBER_ID) {
  const id = createConversationIds(stack.config.conversationIdSecret).idFor(phoneNumberId, waId);
  const sentOfType = (type: string) =>
    ctx.sandbox.sent.filter((m) => m.phoneNumberId === phoneNumberId && m.waId === waId && m.type === type);
  const texts = () => sentOfType('text');
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
    /** The customer sends a text (written at `timestamp`, Unix seconds); resolves with its wamid. */
    async say(body: string, name?: string, timestamp?: number) {
      const messageId = nextWamid();
      await post(
        textMessageWebhook({
          phoneNumberId: phoneNumberId,
          waId,
          id: messageId,
          body,
          ...(name ? { name } : {}),
          ...(timestamp !== undefined ? { timestamp } : {}),
        }),
      );
      return messageId;
    },
    /** The customer sends a fixture file from test/fixtures/media as a media message. */
    async media(
      file: string,
      mimeType: string,
      build: (o: MediaOptions) => MetaMessage,
      name?: string,
      caption?: string,
    ) {
      const bytes = await readFile(new URL(`../test/fixtures/media/${file}`, import.meta.url));
      const mediaId = ctx.sandbox.addMedia(bytes, mimeType);
      const message = build({
        id: nextWamid(),
        mediaId,
        mimeType,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        ...(caption ? { caption } : {}),
      });
      await post(
        messageWebhook({ ...message, from: waId } as MetaMessage, {
          phoneNumberId: phoneNumberId,
          ...(name ? { name } : {}),
        }),
      );
    },
    /** Waits until the customer has received `count` interactive messages (buttons) in all. */
    async interactive(count: number, timeoutMs = 15_000) {
      const all = () => sentOfType('interactive');
      return eventually(() => (all().length >= count ? all()[count - 1] : undefined), {
        what: `interactive message #${count}`,
        timeoutMs,
      });
    },
    /** Waits until the conversation's state query satisfies `until`. */
    async view(until: (v: ConversationView) => boolean, timeoutMs = 15_000) {
      let last: ConversationView | undefined;
      return eventually(
        async () => {
          last = await handle().query(conversationStateQuery);
          return until(last) ? last : undefined;
        },
        { what: 'conversation state', timeoutMs },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; last state: ${JSON.stringify(last)}`);
      });
    },
    waId,
    /** The customer sends any message (its `from` is set to this customer). */
    async send(message: MetaMessage) {
      await post(messageWebhook({ ...message, from: waId } as MetaMessage, { phoneNumberId }));
    },
    /** The customer taps a reply button. */
    async tap(replyId: string, title: string) {
      await post(
        webhookBody([
          messageChangeValue([buttonReplyMessage({ from: waId, id: nextWamid(), replyId, title })], {
            phoneNumberId: phoneNumberId,
          }),
        ]),
      );
    },
    /** Meta reports a delivery status for one of our messages. */
    async status(messageId: string, status: string) {
      await post(statusWebhook({ phoneNumberId: phoneNumberId, recipientId: waId, messageId, status }));
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
