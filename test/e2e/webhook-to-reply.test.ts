import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { startTemporalDevServer } from '../../devstack/temporal-dev-server.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  startTestParley,
  TEST_VERIFY_TOKEN,
  type TestParley,
  conversationWorkflowId,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543210';
const customer = () =>
  `3361${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
const wamid = () => `wamid.${randomUUID()}`;

describe('WhatsApp webhook → conversation workflow → reply (real Temporal, real Postgres)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley();
  });
  afterAll(async () => {
    await parley?.close();
  });

  const repliesTo = (waId: string) => parley.sandbox.sent.filter((m) => m.to === waId && m.type === 'text');
  const workflowExists = async (waId: string) => {
    try {
      await parley.client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId)).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };

  it('answers the verification handshake and refuses a wrong token', async () => {
    const ok = await fetch(
      `${parley.api.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${TEST_VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(
      `${parley.api.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(bad.status).toBe(403);
  });

  it('starts the workflow for a signed text message, replies once and logs both messages', async () => {
    const waId = customer();
    const id = wamid();
    const res = await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id,
        body: 'Hello, where is my order?',
        name: 'Ana',
      }),
    );
    expect(res.status).toBe(200);

    const reply = await eventually(() => repliesTo(waId)[0]);
    expect(reply.phoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(parley.sandbox.reads.some((r) => r.messageId === id)).toBe(true);

    const rows = await eventually(async () => {
      const r = await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId));
      // The reply is recorded as `sending` before Meta is asked, then `sent` with Meta's id.
      return r.length === 2 && r[1]!.status !== 'sending' ? r : undefined;
    });
    expect(rows.map((r) => r.direction)).toEqual(['inbound', 'outbound']);
    expect(rows[0]).toMatchObject({ wa_message_id: id, body: 'Hello, where is my order?', type: 'text' });
    expect(rows[1]).toMatchObject({ wa_message_id: reply.messageId, status: 'sent' });
  });

  it('replies once to a webhook delivered twice', async () => {
    const waId = customer();
    const first = hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: wamid(), body: 'Hi' });
    expect((await parley.postWebhook(first)).status).toBe(200);
    await eventually(() => repliesTo(waId)[0]);
    expect((await parley.postWebhook(first)).status).toBe(200);

    // A later distinct message is answered after the duplicate would have been: by then a duplicate
    // reply would be visible.
    const laterId = wamid();
    await parley.postWebhook(
      hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: laterId, body: 'Still there?' }),
    );
    await eventually(() => parley.sandbox.reads.find((r) => r.messageId === laterId));
    await eventually(() => (repliesTo(waId).length >= 2 ? true : undefined));
    expect(repliesTo(waId)).toHaveLength(2);
    const inbound = await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId));
    expect(inbound.filter((r) => r.direction === 'inbound')).toHaveLength(2);
  });

  it('runs one workflow per customer', async () => {
    const [a, b] = [customer(), customer()];
    const body = hooks.webhookBody([
      hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId: a, id: wamid(), body: 'from a' }),
      hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId: b, id: wamid(), body: 'from b' }),
    ]);
    expect((await parley.postWebhook(body)).status).toBe(200);
    await eventually(() => repliesTo(a)[0]);
    await eventually(() => repliesTo(b)[0]);
    const ids = new Set<string>();
    for (const waId of [a, b]) {
      const d = await parley.client.workflow
        .getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId))
        .describe();
      expect(d.status.name).toBe('RUNNING');
      ids.add(d.runId);
    }
    expect(ids.size).toBe(2);
  });

  it('rejects a missing or wrong signature with 401 and starts nothing', async () => {
    const waId = customer();
    const body = hooks.textMessageWebhook({
      phoneNumberId: PHONE_NUMBER_ID,
      waId,
      id: wamid(),
      body: 'forged',
    });
    expect((await parley.postWebhook(body, { signature: null })).status).toBe(401);
    expect((await parley.postWebhook(body, { signature: 'sha256=' + '0'.repeat(64) })).status).toBe(401);
    expect(
      (await parley.postWebhook(body, { signature: hooks.signWebhook(JSON.stringify(body), 'other-secret') }))
        .status,
    ).toBe(401);
    expect((await parley.postWebhook(body, { signature: 'md5=abc' })).status).toBe(401);
    expect(await workflowExists(waId)).toBe(false);
  });

  it('answers 400 to a body that is not JSON, with a clear error and a request id', async () => {
    const malformed = await parley.postWebhook(undefined, {
      raw: '{"object": "whatsapp_business_account", "entry": [',
    });
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('malformed_json');
    expect(body.error.requestId).toBeTruthy();
    // Signed JSON of the wrong shape is not refused (Meta would retry it for days): see dead-letters.test.ts.
  });

  it('handles a batch of messages, a status and a type we do not handle yet in one POST', async () => {
    const waId = customer();
    const ids = [wamid(), wamid(), wamid()];
    const value = hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId, id: ids[0]!, body: 'one' });
    const second = hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId, id: ids[1]!, body: 'two' });
    const unknownType = hooks.textChangeValue({
      phoneNumberId: PHONE_NUMBER_ID,
      waId,
      id: ids[2]!,
      body: 'x',
    }) as any;
    unknownType.messages[0] = {
      from: waId,
      id: ids[2],
      timestamp: '1732540000',
      type: 'hologram',
      hologram: { beam: 1 },
    };
    const status = hooks.statusChangeValue({
      phoneNumberId: PHONE_NUMBER_ID,
      recipientId: waId,
      messageId: wamid(),
      status: 'delivered',
    });
    const res = await parley.postWebhook(hooks.webhookBody([value, second, unknownType, status]));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: { messages: 3, statuses: 1 } });

    const rows = await eventually(async () => {
      const r = await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId));
      return r.filter((m) => m.direction === 'inbound').length === 3 ? r : undefined;
    });
    expect(rows.filter((m) => m.direction === 'inbound').map((m) => m.wa_message_id)).toEqual(ids);
    expect(rows.find((m) => m.wa_message_id === ids[2])?.type).toBe('unsupported');
  });

  it('records a delivery status on the outbound message', async () => {
    const waId = customer();
    await parley.postWebhook(
      hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: wamid(), body: 'hey' }),
    );
    const reply = await eventually(() => repliesTo(waId)[0]);
    const res = await parley.postWebhook(
      hooks.webhookBody([
        hooks.statusChangeValue({
          phoneNumberId: PHONE_NUMBER_ID,
          recipientId: waId,
          messageId: reply.messageId,
          status: 'read',
        }),
      ]),
    );
    expect(res.status).toBe(200);
    await eventually(async () => {
      const rows = await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId));
      return rows.find((r) => r.wa_message_id === reply.messageId && r.status === 'read');
    });
  });

  it('reports liveness and readiness', async () => {
    expect((await fetch(`${parley.api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${parley.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { temporal: 'ok', postgres: 'ok' } });
  });
});

describe('when Temporal is down', () => {
  it('answers 5xx so Meta retries, and /readyz reports it', async () => {
    const temporal = await startTemporalDevServer({ headless: true });
    const parley = await startTestParley({ worker: false, env: { TEMPORAL_ADDRESS: temporal.address } });
    try {
      const waId = customer();
      const body = hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: wamid(),
        body: 'anyone?',
      });
      expect((await parley.postWebhook(body)).status).toBe(200);
      await temporal.stop();
      const res = await parley.postWebhook(
        hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: wamid(), body: 'hello?' }),
      );
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'temporarily_unavailable' } });
      expect((await fetch(`${parley.api.url}/readyz`)).status).toBe(503);
    } finally {
      await parley.close();
      await temporal.stop();
    }
  });
});
