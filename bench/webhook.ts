/**
 * `npm run bench webhook`: signed WhatsApp webhooks over real HTTP at the API on the real local stack
 * (Temporal dev server, PostgreSQL, sandbox Graph API, worker and API in this process).
 *
 * 1. warm-up at the open-loop rate (not counted), on customers of its own;
 * 2. open loop: a fixed rate (default 100 req/s for 30 s), each request one distinct text message from
 *    one of N customers (default 200), whatever the responses do: acknowledgement latency, errors;
 * 3. closed loop: C concurrent senders (default 16) as fast as the API answers, for a few seconds;
 * 4. optionally (`--direct`) the same open loop straight at Temporal with the API's own gateway
 *    (signalWithStart, no HTTP), to split API overhead from Temporal's;
 * 5. drain: how long until the worker has recorded every message and answered every conversation.
 */
import { createConversationIds } from '../core/conversation-ids.js';
import { randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createTemporalConversationGateway } from '../api/conversation-gateway.js';
import { parseWebhook } from '../api/webhooks/whatsapp/normalize.js';
import { createDb } from '../db/database.js';
import { signWebhook, textMessageWebhook } from '../test/fixtures/whatsapp-webhooks.js';
import type { InboundMessage } from '../workflows/definitions.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { coresBetween, sampleCpu } from './process-cpu.js';
import { latencyRows, ms, perSecond, printTable, summarize, type Row } from './stats.js';

const TARGET = { p99Ms: 50, rate: 100 };
const TARGET_TEXT = `Target: p99 ≤ ${TARGET.p99Ms} ms at ${TARGET.rate} requests/s, zero errors`;
const REQUEST_TIMEOUT_MS = 10_000;

interface Options {
  rate: number;
  seconds: number;
  customers: number;
  warmupSeconds: number;
  concurrency: number;
  closedSeconds: number;
  drainSeconds: number;
  /**
   * `in-process` (default, as `npm run dev`), `process` (a child process, as deployed), or `after`
   * (started only after the load phases: the API alone with Temporal on the CPU).
   */
  worker: 'in-process' | 'process' | 'after';
  /** With `--worker process`: the worker's nice value. */
  workerNice: number;
  /** Also run the open loop straight at Temporal through the API's gateway (no HTTP). */
  direct: boolean;
  /** Exit 1 when the target is missed. */
  strict: boolean;
}

const USAGE = `npm run bench webhook [-- options]

  --rate N            open-loop requests per second (BENCH_RATE, default 100)
  --seconds N         open-loop duration (BENCH_SECONDS, default 30)
  --customers N       distinct customers = conversations (BENCH_CUSTOMERS, default 200)
  --warmup N          warm-up seconds, not counted (BENCH_WARMUP_SECONDS, default 3)
  --concurrency N     closed-loop senders, 0 skips the phase (BENCH_CONCURRENCY, default 16)
  --closed-seconds N  closed-loop duration (BENCH_CLOSED_SECONDS, default 10)
  --drain-seconds N   how long to wait for the worker to catch up (BENCH_DRAIN_SECONDS, default 120)
  --worker MODE       in-process (default, as npm run dev), process (own process, as deployed),
                      after (started after the load: API and Temporal alone during it)
  --worker-nice N     with --worker process: run the worker under nice N (BENCH_WORKER_NICE, default 0)
  --direct            also drive the open loop straight at Temporal (signalWithStart, no HTTP)
  --strict            exit 1 when the target is missed
Environment: TEMPORAL_ADDRESS / DATABASE_URL use an existing Temporal / PostgreSQL; LOG_LEVEL (default warn).`;

const WORKER_PLACEMENT = { 'in-process': 'in-process', process: 'child-process', after: 'deferred' } as const;

