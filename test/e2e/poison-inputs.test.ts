/**
 * A poison input is recorded and skipped, never retried forever: a NUL byte, a lone surrogate, a
 * timestamp Postgres cannot store — through the webhook and signalled directly (as a replayed dead
 * letter or another producer would) — and the conversation keeps answering. Real API, worker,
 * Temporal and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationMessages } from '../../db/repositories/messages.js';
import {
  conversationStateQuery,
  inboundMessageSignal,
  type InboundMessage,
} from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  newWaId,
  newWamid,
  startTestParley,
  type TestParley,
  conversationWorkflowId,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543277';
const customer = () => newWaId('3364');
const wamid = newWamid;

describe('poison inputs are recorded and skipped; the conversation goes on', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley();
  });
  afterAll(async () => {
    await parley?.close();
  });

  const repliesTo = (waId: string) => parley.textsTo(waId);
  const inboundBodies = async (waId: string) =>
    (await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId)))
      .filter((m) => m.direction === 'inbound')
      .map((m) => m.body);
  /** Signals the conversation directly, as the webhook does, but without the webhook's cleaning. */
  const signal = (message: InboundMessage) =>
    parley.client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: conversationWorkflowId(message.phoneNumberId, message.waId),
      taskQueue: parley.config.temporal.taskQueue,
      args: [{ phoneNumberId: message.phoneNumberId, waId: message.waId }],
      signal: inboundMessageSignal,
      signalArgs: [message],
    });
  const text = (waId: string, body: string, timestampMs = Date.now()): InboundMessage => ({
    id: wamid(),
    phoneNumberId: PHONE_NUMBER_ID,
    waId,
    timestampMs,
    content: { kind: 'text', body },
  });
  /** No activity of the conversation is being retried beyond a few attempts. */
  const noActivityStuck = async (waId: string) => {
    const d = await parley.client.workflow
      .getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId))
      .describe();
    for (const a of d.raw.pendingActivities ?? []) expect(a.attempt ?? 1).toBeLessThanOrEqual(5);
    expect(d.status.name).toBe('RUNNING');
  };

  it('a NUL byte through the webhook: answered, stored without it', async () => {
    const waId = customer();
    await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: wamid(),
        body: 'opening\u0000 hours?',
      }),
    );
    await eventually(() => (repliesTo(waId).length > 0 ? true : undefined), 30_000);
    expect(await inboundBodies(waId)).toEqual(['opening hours?']);
  });

  it('NUL and a lone surrogate signalled directly: the log stores them cleaned, the customer is answered', async () => {
    const waId = customer();
    await signal(text(waId, 'what are your\u0000 opening hours \uD83D?'));
    await eventually(() => (repliesTo(waId).length > 0 ? true : undefined), 30_000);
    expect(await inboundBodies(waId)).toEqual(['what are your opening hours \uFFFD?']);
  });

  it('a message Postgres refuses (a timestamp it cannot hold) is recorded, skipped, and does not hold up the next', async () => {
    const waId = customer();
    // 9e15 ms is past JavaScript's last date: the log insert fails the same way on every attempt.
    await signal(text(waId, 'hello', 9e15));
    await eventually(() => (repliesTo(waId).length > 0 ? true : undefined), 30_000);
    const handle = parley.client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId));
    const view = await eventually(async () => {
      const v = await handle.query(conversationStateQuery);
      return v.recentSendFailures.some((f) => f.what === 'log inbound messages') ? v : undefined;
    });
    expect(view.recentSendFailures.find((f) => f.what === 'log inbound messages')?.reason).toBe(
      'InvalidData',
    );
    await noActivityStuck(waId);

    // The next message is logged and answered as usual.
    await signal(text(waId, 'and your opening hours?'));
    await eventually(() => (repliesTo(waId).length > 1 ? true : undefined), 30_000);
    expect(await inboundBodies(waId)).toEqual(['and your opening hours?']);
    await noActivityStuck(waId);
  });
});
