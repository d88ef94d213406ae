/**
 * The satisfaction survey on durable timers, on the time-skipping test server with the
 * real activities: sent an hour after a resolution with three reply buttons, by template once the
 * 24-hour window has closed (or skipped, with why), cancelled by a new message, answered by a tap
 * and an optional comment that are stored.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conversationStateQuery, resolveUpdate } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { eventually, conversationWorkflowId } from '../support/parley.js';
import {
  startTimeSkippingParley,
  timerDue,
  viewWhen,
  type TimeSkippingParley,
} from '../support/time-skipping.js';

const PHONE_NUMBER_ID = '109876543299';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the satisfaction survey (time-skipping test server, real activities)', () => {
  let parley: TimeSkippingParley;

  beforeAll(async () => {
    parley = await startTimeSkippingParley();
  });
  afterEach(() => parley.closeConversations());
  afterAll(async () => {
    await parley?.close();
  });

  const newCustomer = () => `3362${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const sentTo = (waId: string) => parley.sandbox.sent.filter((m) => m.waId === waId);
  const say = (taskQueue: string, waId: string, body: string) =>
    parley.say(taskQueue, { phoneNumberId: PHONE_NUMBER_ID, waId, body });

  async function tap(taskQueue: string, waId: string, replyId: string, title: string): Promise<void> {
    const message = await parley.inbound((timestamp) =>
      hooks.messageWebhook(hooks.buttonReplyMessage({ from: waId, replyId, title, timestamp }), {
        phoneNumberId: PHONE_NUMBER_ID,
      }),
    );
    await parley.deliver(taskQueue, message);
  }

  /** A conversation Parley answered, then resolved by an agent: the survey timer is pending. */
  async function resolvedConversation(taskQueue: string, waId: string) {
    const handle = await say(taskQueue, waId, 'What are your opening hours?');
    await viewWhen(handle, (v) => v.lastTurns.at(-1)?.role === 'bot');
    const resolvedAtMs = await parley.now();
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'agent-7', reason: 'answered' }] });
    const resolved = await viewWhen(handle, (v) => v.pendingTimers.some((t) => t.name === 'csatSurvey'));
    return { handle, resolved, resolvedAtMs };
  }

  const surveyRow = (waId: string) =>
    eventually(async () =>
      parley.db
        .selectFrom('csat_surveys')
        .selectAll()
        .where('conversation_id', '=', conversationWorkflowId(PHONE_NUMBER_ID, waId))
        .executeTakeFirst(),
    );

  it('sends one survey with three short reply buttons an hour after the resolution', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, resolved, resolvedAtMs } = await resolvedConversation(taskQueue, waId);
    const due = timerDue(resolved, 'csatSurvey');
    expect(due - resolvedAtMs).toBeGreaterThanOrEqual(HOUR);
    expect(due - resolvedAtMs).toBeLessThan(HOUR + 2 * MINUTE);

    await parley.skipTo(due - MINUTE);
    expect(sentTo(waId).filter((m) => m.type === 'interactive')).toHaveLength(0);
    await parley.skipTo(due + MINUTE);
    const survey = await eventually(() => sentTo(waId).find((m) => m.type === 'interactive'));
    const interactive = survey.interactive as {
      type: string;
      body: { text: string };
      action: { buttons: { reply: { id: string; title: string } }[] };
    };
    expect(interactive.type).toBe('button');
    expect(interactive.body.text).toMatch(/How did we do/);
    const buttons = interactive.action.buttons.map((b) => b.reply);
    expect(buttons.map((b) => b.id)).toEqual(['csat:3', 'csat:2', 'csat:1']);
    for (const b of buttons) expect([...b.title].length).toBeLessThanOrEqual(20);
    const row = await surveyRow(waId);
    expect(row).toMatchObject({ resolved_by: 'agent', agent_id: 'agent-7', channel: 'buttons', score: null });
    expect(row!.sent_at).not.toBeNull();
    // One survey per resolution: nothing more after another hour.
    await parley.env.sleep(2 * HOUR);
    expect(sentTo(waId).filter((m) => m.type === 'interactive')).toHaveLength(1);
    expect((await handle.query(conversationStateQuery)).status).toBe('resolved');
  });

  it('stores a low score and the comment that follows, without reopening the conversation', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, resolved } = await resolvedConversation(taskQueue, waId);
    await parley.skipTo(timerDue(resolved, 'csatSurvey') + MINUTE);
    await eventually(() => sentTo(waId).find((m) => m.type === 'interactive'));

    await tap(taskQueue, waId, 'csat:1', '😞 Not good');
    await eventually(() => sentTo(waId).find((m) => m.text?.body.match(/What could we have done better/)));
    await say(taskQueue, waId, 'The answer came far too late.');
    await eventually(() => sentTo(waId).find((m) => m.text?.body.match(/passed your comment on/)));
    const row = await eventually(async () => {
      const r = await surveyRow(waId);
      return r?.comment ? r : undefined;
    });
    expect(row).toMatchObject({ score: 1, comment: 'The answer came far too late.' });
    expect(row.answered_at).not.toBeNull();
    const view = await handle.query(conversationStateQuery);
    expect(view.status).toBe('resolved');
  });

  it('is cancelled when the customer writes again before it is due', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const { handle, resolved } = await resolvedConversation(taskQueue, waId);
    const due = timerDue(resolved, 'csatSurvey');
    await parley.skipTo(due - 10 * MINUTE);
    await say(taskQueue, waId, 'Actually, one more question about returns');
    const reopened = await viewWhen(handle, (v) => v.status === 'bot' && v.lastTurns.at(-1)?.role === 'bot');
    expect(reopened.pendingTimers.map((t) => t.name)).not.toContain('csatSurvey');
    await parley.skipTo(due + HOUR);
    expect(sentTo(waId).filter((m) => m.type === 'interactive')).toHaveLength(0);
  });

  it('uses the approved template once the 24-hour window has closed', async () => {
    const { taskQueue } = await parley.startWorker({
      csatDelayMs: 25 * HOUR,
      resolvedCloseMs: 48 * HOUR,
      csatTemplate: { name: 'csat_survey', language: 'en' },
    });
    const waId = newCustomer();
    const { resolved } = await resolvedConversation(taskQueue, waId);
    await parley.skipTo(timerDue(resolved, 'csatSurvey') + MINUTE);
    const template = await eventually(() => sentTo(waId).find((m) => m.type === 'template'));
    expect(template.template?.name).toBe('csat_survey');
    expect(sentTo(waId).filter((m) => m.type === 'interactive')).toHaveLength(0);
    expect(await surveyRow(waId)).toMatchObject({ channel: 'template' });
  });

  it('skips the survey after the window without a template, and records why', async () => {
    const { taskQueue } = await parley.startWorker({ csatDelayMs: 25 * HOUR, resolvedCloseMs: 48 * HOUR });
    const waId = newCustomer();
    const { resolved } = await resolvedConversation(taskQueue, waId);
    await parley.skipTo(timerDue(resolved, 'csatSurvey') + MINUTE);
    const row = await eventually(async () => {
      const r = await surveyRow(waId);
      return r?.skipped_reason ? r : undefined;
    });
    expect(row.skipped_reason).toMatch(/24-hour window/);
    expect(row.sent_at).toBeNull();
    expect(sentTo(waId).filter((m) => m.type === 'interactive' || m.type === 'template')).toHaveLength(0);
  });

  it('sends none after a hand-off no person answered, nor to a customer who opted out', async () => {
    const { taskQueue } = await parley.startWorker();
    const abandoned = newCustomer();
    const handle = await say(taskQueue, abandoned, 'I want to speak to a person');
    await viewWhen(handle, (v) => v.status === 'awaiting_human');
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'agent-7', reason: 'customer left' }] });
    const row = await eventually(async () => {
      const r = await surveyRow(abandoned);
      return r?.skipped_reason ? r : undefined;
    });
    expect(row.skipped_reason).toMatch(/hand-off abandoned/);
    const view = await handle.query(conversationStateQuery);
    expect(view.pendingTimers.map((t) => t.name)).not.toContain('csatSurvey');

    const optedOut = newCustomer();
    const second = await say(taskQueue, optedOut, 'Opening hours please, and no surveys');
    await viewWhen(second, (v) => v.lastTurns.at(-1)?.role === 'bot');
    await second.executeUpdate(resolveUpdate, { args: [{ by: 'agent-7' }] });
    expect((await surveyRow(optedOut))!.skipped_reason).toMatch(/opted out/);
    await parley.env.sleep(2 * HOUR);
    expect(sentTo(optedOut).filter((m) => m.type === 'interactive')).toHaveLength(0);
  });
});