// ---- entry point ----------------------------------------------------------------------------------

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const commandLine = ['npm run bench webhook', ...(args.length ? ['--', ...args] : [])].join(' ');
  console.log(`${commandLine}\nStarting the local stack…`);
  const startedAt = performance.now();
  const stack = await startLocalStack({
    worker: WORKER_PLACEMENT[options.worker],
    workerNice: options.workerNice,
    progress: (line) => console.log(`  ${line}`),
  });
  try {
    console.log(`  stack up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const report = await benchmark(stack, options);
    printReport(commandLine, options, stack, report);
    return options.strict && !report.targetMet ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

// ---- options --------------------------------------------------------------------------------------

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      rate: { type: 'string' },
      seconds: { type: 'string' },
      customers: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      'closed-seconds': { type: 'string' },
      'drain-seconds': { type: 'string' },
      worker: { type: 'string' },
      'worker-nice': { type: 'string' },
      direct: { type: 'boolean' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const env = process.env;
  // Bounded so that a typo cannot turn the benchmark into an endless or runaway load.
  const number = (flag: string, value: string | undefined, fallback: number, min: number, max: number) => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`--${flag} must be a number from ${min} to ${max} (got ${value})`);
    }
    return n;
  };
  return {
    rate: number('rate', values.rate ?? env.BENCH_RATE, 100, 1, 2_000),
    seconds: number('seconds', values.seconds ?? env.BENCH_SECONDS, 30, 1, 600),
    customers: Math.round(number('customers', values.customers ?? env.BENCH_CUSTOMERS, 200, 1, 100_000)),
    warmupSeconds: number('warmup', values.warmup ?? env.BENCH_WARMUP_SECONDS, 3, 0, 60),
    concurrency: Math.round(number('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 16, 0, 256)),
    closedSeconds: number('closed-seconds', values['closed-seconds'] ?? env.BENCH_CLOSED_SECONDS, 10, 1, 120),
    drainSeconds: number('drain-seconds', values['drain-seconds'] ?? env.BENCH_DRAIN_SECONDS, 120, 0, 1_800),
    worker: workerMode(values.worker ?? env.BENCH_WORKER),
    workerNice: Math.round(number('worker-nice', values['worker-nice'] ?? env.BENCH_WORKER_NICE, 0, 0, 19)),
    direct: values.direct ?? false,
    strict: values.strict ?? false,
  };
}

function workerMode(value: string | undefined): Options['worker'] {
  if (value === undefined || value === '') return 'in-process';
  if (value === 'in-process' || value === 'process' || value === 'after') return value;
  throw new UsageError(`--worker must be in-process, process or after (got ${value})`);
}

export class UsageError extends Error {
  override name = 'UsageError';
}

// ---- traffic --------------------------------------------------------------------------------------

/** One prepared webhook: a text message from one customer, its raw body and signature. */
interface PreparedWebhook {
  customer: string;
  messageId: string;
  raw: Buffer;
  signature: string;
}

/**
 * Makes distinct, signed text-message webhooks. Customer numbers carry a random run tag so that a
 * shared Temporal (TEMPORAL_ADDRESS) never routes them to a conversation from an earlier run.
 */
function webhookFactory(stack: LocalStack) {
  const runTag = String(randomInt(10_000)).padStart(4, '0');
  const customerPrefix = `49${runTag}`;
  let sequence = 0;
  return {
    customerPrefix,
    customer: (index: number) => `${customerPrefix}${String(index).padStart(6, '0')}`,
    make(customer: string): PreparedWebhook {
      sequence += 1;
      const messageId = `wamid.bench-${runTag}-${String(sequence).padStart(7, '0')}`;
      const body = textMessageWebhook({
        phoneNumberId: stack.phoneNumberId,
        waId: customer,
        id: messageId,
        body: `Benchmark message ${sequence}: where is my order?`,
        name: 'Bench Customer',
        timestamp: Math.floor(Date.now() / 1000),
      });
      const raw = JSON.stringify(body);
      return { customer, messageId, raw: Buffer.from(raw), signature: signWebhook(raw, stack.appSecret) };
    },
  };
}

interface Outcome {
  /** 200 from the API. */
  ok: boolean;
  /** HTTP status, 0 when the request failed before one arrived. */
  status: number;
  latencyMs: number;
  error?: string;
}

type Sender = (webhook: PreparedWebhook) => Promise<Outcome>;

/** POSTs over one keep-alive agent; latency from the request being written to the response's end. */
function httpSender(apiUrl: string, agent: Agent): Sender {
  const url = new URL('/webhooks/whatsapp', apiUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing to load anything but 127.0.0.1 (${apiUrl})`);
  return (webhook) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      let settled = false;
      const settle = (outcome: Omit<Outcome, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...outcome, latencyMs: performance.now() - t0 });
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': webhook.raw.length,
            'x-hub-signature-256': webhook.signature,
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => settle({ ok: res.statusCode === 200, status: res.statusCode ?? 0 }));
          res.once('error', (err) => settle({ ok: false, status: res.statusCode ?? 0, error: err.message }));
        },
      );
      req.once('timeout', () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
      req.once('error', (err) => settle({ ok: false, status: 0, error: err.message }));
      req.end(webhook.raw);
    });
}

