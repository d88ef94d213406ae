/**
 * The helpdesk adapters and the Slack notifier, against real things: the built-in queue on a real
 * (test) Postgres database, the Zendesk adapter over HTTP against fake-zendesk (Zendesk's ticket API
 * shapes, auth and errors), the Slack notifier against fake-slack (chat.postMessage and webhooks).
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBuiltinQueue } from '../../activities/helpdesk/builtin-queue.js';
import {
  HelpdeskErrorTypes,
  type HandoffPackage,
  type Helpdesk,
  type TicketRef,
} from '../../activities/helpdesk/types.js';
import { createZendeskHelpdesk, zendeskExternalId } from '../../activities/helpdesk/zendesk.js';
import {
  createSlackNotifier,
  createSlackWebhookNotifier,
  handoffMessage,
  onCallMessage,
  slaReminderMessage,
  SlackErrorTypes,
  type SlackNotifier,
} from '../../activities/notify/slack.js';
import { maskPhone } from '../../domain/privacy.js';
import type { Db } from '../../db/database.js';
import {
  countOpenHandoffTickets,
  getHandoffTicket,
  listHandoffTicketComments,
  listHandoffTickets,
  updateHandoffTicketStatus,
} from '../../db/repositories/handoff-tickets.js';
import { startFakeSlack, type FakeSlack } from '../servers/fake-slack.js';
import { startFakeZendesk, type FakeZendesk } from '../servers/fake-zendesk.js';
import { createTestDatabase } from '../support/database.js';

const RAW_PHONE = '33612345678';
const CUSTOMER_WORDS = 'my parcel 1042 arrived smashed, the lamp is in pieces';

function pkg(over: Partial<HandoffPackage> = {}): HandoffPackage {
  return {
    conversationId: `whatsapp:106540352242922:${RAW_PHONE}`,
    customer: {
      displayName: 'Camille Martin',
      maskedPhone: maskPhone(RAW_PHONE),
      tier: 'vip',
      language: 'fr',
    },
    rule: 'vip_complaint',
    reason: 'A VIP customer reports a damaged delivery',
    handling: 'hand_off_now',
    summary: 'Customer says order 1042 arrived damaged and wants a replacement before Friday.',
    transcript: [
      { role: 'customer', text: CUSTOMER_WORDS, at: '2026-11-25T09:00:00.000Z' },
      {
        role: 'customer',
        text: '[photo] A cardboard box crushed on one corner <b>',
        at: '2026-11-25T09:00:05.000Z',
      },
      { role: 'bot', text: 'I am sorry! I am passing you to a colleague.', at: '2026-11-25T09:00:09.000Z' },
    ],
    understanding: { intent: 'complaint', sentiment: 'negative' },
    history: { orders: [{ orderNumber: '1042', status: 'delivered', total: '€129.00' }], openTickets: 0 },
    recommendedNextAction: 'Offer a replacement lamp with express shipping.',
    // An opaque link: the conversation id itself holds the customer's number.
    conversationUrl: 'https://parley.example.com/c/7f3a9c1e',
    ...over,
  };
}

/** Runs `fn`, expects an ApplicationFailure, returns it. */
async function failureOf(fn: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

// ---------------------------------------------------------------------------------------------

describe('built-in queue (Postgres)', () => {
  let db: Db;
  let queue: Helpdesk;

  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    queue = createBuiltinQueue({ db, ticketUrl: (id) => `https://parley.example.com/queue/${id}` });
  });
  afterAll(() => db.destroy());

  it('creates a ticket once per idempotency key, with the package', async () => {
    const p = pkg({ routeToAgentId: 'agent-ana' });
    const first = await queue.createTicket(p, { idempotencyKey: 'handoff:c1:1' });
    const retried = await queue.createTicket(p, { idempotencyKey: 'handoff:c1:1' });
    expect(retried).toEqual(first);
    expect(first).toEqual({
      system: 'builtin',
      id: first.id,
      url: `https://parley.example.com/queue/${first.id}`,
    });

    const row = await getHandoffTicket(db, first.id);
    expect(row).toMatchObject({
      kind: 'handoff',
      status: 'open',
      rule: 'vip_complaint',
      handling: 'hand_off_now',
      assigned_agent_id: 'agent-ana',
      due_at: null,
      conversation_id: p.conversationId,
    });
    expect(row!.package).toEqual(p);
    const rows = await db
      .selectFrom('handoff_tickets')
      .select('id')
      .where('idempotency_key', '=', 'handoff:c1:1')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses an idempotency key reused for another conversation', async () => {
    await queue.createTicket(pkg(), { idempotencyKey: 'handoff:c2:1' });
    const failure = await failureOf(() =>
      queue.createTicket(pkg({ conversationId: 'whatsapp:1:4915112345678' }), {
        idempotencyKey: 'handoff:c2:1',
      }),
    );
    expect(failure.type).toBe(HelpdeskErrorTypes.IdempotencyConflict);
    expect(failure.nonRetryable).toBe(true);
  });

  it('creates review tasks with a due time and lists the queue oldest first, by kind', async () => {
    const review = await queue.createTicket(pkg({ handling: 'next_day_review', rule: 'refund_request' }), {
      idempotencyKey: 'review:c3:1',
      dueAt: '2020-01-02T09:00:00.000Z',
    });
    const defaulted = await queue.createTicket(pkg({ handling: 'next_day_review', rule: 'late_order' }), {
      idempotencyKey: 'review:c3:2',
    });
    const row = await getHandoffTicket(db, review.id);
    expect(row).toMatchObject({ kind: 'review', handling: 'next_day_review' });
    expect(row!.due_at?.toISOString()).toBe('2020-01-02T09:00:00.000Z');
    const defaultedRow = await getHandoffTicket(db, defaulted.id);
    expect(defaultedRow!.due_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const reviews = await listHandoffTickets(db, { kind: 'review' });
    expect(reviews.map((r) => r.id)).toEqual([review.id, defaulted.id]);
    const due = await listHandoffTickets(db, { kind: 'review', dueBefore: new Date() });
    expect(due.map((r) => r.id)).toEqual([review.id]);
    const handoffs = await listHandoffTickets(db, { kind: 'handoff' });
    expect(handoffs.every((r) => r.kind === 'handoff')).toBe(true);
    const all = await listHandoffTickets(db);
    const created = all.map((r) => r.created_at.getTime());
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(await listHandoffTickets(db, { assignedAgentId: 'agent-ana' })).toHaveLength(1);
  });

  it('adds comments (once per key), reopens on a customer message, maps statuses', async () => {
    const ticket = await queue.createTicket(pkg(), { idempotencyKey: 'handoff:c4:1' });
    await queue.addComment(
      ticket,
      { author: 'agent', text: 'Replacement on its way', public: true },
      { idempotencyKey: 'k1' },
    );
    await queue.addComment(
      ticket,
      { author: 'agent', text: 'Replacement on its way', public: true },
      { idempotencyKey: 'k1' },
    );
    await queue.addComment(ticket, { author: 'parley', text: 'Internal: VIP', public: false });
    const comments = await listHandoffTicketComments(db, ticket.id);
    expect(comments.map((c) => [c.author, c.text, c.public])).toEqual([
      ['agent', 'Replacement on its way', true],
      ['parley', 'Internal: VIP', false],
    ]);

    expect(await queue.ticketStatus(ticket)).toBe('open');
    expect(await updateHandoffTicketStatus(db, ticket.id, 'pending')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(await queue.ticketStatus(ticket)).toBe('pending');
    await queue.addComment(ticket, { author: 'customer', text: 'Any news?', public: true });
    expect(await queue.ticketStatus(ticket)).toBe('open');

    expect(await countOpenHandoffTickets(db, pkg().conversationId)).toBeGreaterThan(0);
    expect(await updateHandoffTicketStatus(db, ticket.id, 'solved')).toMatchObject({ ok: true });
    expect(await updateHandoffTicketStatus(db, ticket.id, 'closed')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(await updateHandoffTicketStatus(db, ticket.id, 'closed')).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(await updateHandoffTicketStatus(db, ticket.id, 'open')).toMatchObject({
      ok: false,
      reason: 'closed',
    });
    expect(await queue.ticketStatus(ticket)).toBe('closed');

    const closed = await failureOf(() =>
      queue.addComment(ticket, { author: 'customer', text: 'Hello?', public: true }),
    );
    expect(closed.type).toBe(HelpdeskErrorTypes.TicketClosed);
    expect(closed.nonRetryable).toBe(true);
  });

  it('answers non-retryable failures for unknown or foreign tickets', async () => {
    const missing = await failureOf(() => queue.ticketStatus({ system: 'builtin', id: '999999' }));
    expect(missing.type).toBe(HelpdeskErrorTypes.TicketNotFound);
    expect(missing.nonRetryable).toBe(true);
    const garbage = await failureOf(() => queue.ticketStatus({ system: 'builtin', id: 'abc' }));
    expect(garbage.type).toBe(HelpdeskErrorTypes.TicketNotFound);
    const foreign = await failureOf(() => queue.ticketStatus({ system: 'zendesk', id: '1' }));
    expect(foreign.type).toBe(HelpdeskErrorTypes.InvalidRequest);
    expect(await updateHandoffTicketStatus(db, '999999', 'solved')).toEqual({
      ok: false,
      reason: 'not_found',
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('Zendesk adapter (against fake-zendesk over HTTP)', () => {
  const EMAIL = 'bot@acme.example';
  const TOKEN = 'zd-token-8d1f0c7e55';
  let fake: FakeZendesk;
  let zendesk: Helpdesk;

  beforeAll(async () => {
    fake = await startFakeZendesk({ email: EMAIL, apiToken: TOKEN });
    zendesk = createZendeskHelpdesk({
      baseUrl: fake.url,
      email: EMAIL,
      apiToken: TOKEN,
      brandTag: 'Acme Shop',
      timeoutMs: 5_000,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('creates a ticket carrying the package, without the raw phone number', async () => {
    // Keys are built from the conversation id, which holds the number: Zendesk gets a hash.
    const key = `handoff:${pkg().conversationId}:1`;
    const ticket = await zendesk.createTicket(pkg(), { idempotencyKey: key });
    expect(ticket).toEqual({
      system: 'zendesk',
      id: ticket.id,
      url: `${fake.url}/agent/tickets/${ticket.id}`,
    });

    // Looked for an existing ticket by external_id first, then created one, authenticated.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v2/tickets.json',
      'POST /api/v2/tickets.json',
    ]);
    const externalId = zendeskExternalId(key);
    expect(externalId).toMatch(/^parley-[0-9a-f]{40}$/);
    expect(fake.requests[0]!.query).toEqual({ external_id: externalId });
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    expect(fake.requests[1]!.idempotencyKey).toBe(externalId);
    expect(JSON.stringify(fake.requests)).not.toContain(RAW_PHONE);

    const stored = fake.ticket(ticket.id)!;
    expect(stored.subject).toBe('Hand-off: vip_complaint – Camille Martin');
    expect(stored.external_id).toBe(externalId);
    expect(stored.tags).toEqual(['parley', 'rule_vip_complaint', 'parley_handoff', 'tier_vip', 'acme_shop']);
    expect(stored.priority).toBe('urgent');
    expect(stored.status).toBe('new');
    expect(stored.requester).toEqual({ name: 'Camille Martin' });
    expect(stored.comments).toHaveLength(1);
    const first = stored.comments[0]!;
    expect(first.public).toBe(false);
    expect(first.html_body).toContain('<h3>Summary</h3>');
    expect(first.html_body).toContain('order 1042 arrived damaged');
    expect(first.html_body).toContain(CUSTOMER_WORDS);
    expect(first.html_body).toContain('crushed on one corner &lt;b&gt;');
    expect(first.html_body).toContain('Offer a replacement lamp');
    expect(first.html_body).toContain('#1042 — delivered — €129.00');
    expect(first.html_body).toContain(`href="${pkg().conversationUrl}"`);
    expect(first.html_body).toContain(maskPhone(RAW_PHONE));
    expect(stored.description).toContain(CUSTOMER_WORDS);
  });

  it('a retried create returns the same ticket instead of creating a second', async () => {
    const a = await zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z2:1' });
    const b = await zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z2:1' });
    expect(b).toEqual(a);
    expect(fake.tickets().filter((t) => t.external_id === zendeskExternalId('handoff:z2:1'))).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a 5xx on create is retryable, and the retry creates exactly one ticket', async () => {
    fake.failNext(1, 503, { method: 'POST' });
    const failure = await failureOf(() => zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z3:1' }));
    expect(failure.type).toBe(HelpdeskErrorTypes.Transient);
    expect(failure.nonRetryable).toBe(false);
    await zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z3:1' });
    expect(fake.tickets().filter((t) => t.external_id === zendeskExternalId('handoff:z3:1'))).toHaveLength(1);
  });

  it('makes next-day reviews Zendesk tasks with a due date', async () => {
    const ticket = await zendesk.createTicket(pkg({ handling: 'next_day_review', rule: 'refund request' }), {
      idempotencyKey: 'review:z4:1',
      dueAt: '2026-11-26T09:00:00.000Z',
    });
    const stored = fake.ticket(ticket.id)!;
    expect(stored).toMatchObject({ type: 'task', due_at: '2026-11-26T09:00:00Z', priority: 'normal' });
    expect(stored.subject.startsWith('Review: refund request')).toBe(true);
    expect(stored.tags).toContain('rule_refund_request');
    expect(stored.tags).toContain('parley_review');
  });

  it('adds public and private comments with PUT, reopening on a customer message', async () => {
    const ticket = await zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z5:1' });
    fake.setStatus(ticket.id, 'pending');
    fake.reset();
    await zendesk.addComment(ticket, {
      author: 'parley',
      text: 'Customer re-sent the photo.\nSee above.',
      public: false,
    });
    await zendesk.addComment(ticket, { author: 'customer', text: 'Is anyone there? <3', public: true });

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/v2/tickets/${ticket.id}.json`,
      `PUT /api/v2/tickets/${ticket.id}.json`,
    ]);
    expect(fake.requests[0]!.body).toEqual({
      ticket: {
        comment: {
          html_body: '<p><strong>Parley:</strong></p><p>Customer re-sent the photo.<br>See above.</p>',
          public: false,
        },
      },
    });
    expect(fake.requests[1]!.body).toMatchObject({ ticket: { status: 'open', comment: { public: true } } });
    const stored = fake.ticket(ticket.id)!;
    expect(stored.comments.map((c) => c.public)).toEqual([false, false, true]);
    expect(stored.comments[2]!.plain_body).toContain('Is anyone there? <3');
    expect(stored.status).toBe('open');
  });

  it('maps Zendesk statuses back', async () => {
    const ticket = await zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z6:1' });
    const seen: string[] = [];
    for (const status of ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const) {
      fake.setStatus(ticket.id, status);
      seen.push(await zendesk.ticketStatus(ticket));
    }
    expect(seen).toEqual(['open', 'open', 'pending', 'pending', 'solved', 'closed']);

    const closed = await failureOf(() =>
      zendesk.addComment(ticket, { author: 'customer', text: 'Hello again', public: true }),
    );
    expect(closed.type).toBe(HelpdeskErrorTypes.TicketClosed);
    expect(closed.nonRetryable).toBe(true);
    expect(closed.message).toContain('closed prevents ticket update');

    const missing = await failureOf(() => zendesk.ticketStatus({ system: 'zendesk', id: '424242' }));
    expect(missing.type).toBe(HelpdeskErrorTypes.TicketNotFound);
    expect(missing.nonRetryable).toBe(true);
    expect(missing.details?.[0]).toMatchObject({ httpStatus: 404, error: 'RecordNotFound' });
  });

  it('429 is retryable with Retry-After as the next retry delay', async () => {
    fake.failNext(1, 429, { retryAfter: 7 });
    const failure = await failureOf(() => zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z7:1' }));
    expect(failure.type).toBe(HelpdeskErrorTypes.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_000);
    expect(failure.details?.[0]).toMatchObject({
      httpStatus: 429,
      error: 'APIRateLimitExceeded',
      retryAfterMs: 7_000,
    });
  });

  it('401 is non-retryable and never carries the token', async () => {
    const wrong = createZendeskHelpdesk({
      baseUrl: fake.url,
      email: EMAIL,
      apiToken: 'zd-wrong-token-1234',
      timeoutMs: 5_000,
    });
    const failure = await failureOf(() => wrong.createTicket(pkg(), { idempotencyKey: 'handoff:z8:1' }));
    expect(failure.type).toBe(HelpdeskErrorTypes.AuthError);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain("Couldn't authenticate you");
    const everything = `${failure.message} ${JSON.stringify(failure.details)} ${failure.stack ?? ''}`;
    expect(everything).not.toContain('zd-wrong-token-1234');
    expect(everything).not.toContain(Buffer.from(`${EMAIL}/token:zd-wrong-token-1234`).toString('base64'));
    expect(fake.requests[0]).toMatchObject({ hasAuthorization: true, authorized: false, status: 401 });
  });

  it('422 from Zendesk is non-retryable with its validation details', async () => {
    fake.failNext(1, 422, {
      method: 'POST',
      body: {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: {
          requester: [{ description: 'Requester: Email is not properly formatted', error: 'InvalidValue' }],
        },
      },
    });
    const failure = await failureOf(() => zendesk.createTicket(pkg(), { idempotencyKey: 'handoff:z9:1' }));
    expect(failure.type).toBe(HelpdeskErrorTypes.InvalidRequest);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('Requester: Email is not properly formatted');
  });

  it('network failures are retryable', async () => {
    const down = createZendeskHelpdesk({
      baseUrl: 'http://127.0.0.1:9',
      email: EMAIL,
      apiToken: TOKEN,
      timeoutMs: 2_000,
    });
    const failure = await failureOf(() => down.ticketStatus({ system: 'zendesk', id: '1' }));
    expect(failure.type).toBe(HelpdeskErrorTypes.Transient);
    expect(failure.nonRetryable).toBe(false);
  });

  it('fake-zendesk refuses what Zendesk would refuse (and misspelt fields)', async () => {
    const auth = `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}`;
    const post = (body: unknown) =>
      fetch(`${fake.url}/api/v2/tickets.json`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ ticket: { subject: 'x' } })).status).toBe(422);
    expect((await post({ ticket: { subject: 'x', comment: { body: 'y' }, priority: 'asap' } })).status).toBe(
      422,
    );
    expect(
      (await post({ ticket: { subject: 'x', comment: { body: 'y' }, due_at: '2026-11-26T09:00:00Z' } }))
        .status,
    ).toBe(422);
    expect((await post({ ticket: { subjekt: 'x', comment: { body: 'y' } } })).status).toBe(400);
    expect((await post({ subject: 'x' })).status).toBe(400);
    const unauth = await fetch(`${fake.url}/api/v2/tickets.json`);
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toEqual({ error: "Couldn't authenticate you" });
  });
});

// ---------------------------------------------------------------------------------------------

describe('Slack notifier (against fake-slack)', () => {
  const TOKEN = 'xoxb-test-1111-2222-abcd';
  let fake: FakeSlack;
  let slack: SlackNotifier;
  const ticket: TicketRef = {
    system: 'zendesk',
    id: '1001',
    url: 'https://acme.zendesk.com/agent/tickets/1001',
  };

  beforeAll(async () => {
    fake = await startFakeSlack({
      token: TOKEN,
      channels: [
        { id: 'C0SUPPORT', name: 'support' },
        { id: 'C0OLD', name: 'old-support', archived: true },
      ],
      webhooks: { 'T000/B000/s3cr3t': 'C0SUPPORT' },
    });
    slack = createSlackNotifier({ token: TOKEN, apiUrl: fake.apiUrl, timeoutMs: 5_000 });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('posts the hand-off to the channel, with links and no customer message text', async () => {
    const p = pkg();
    const result = await slack.postMessage({ channel: '#support', ...handoffMessage(p, ticket) });
    expect(result.channel).toBe('C0SUPPORT');
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);

    const [message] = fake.messages('support');
    expect(message).toBeDefined();
    expect(message!.ts).toBe(result.ts);
    expect(message!.text).toContain('vip_complaint');
    expect(message!.args).toMatchObject({ unfurl_links: false });
    const rendered = JSON.stringify(message!.blocks);
    expect(rendered).toContain(`<${p.conversationUrl}|Open conversation>`);
    expect(rendered).toContain('<https://acme.zendesk.com/agent/tickets/1001|Open ticket (Zendesk #1001)>');
    expect(rendered).toContain(maskPhone(RAW_PHONE));
    expect(rendered).toContain('complaint');
    expect(rendered).toContain('negative');
    expect(rendered).toContain('*Customer tier*\\nvip');
    expect(rendered).toContain('order 1042 arrived damaged');
    // Privacy: no transcript, no raw number, no name.
    const everything = `${message!.text} ${rendered}`;
    expect(everything).not.toContain(CUSTOMER_WORDS);
    expect(everything).not.toContain('crushed');
    expect(everything).not.toContain(RAW_PHONE);
    expect(everything).not.toContain('Camille');
    expect(fake.requests[0]).toMatchObject({
      tokenValid: true,
      contentType: 'application/json; charset=utf-8',
    });
  });

  it('posts SLA reminders and on-call pages that pass Block Kit validation', async () => {
    await slack.postMessage({
      channel: 'C0SUPPORT',
      ...slaReminderMessage({
        ticket,
        rule: 'vip_complaint',
        maskedPhone: maskPhone(RAW_PHONE),
        tier: 'vip',
        conversationUrl: pkg().conversationUrl,
        waitingSince: '2026-11-25T09:00:00.000Z',
        slaMinutes: 15,
        now: new Date('2026-11-25T09:42:00.000Z'),
      }),
    });
    await slack.postMessage({
      channel: 'support',
      ...onCallMessage({
        ticket: { system: 'builtin', id: '42' },
        rule: 'legal_threat',
        reason: 'Customer mentions a lawyer',
        maskedPhone: maskPhone(RAW_PHONE),
        conversationUrl: pkg().conversationUrl,
        mention: 'S0ONCALL',
      }),
    });
    const [sla, page] = fake.messages('C0SUPPORT');
    expect(sla!.text).toContain('waited 42 min');
    expect(sla!.text).toContain('target 15 min');
    expect(page!.text.startsWith('<!subteam^S0ONCALL>')).toBe(true);
    expect(JSON.stringify(page!.blocks)).toContain('Queue #42');
  });

  it('channel_not_found and archived channels are non-retryable', async () => {
    const missing = await failureOf(() => slack.postMessage({ channel: '#nope', text: 'hi' }));
    expect(missing.type).toBe(SlackErrorTypes.ChannelError);
    expect(missing.nonRetryable).toBe(true);
    expect(missing.details?.[0]).toMatchObject({ httpStatus: 200, error: 'channel_not_found' });
    const archived = await failureOf(() => slack.postMessage({ channel: 'old-support', text: 'hi' }));
    expect(archived.details?.[0]).toMatchObject({ error: 'is_archived' });
    expect(archived.nonRetryable).toBe(true);
  });

  it('ratelimited is retryable with Retry-After; 5xx is retryable', async () => {
    fake.failNext(1, 'ratelimited');
    const limited = await failureOf(() => slack.postMessage({ channel: 'support', text: 'hi' }));
    expect(limited.type).toBe(SlackErrorTypes.RateLimited);
    expect(limited.nonRetryable).toBe(false);
    expect(limited.nextRetryDelay).toBe(3_000);

    fake.failNext(1, { status: 200, error: 'ratelimited' });
    const inBody = await failureOf(() => slack.postMessage({ channel: 'support', text: 'hi' }));
    expect(inBody.type).toBe(SlackErrorTypes.RateLimited);

    fake.failNext(1, { status: 503 });
    const down = await failureOf(() => slack.postMessage({ channel: 'support', text: 'hi' }));
    expect(down.type).toBe(SlackErrorTypes.Transient);
    expect(down.nonRetryable).toBe(false);
  });

  it('bad tokens are non-retryable auth errors without the token', async () => {
    const wrong = createSlackNotifier({ token: 'xoxb-wrong-9999', apiUrl: fake.apiUrl });
    const failure = await failureOf(() => wrong.postMessage({ channel: 'support', text: 'hi' }));
    expect(failure.type).toBe(SlackErrorTypes.AuthError);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ error: 'invalid_auth' });
    expect(`${failure.message} ${JSON.stringify(failure.details)}`).not.toContain('xoxb-wrong-9999');

    const none = await fetch(`${fake.apiUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'support', text: 'hi' }),
    });
    expect(await none.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('fake-slack refuses invalid blocks and unknown arguments', async () => {
    const tooLong = await failureOf(() =>
      slack.postMessage({
        channel: 'support',
        text: 'hi',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      }),
    );
    expect(tooLong.type).toBe(SlackErrorTypes.InvalidMessage);
    expect(tooLong.details?.[0]).toMatchObject({ error: 'invalid_blocks' });
    const res = await fetch(`${fake.apiUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'support', text: 'hi', chanel: 'typo' }),
    });
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });

  it('posts through an incoming webhook', async () => {
    const hook = createSlackWebhookNotifier({ webhookUrl: fake.webhookUrl('T000/B000/s3cr3t') });
    await hook.post(handoffMessage(pkg(), ticket));
    expect(fake.messages('support')).toHaveLength(1);
    expect(fake.messages('support')[0]!.via).toBe('webhook');

    const gone = createSlackWebhookNotifier({ webhookUrl: fake.webhookUrl('T000/B000/revoked') });
    const failure = await failureOf(() => gone.post({ text: 'hi' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ httpStatus: 404, error: 'no_service' });
    expect(failure.message).not.toContain('revoked');
  });
});
