/**
 * A reply is never silently dropped: while the Graph API is down, Parley's and agents' messages are
 * retried with capped backoff on durable timers (visible in the state query), for as long as the
 * 24-hour window allows — then as the re-engagement template — and reach the customer exactly once
 * when it comes back. Time-skipping test server, real activities, the sandbox Graph API.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentReplyUpdate, assignAgentUpdate } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually } from '../support/parley.js';
import { startTimeSkippingParley, viewWhen, type TimeSkippingParley } from '../support/time-skipping.js';

const PHONE_NUMBER_ID = '109876543266';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const OUTAGE = { httpStatus: 503, code: 131000, message: 'Something went wrong' };

describe('redelivery while WhatsApp is unavailable (time-skipping test server)', () => {
  let parley: TimeSkippingParley;

  beforeAll(async () => {
    parley = await startTimeSkippingParley();
  });
  afterEach(async () => {
    parley.sandbox.clearFaults();
    await parley.closeConversations();
  });
  afterAll(async () => {
    await parley?.close();
  });

  const newCustomer = () => `3365${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const textsTo = (waId: string) =>
    parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'text').map((m) => m.text!.body);
  const say = (taskQueue: string, waId: string, body: string) =>
    parley.say(taskQueue, { phoneNumberId: PHONE_NUMBER_ID, waId, body });

  it('a 30-minute Graph API outage: the replies wait (visible in the state) and arrive exactly once after', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    parley.sandbox.failNext(100_000, OUTAGE);
    const outageStart = await parley.now();
    const handle = await say(taskQueue, waId, 'What are your opening hours?');
    const pending = await viewWhen(handle, (v) => v.pendingSends.length === 1);
    expect(pending.pendingSends[0]).toMatchObject({ what: 'bot', lastReason: 'WhatsAppTransientError' });
    expect(textsTo(waId)).toEqual([]);

    // Still down twenty minutes on: more attempts, nothing sent, nothing dropped.
    await parley.skipTo(outageStart + 20 * MINUTE);
    const later = await viewWhen(handle, (v) => (v.pendingSends[0]?.attempts ?? 0) >= 3);
    expect(later.recentSendFailures.filter((f) => f.what === 'bot')).toEqual([]);
    expect(textsTo(waId)).toEqual([]);

    // Back after 30 minutes: the reply goes out at the next attempt, once.
    await parley.skipTo(outageStart + 30 * MINUTE);
    parley.sandbox.clearFaults();
    await parley.skipTo(outageStart + 40 * MINUTE);
    await viewWhen(handle, (v) => v.pendingSends.length === 0);
    await eventually(() => (textsTo(waId).length === 1 ? true : undefined));
    expect(textsTo(waId)[0]).toMatch(/opening|hours|open/i);
    await parley.skipTo(outageStart + 60 * MINUTE);
    expect(textsTo(waId)).toHaveLength(1);
  });

  it("an agent's reply during an outage is answered 'queued' at once and delivered once WhatsApp is back", async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const handle = await say(taskQueue, waId, 'I want to speak to a person');
    await viewWhen(handle, (v) => v.status === 'awaiting_human');
    await handle.executeUpdate(assignAgentUpdate, { args: [{ agentId: 'agent-9' }] });
    const before = textsTo(waId).length;
    parley.sandbox.failNext(100_000, OUTAGE);
    const start = await parley.now();
    const result = await handle.executeUpdate(agentReplyUpdate, {
      args: [{ agentId: 'agent-9', text: 'Hello, Ines here. How can I help?' }],
    });
    expect(result).toMatchObject({ delivered: false, queued: true });
    await viewWhen(handle, (v) => v.pendingSends.some((p) => p.what === 'agent'));
    await parley.skipTo(start + 15 * MINUTE);
    parley.sandbox.clearFaults();
    await parley.skipTo(start + 25 * MINUTE);
    await viewWhen(handle, (v) => v.pendingSends.length === 0);
    expect(textsTo(waId).slice(before)).toEqual(['Hello, Ines here. How can I help?']);
  });

  it('when the window closes during the outage, the re-engagement template goes instead', async () => {
    const { taskQueue } = await parley.startWorker({
      reengagementTemplate: { name: 'parley_reengage', language: 'en' },
    });
    const waId = newCustomer();
    // The customer wrote 23 h 55 min ago (Meta delivered late): the window closes in five minutes.
    parley.sandbox.failNext(100_000, OUTAGE);
    const start = await parley.now();
    const message = await parley.inbound(() =>
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body: 'What are your opening hours?',
        timestamp: Math.floor((start - 24 * HOUR + 5 * MINUTE) / 1000),
      }),
    );
    const handle = await parley.deliver(taskQueue, message);
    await viewWhen(handle, (v) => v.pendingSends.length === 1);
    await parley.skipTo(start + 10 * MINUTE);
    parley.sandbox.clearFaults();
    await parley.skipTo(start + 20 * MINUTE);
    await viewWhen(handle, (v) => v.pendingSends.length === 0);
    const sent = parley.sandbox.sent.filter((m) => m.waId === waId);
    expect(sent.map((m) => m.type)).toEqual(['template']);
    expect(sent[0]!.template?.name).toBe('parley_reengage');
  });
});
