import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { conversationStateQuery } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually, startTestParley, type TestParley, conversationWorkflowId } from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543212';

describe('continue-as-new mid-conversation (real Temporal)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    // A tiny history budget forces several continue-as-new cycles within one short conversation.
    parley = await startTestParley({
      env: { CONVERSATION_MAX_HISTORY_EVENTS: '60', CONVERSATION_DEBOUNCE_MS: '0' },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  it('loses, duplicates and reorders nothing across runs', async () => {
    const waId = `4478${Math.floor(Math.random() * 1e7)}`;
    const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const handle = parley.client.workflow.getHandle(id);
    const bodies = Array.from({ length: 24 }, (_, i) =>
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body: `message ${i}`,
      }),
    );
    const firstRunId = await (async () => {
      expect((await parley.postWebhook(bodies[0])).status).toBe(200);
      return (await handle.describe()).runId;
    })();
    for (const body of bodies.slice(1)) {
      expect((await parley.postWebhook(body)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 40));
    }

    const inbound = await eventually(async () => {
      const rows = (await listConversationMessages(parley.db, id)).filter((m) => m.direction === 'inbound');
      return rows.length === bodies.length ? rows : undefined;
    }, 30_000);
    expect(inbound.map((m) => m.body)).toEqual(bodies.map((_, i) => `message ${i}`));

    const view = await eventually(async () => {
      const v = await handle.query(conversationStateQuery);
      // Idle: nothing queued and the last turn answered (a turn in flight has left the queue already).
      const answered = v.lastTurns.at(-1)?.role === 'bot';
      return v.queuedMessages === 0 && answered && v.continuedAsNewCount >= 1 ? v : undefined;
    }, 30_000);
    expect((await handle.describe()).runId).not.toBe(firstRunId);

    // Meta redelivers old messages after the runs changed: the carried dedupe memory drops them.
    const repliesBefore = parley.sandbox.sent.filter((m) => m.to === waId).length;
    for (const body of bodies.slice(0, 5)) expect((await parley.postWebhook(body)).status).toBe(200);
    const lastId = `wamid.${randomUUID()}`;
    await parley.postWebhook(
      hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: lastId, body: 'one more' }),
    );
    await eventually(() => parley.sandbox.reads.find((r) => r.messageId === lastId), 30_000);
    await eventually(
      () =>
        parley.sandbox.sent.filter((m) => m.to === waId).length === repliesBefore + 1 ? true : undefined,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(parley.sandbox.sent.filter((m) => m.to === waId)).toHaveLength(repliesBefore + 1);

    const after = await handle.query(conversationStateQuery);
    const customerTurns = after.lastTurns.filter((t) => t.role === 'customer');
    expect(customerTurns.at(-1)!.text).toBe('one more');
    expect(after.status).toBe('bot');
    expect(view.pendingTimers.map((t) => t.name)).toEqual(['botIdleResolve']);
    // Every reply answers a distinct turn: no idempotency key was used twice.
    const replies = (await listConversationMessages(parley.db, id)).filter((m) => m.direction === 'outbound');
    expect(new Set(replies.map((r) => r.idempotency_key)).size).toBe(replies.length);
  });
});
