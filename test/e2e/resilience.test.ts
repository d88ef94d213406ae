import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppErrorTypes } from '../../activities/whatsapp/graph-client.js';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually, startTestParley, type TestParley, conversationWorkflowId } from '../support/parley.js';
import { startWorkerProcess, workerEnv, type WorkerProcess } from '../support/worker-process.js';

const PHONE_NUMBER_ID = '109876543299';
const OPERATOR_TOKEN = 'resilience-operator-token';
const customer = () =>
  `3362${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
const wamid = () => `wamid.${randomUUID()}`;

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Shared helpers over one running Parley. */
function helpers(get: () => TestParley) {
  const repliesTo = (waId: string) => get().sandbox.sent.filter((m) => m.to === waId && m.type === 'text');
  const say = async (waId: string, body: string) => {
    const id = wamid();
    const res = await get().postWebhook(
      hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id, body }),
    );
    expect(res.status).toBe(200);
    return id;
  };
  const history = async (waId: string): Promise<HistoryEvent[]> => {
    const h = await get()
      .client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId))
      .fetchHistory();
    return h.events ?? [];
  };
  /** The log's messages, without a reply still being sent (recorded `sending` before Meta is asked). */
  const rows = async (waId: string) =>
    (await listConversationMessages(get().db, conversationWorkflowId(PHONE_NUMBER_ID, waId))).filter(
      (m) => m.status !== 'sending',
    );
  const state = async (waId: string): Promise<ConversationView> => {
    const id = encodeURIComponent(conversationWorkflowId(PHONE_NUMBER_ID, waId));
    const res = await fetch(`${get().api.url}/api/conversations/${id}`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ConversationView;
  };
  /**
   * The workflow's local-activity markers of one activity type: the attempt that ended each call
   * (retries happen inside the worker) and the failure type when it failed.
   */
  const localActivities = (events: HistoryEvent[], activityType: string) =>
    events
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_local_activity')
      .map((m) => {
        const data = m!.details!.data!.payloads![0]!.data!;
        const meta = JSON.parse(Buffer.from(data).toString('utf8')) as {
          activity_type: string;
          attempt: number;
        };
        return {
          type: meta.activity_type,
          attempt: meta.attempt,
          failureType: m!.failure?.applicationFailureInfo?.type,
        };
      })
      .filter((a) => a.type === activityType);
  return { repliesTo, say, history, rows, state, localActivities };
}

describe('a worker process SIGKILLed in the middle of a turn', () => {
  let parley: TestParley;
  const workers: WorkerProcess[] = [];
  const h = helpers(() => parley);

  beforeAll(async () => {
    // The API only: the workers are real `worker/main.ts` processes on the same task queue.
    parley = await startTestParley({
      worker: false,
      env: { CONVERSATION_DEBOUNCE_MS: '1500', OPERATOR_API_TOKEN: OPERATOR_TOKEN },
    });
  });
  afterEach(async () => {
    // Graceful stop for the survivors (so no sticky queue is left dangling), SIGKILL if slow.
    await Promise.all(
      workers.splice(0).map(async (w) => {
        const timer = setTimeout(() => void w.kill('SIGKILL'), 5_000);
        await w.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    await parley?.close();
  });

  const startWorker = async () => {
    const w = await startWorkerProcess({ env: workerEnv(parley.config) });
    workers.push(w);
    return w;
  };

  /** Kills `w` hard, then checks the turn had not got anywhere visible yet. */
  async function killMidTurn(w: WorkerProcess, waId: string) {
    const exit = await w.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(h.repliesTo(waId)).toHaveLength(0);
  }

  /** After recovery: one reply to `firstId`, then a following message answered normally. */
  async function expectOneReplyThenNormalService(waId: string, firstId: string, replyTimeoutMs: number) {
    const reply = await eventually(() => h.repliesTo(waId)[0], replyTimeoutMs);

    const nextId = await h.say(waId, 'And can I change the delivery address?');
    const next = await eventually(() => h.repliesTo(waId)[1], 15_000);
    // The second reply came after the first turn was fully done: a duplicate would show by now.
    expect(h.repliesTo(waId)).toHaveLength(2);

    const rows = await eventually(async () => {
      const r = await h.rows(waId);
      return r.length >= 4 ? r : undefined;
    });
    expect(
      rows.map((r) => [r.direction, r.direction === 'inbound' ? r.wa_message_id : r.idempotency_key]),
    ).toEqual([
      ['inbound', firstId],
      ['outbound', `reply:${firstId}`],
      ['inbound', nextId],
      ['outbound', `reply:${nextId}`],
    ]);
    expect(rows[1]!.wa_message_id).toBe(reply.messageId);
    expect(rows[3]!.wa_message_id).toBe(next.messageId);
  }

  it('during the burst debounce timer: a new worker answers exactly once, nothing is lost', async () => {
    const first = await startWorker();
    const waId = customer();
    const postedAt = Date.now();
    const id = await h.say(waId, 'Hello, where is my order?');

    // Worker 1 has run the workflow up to the 1.5 s debounce timer: kill it there.
    await eventually(async () => {
      const events = await h.history(waId);
      return events.some((e) => e.timerStartedEventAttributes) ? true : undefined;
    }, 5_000);
    await killMidTurn(first, waId);
    const killedAfterMs = Date.now() - postedAt;
    expect(killedAfterMs).toBeLessThan(1_500);
    // The turn had not been handled: no receipt, nothing logged yet.
    expect(parley.sandbox.reads.filter((r) => r.messageId === id)).toHaveLength(0);
    expect(await h.rows(waId)).toHaveLength(0);

    const killedAt = Date.now();
    await startWorker();
    const startupMs = Date.now() - killedAt;
    // The timer fires 1.5 s after the message, while the server still counts worker 1 as polling
    // its sticky queue: the task waits there for the SDK's 10 s sticky schedule-to-start timeout,
    // then goes to the shared queue and worker 2.
    await expectOneReplyThenNormalService(waId, id, 30_000);
    console.info(
      `[resilience] debounce kill: killed ${killedAfterMs} ms after posting, worker 2 up in ${startupMs} ms, ` +
        `first reply ${h.repliesTo(waId)[0]!.timestampMs - postedAt} ms after posting`,
    );
  });

  it('while the read receipt is in flight: the activity is retried on the new worker, one reply', async () => {
    // Meta takes 8 s to answer the read receipt: the worker dies waiting for it.
    parley.sandbox.delayNext(1, 8_000, { target: 'reads' });
    const first = await startWorker();
    const waId = customer();
    const postedAt = Date.now();
    const id = await h.say(waId, 'Is anybody there?');

    await eventually(() => parley.sandbox.reads.find((r) => r.messageId === id), 10_000);
    await killMidTurn(first, waId);
    const inbound = await h.rows(waId);
    expect(inbound.map((r) => [r.direction, r.wa_message_id])).toEqual([['inbound', id]]);

    const killedAt = Date.now();
    await startWorker();
    const startupMs = Date.now() - killedAt;
    // The workflow task that was running markRead times out on the dead worker and runs again on
    // worker 2, and the turn goes on there.
    await expectOneReplyThenNormalService(waId, id, 35_000);
    console.info(
      `[resilience] read-receipt kill: killed ${killedAt - postedAt} ms after posting, worker 2 up in ` +
        `${startupMs} ms, first reply ${h.repliesTo(waId)[0]!.timestampMs - postedAt} ms after posting`,
    );

    // markRead is a local activity: worker 1 died inside it, worker 2 ran the workflow task again
    // and asked Meta a second time (a courtesy call, harmless to repeat).
    expect(parley.sandbox.reads.filter((r) => r.messageId === id).length).toBe(2);
  });
});

describe('WhatsApp send failures', () => {
  let parley: TestParley;
  const h = helpers(() => parley);

  beforeAll(async () => {
    parley = await startTestParley({
      env: { CONVERSATION_DEBOUNCE_MS: '100', OPERATOR_API_TOKEN: OPERATOR_TOKEN },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  it('retries a rate-limited send with backoff and replies exactly once', async () => {
    parley.sandbox.failNext(2, {
      httpStatus: 429,
      code: 130429,
      message: 'Rate limit hit',
      details: 'Cloud API message throughput has been reached.',
    });
    const waId = customer();
    const postedAt = Date.now();
    const id = await h.say(waId, 'Hi, quick question');

    const reply = await eventually(() => h.repliesTo(waId)[0], 20_000);
    // Attempts at t, t + 1 s, t + 3 s (initial interval 1 s, coefficient 2).
    expect(reply.timestampMs - postedAt).toBeGreaterThanOrEqual(2_900);

    const sends = await eventually(async () => {
      const s = h.localActivities(await h.history(waId), 'sendText');
      return s.length === 1 ? s : undefined;
    });
    // One call, ended by its third attempt: the two rate-limited attempts were retried with backoff.
    expect(sends[0]).toMatchObject({ attempt: 3, failureType: undefined });
    expect(h.repliesTo(waId)).toHaveLength(1);

    const rows = await h.rows(waId);
    expect(
      rows.filter((r) => r.direction === 'outbound').map((r) => [r.idempotency_key, r.wa_message_id]),
    ).toEqual([[`reply:${id}`, reply.messageId]]);
    // A retried-then-successful send is not a failure the operator needs to see.
    expect((await h.state(waId)).recentSendFailures).toEqual([]);
  });

  it('records a permanent failure (131026), marks the customer unreachable and keeps the conversation', async () => {
    parley.sandbox.failNext(1, {
      httpStatus: 400,
      code: 131026,
      message: 'Message undeliverable',
      details:
        'Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp number.',
    });
    const waId = customer();
    const id = await h.say(waId, 'Hello?');

    const view = await eventually(async () => {
      const v = await h.state(waId);
      return v.unreachable ? v : undefined;
    });
    expect(view.recentSendFailures).toEqual([
      expect.objectContaining({ what: 'bot', reason: WhatsAppErrorTypes.Undeliverable, code: 131026 }),
    ]);
    expect(view.status).toBe('bot');
    expect(h.repliesTo(waId)).toHaveLength(0);
    const handle = parley.client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // Not retried: one attempt, and nothing sent was logged.
    const sends = h.localActivities(await h.history(waId), 'sendText');
    expect(sends).toEqual([{ type: 'sendText', attempt: 1, failureType: WhatsAppErrorTypes.Undeliverable }]);
    expect((await h.rows(waId)).map((r) => [r.direction, r.wa_message_id])).toEqual([['inbound', id]]);

    // The customer writes again: they are evidently reachable, so Parley answers.
    const laterId = await h.say(waId, 'Are you there?');
    const reply = await eventually(() => h.repliesTo(waId)[0]);
    const after = await eventually(async () => {
      const v = await h.state(waId);
      return v.lastTurns.some((t) => t.role === 'bot') ? v : undefined;
    });
    expect(after.unreachable).toBe(false);
    expect(after.recentSendFailures).toHaveLength(1);
    expect(h.repliesTo(waId)).toHaveLength(1);
    const rows = await eventually(async () => {
      const r = await h.rows(waId);
      return r.length === 3 ? r : undefined;
    });
    expect(rows.map((r) => [r.direction, r.wa_message_id, r.idempotency_key])).toEqual([
      ['inbound', id, null],
      ['inbound', laterId, null],
      ['outbound', reply.messageId, `reply:${laterId}`],
    ]);
  });
});
