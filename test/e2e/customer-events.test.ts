/**
 * Reactions, edits, deletions and number changes are handled as what they are, not as questions:
 * recorded (a reaction on an answer is feedback on that turn), the stored text edited or removed, a
 * changed number followed — and none of them reopens a resolved conversation or cancels its
 * survey. Real API, worker, Temporal and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationEvents } from '../../db/repositories/conversation-events.js';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '../../devstack/demo-shop.js';
import { conversationStateQuery, resolveUpdate, type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  newWaId,
  newWamid,
  startTestParley,
  type TestParley,
  conversationWorkflowId,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543255';
const customer = () => newWaId('3366');
const wamid = newWamid;

describe('customer events are not turns', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ env: { CONVERSATION_DEBOUNCE_MS: '1500', CSAT_DELAY_MS: '3600000' } });
  });
  afterAll(async () => {
    await parley?.close();
  });

  const id = (waId: string) => conversationWorkflowId(PHONE_NUMBER_ID, waId);
  const textsTo = (waId: string) => parley.textsTo(waId);
  const send = (waId: string, message: hooks.MetaMessage) =>
    parley.postWebhook(
      hooks.messageWebhook({ ...message, from: waId } as hooks.MetaMessage, {
        phoneNumberId: PHONE_NUMBER_ID,
      }),
    );
  const say = async (waId: string, body: string) => {
    const messageId = wamid();
    await send(waId, hooks.textMessage({ id: messageId, body }));
    return messageId;
  };
  const view = (waId: string, until: (v: ConversationView) => boolean) =>
    eventually(async () => {
      const v = await parley.client.workflow.getHandle(id(waId)).query(conversationStateQuery);
      return until(v) ? v : undefined;
    }, 30_000);
  const events = (waId: string) => listConversationEvents(parley.db, id(waId));
  const inbound = async (waId: string) =>
    (await listConversationMessages(parley.db, id(waId))).filter((m) => m.direction === 'inbound');
  /** Lets the workflow act on what it was sent, then checks nothing more was said. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

  it('a 👎 on an answer is feedback on that turn; on a resolved conversation it neither reopens it nor cancels the survey', async () => {
    const waId = customer();
    await say(waId, 'What are your opening hours?');
    const [answer] = await eventually(() => (textsTo(waId).length ? textsTo(waId) : undefined), 30_000);
    await parley.client.workflow
      .getHandle(id(waId))
      .executeUpdate(resolveUpdate, { args: [{ by: 'agent-1' }] });
    const resolved = await view(
      waId,
      (v) => v.status === 'resolved' && v.pendingTimers.some((t) => t.name === 'csatSurvey'),
    );

    await send(waId, hooks.reactionMessage({ id: wamid(), messageId: answer!.messageId, emoji: '👎' }));
    await eventually(
      async () => ((await events(waId)).some((e) => e.kind === 'reaction') ? true : undefined),
      30_000,
    );
    await settle();
    const after = await view(waId, () => true);
    expect(after.status).toBe('resolved');
    expect(after.pendingTimers.find((t) => t.name === 'csatSurvey')).toEqual(
      resolved.pendingTimers.find((t) => t.name === 'csatSurvey'),
    );
    expect(textsTo(waId)).toHaveLength(1);
    const turn = await parley.db
      .selectFrom('bot_turns')
      .select(['feedback'])
      .where('conversation_id', '=', id(waId))
      .executeTakeFirst();
    expect(turn?.feedback).toBe('👎');
    expect((await events(waId)).find((e) => e.kind === 'reaction')?.detail).toMatchObject({
      onParleyAnswer: true,
      emoji: '👎',
    });
  });

  it('an edit of an answered message updates the stored text and is not answered again; a deletion removes it', async () => {
    const waId = customer();
    const first = await say(waId, 'What are your opening hours?');
    await eventually(() => (textsTo(waId).length ? true : undefined), 30_000);
    await send(
      waId,
      hooks.editMessage({ id: wamid(), originalMessageId: first, body: 'When are you open on Sunday?' }),
    );
    await eventually(async () => ((await inbound(waId))[0]?.edited_at ? true : undefined), 30_000);
    expect((await inbound(waId))[0]?.body).toBe('When are you open on Sunday?');
    await send(waId, hooks.revokeMessage({ id: wamid(), originalMessageId: first }));
    await eventually(async () => ((await inbound(waId))[0]?.deleted_at ? true : undefined), 30_000);
    const [row] = await inbound(waId);
    expect(row?.body).toBeNull();
    expect(JSON.stringify(row?.payload)).not.toContain('opening');
    await settle();
    expect(textsTo(waId)).toHaveLength(1);
    expect((await events(waId)).map((e) => [e.kind, (e.detail as any).answered])).toEqual([
      ['edit', true],
      ['revoke', true],
    ]);
  });

  it('an edit before the answer is answered as edited, once; a message deleted before its answer is not answered', async () => {
    const waId = customer();
    const first = await say(waId, 'Hi, where is my ordr?');
    await send(
      waId,
      hooks.editMessage({ id: wamid(), originalMessageId: first, body: 'What are your opening hours?' }),
    );
    await eventually(() => (textsTo(waId).length ? true : undefined), 30_000);
    await settle();
    expect(textsTo(waId)).toHaveLength(1);
    const v = await view(waId, () => true);
    expect(v.lastTurns.find((t) => t.role === 'customer')?.text).toBe('What are your opening hours?');
    expect((await inbound(waId)).map((m) => m.body)).toEqual(['What are your opening hours?']);

    const other = customer();
    const gone = await say(other, 'Oops, wrong chat');
    await send(other, hooks.revokeMessage({ id: wamid(), originalMessageId: gone }));
    await eventually(async () => ((await events(other)).length ? true : undefined), 30_000);
    await settle();
    expect(textsTo(other)).toHaveLength(0);
  });

  it('user_changed_number: the customer record and the conversation follow the new number', async () => {
    const oldWaId = DEMO_CUSTOMERS.alex.waId;
    const newWaId = '15559990001';
    await say(oldWaId, 'What are your opening hours?');
    await eventually(() => (textsTo(oldWaId).length ? true : undefined), 30_000);
    await send(
      oldWaId,
      hooks.systemMessage({ id: wamid(), body: `User changed from ${oldWaId} to ${newWaId}`, newWaId }),
    );
    const moved = await eventually(async () => {
      const v = await parley.client.workflow
        .getHandle(id(newWaId))
        .query(conversationStateQuery)
        .catch(() => undefined);
      return v;
    }, 30_000);
    expect(moved.lastTurns.some((t) => t.text.includes('opening hours'))).toBe(true);
    // The old conversation hands its state over first, then completes: wait for the second step too.
    const old = await eventually(async () => {
      const d = await parley.client.workflow.getHandle(id(oldWaId)).describe();
      return d.status.name === 'RUNNING' ? undefined : d;
    }, 30_000);
    expect(old.status.name).toBe('COMPLETED');
    const row = await parley.db
      .selectFrom('shop_customers')
      .select('wa_id')
      .where('id', '=', DEMO_CUSTOMERS.alex.id)
      .executeTakeFirst();
    expect(row?.wa_id).toBe(newWaId);
    expect((await events(oldWaId)).map((e) => e.kind)).toEqual(['system', 'number_changed']);
    expect(JSON.stringify(await events(oldWaId))).not.toContain(newWaId);

    // From the new number, Alex's orders are still hers.
    await say(newWaId, `Where is my order ${DEMO_ORDERS.alexShipped}?`);
    await eventually(
      () => (textsTo(newWaId).some((m) => m.text!.body.includes(DEMO_ORDERS.alexShipped)) ? true : undefined),
      30_000,
    );
  });
});
