import { randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getConversation, listTransitions } from '../../db/repositories/conversations.js';
import { conversationWorkflow } from '../../workflows/conversation/workflow.js';
import {
  agentReplyUpdate,
  assignAgentUpdate,
  conversationStateQuery,
  resolveUpdate,
  type ConversationView,
  type InboundMessage,
} from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually } from '../support/parley.js';
import {
  startTimeSkippingParley,
  TEST_CONVERSATION_SETTINGS,
  timerDue,
  viewWhen,
  type TimeSkippingParley,
} from '../support/time-skipping.js';

const PHONE_NUMBER_ID = '109876543210';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const { botIdleResolveMs, resolvedCloseMs } = TEST_CONVERSATION_SETTINGS;

type Conversation = WorkflowHandle<typeof conversationWorkflow>;

describe('conversation workflow timers (time-skipping test server, real activities)', () => {
  let parley: TimeSkippingParley;

  beforeAll(async () => {
    parley = await startTimeSkippingParley();
  });
  afterEach(() => parley.closeConversations());
  afterAll(async () => {
    await parley?.close();
  });

  const newCustomer = () => `3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

  /** A customer text, as the webhook would hand it over, stamped with the test server's clock. */
  function customerText(waId: string, body: string): Promise<InboundMessage> {
    return parley.inbound((timestamp) =>
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body,
        timestamp,
      }),
    );
  }

  const deliver = (taskQueue: string, message: InboundMessage) => parley.deliver(taskQueue, message);

  const textsTo = (waId: string) => parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'text');
  const view = (handle: Conversation) => handle.query(conversationStateQuery);
  const timerNames = (v: ConversationView) => v.pendingTimers.map((t) => t.name);
  /** Skips the test server's clock to `offsetMs` from a due time (negative: before it). */
  async function skipUntil(dueAtMs: number, offsetMs: number): Promise<void> {
    await parley.env.sleep(dueAtMs + offsetMs - (await parley.now()));
  }

  /** Starts a conversation with one customer message and waits until Parley answered it. */
  async function conversationAnswered(taskQueue: string, waId: string, body = 'Hi, where is my order?') {
    const handle = await deliver(taskQueue, await customerText(waId, body));
    await eventually(() => textsTo(waId)[0]);
    const answered = await viewWhen(handle, (v) => timerNames(v).includes('botIdleResolve'));
    return { handle, view: answered };
  }

  it('resolves a quiet bot conversation after botIdleResolveMs, then closes it after resolvedCloseMs', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, view: answered } = await conversationAnswered(taskQueue, waId);
    const idleDue = timerDue(answered, 'botIdleResolve');

    await skipUntil(idleDue, -MINUTE);
    const justBefore = await view(handle);
    expect(justBefore.status).toBe('bot');
    expect(timerNames(justBefore)).toEqual(['botIdleResolve']);

    await skipUntil(idleDue, MINUTE);
    const resolved = await viewWhen(handle, (v) => v.status === 'resolved' && v.pendingTimers.length > 0);
    // Resolution arms the close timer and the satisfaction survey (an hour later).
    expect(timerNames(resolved)).toEqual(['csatSurvey', 'resolvedClose']);
    const closeDue = timerDue(resolved, 'resolvedClose');
    expect(closeDue - idleDue).toBeGreaterThanOrEqual(resolvedCloseMs);
    expect(closeDue - idleDue).toBeLessThan(resolvedCloseMs + 2 * MINUTE);
    // The projection activity runs after the timer was armed: wait for it.
    await eventually(async () =>
      (await getConversation(parley.db, handle.workflowId))?.status === 'resolved' ? true : undefined,
    );

    await skipUntil(closeDue, -MINUTE);
    expect((await view(handle)).status).toBe('resolved');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await skipUntil(closeDue, MINUTE);
    const outcome = await parley.result<typeof conversationWorkflow>(handle.workflowId);
    expect(outcome).toEqual({ closedBy: 'parley', reason: 'inactive after resolution' });
    expect(await parley.now()).toBeGreaterThanOrEqual(closeDue);
    expect((await handle.describe()).status.name).toBe('COMPLETED');

    const row = await getConversation(parley.db, handle.workflowId);
    expect(row).toMatchObject({ status: 'closed', wa_id: waId, phone_number_id: PHONE_NUMBER_ID });
    expect(row?.closed_at).toBeInstanceOf(Date);
    const transitions = await listTransitions(parley.db, handle.workflowId);
    expect(transitions.map((t) => [t.from_status, t.to_status, t.by, t.reason])).toEqual([
      [null, 'bot', 'customer', 'new conversation'],
      ['bot', 'resolved', 'parley', 'customer went quiet'],
      ['resolved', 'closed', 'parley', 'inactive after resolution'],
    ]);
    expect(textsTo(waId)).toHaveLength(1);
  });

  it('reopens a resolved conversation when the customer writes again, cancelling the close timer', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, view: answered } = await conversationAnswered(taskQueue, waId);

    await skipUntil(timerDue(answered, 'botIdleResolve'), MINUTE);
    const resolved = await viewWhen(handle, (v) => timerNames(v).includes('resolvedClose'));
    expect(resolved.status).toBe('resolved');

    await skipUntil(timerDue(resolved, 'resolvedClose'), -HOUR);
    await deliver(taskQueue, await customerText(waId, 'Actually, it still has not arrived'));
    const replies = await eventually(() => (textsTo(waId).length === 2 ? textsTo(waId) : undefined));
    // No model here: "where is my order" without a number is answered by asking for it. The AI
    // disclosure opens the conversation's first reply only.
    expect(replies[0]!.text?.body).toMatch(/^Hi! I'm an AI assistant/);
    expect(replies[1]!.text?.body).toMatch(/order number/);
    expect(replies[1]!.text?.body).not.toMatch(/AI assistant/);

    const reopened = await viewWhen(
      handle,
      (v) => v.status === 'bot' && timerNames(v).includes('botIdleResolve'),
    );
    expect(timerNames(reopened)).toEqual(['botIdleResolve']);
    // customer, answer, the satisfaction survey (an hour after the resolution), customer, answer.
    expect(reopened.lastTurns.map((t) => t.role)).toEqual(['customer', 'bot', 'bot', 'customer', 'bot']);
    // The close timer was cancelled on the server, not merely forgotten by the state.
    const events = (await handle.fetchHistory()).events ?? [];
    // Timer summaries are payloads too, stored encrypted: read them as the Web UI's codec would.
    const summaries = await Promise.all(
      events.map(async (e) => {
        const stored = e.timerStartedEventAttributes && e.userMetadata?.summary;
        if (!stored) return '';
        const [payload] = await parley.codec.decode([stored as Payload]);
        return String(JSON.parse(Buffer.from(payload!.data!).toString('utf8')));
      }),
    );
    const closeTimers = events.filter((_e, i) => summaries[i]!.startsWith('Close if quiet'));
    expect(closeTimers).toHaveLength(1);
    const cancelled = events.filter((e) => e.timerCanceledEventAttributes);
    expect(cancelled.map((e) => String(e.timerCanceledEventAttributes!.startedEventId))).toEqual([
      String(closeTimers[0]!.eventId),
    ]);

    // The projection is written after the reply went out: wait for it.
    const transitions = await eventually(async () => {
      const rows = await listTransitions(parley.db, handle.workflowId);
      return rows.length === 3 ? rows : undefined;
    });
    expect(transitions.map((t) => [t.from_status, t.to_status, t.by, t.reason])).toEqual([
      [null, 'bot', 'customer', 'new conversation'],
      ['bot', 'resolved', 'parley', 'customer went quiet'],
      ['resolved', 'bot', 'customer', 'customer wrote again'],
    ]);
    expect((await getConversation(parley.db, handle.workflowId))?.status).toBe('bot');
  });

  it('shows pending timers with names, summaries and due times; resolve arms the close timer', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, view: answered } = await conversationAnswered(taskQueue, waId);

    const now = await parley.now();
    expect(answered.pendingTimers).toEqual([
      {
        name: 'botIdleResolve',
        summary: 'Resolve if the customer stays quiet for 1 h',
        dueAt: expect.any(String),
      },
    ]);
    expect(timerDue(answered, 'botIdleResolve') - now).toBeLessThanOrEqual(botIdleResolveMs);
    expect(timerDue(answered, 'botIdleResolve') - now).toBeGreaterThan(botIdleResolveMs - MINUTE);

    const afterUpdate = await handle.executeUpdate(resolveUpdate, { args: [{ by: 'agent-1' }] });
    expect(afterUpdate.status).toBe('resolved');
    expect(timerNames(afterUpdate)).not.toContain('botIdleResolve');

    const resolved = await viewWhen(handle, (v) => timerNames(v).includes('resolvedClose'));
    const resolvedAt = await parley.now();
    expect(resolved.pendingTimers).toEqual([
      { name: 'csatSurvey', summary: 'Send the satisfaction survey', dueAt: expect.any(String) },
      { name: 'resolvedClose', summary: 'Close if quiet for 24 h', dueAt: expect.any(String) },
    ]);
    expect(timerDue(resolved, 'resolvedClose') - resolvedAt).toBeLessThanOrEqual(resolvedCloseMs);
    expect(timerDue(resolved, 'resolvedClose') - resolvedAt).toBeGreaterThan(resolvedCloseMs - MINUTE);

    const transitions = await eventually(async () => {
      const rows = await listTransitions(parley.db, handle.workflowId);
      return rows.length === 2 ? rows : undefined;
    });
    expect(transitions[1]).toMatchObject({ from_status: 'bot', to_status: 'resolved', by: 'agent-1' });
  });

  describe('the 24-hour customer-service window', () => {
    /** Customer writes, an agent takes over and answers, then nobody writes for 25 hours. */
    async function agentReplyAfter25Hours(settings: Parameters<TimeSkippingParley['startWorker']>[0]) {
      const { taskQueue } = await parley.startWorker(settings);
      const waId = newCustomer();
      const { handle } = await conversationAnswered(taskQueue, waId);
      await handle.executeUpdate(assignAgentUpdate, { args: [{ agentId: 'agent-7', agentName: 'Maya' }] });

      const inside = await handle.executeUpdate(agentReplyUpdate, {
        args: [{ agentId: 'agent-7', text: 'Let me check that for you.' }],
      });
      expect(inside).toMatchObject({ delivered: true, messageId: expect.any(String) });

      await parley.env.sleep(25 * HOUR);
      const before = await view(handle);
      expect(before.status).toBe('human');
      expect(Date.parse(before.windowExpiresAt!)).toBeLessThan(await parley.now());

      const result = await handle.executeUpdate(agentReplyUpdate, {
        args: [{ agentId: 'agent-7', text: 'Your parcel is at the depot.' }],
      });
      return { handle, waId, result, after: await view(handle) };
    }

    it('does not send an agent reply free-form after 24 h; without a template it says why', async () => {
      const { waId, result, after } = await agentReplyAfter25Hours({});

      expect(result).toEqual({
        delivered: false,
        reason: 'outside the 24-hour window and no approved template is configured',
      });
      expect(after.recentSendFailures).toEqual([expect.objectContaining({ reason: 'OutsideServiceWindow' })]);
      expect(textsTo(waId).map((m) => m.text?.body)).not.toContain('Your parcel is at the depot.');
      expect(textsTo(waId).map((m) => m.text?.body)).toContain('Let me check that for you.');
      expect(parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'template')).toEqual([]);
    });

    it('sends the configured re-engagement template instead', async () => {
      const template = { name: 'parley_reengage', language: 'en' };
      const { waId, result, after } = await agentReplyAfter25Hours({ reengagementTemplate: template });

      expect(result).toMatchObject({
        delivered: true,
        messageId: expect.any(String),
        reason: 'outside the 24-hour window: sent template parley_reengage',
      });
      const templates = parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'template');
      expect(templates).toHaveLength(1);
      expect(templates[0]).toMatchObject({
        messageId: result.messageId,
        template: { name: 'parley_reengage', languageCode: 'en' },
      });
      expect(textsTo(waId).map((m) => m.text?.body)).not.toContain('Your parcel is at the depot.');
      expect(after.recentSendFailures).toEqual([]);
      expect(after.lastTurns.at(-1)).toMatchObject({ role: 'system', messageIds: [result.messageId] });
    });
  });

  it('answers a burst of three messages 500 ms apart with one reply (debounce 2 s)', async () => {
    const { taskQueue } = await parley.startWorker({ debounceMs: 2_000, maxBatchWaitMs: 10_000 });
    const waId = newCustomer();
    const bodies = ['hi', 'my order 4411', 'is late'];
    const messages: InboundMessage[] = [];
    let handle: Conversation | undefined;
    for (const body of bodies) {
      if (messages.length > 0) await parley.env.sleep(500);
      const message = await customerText(waId, body);
      messages.push(message);
      handle = await deliver(taskQueue, message);
    }

    await parley.env.sleep(2_500);
    await eventually(() => textsTo(waId)[0]);
    const answered = await viewWhen(handle!, (v) => timerNames(v).includes('botIdleResolve'));
    // Give a stray second reply every chance to show up before counting.
    await parley.env.sleep(10_000);
    expect(textsTo(waId)).toHaveLength(1);

    expect(answered.queuedMessages).toBe(0);
    expect(answered.lastTurns).toHaveLength(2);
    expect(answered.lastTurns[0]).toMatchObject({
      role: 'customer',
      text: 'hi\nmy order 4411\nis late',
      messageIds: messages.map((m) => m.id),
    });
    expect(answered.lastTurns[1]).toMatchObject({ role: 'bot', messageIds: [textsTo(waId)[0]!.messageId] });
    // One read receipt with the typing indicator, on the last message of the burst.
    expect(parley.sandbox.reads.filter((r) => messages.some((m) => m.id === r.messageId))).toEqual([
      expect.objectContaining({ messageId: messages[2]!.id, typingIndicator: true }),
    ]);
  });
});