/** The same messages handed straight to Temporal through the API's own gateway: no HTTP, no Hono. */
function directSender(stack: LocalStack): Sender {
  const gateway = createTemporalConversationGateway({
    client: stack.client,
    taskQueue: stack.config.temporal.taskQueue,
    ids: createConversationIds(stack.config.conversationIdSecret),
  });
  return async (webhook) => {
    const parsed = parseWebhook(JSON.parse(webhook.raw.toString('utf8')));
    if (parsed.deadLetters.length)
      throw new Error(`bench webhook does not parse: ${parsed.deadLetters[0]!.reason}`);
    const messages: InboundMessage[] = parsed.messages;
    const t0 = performance.now();
    try {
      await gateway.deliverMessages(messages);
      return { ok: true, status: 200, latencyMs: performance.now() - t0 };
    } catch (err) {
      return { ok: false, status: 0, latencyMs: performance.now() - t0, error: (err as Error).message };
    }
  };
}

// ---- phases ---------------------------------------------------------------------------------------

interface PhaseResult {
  name: string;
  sent: number;
  ok: number;
  /** Latencies of the 200 responses. */
  latencies: number[];
  /** Non-200 responses by status, and failures without a response by message. */
  statuses: Map<number, number>;
  errors: Map<string, number>;
  /** From the first send to the last response. */
  elapsedMs: number;
  /** Open loop only: how late each send left compared with its schedule. */
  sendLagMs: number[];
  /** Requests still unanswered when the phase gave up waiting. */
  unanswered: number;
  eventLoopDelay: { p99: number; max: number };
  /** CPU used, in cores, by group: this process (API + worker + load), Temporal server, PostgreSQL. */
  cores: Map<string, number>;
  /** Whole machine busy share, 0..1 of all cores (includes Temporal and PostgreSQL). */
  machineBusy: number;
  accepted: PreparedWebhook[];
}

function newResult(name: string): PhaseResult {
  return {
    name,
    sent: 0,
    ok: 0,
    latencies: [],
    statuses: new Map(),
    errors: new Map(),
    elapsedMs: 0,
    sendLagMs: [],
    unanswered: 0,
    eventLoopDelay: { p99: Number.NaN, max: Number.NaN },
    cores: new Map(),
    machineBusy: Number.NaN,
    accepted: [],
  };
}

function record(result: PhaseResult, webhook: PreparedWebhook, outcome: Outcome) {
  if (outcome.ok) {
    result.ok += 1;
    result.latencies.push(outcome.latencyMs);
    result.accepted.push(webhook);
  } else if (outcome.status) {
    result.statuses.set(outcome.status, (result.statuses.get(outcome.status) ?? 0) + 1);
  } else {
    const key = outcome.error ?? 'unknown error';
    result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
  }
}

