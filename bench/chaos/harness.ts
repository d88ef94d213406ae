/**
 * The fault and fuzz suite's two runs against a running Parley — a real API, Temporal, Postgres,
 * the sandbox Graph API, the scripted model, and a worker in its own process that can be killed —
 * and the checks that must hold after each. `npm run chaos` (bench/chaos.ts) runs them at full size
 * and prints the figures; test/e2e/chaos.test.ts runs a reduced size in CI and asserts the checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/database.js';
import { eventually } from '../../devstack/eventually.js';
import type { WhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';
import * as hooks from '../../test/fixtures/whatsapp-webhooks.js';
import type { ScriptedOpenAI } from '../../test/servers/scripted-openai.js';
import { rng } from '../../test/support/rng.js';
import type { ConversationIds } from '../../core/conversation-ids.js';
import { conversationStateQuery } from '../../workflows/definitions.js';
import { fuzzDelivery } from './fuzz.js';

export interface ChaosTarget {
  apiUrl: string;
  appSecret: string;
  phoneNumberId: string;
  client: Client;
  db: Db;
  sandbox: WhatsAppSandbox;
  openai: ScriptedOpenAI;
  /** The target's task queue: health counts only its workflows (a shared server runs others too). */
  taskQueue: string;
  /** How the target keys conversation ids (its CONVERSATION_ID_SECRET). */
  ids: ConversationIds;
  /** Starts a worker process (SIGKILLed by `kill`), configured like the rest of the target. */
  spawnWorker(): Promise<WorkerHandle>;
}

export interface WorkerHandle {
  kill(): Promise<void>;
}

