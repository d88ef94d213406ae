import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPhone } from '../../domain/privacy.js';
import { type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  startTestParley,
  type TestParley,
  conversationWorkflowId,
  conversationRef,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543212';
const customer = () =>
  `3163${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;

describe('agent endpoints over the built-in hand-off queue (real Temporal, real Postgres)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley();
    for (const [id, name] of [
      ['agent-ana', 'Ana Agent'],
      ['agent-bo', 'Bo Agent'],
    ]) {
      expect((await parley.operator('POST', '/agents', { id, name })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await parley?.close();
  });

  const send = (waId: string, body: string) =>
    parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body,
        name: 'Dana',
      }),
    );
  const state = async (id: string) =>
    (await parley.operator('GET', `/conversations/${encodeURIComponent(id)}`)).body as ConversationView;
  const textsTo = (waId: string) => parley.sandbox.sent.filter((m) => m.to === waId);

  /** A customer asks for a person; resolves with the queue entry the hand-off created. */
  async function handOff() {
    const waId = customer();
    const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const ref = conversationRef(id);
    expect((await send(waId, 'I want to speak to a person')).status).toBe(200);
    const ticket = await eventually(async () => {
      const list = await parley.operator('GET', '/tickets');
      expect(list.status).toBe(200);
      return (list.body.tickets as { conversationRef: string }[]).find((t) => t.conversationRef === ref);
    }, 30_000);
    return { waId, id, ref, ticket: ticket as Record<string, any> };
  }

  it('lists a real hand-off without the number, lets an agent claim, answer and solve it', async () => {
    const { waId, id, ref, ticket } = await handOff();
    expect(ticket).toMatchObject({
      kind: 'handoff',
      status: 'open',
      rule: 'customer_asked',
      handling: 'hand_off_now',
      conversationRef: ref,
      assignedAgentId: null,
      dueAt: null,
      customer: { maskedPhone: maskPhone(waId) },
    });
    expect(ticket.id).toMatch(/^[0-9]+$/);
    expect(typeof ticket.summary).toBe('string');
    expect(ticket.recommendedNextAction).toMatch(/they asked for a person/);
    expect(Date.parse(ticket.createdAt)).not.toBeNaN();
    expect((await state(id)).status).toBe('awaiting_human');

    const list = await parley.operator('GET', '/tickets?kind=handoff&status=open,pending&limit=500');
    expect(JSON.stringify(list.body)).not.toContain(waId);
    expect(list.body.tickets.map((t: { id: string }) => t.id)).toContain(ticket.id);

    const detail = await parley.operator('GET', `/tickets/${ticket.id}`);
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.body)).not.toContain(waId);
    expect(detail.body).toMatchObject({ id: ticket.id, conversationRef: ref, comments: [] });
    expect(detail.body.package).toMatchObject({ conversationRef: ref, rule: 'customer_asked' });
    expect(detail.body.package.conversationId).toBeUndefined();
    expect(detail.body.package.transcript.map((t: { text: string }) => t.text)).toContain(
      'I want to speak to a person',
    );

    const claimed = await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-ana' });
    expect(claimed.status).toBe(200);
    expect(JSON.stringify(claimed.body)).not.toContain(waId);
    expect(claimed.body).toMatchObject({
      ticket: { id: ticket.id, status: 'pending', assignedAgentId: 'agent-ana' },
      conversation: { conversationRef: ref, status: 'human', assignedAgent: { id: 'agent-ana' } },
    });
    expect(await state(id)).toMatchObject({ status: 'human', assignedAgent: { id: 'agent-ana' } });
    // Claiming again is harmless; somebody else cannot take it over.
    expect(
      (await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-ana' })).status,
    ).toBe(200);
    expect(
      await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-bo' }),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'already_claimed' } },
    });

    const mine = await parley.operator('GET', '/tickets?agent=agent-ana');
    expect(mine.body.tickets.map((t: { id: string }) => t.id)).toContain(ticket.id);
    const stillOpen = await parley.operator('GET', '/tickets?status=open');
    expect(stillOpen.body.tickets.map((t: { id: string }) => t.id)).not.toContain(ticket.id);
    const unassigned = await parley.operator('GET', '/tickets?unassigned=true&status=open,pending');
    expect(unassigned.body.tickets.map((t: { id: string }) => t.id)).not.toContain(ticket.id);

    const reply = await parley.operator('POST', `/tickets/${ticket.id}/reply`, {
      agentId: 'agent-ana',
      text: 'Hi Dana, Ana here. How can I help?',
    });
    expect(reply).toMatchObject({ status: 200, body: { delivered: true } });
    expect(textsTo(waId).at(-1)?.text?.body).toBe('Hi Dana, Ana here. How can I help?');

    const solved = await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'solved' });
    expect(solved.status).toBe(200);
    expect(solved.body).toMatchObject({
      ticket: { status: 'solved' },
      conversation: { status: 'resolved', changed: true },
    });
    expect((await state(id)).status).toBe('resolved');
    // Solving again: the conversation is already resolved, which is fine.
    expect(
      await parley.operator('POST', `/tickets/${ticket.id}/status`, {
        status: 'solved',
        agentId: 'agent-ana',
      }),
    ).toMatchObject({ status: 200, body: { conversation: { status: 'resolved', changed: false } } });

    expect(
      (await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'closed' })).body.ticket
        .status,
    ).toBe('closed');
    expect((await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'closed' })).status).toBe(
      200,
    );
    expect(await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'open' })).toMatchObject({
      status: 409,
      body: { error: { code: 'ticket_closed' } },
    });
    expect(
      await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-bo' }),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'ticket_closed' } },
    });
  });

  it('still lets an agent take the ticket of a conversation that has ended', async () => {
    const { id, ticket } = await handOff();
    await parley.operator('POST', `/conversations/${encodeURIComponent(id)}/close`, { by: 'supervisor' });
    await parley.client.workflow.getHandle(id).result();

    const claimed = await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-bo' });
    expect(claimed).toMatchObject({
      status: 200,
      body: { ticket: { status: 'pending', assignedAgentId: 'agent-bo' }, conversation: null },
    });
    const reply = await parley.operator('POST', `/tickets/${ticket.id}/reply`, {
      agentId: 'agent-bo',
      text: 'hello?',
    });
    expect(reply).toMatchObject({ status: 409, body: { error: { code: 'conversation_ended' } } });
    expect(JSON.stringify(reply.body)).not.toContain(id);
    const solved = await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'solved' });
    expect(solved).toMatchObject({
      status: 200,
      body: { ticket: { status: 'solved' }, conversation: { changed: false } },
    });
  });

  it('answers 404, 400, 422 and 401 clearly', async () => {
    const { ticket } = await handOff();
    for (const path of ['/tickets/999999999', '/tickets/not-a-ticket']) {
      expect(await parley.operator('GET', path)).toMatchObject({
        status: 404,
        body: { error: { code: 'ticket_not_found' } },
      });
    }
    expect((await parley.operator('POST', '/tickets/999999999/claim', { agentId: 'agent-ana' })).status).toBe(
      404,
    );
    expect((await parley.operator('POST', '/tickets/999999999/status', { status: 'solved' })).status).toBe(
      404,
    );

    const noAgent = await parley.operator('POST', `/tickets/${ticket.id}/claim`, {});
    expect(noAgent).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(noAgent.body.error.message).toMatch(/agentId/);
    const badStatus = await parley.operator('POST', `/tickets/${ticket.id}/status`, { status: 'done' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toMatch(/status/);
    for (const query of ['kind=nope', 'status=open,bogus', 'status=', 'limit=0', 'limit=x', 'colour=red']) {
      const res = await parley.operator('GET', `/tickets?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect((await parley.operator('GET', '/tickets?agent=agent-ana&unassigned=true')).status).toBe(400);

    expect(
      await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-nobody' }),
    ).toMatchObject({ status: 422, body: { error: { code: 'unknown_agent' } } });
    expect((await parley.operator('GET', `/tickets/${ticket.id}`)).body.status).toBe('open');

    expect((await parley.operator('GET', '/tickets', undefined, null)).status).toBe(401);
    expect((await parley.operator('GET', `/tickets/${ticket.id}`, undefined, 'wrong')).status).toBe(401);
    expect(
      (await parley.operator('POST', `/tickets/${ticket.id}/claim`, { agentId: 'agent-ana' }, 'wrong'))
        .status,
    ).toBe(401);
  });
});
