import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { listTransitions } from '../../db/repositories/conversations.js';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { conversationStateQuery, type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually, startTestParley, type TestParley, conversationWorkflowId } from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543211';
const customer = () =>
  `3162${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
const wamid = () => `wamid.${randomUUID()}`;

describe('conversation lifecycle over the operator API (real Temporal, real Postgres)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley();
    expect((await parley.operator('POST', '/agents', { id: 'agent-ana', name: 'Ana Agent' })).status).toBe(
      201,
    );
    expect((await parley.operator('POST', '/agents', { id: 'agent-bo', name: 'Bo Agent' })).status).toBe(201);
  });
  afterAll(async () => {
    await parley?.close();
  });

  const send = (waId: string, body: string, o: { id?: string; name?: string; timestamp?: number } = {}) =>
    parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: o.id ?? wamid(),
        body,
        name: o.name,
        timestamp: o.timestamp,
      }),
    );
  const textsTo = (waId: string) => parley.sandbox.sent.filter((m) => m.to === waId);
  const state = async (id: string) =>
    (await parley.operator('GET', `/conversations/${encodeURIComponent(id)}`)).body as ConversationView;
  const path = (id: string, action: string) => `/conversations/${encodeURIComponent(id)}/${action}`;

  async function startConversation(name = 'Chloé') {
    const waId = customer();
    const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    expect((await send(waId, 'Bonjour, ma commande 1042 ?', { name })).status).toBe(200);
    await eventually(() => textsTo(waId)[0]);
    return { waId, id };
  }

  it('shows supervisors the whole state through the query', async () => {
    const { waId, id } = await startConversation();
    const view = await eventually(async () => {
      const v = await state(id);
      return v.lastTurns.length >= 2 ? v : undefined;
    });
    expect(view).toMatchObject({
      conversationId: id,
      status: 'bot',
      escalated: false,
      unreachable: false,
      customer: {
        displayName: 'Chloé',
        maskedNumber: `${waId.slice(0, 2)}${'*'.repeat(waId.length - 4)}${waId.slice(-2)}`,
      },
    });
    expect(JSON.stringify(view.customer)).not.toContain(waId);
    expect(view.lastTurns.map((t) => t.role)).toEqual(['customer', 'bot']);
    expect(view.lastTurns[0]!.text).toBe('Bonjour, ma commande 1042 ?');
    const expires = Date.parse(view.windowExpiresAt!);
    expect(expires).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect(view.pendingTimers.map((t) => t.name)).toEqual(['botIdleResolve']);
    expect(view.pendingTimers[0]!.summary).toMatch(/Resolve if the customer stays quiet for 2 h/);
  });

  it('hands over to an agent, relays their replies, hands back, resolves and closes', async () => {
    const { waId, id } = await startConversation();

    const assigned = await parley.operator('POST', path(id, 'assign'), { agentId: 'agent-ana' });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({
      status: 'human',
      assignedAgent: { id: 'agent-ana', name: 'Ana Agent' },
    });
    expect((await state(id)).pendingTimers).toEqual([]);

    const reply = await parley.operator('POST', path(id, 'reply'), {
      agentId: 'agent-ana',
      text: 'Bonjour, je regarde ça.',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ delivered: true });
    const sent = parley.sandbox.sent.find((m) => m.messageId === reply.body.messageId);
    expect(sent).toMatchObject({ to: waId, type: 'text' });

    // While a person owns the conversation, Parley reads but does not answer.
    const before = textsTo(waId).length;
    const customerMsg = wamid();
    await send(waId, 'Merci !', { id: customerMsg });
    await eventually(() => parley.sandbox.reads.find((r) => r.messageId === customerMsg));
    await eventually(async () => ((await state(id)).lastTurns.at(-1)?.text === 'Merci !' ? true : undefined));
    expect(textsTo(waId).length).toBe(before);

    expect((await parley.operator('POST', path(id, 'hand-back'), { by: 'agent-ana' })).body).toMatchObject({
      status: 'bot',
    });
    await send(waId, 'Et la livraison ?');
    await eventually(() => (textsTo(waId).length === before + 1 ? true : undefined));

    expect((await parley.operator('POST', path(id, 'resolve'), { by: 'agent-ana' })).body).toMatchObject({
      status: 'resolved',
    });
    const resolved = await eventually(async () => {
      const v = await state(id);
      return v.pendingTimers.some((t) => t.name === 'resolvedClose') ? v : undefined;
    });
    expect(resolved.pendingTimers.find((t) => t.name === 'resolvedClose')!.summary).toBe(
      'Close if quiet for 24 h',
    );

    expect(
      (await parley.operator('POST', path(id, 'close'), { by: 'supervisor', reason: 'done' })).status,
    ).toBe(200);
    const handle = parley.client.workflow.getHandle(id);
    expect(await handle.result()).toEqual({ closedBy: 'supervisor', reason: 'done' });

    const row = await parley.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('closed');
    expect(row.closed_at).not.toBeNull();
    const transitions = (await listTransitions(parley.db, id)).map(
      (t) => `${t.from_status ?? 'new'}→${t.to_status} by ${t.by}`,
    );
    expect(transitions).toEqual([
      'new→bot by customer',
      'bot→human by agent-ana',
      'human→bot by agent-ana',
      'bot→resolved by agent-ana',
      'resolved→closed by supervisor',
    ]);
  });

  it('refuses invalid commands in the validator, leaving no trace in history', async () => {
    const { id } = await startConversation();
    const handle = parley.client.workflow.getHandle(id);
    const eventsBefore = (await handle.fetchHistory()).events!.length;

    const noAgent = await parley.operator('POST', path(id, 'reply'), { agentId: 'agent-ana', text: 'hello' });
    expect(noAgent).toMatchObject({
      status: 409,
      body: { error: { code: 'command_rejected', message: 'no agent is assigned to this conversation' } },
    });
    const empty = await parley.operator('POST', path(id, 'reply'), { agentId: 'agent-ana', text: '   ' });
    expect(empty).toMatchObject({ status: 409, body: { error: { message: 'text must not be empty' } } });
    const handBack = await parley.operator('POST', path(id, 'hand-back'), { by: 'agent-ana' });
    expect(handBack).toMatchObject({
      status: 409,
      body: { error: { message: 'cannot handBack a conversation that is bot' } },
    });
    const unknown = await parley.operator('POST', path(id, 'assign'), { agentId: 'agent-nobody' });
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'unknown_agent' } } });

    await parley.operator('POST', path(id, 'assign'), { agentId: 'agent-ana' });
    const otherAgent = await parley.operator('POST', path(id, 'reply'), { agentId: 'agent-bo', text: 'hi' });
    expect(otherAgent).toMatchObject({
      status: 409,
      body: { error: { message: 'agent agent-bo is not assigned to this conversation' } },
    });

    const history = await handle.fetchHistory();
    const updates = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates).toHaveLength(1); // only the valid assignment
    expect(history.events!.length).toBeGreaterThan(eventsBefore);

    await parley.operator('POST', path(id, 'close'), { by: 'supervisor' });
    await handle.result();
    const closedAgain = await parley.operator('POST', path(id, 'resolve'), { by: 'agent-ana' });
    expect([404, 409]).toContain(closedAgain.status);
  });

  it('authenticates the operator API', async () => {
    const { id } = await startConversation();
    expect(
      (await parley.operator('GET', `/conversations/${encodeURIComponent(id)}`, undefined, null)).status,
    ).toBe(401);
    expect(
      (await parley.operator('GET', `/conversations/${encodeURIComponent(id)}`, undefined, 'wrong')).status,
    ).toBe(401);
    expect((await parley.operator('POST', path(id, 'assign'), { nope: true })).status).toBe(400);
    expect((await parley.operator('GET', '/conversations/whatsapp%3A1%3A2')).status).toBe(404);
  });

  it('lets supervisors filter conversations by typed search attributes', async () => {
    const { id } = await startConversation();
    await parley.operator('POST', path(id, 'assign'), { agentId: 'agent-bo' });
    const found = await eventually(async () => {
      for await (const wf of parley.client.workflow.list({
        query: `ParleyStatus = "human" AND ParleyAssignedAgent = "agent-bo" AND ParleyBusinessNumber = "${PHONE_NUMBER_ID}"`,
      })) {
        if (wf.workflowId === id) return wf;
      }
      return undefined;
    });
    expect(found.workflowId).toBe(id);
  });

  it('starts a new conversation run after a close, carrying the summary over', async () => {
    const { waId, id } = await startConversation('Marc');
    const handle = parley.client.workflow.getHandle(id);
    await parley.operator('POST', path(id, 'close'), { by: 'supervisor' });
    const firstRun = (await handle.describe()).runId;
    await handle.result();
    // The rolling summary is written by the agent loop; here we stand in for it in the projection.
    await sql`update conversations set summary = 'Asked about order 1042; resolved.' where id = ${id}`.execute(
      parley.db,
    );

    await send(waId, 'Me again');
    await eventually(() => (textsTo(waId).length >= 2 ? true : undefined));
    const newRun = await parley.client.workflow.getHandle(id).describe();
    expect(newRun.runId).not.toBe(firstRun);
    expect(newRun.status.name).toBe('RUNNING');
    const view = await parley.client.workflow.getHandle(id).query(conversationStateQuery);
    expect(view).toMatchObject({
      status: 'bot',
      summary: 'Asked about order 1042; resolved.',
      customer: { displayName: 'Marc' },
    });
    const messages = await listConversationMessages(parley.db, id);
    expect(messages.filter((m) => m.direction === 'inbound')).toHaveLength(2);
  });

  it('does not send free-form text outside the 24-hour window', async () => {
    const waId = customer();
    const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    // Meta delivered this message late: it was written 25 hours ago, so the window is already shut.
    const stale = Math.floor((Date.now() - 25 * 3600_000) / 1000);
    expect((await send(waId, 'old message', { timestamp: stale })).status).toBe(200);
    const view = await eventually(async () => {
      const v = await state(id);
      return v.recentSendFailures.length > 0 ? v : undefined;
    });
    expect(view.recentSendFailures[0]).toMatchObject({ reason: 'OutsideServiceWindow' });
    expect(Date.parse(view.windowExpiresAt!)).toBeLessThan(Date.now());
    expect(textsTo(waId)).toHaveLength(0);
  });
});

describe('24-hour window with a re-engagement template configured', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({
      env: {
        WHATSAPP_REENGAGEMENT_TEMPLATE: 'support_followup',
        WHATSAPP_REENGAGEMENT_TEMPLATE_LANGUAGE: 'fr',
      },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  it('sends the approved template instead, and again when Meta reports 131047', async () => {
    const waId = customer();
    const stale = Math.floor((Date.now() - 25 * 3600_000) / 1000);
    await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: wamid(),
        body: 'late',
        timestamp: stale,
      }),
    );
    const template = await eventually(() =>
      parley.sandbox.sent.find((m) => m.to === waId && m.type === 'template'),
    );
    expect(template).toBeTruthy();
    expect(parley.sandbox.sent.filter((m) => m.to === waId && m.type === 'text')).toHaveLength(0);

    // Inside the window a text goes out; if Meta then fails it with 131047 the template follows.
    const fresh = hooks.textMessageWebhook({
      phoneNumberId: PHONE_NUMBER_ID,
      waId,
      id: wamid(),
      body: 'now',
    });
    await parley.postWebhook(fresh);
    const text = await eventually(() => parley.sandbox.sent.find((m) => m.to === waId && m.type === 'text'));
    const failed = hooks.statusChangeValue({
      phoneNumberId: PHONE_NUMBER_ID,
      recipientId: waId,
      messageId: text.messageId,
      status: 'failed',
    }) as any;
    failed.statuses[0].errors = [hooks.reEngagementError()];
    expect((await parley.postWebhook(hooks.webhookBody([failed]))).status).toBe(200);
    await eventually(() =>
      parley.sandbox.sent.filter((m) => m.to === waId && m.type === 'template').length === 2
        ? true
        : undefined,
    );
  });
});