/** Posts a raw body signed as Meta signs it; the answer's status (0 when the request failed). */
async function post(target: ChaosTarget, raw: string): Promise<number> {
  try {
    const res = await fetch(`${target.apiUrl}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': hooks.signWebhook(raw, target.appSecret),
      },
      body: raw,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Runs `items` through `fn`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
    }),
  );
}

// ---- what must hold afterwards -------------------------------------------------------------------

export interface WorkflowHealth {
  failed: number;
  /** Running conversations with an activity or a workflow task past 5 attempts. */
  retriedPast5: number;
  /** Running conversations still holding customer messages or sends after the settle time. */
  stuck: number;
}

/** Checks every conversation of `waIds` (and any workflow of the target that failed, of any kind). */
export async function workflowHealth(target: ChaosTarget, waIds: string[]): Promise<WorkflowHealth> {
  let failed = 0;
  for await (const w of target.client.workflow.list({
    query: `TaskQueue = "${target.taskQueue}" AND (ExecutionStatus = "Failed" OR ExecutionStatus = "Terminated" OR ExecutionStatus = "TimedOut")`,
  })) {
    void w;
    failed += 1;
  }
  let retriedPast5 = 0;
  let stuck = 0;
  await pool(waIds, 16, async (waId) => {
    const handle = target.client.workflow.getHandle(target.ids.idFor(target.phoneNumberId, waId));
    const d = await handle.describe().catch(() => undefined);
    if (!d || d.status.name !== 'RUNNING') return;
    const attempts = [
      ...(d.raw.pendingActivities ?? []).map((a) => a.attempt ?? 1),
      d.raw.pendingWorkflowTask?.attempt ?? 1,
    ];
    if (Math.max(...attempts) > 5) retriedPast5 += 1;
    // A running conversation that cannot answer its query (a failing workflow task) is stuck too.
    const view = await handle.query(conversationStateQuery).catch(() => undefined);
    if (!view || view.queuedMessages > 0 || view.pendingSends.length > 0) stuck += 1;
  });
  return { failed, retriedPast5, stuck };
}

/** Waits until no conversation of `waIds` has queued messages, sends or activities pending. */
async function settle(target: ChaosTarget, waIds: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  await eventually(
    async () => {
      let busy = 0;
      await pool(waIds, 16, async (waId) => {
        const handle = target.client.workflow.getHandle(target.ids.idFor(target.phoneNumberId, waId));
        const d = await handle.describe().catch(() => undefined);
        if (!d || d.status.name !== 'RUNNING') return;
        if ((d.raw.pendingActivities?.length ?? 0) > 0 || d.raw.pendingWorkflowTask) busy += 1;
        else {
          const view = await handle.query(conversationStateQuery).catch(() => undefined);
          if (view && (view.queuedMessages > 0 || view.pendingSends.length > 0)) busy += 1;
        }
      });
      return busy === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 2_000, what: 'conversations to settle' },
  ).catch(() => undefined);
  return Date.now() - started;
}

async function apiHealthy(target: ChaosTarget): Promise<boolean> {
  const [live, ready] = await Promise.all(
    ['/healthz', '/readyz'].map((p) =>
      fetch(`${target.apiUrl}${p}`).then(
        (r) => r.status,
        () => 0,
      ),
    ),
  );
  return live === 200 && ready === 200;
}

// ---- fuzz ---------------------------------------------------------------------------------------

export interface FuzzReport {
  deliveries: number;
  statuses: Record<string, number>;
  responses5xx: number;
  deadLetters: number;
  apiHealthy: boolean;
  health: WorkflowHealth;
  seconds: number;
}

/** `deliveries` fuzzed, signed deliveries from a pool of customers; then the checks. */
export async function runFuzz(
  target: ChaosTarget,
  o: { deliveries: number; seed: number; customers?: number; settleMs?: number },
): Promise<FuzzReport> {
  const started = Date.now();
  const random = rng(o.seed);
  const waIds = Array.from(
    { length: o.customers ?? 300 },
    (_, i) => `3390${String(o.seed % 1000).padStart(3, '0')}${String(i).padStart(4, '0')}`,
  );
  let n = 0;
  const id = () => `wamid.FUZZ${o.seed}x${(n++).toString(36)}`;
  const bodies = Array.from({ length: o.deliveries }, () =>
    fuzzDelivery(random, target.phoneNumberId, waIds[Math.floor(random() * waIds.length)]!, id),
  );
  const statuses: Record<string, number> = {};
  await pool(bodies, 16, async (raw) => {
    const status = await post(target, raw);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  await settle(target, waIds, o.settleMs ?? 180_000);
  const deadLetters = Number(
    (
      await target.db
        .selectFrom('dead_letters')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    deliveries: o.deliveries,
    statuses,
    responses5xx: Object.entries(statuses)
      .filter(([s]) => Number(s) >= 500 || Number(s) === 0)
      .reduce((sum, [, count]) => sum + count, 0),
    deadLetters,
    apiHealthy: await apiHealthy(target),
    health: await workflowHealth(target, waIds),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

// ---- chaos --------------------------------------------------------------------------------------

export interface ChaosReport {
  messages: number;
  conversations: number;
  deliveries: number;
  duplicatesDelivered: number;
  outOfOrder: number;
  poison: number;
  /** Poison of a broken shape: each must be kept as a dead letter. */
  brokenShapes: number;
  poisonKeptAsDeadLetters: number;
  workerKills: number;
  responses5xx: number;
  missingFromLog: number;
  duplicateReplies: number;
  conversationsAnswered: number;
  conversationsHandedOff: number;
  conversationsUnanswered: number;
  health: WorkflowHealth;
  trafficSeconds: number;
  /** From the last delivery to the last customer answered. */
  lastAnsweredAfterTrafficSeconds: number;
  seconds: number;
}

const QUESTIONS = [
  'What are your opening hours?',
  'How long do I have to return a kettle?',
  'Do you ship to Belgium?',
  'Hello!',
  'Where is my order 1042?',
  'How much is shipping to the Netherlands?',
  'Can I pay with PayPal?',
  'Thanks, that helps',
  'I want to speak to a person',
];

interface PlannedMessage {
  waId: string;
  id: string;
  raw: string;
  poison: boolean;
  /** Structurally broken: must end up a dead letter, not in the log. */
  deadLetter: boolean;
}

/**
 * `messages` customer messages over `conversations` conversations — 30 % delivered twice, 10 % out
 * of order, 5 % poison — while the worker is SIGKILLed and restarted every `killEveryMs`, the Graph
 * API fails 20 % of calls (5xx/429) and answers 10 % five seconds late, and the model fails 20 %
 * (5xx, timeouts, invalid JSON). Then the checks.
 */
export async function runChaos(
  target: ChaosTarget,
  o: {
    messages: number;
    conversations: number;
    seed: number;
    killEveryMs: number;
    /** Deliveries per second (the pace of Meta's traffic). */
    rate: number;
    modelTimeoutMs: number;
    settleMs?: number;
    progress?: (line: string) => void;
  },
): Promise<ChaosReport> {
  const started = Date.now();
  const progress = o.progress ?? (() => {});
  const random = rng(o.seed);
  const waIds = Array.from(
    { length: o.conversations },
    (_, i) => `3391${String(o.seed % 1000).padStart(3, '0')}${String(i).padStart(4, '0')}`,
  );
  const plan = planMessages(random, target.phoneNumberId, waIds, o.messages, o.seed);
  const deliveries = scheduleDeliveries(random, plan);

  // Trouble everywhere: the Graph API, the model, the worker.
  target.sandbox.chaos({ failRate: 0.2, slowRate: 0.1, slowMs: 5_000, random: rng(o.seed + 1) });
  const modelRandom = rng(o.seed + 2);
  const sent = target.sandbox.sent.length;
  target.openai.onChat(async (req) => {
    const r = modelRandom();
    if (r < 0.07) return { error: { status: 503, message: 'overloaded' } };
    if (r < 0.14) {
      await new Promise((resolve) => setTimeout(resolve, o.modelTimeoutMs + 1_000));
      return { content: 'too late' };
    }
    if (r < 0.2) return { content: 'Sure! {not json' };
    return scripted(req);
  });
  let worker = await target.spawnWorker();
  let kills = 0;
  let killing = true;
  const killer = (async () => {
    while (killing) {
      await new Promise((resolve) => setTimeout(resolve, o.killEveryMs));
      if (!killing) break;
      await worker.kill();
      kills += 1;
      worker = await target.spawnWorker();
    }
  })();

  // Meta's traffic, at its pace.
  const trafficStart = Date.now();
  const statuses: Record<string, number> = {};
  await pool(deliveries, 8, async (d, i) => {
    const due = trafficStart + (i * 1000) / o.rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    let status = await post(target, d.raw);
    // Meta retries what was not answered 200 (not JSON aside): so do we, as Meta would.
    for (let retry = 0; status !== 200 && status !== 400 && retry < 20; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await post(target, d.raw);
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (i % 500 === 0) progress(`chaos: ${i}/${deliveries.length} deliveries, ${kills} worker kills`);
  });
  const trafficEnd = Date.now();

  // Calm: no more kills or faults; everything still owed must now be delivered.
  killing = false;
  await killer;
  target.sandbox.clearFaults();
  target.openai.onChat(scripted);
  progress('chaos: traffic done, waiting for the conversations to settle');
  await settle(target, waIds, o.settleMs ?? 600_000);

  // The checks.
  const expected = plan.filter((m) => !m.deadLetter).map((m) => m.id);
  const logged = new Set(
    (
      await target.db
        .selectFrom('messages')
        .select('wa_message_id')
        .where('direction', '=', 'inbound')
        .where('wa_message_id', 'in', expected.length ? expected : ['none'])
        .execute()
    ).map((r) => r.wa_message_id),
  );
  const keptAsDeadLetters = (
    await Promise.all(
      plan
        .filter((m) => m.deadLetter)
        .map(async (m) =>
          (await target.db
            .selectFrom('dead_letters')
            .select('id')
            .where('raw', 'like', `%${m.id}%`)
            .executeTakeFirst())
            ? 1
            : 0,
        ),
    )
  ).reduce<number>((a, b) => a + b, 0);
  const replies = target.sandbox.sent.slice(sent);
  const perKey = new Map<string, number>();
  for (const m of replies) {
    const key = m.payload.biz_opaque_callback_data;
    if (typeof key === 'string') perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }
  const answered = new Set(replies.map((m) => m.waId));
  const projection = await target.db
    .selectFrom('conversations')
    .select(['wa_id', 'status'])
    .where('wa_id', 'in', waIds)
    .execute();
  const handedOff = new Set(
    projection.filter((r) => r.status === 'awaiting_human' || r.status === 'human').map((r) => r.wa_id),
  );
  const lastReplyAt = Math.max(trafficEnd, ...replies.map((m) => m.timestampMs));
  return {
    messages: plan.length,
    conversations: waIds.length,
    deliveries: deliveries.length,
    duplicatesDelivered: deliveries.length - plan.length,
    outOfOrder: deliveries.filter((d) => d.outOfOrder).length,
    poison: plan.filter((m) => m.poison).length,
    brokenShapes: plan.filter((m) => m.deadLetter).length,
    poisonKeptAsDeadLetters: keptAsDeadLetters,
    workerKills: kills,
    responses5xx: Object.entries(statuses)
      .filter(([s]) => Number(s) >= 500 || Number(s) === 0)
      .reduce((sum, [, count]) => sum + count, 0),
    missingFromLog: expected.filter((id) => !logged.has(id)).length,
    duplicateReplies: [...perKey.values()].filter((count) => count > 1).length,
    conversationsAnswered: waIds.filter((w) => answered.has(w)).length,
    conversationsHandedOff: waIds.filter((w) => !answered.has(w) && handedOff.has(w)).length,
    conversationsUnanswered: waIds.filter((w) => !answered.has(w) && !handedOff.has(w)).length,
    health: await workflowHealth(target, waIds),
    trafficSeconds: Math.round((trafficEnd - trafficStart) / 1000),
    lastAnsweredAfterTrafficSeconds: Math.round((lastReplyAt - trafficEnd) / 1000),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** The customers' messages: mostly questions, 5 % poison (NUL and the like, or a broken shape). */
function planMessages(
  random: () => number,
  phoneNumberId: string,
  waIds: string[],
  count: number,
  seed: number,
): PlannedMessage[] {
  const plan: PlannedMessage[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const waId = waIds[i % waIds.length]!;
    const id = `wamid.CHAOS${seed}x${i.toString(36)}`;
    const question = QUESTIONS[Math.floor(random() * QUESTIONS.length)]!;
    const poison = random() < 0.05;
    const body = hooks.textMessageWebhook({
      phoneNumberId,
      waId,
      id,
      timestamp: now + Math.floor(i / waIds.length),
      body: poison ? `${question}\u0000\uD800\u0007` : question,
    }) as any;
    // Half the poison is a broken shape (no text.body): a dead letter, to replay after a fix.
    const deadLetter = poison && random() < 0.5;
    if (deadLetter) delete body.entry[0].changes[0].value.messages[0].text.body;
    plan.push({ waId, id, raw: JSON.stringify(body), poison, deadLetter });
  }
  return plan;
}

/** Deliveries in the customers' order, but 10 % swapped with the next and 30 % repeated later. */
function scheduleDeliveries(random: () => number, plan: PlannedMessage[]) {
  const deliveries: { raw: string; outOfOrder: boolean }[] = plan.map((m) => ({
    raw: m.raw,
    outOfOrder: false,
  }));
  for (let i = 0; i + 1 < deliveries.length; i++) {
    if (random() < 0.1) {
      [deliveries[i], deliveries[i + 1]] = [deliveries[i + 1]!, deliveries[i]!];
      deliveries[i]!.outOfOrder = true;
      i++;
    }
  }
  for (const m of plan) {
    if (random() < 0.3) {
      const at = Math.floor(random() * (deliveries.length + 1));
      deliveries.splice(at, 0, { raw: m.raw, outOfOrder: false });
    }
  }
  return deliveries;
}

/** The model when it works: understands plainly and answers from the passage it was given. */
function scripted(req: { responseFormat?: { name?: string; schema?: unknown }; userText: string }) {
  if (req.responseFormat?.name === 'agent_answer') {
    const passage = /<passage id="([^"]+)"/.exec(req.userText)?.[1];
    return {
      json: {
        reply: passage ? 'Here is what our help pages say about that.' : 'Let me check that for you.',
        confidence: passage ? 0.9 : 0.4,
        citedChunkIds: passage ? [passage] : [],
        intent: 'other',
        needsHuman: false,
        needsHumanReason: null,
      },
    };
  }
  return {
    json: {
      language: 'en',
      languageConfidence: 0.9,
      sentiment: { score: 0, label: 'neutral' },
      intent: 'other',
      intentConfidence: 0.7,
      urgency: 'normal',
      entities: { orderNumbers: [], emails: [], products: [], dates: [] },
      regulatedTopic: null,
      crisis: false,
      wantsHuman: /person/i.test(req.userText),
    },
  };
}

// A run that fails half-way must not leave worker processes polling behind it.
const liveWorkers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveWorkers) child.kill('SIGKILL');
});

/** A worker in its own Node process (bench/worker-process.ts), killed with SIGKILL. */
export async function spawnWorkerProcess(
  env: Record<string, string>,
  client: Client,
  taskQueue: string,
): Promise<WorkerHandle> {
  const entry = fileURLToPath(new URL('../worker-process.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, LOG_LEVEL: 'error' },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  liveWorkers.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      liveWorkers.delete(child);
      resolve();
    }),
  );
  // Polling means ready: the workflow bundle is prebuilt, so this takes a second or two.
  await eventually(
    async () => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
      });
      return pollers.some((p) => p.identity?.startsWith(`${child.pid}@`)) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'the worker process to poll' },
  );
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