/** Samples event-loop delay and CPU use around a phase. */
function measureResources(result: PhaseResult) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = sampleCpu();
  const machine0 = machineTimes();
  const wall0 = performance.now();
  return () => {
    loop.disable();
    const wallMs = performance.now() - wall0;
    result.cores = coresBetween(cpu0, sampleCpu(), wallMs);
    const machine1 = machineTimes();
    result.eventLoopDelay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    const total = machine1.total - machine0.total;
    result.machineBusy = total > 0 ? 1 - (machine1.idle - machine0.idle) / total : Number.NaN;
  };
}

function machineTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.idle + cpu.times.irq;
  }
  return { idle, total };
}

const sleep = (msec: number) => new Promise<void>((resolve) => setTimeout(resolve, msec));

/**
 * Open loop: request i leaves at start + i/rate whatever happened to the earlier ones, so a slow
 * response cannot slow the offered load down (no coordinated omission). Bounded: rate × seconds
 * requests, then at most REQUEST_TIMEOUT_MS for the stragglers.
 */
async function openLoop(
  name: string,
  send: Sender,
  webhooks: PreparedWebhook[],
  rate: number,
): Promise<PhaseResult> {
  const result = newResult(name);
  const done = measureResources(result);
  const interval = 1000 / rate;
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  let lastEnd = start;
  for (let i = 0; i < webhooks.length; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    result.sendLagMs.push(Math.max(0, performance.now() - due));
    const webhook = webhooks[i]!;
    result.sent += 1;
    const p: Promise<void> = send(webhook).then((outcome) => {
      record(result, webhook, outcome);
      lastEnd = performance.now();
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.race([Promise.all(inflight), sleep(REQUEST_TIMEOUT_MS + 1_000)]);
  result.unanswered = inflight.size;
  result.elapsedMs = lastEnd - start;
  done();
  return result;
}

/** Closed loop: `concurrency` senders, each sending its next message as soon as the previous is answered. */
async function closedLoop(
  name: string,
  send: Sender,
  next: () => PreparedWebhook,
  concurrency: number,
  seconds: number,
): Promise<PhaseResult> {
  const result = newResult(name);
  const done = measureResources(result);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let lastEnd = start;
  const sender = async () => {
    while (performance.now() < deadline) {
      const webhook = next();
      result.sent += 1;
      record(result, webhook, await send(webhook));
      lastEnd = performance.now();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  result.elapsedMs = lastEnd - start;
  done();
  return result;
}

// ---- drain ----------------------------------------------------------------------------------------

interface DrainResult {
  conversations: number;
  messages: number;
  /** Seconds after the load until every accepted message was in the message log; undefined if never. */
  recordedAfterS: number | undefined;
  /** Seconds until every conversation's last message had its reply logged; undefined if never. */
  answeredAfterS: number | undefined;
  /** Seconds until the sandbox had received at least one reply per conversation. */
  sandboxCoveredAfterS: number | undefined;
  sandboxSent: number;
  recorded: number;
  answered: number;
  /** Temporal history events per accepted message, over a sample of conversations (current runs). */
  eventsPerMessage: number | undefined;
}

/**
 * Waits (bounded) for the worker to catch up. The workflow answers once per batch it picks up, with
 * idempotency key `reply:<last message id of the batch>`, so a conversation is fully answered when
 * the reply to the last message it was sent is in the message log.
 */
async function drain(stack: LocalStack, accepted: PreparedWebhook[], timeoutS: number): Promise<DrainResult> {
  const lastByCustomer = new Map<string, string>();
  for (const w of accepted) lastByCustomer.set(w.customer, w.messageId);
  const ids = createConversationIds(stack.config.conversationIdSecret);
  const conversationIds = [...lastByCustomer.keys()].map((c) => ids.idFor(stack.phoneNumberId, c));
  const replyKeys = [...lastByCustomer.values()].map((id) => `reply:${id}`);
  const result: DrainResult = {
    conversations: lastByCustomer.size,
    messages: accepted.length,
    recordedAfterS: undefined,
    answeredAfterS: undefined,
    sandboxCoveredAfterS: undefined,
    sandboxSent: 0,
    recorded: 0,
    answered: 0,
    eventsPerMessage: undefined,
  };
  if (accepted.length === 0) return result;
  const db = createDb(stack.databaseUrl, { maxConnections: 2 });
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  try {
    while (elapsed() <= timeoutS) {
      const [recorded, answered] = await Promise.all([
        countIn(db, 'inbound', 'conversation_id', conversationIds),
        countIn(db, 'outbound', 'idempotency_key', replyKeys),
      ]);
      const repliedTo = new Set(stack.sandbox.sent.map((m) => m.waId));
      const covered = [...lastByCustomer.keys()].filter((c) => repliedTo.has(c)).length;
      result.recorded = recorded;
      result.answered = answered;
      result.sandboxSent = stack.sandbox.sent.length;
      if (recorded >= accepted.length) result.recordedAfterS ??= elapsed();
      if (answered >= replyKeys.length) result.answeredAfterS ??= elapsed();
      if (covered >= lastByCustomer.size) result.sandboxCoveredAfterS ??= elapsed();
      if (result.recordedAfterS !== undefined && result.answeredAfterS !== undefined) break;
      await sleep(250);
    }
  } finally {
    await db.destroy();
  }
  result.eventsPerMessage = await historyEventsPerMessage(stack, accepted);
  return result;
}

/**
 * How much Temporal work one message costs: history events per message over up to 20 conversations
 * (the current run of each; a conversation that continued-as-new counts only its latest run).
 */
async function historyEventsPerMessage(stack: LocalStack, accepted: PreparedWebhook[]) {
  const perCustomer = new Map<string, number>();
  for (const w of accepted) perCustomer.set(w.customer, (perCustomer.get(w.customer) ?? 0) + 1);
  const sample = [...perCustomer].slice(0, 20);
  let events = 0;
  let messages = 0;
  const ids = createConversationIds(stack.config.conversationIdSecret);
  for (const [customer, count] of sample) {
    try {
      const handle = stack.client.workflow.getHandle(ids.idFor(stack.phoneNumberId, customer));
      events += (await handle.describe()).historyLength;
      messages += count;
    } catch {
      // A conversation that cannot be described is left out of the sample.
    }
  }
  return messages ? events / messages : undefined;
}

/** Messages of `direction` whose `column` is in `values` (in chunks, to keep the statements small). */
async function countIn(
  db: ReturnType<typeof createDb>,
  direction: 'inbound' | 'outbound',
  column: 'conversation_id' | 'idempotency_key',
  values: string[],
): Promise<number> {
  let total = 0;
  for (let i = 0; i < values.length; i += 1_000) {
    const row = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('direction', '=', direction)
      .where(column, 'in', values.slice(i, i + 1_000))
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}

// ---- the benchmark --------------------------------------------------------------------------------

interface Report {
  warmup: PhaseResult | undefined;
  open: PhaseResult;
  closed: PhaseResult | undefined;
  direct: PhaseResult | undefined;
  drain: DrainResult;
  workerStartedAfterLoadS: number | undefined;
  targetMet: boolean;
}

async function benchmark(stack: LocalStack, o: Options): Promise<Report> {
  await waitUntilReady(stack.apiUrl);
  const factory = webhookFactory(stack);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const send = httpSender(stack.apiUrl, agent);
  // Customer ranges: 0..N-1 for the measured phases; warm-up and --direct get ranges of their own so
  // that each starts its own workflows, as the measured open loop does.
  const WARMUP_BASE = 500_000;
  const DIRECT_BASE = 700_000;
  const batch = (count: number, base: number, customers: number) =>
    Array.from({ length: count }, (_, i) => factory.make(factory.customer(base + (i % customers))));

  try {
    let warmup: PhaseResult | undefined;
    if (o.warmupSeconds > 0) {
      const count = Math.max(1, Math.round(o.rate * o.warmupSeconds));
      console.log(`Warm-up: ${count} requests at ${o.rate}/s (not counted)…`);
      warmup = await openLoop('warm-up', send, batch(count, WARMUP_BASE, o.customers), o.rate);
    }

    const total = Math.max(1, Math.round(o.rate * o.seconds));
    console.log(
      `Open loop: ${total} requests at ${o.rate}/s over ${o.seconds} s from ${o.customers} customers…`,
    );
    const open = await openLoop('open loop', send, batch(total, 0, o.customers), o.rate);

    let closed: PhaseResult | undefined;
    if (o.concurrency > 0) {
      console.log(`Closed loop: ${o.concurrency} concurrent senders for ${o.closedSeconds} s…`);
      let n = 0;
      const next = () => factory.make(factory.customer(n++ % o.customers));
      closed = await closedLoop('closed loop', send, next, o.concurrency, o.closedSeconds);
    }

    let direct: PhaseResult | undefined;
    if (o.direct) {
      console.log(`Direct: ${total} signalWithStart at ${o.rate}/s through the gateway, no HTTP…`);
      direct = await openLoop(
        'direct (gateway, no HTTP)',
        directSender(stack),
        batch(total, DIRECT_BASE, o.customers),
        o.rate,
      );
    }

    let workerStartedAfterLoadS: number | undefined;
    const loadEnd = performance.now();
    if (!stack.worker) {
      console.log('Starting the worker…');
      await stack.startWorker();
      workerStartedAfterLoadS = (performance.now() - loadEnd) / 1000;
    }
    const accepted = [warmup, open, closed, direct].flatMap((r) => r?.accepted ?? []);
    console.log(`Draining: waiting up to ${o.drainSeconds} s for the worker to answer every conversation…`);
    const drained = await drain(stack, accepted, o.drainSeconds);

    const openP99 = summarize(open.latencies).p99;
    const targetMet =
      open.ok === open.sent && open.unanswered === 0 && openP99 <= TARGET.p99Ms && o.rate >= TARGET.rate;
    return { warmup, open, closed, direct, drain: drained, workerStartedAfterLoadS, targetMet };
  } finally {
    agent.destroy();
  }
}

async function waitUntilReady(apiUrl: string) {
  const deadline = Date.now() + 30_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/readyz', apiUrl));
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`API not ready after 30 s: ${last}`);
}

// ---- report ---------------------------------------------------------------------------------------

const CPU_NOTES: Record<string, string> = {
  'bench process': 'API + load generator (+ worker when in-process)',
  'worker process': 'the worker in its own process',
};

function phaseRows(r: PhaseResult, offeredRate?: number): Row[] {
  const ours = [...r.cores.values()].reduce((a, b) => a + b, 0);
  // Anything else on the machine (another build, test run…) competes for the same cores.
  const others = Math.max(0, r.machineBusy * cpus().length - ours);
  const failures = [...r.statuses.values(), ...r.errors.values()].reduce((a, b) => a + b, 0) + r.unanswered;
  const rows: Row[] = [
    ['requests', r.sent],
    ['errors (non-200 + failed)', failures, failureDetail(r)],
    [
      'achieved throughput',
      perSecond(r.ok / (r.elapsedMs / 1000)),
      offeredRate ? `offered ${offeredRate}/s` : '',
    ],
    ...latencyRows(summarize(r.latencies)),
  ];
  if (r.sendLagMs.length) {
    const lag = summarize(r.sendLagMs);
    rows.push(['send lag p99 / max', `${ms(lag.p99)} / ${ms(lag.max)}`, 'generator behind schedule']);
  }
  rows.push(
    [
      'event-loop delay p99 / max',
      `${ms(r.eventLoopDelay.p99)} / ${ms(r.eventLoopDelay.max)}`,
      'bench process',
    ],
    ...[...r.cores]
      .filter(([name, cores]) => name !== 'other children' || cores >= 0.01)
      .map(([name, cores]): Row => [`CPU: ${name}`, `${cores.toFixed(2)} cores`, CPU_NOTES[name] ?? '']),
    [
      'CPU: other processes',
      `${others.toFixed(2)} cores`,
      others > 0.2 ? 'not ours: figures disturbed' : 'not ours',
    ],
    ['CPU: whole machine', `${(r.machineBusy * 100).toFixed(0)} %`, `of ${cpus().length} cores`],
  );
  return rows;
}

function failureDetail(r: PhaseResult): string {
  const parts = [
    ...[...r.statuses].map(([status, n]) => `${n}× HTTP ${status}`),
    ...[...r.errors].map(([message, n]) => `${n}× ${message}`),
    ...(r.unanswered ? [`${r.unanswered} unanswered`] : []),
  ];
  return parts.join(', ');
}

function printReport(commandLine: string, o: Options, stack: LocalStack, r: Report) {
  const open = summarize(r.open.latencies);
  printTable(
    'Setup',
    [
      ['command', commandLine],
      [
        'open loop',
        `${o.rate} req/s × ${o.seconds} s`,
        `${o.customers} customers, warm-up ${o.warmupSeconds} s`,
      ],
      ['closed loop', o.concurrency ? `${o.concurrency} senders × ${o.closedSeconds} s` : 'skipped'],
      [
        'worker',
        {
          'in-process': 'in this process, during the load',
          process: `own process${o.workerNice ? `, nice ${o.workerNice}` : ''}, during the load`,
          after: 'started after the load',
        }[o.worker],
      ],
      ['Temporal', stack.external.temporal ? 'TEMPORAL_ADDRESS' : 'dev server (SQLite, WAL)'],
      ['PostgreSQL', stack.external.postgres ? 'DATABASE_URL' : 'embedded (fsync off)'],
      ['machine', `${cpus().length} cores, Node ${process.version}`],
    ],
    { align: 'left' },
  );
  if (r.warmup) {
    printTable('Warm-up (not counted)', [
      ['requests', r.warmup.sent],
      ['errors', r.warmup.sent - r.warmup.ok, failureDetail(r.warmup)],
      ['latency p99', ms(summarize(r.warmup.latencies).p99)],
    ]);
  }
  printTable(`Open loop: ${o.rate} req/s for ${o.seconds} s`, phaseRows(r.open, o.rate));
  if (r.closed)
    printTable(
      `Closed loop: ${o.concurrency} concurrent senders for ${o.closedSeconds} s`,
      phaseRows(r.closed),
    );
  if (r.direct)
    printTable(`Direct signalWithStart (API gateway, no HTTP) at ${o.rate}/s`, phaseRows(r.direct, o.rate));

  const d = r.drain;
  const after = (s: number | undefined) =>
    s === undefined ? `not within ${o.drainSeconds} s` : `${s.toFixed(1)} s`;
  printTable('Drain (informational)', [
    ...(r.workerStartedAfterLoadS !== undefined
      ? ([['worker started', `${r.workerStartedAfterLoadS.toFixed(1)} s after the load`]] as Row[])
      : []),
    ['conversations / messages', `${d.conversations} / ${d.messages}`, 'accepted (200) in all phases'],
    ['all messages logged', after(d.recordedAfterS), `${d.recorded}/${d.messages} after the load`],
    [
      'last message of each answered',
      after(d.answeredAfterS),
      `${d.answered}/${d.conversations} conversations`,
    ],
    ['sandbox: replies ≥ conversations', after(d.sandboxCoveredAfterS), `${d.sandboxSent} replies sent`],
    [
      'Temporal history events / message',
      d.eventsPerMessage === undefined ? '—' : d.eventsPerMessage.toFixed(1),
      'sample of 20 conversations',
    ],
  ]);

  const errors = r.open.sent - r.open.ok;
  console.log('');
  console.log(TARGET_TEXT);
  console.log(
    `Measured: p99 ${ms(open.p99)} at ${perSecond(r.open.ok / (r.open.elapsedMs / 1000))} ` +
      `(offered ${o.rate}/s), ${errors} error${errors === 1 ? '' : 's'} → ${r.targetMet ? 'MET' : 'NOT MET'}`,
  );
  console.log(`Command: ${commandLine}`);
}
