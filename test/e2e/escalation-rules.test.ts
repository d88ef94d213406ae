/**
 * The escalation rules inside real conversations: a real API, worker, Temporal and
 * Postgres with the demo shop, no model (the offline understanding finds topics and sentiment).
 * Each rule fires when it should and the turns before it do not; the hand-off lands in the built-in
 * queue with the rule that fired.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CUSTOMERS, DEMO_OWNER_AGENT } from '../../devstack/demo-shop.js';
import { conversationStateQuery } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually, startTestParley, type TestParley, conversationWorkflowId } from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543277';

describe('escalation rules in live conversations', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley();
  });
  afterAll(async () => {
    await parley?.close();
  });

  const stranger = () => `4480${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const id = (waId: string) => conversationWorkflowId(PHONE_NUMBER_ID, waId);
  const view = (waId: string) => parley.client.workflow.getHandle(id(waId)).query(conversationStateQuery);
  const tickets = (waId: string) =>
    parley.db.selectFrom('handoff_tickets').selectAll().where('conversation_id', '=', id(waId)).execute();

  /** Sends a message and waits until Parley has answered it (one more bot turn). */
  async function say(waId: string, body: string): Promise<void> {
    const answered = await parley.db
      .selectFrom('bot_turns')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('conversation_id', '=', id(waId))
      .executeTakeFirstOrThrow();
    const res = await parley.postWebhook(
      hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: `wamid.${randomUUID()}`, body }),
    );
    expect(res.status).toBe(200);
    await eventually(async () => {
      const { n } = await parley.db
        .selectFrom('bot_turns')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('conversation_id', '=', id(waId))
        .executeTakeFirstOrThrow();
      return Number(n) > Number(answered.n) ? true : undefined;
    });
  }

  async function handedOffFor(waId: string, rule: string) {
    const v = await eventually(async () => {
      const current = await view(waId);
      return current.status === 'awaiting_human' ? current : undefined;
    });
    const [ticket] = await eventually(async () =>
      (await tickets(waId)).length > 0 ? tickets(waId) : undefined,
    );
    expect(ticket).toMatchObject({ kind: 'handoff', rule, handling: 'hand_off_now' });
    return { view: v, ticket: ticket! };
  }

  it('hands a VIP customer to their named owner, whatever they ask', async () => {
    const sanne = DEMO_CUSTOMERS.sanne.waId;
    await say(sanne, 'Wat zijn jullie openingstijden?');
    const { ticket } = await handedOffFor(sanne, 'vip_customer');
    expect(ticket.assigned_agent_id).toBe(DEMO_OWNER_AGENT.id);
    expect((ticket.package as { customer: { tier: string } }).customer.tier).toBe('vip');
  });

  it('hands off a regulated topic (legal advice) at once', async () => {
    const waId = stranger();
    await say(waId, 'I want legal advice: can I sue the courier for losing my parcel?');
    await handedOffFor(waId, 'regulated_topic');
  });

  it('hands off after two negative messages in a row, not after one', async () => {
    const waId = stranger();
    await say(waId, 'This is terrible, my parcel is late again and nobody answers. Awful!');
    expect((await view(waId)).status).toBe('bot');
    expect(await tickets(waId)).toHaveLength(0);
    await say(waId, 'Horrible service, I am furious and disappointed, this is unacceptable.');
    await handedOffFor(waId, 'negative_sentiment');
  });

  it('hands off when the customer asks the same question a third time, not before', async () => {
    const waId = stranger();
    const question = 'Do you ship to Switzerland?';
    await say(waId, question);
    await say(waId, question);
    expect((await view(waId)).status).toBe('bot');
    await say(waId, question);
    const { ticket } = await handedOffFor(waId, 'loop');
    const pkg = ticket.package as {
      transcript: { role: string; text: string }[];
      recommendedNextAction: string;
    };
    expect(pkg.transcript.filter((t) => t.role === 'customer' && t.text === question)).toHaveLength(3);
    expect(pkg.recommendedNextAction).toMatch(/did not help/);
  });

  it('lets an ordinary question be answered by Parley', async () => {
    const waId = stranger();
    await say(waId, 'What are your opening hours?');
    expect((await view(waId)).status).toBe('bot');
    expect(await tickets(waId)).toHaveLength(0);
  });
});
