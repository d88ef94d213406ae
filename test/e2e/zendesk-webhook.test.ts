import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { verifyZendeskSignature } from '../../api/webhooks/zendesk/signature.js';
import type { RefundGateway } from '../../api/operator/refund-gateway.js';
import type { ConversationGateway } from '../../api/conversation-gateway.js';
import { silentLogger } from '../../core/logger.js';
import { linkHelpdeskTicket } from '../../db/repositories/helpdesk-links.js';
import { type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  startTestParley,
  type TestParley,
  conversationWorkflowId,
  testConversationIds,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543213';
const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const customer = () =>
  `3164${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
let nextZendeskId = 70_000 + Math.floor(Math.random() * 10_000);
const zendeskId = () => String(nextZendeskId++);

/** Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + body)). */
function sign(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + body)
    .digest('base64');
}

/** Zendesk sends the timestamp as ISO 8601 without milliseconds. */
const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface CommentOpts {
  ticketId: string;
  commentId?: string;
  body?: string;
  public?: boolean | 'true' | 'false';
  authorId?: string | number;
  role?: string;
  status?: string;
}

function zendeskPayload(o: CommentOpts) {
  return {
    ticket_id: o.ticketId,
    external_id: `parley-${'a'.repeat(40)}`,
    status: o.status ?? 'Open',
    comment: {
      id: o.commentId ?? zendeskId(),
      body: o.body ?? 'Hello from Zendesk',
      public: o.public ?? true,
      author: {
        id: o.authorId ?? '900001',
        name: 'Zoe Zendesk',
        email: 'zoe@example.com',
        role: o.role ?? 'Agent',
      },
    },
  };
}

describe('Zendesk webhook: agent comments reach the customer on WhatsApp (real Temporal, real Postgres)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ env: { ZENDESK_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await parley?.close();
  });

  async function postZendesk(
    payload: unknown,
    o: { timestamp?: string; signature?: string | null; secret?: string; raw?: string } = {},
  ) {
    const raw = o.raw ?? JSON.stringify(payload);
    const timestamp = o.timestamp ?? isoNow();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-zendesk-webhook-signature-timestamp': timestamp,
    };
    const signature = o.signature === undefined ? sign(o.secret ?? SECRET, timestamp, raw) : o.signature;
    if (signature !== null) headers['x-zendesk-webhook-signature'] = signature;
    const res = await fetch(`${parley.api.url}/webhooks/zendesk`, { method: 'POST', headers, body: raw });
    return { status: res.status, body: (await res.json()) as any };
  }

  const textsTo = (waId: string) => parley.sandbox.sent.filter((m) => m.to === waId);
  const bodiesTo = (waId: string) => textsTo(waId).map((m) => m.text?.body);
  const state = async (id: string) =>
    (await parley.operator('GET', `/conversations/${encodeURIComponent(id)}`)).body as ConversationView;

  /** A customer asks for a person; the hand-off's Zendesk ticket is linked as the adapter would. */
  async function handOffToZendesk() {
    const waId = customer();
    const id = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const res = await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body: 'I want to speak to a person',
      }),
    );
    expect(res.status).toBe(200);
    await eventually(async () => ((await state(id)).status === 'awaiting_human' ? true : undefined), 30_000);
    await eventually(() => (textsTo(waId).length > 0 ? true : undefined));
    const ticketId = zendeskId();
    await linkHelpdeskTicket(parley.db, {
      system: 'zendesk',
      externalTicketId: ticketId,
      conversationId: id,
    });
    return { waId, id, ticketId };
  }

  it('sends a public agent comment to the customer exactly once, even when delivered twice', async () => {
    const { waId, id, ticketId } = await handOffToZendesk();
    const payload = zendeskPayload({ ticketId, body: 'Hi! Zoe from support here. Let me check your order.' });

    const first = await postZendesk(payload);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ticketId, comment: { id: payload.comment.id, outcome: 'sent' } });
    expect(JSON.stringify(first.body)).not.toContain(waId);
    expect(await state(id)).toMatchObject({
      status: 'human',
      assignedAgent: { id: 'zendesk:900001', name: 'Zoe Zendesk' },
    });
    expect(bodiesTo(waId).filter((b) => b === payload.comment.body)).toHaveLength(1);

    // Zendesk retries (a fresh timestamp and signature, same comment): nothing is sent again.
    const retry = await postZendesk(payload);
    expect(retry).toMatchObject({ status: 200, body: { comment: { outcome: 'duplicate' } } });

    // Two deliveries racing each other: one sends, the other sees the claim.
    const racing = zendeskPayload({ ticketId, body: 'It ships tomorrow.' });
    const both = await Promise.all([postZendesk(racing), postZendesk(racing)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(both.map((r) => r.body.comment.outcome).sort()).toEqual(['duplicate', 'sent']);

    await new Promise((r) => setTimeout(r, 500));
    expect(bodiesTo(waId).filter((b) => b === payload.comment.body)).toHaveLength(1);
    expect(bodiesTo(waId).filter((b) => b === 'It ships tomorrow.')).toHaveLength(1);
    const rows = await parley.db
      .selectFrom('zendesk_processed_comments')
      .selectAll()
      .where('external_ticket_id', '=', ticketId)
      .execute();
    expect(rows.map((r) => r.outcome)).toEqual(['sent', 'sent']);

    // Another agent answering in Zendesk takes the conversation over.
    const other = await postZendesk(zendeskPayload({ ticketId, authorId: 900002, body: 'Taking over.' }));
    expect(other.body.comment.outcome).toBe('sent');
    expect((await state(id)).assignedAgent?.id).toBe('zendesk:900002');
  });

  it('refuses bad, missing and stale signatures, and sends nothing', async () => {
    const { waId, id, ticketId } = await handOffToZendesk();
    const before = textsTo(waId).length;
    const payload = zendeskPayload({ ticketId, body: 'You should never see this.' });
    const raw = JSON.stringify(payload);
    const attempts = [
      await postZendesk(payload, { secret: 'not-the-secret' }),
      await postZendesk(payload, { signature: null }),
      await postZendesk(payload, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
      // Correctly signed, but ten minutes old: a replay.
      await postZendesk(payload, { timestamp: isoNow(-10 * 60_000) }),
      await postZendesk(payload, { timestamp: isoNow(10 * 60_000) }),
      await postZendesk(payload, { timestamp: 'yesterday' }),
      // Signed for one body, sent with another.
      await postZendesk(payload, {
        signature: sign(SECRET, isoNow(), raw),
        raw: raw.replace('never', 'always'),
      }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_signature');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(textsTo(waId)).toHaveLength(before);
    expect((await state(id)).status).toBe('awaiting_human');
    const processed = await parley.db
      .selectFrom('zendesk_processed_comments')
      .select('comment_id')
      .where('comment_id', '=', payload.comment.id)
      .execute();
    expect(processed).toEqual([]);
  });

  it('ignores private notes, end users, and tickets Parley did not create', async () => {
    const { waId, id, ticketId } = await handOffToZendesk();
    const before = textsTo(waId).length;

    const note = await postZendesk(
      zendeskPayload({ ticketId, public: false, body: 'Internal: VIP, be nice' }),
    );
    expect(note).toMatchObject({ status: 200, body: { comment: { outcome: 'ignored' } } });
    const noteAsText = await postZendesk(
      zendeskPayload({ ticketId, public: 'false', body: 'Internal again' }),
    );
    expect(noteAsText.body.comment.outcome).toBe('ignored');
    const endUser = await postZendesk(zendeskPayload({ ticketId, role: 'end-user', body: 'Any news?' }));
    expect(endUser).toMatchObject({ status: 200, body: { comment: { outcome: 'ignored' } } });
    const unknown = await postZendesk(zendeskPayload({ ticketId: '1', body: 'Not ours' }));
    expect(unknown).toMatchObject({ status: 200, body: { ignored: 'unknown_ticket' } });

    const invalid = await postZendesk({ ticket_id: 'abc', comment: { body: 'x' } });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    expect((await postZendesk(undefined, { raw: '{not json' })).status).toBe(400);

    await new Promise((r) => setTimeout(r, 300));
    expect(textsTo(waId)).toHaveLength(before);
    expect((await state(id)).status).toBe('awaiting_human');
  });

  it('resolves the conversation when the ticket is solved', async () => {
    const { waId, id, ticketId } = await handOffToZendesk();
    const payload = zendeskPayload({ ticketId, status: 'Solved', body: 'Refund done. Have a nice day!' });
    const solved = await postZendesk(payload);
    expect(solved).toMatchObject({
      status: 200,
      body: { comment: { outcome: 'sent' }, conversation: { status: 'resolved', changed: true } },
    });
    expect(bodiesTo(waId)).toContain('Refund done. Have a nice day!');
    const view = await state(id);
    expect(view.status).toBe('resolved');

    const again = await postZendesk(payload);
    expect(again).toMatchObject({
      status: 200,
      body: { comment: { outcome: 'duplicate' }, conversation: { status: 'resolved', changed: false } },
    });
    expect(bodiesTo(waId).filter((b) => b === 'Refund done. Have a nice day!')).toHaveLength(1);

    // A status-only trigger (no comment) on a ticket solved straight away.
    const other = await handOffToZendesk();
    const statusOnly = await postZendesk({ ticket_id: Number(other.ticketId), status: 'solved' });
    expect(statusOnly).toMatchObject({ status: 200, body: { conversation: { status: 'resolved' } } });
    expect((await state(other.id)).status).toBe('resolved');
  });

  it("verifies Zendesk's published example signature, and only within five minutes of it", () => {
    // The worked example of Zendesk's verification guide (event connectors edition).
    const example = {
      rawBody: new TextEncoder().encode('{"say": "hello"}'),
      signature: 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=',
      timestamp: '2021-07-25T10:00:00Z',
      secret: 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=',
    };
    const at = Date.parse(example.timestamp);
    expect(verifyZendeskSignature({ ...example, nowMs: at + 4 * 60_000 })).toBe('ok');
    expect(verifyZendeskSignature({ ...example, nowMs: at + 6 * 60_000 })).toBe('stale');
    expect(verifyZendeskSignature({ ...example, secret: 'other', nowMs: at })).toBe('mismatch');
    expect(
      verifyZendeskSignature({ ...example, rawBody: new TextEncoder().encode('{"say": "bye"}'), nowMs: at }),
    ).toBe('mismatch');
    // The webhooks guide's order: timestamp, then body.
    const ordered = sign(example.secret, example.timestamp, '{"say": "hello"}');
    expect(verifyZendeskSignature({ ...example, signature: ordered, nowMs: at })).toBe('ok');
  });

  it('is switched off (404) without ZENDESK_WEBHOOK_SECRET', async () => {
    const app = createApp({
      whatsapp: { appSecret: 'x', verifyToken: 'y' },
      conversations: {} as ConversationGateway,
      refunds: {} as RefundGateway,
      db: parley.db,
      deadLetterRetentionMs: 86_400_000,
      operatorApiToken: undefined,
      readiness: { temporal: async () => {}, postgres: async () => {} },
      logger: silentLogger,
      ids: testConversationIds,
    });
    const res = await app.request('/webhooks/zendesk', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});
