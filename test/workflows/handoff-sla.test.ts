/**
 * Escalation on durable timers, on the time-skipping test server with the real activities,
 * the built-in Postgres queue and a Slack stand-in: the hand-off package and notification, the
 * pickup SLA reminder and the on-call page (and neither after an assignment), the agent-reply SLA,
 * and — outside escalation hours — the honest wait and the next-day review at the next opening,
 * across a holiday, a weekend and a DST change.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessHours } from '../../domain/business-hours.js';
import { assignAgentUpdate } from '../../workflows/definitions.js';
import { eventually, conversationWorkflowId } from '../support/parley.js';
import {
  startTimeSkippingParley,
  timerDue,
  viewWhen,
  type TimeSkippingParley,
} from '../support/time-skipping.js';

const PHONE_NUMBER_ID = '109876543288';
const MINUTE = 60_000;

/** Paris office hours, Monday to Friday 09:00–18:00, closed on Christmas Day and New Year's Day. */
const PARIS_OFFICE: BusinessHours = {
  timezone: 'Europe/Paris',
  weekly: {
    monday: [{ open: '09:00', close: '18:00' }],
    tuesday: [{ open: '09:00', close: '18:00' }],
    wednesday: [{ open: '09:00', close: '18:00' }],
    thursday: [{ open: '09:00', close: '18:00' }],
    friday: [{ open: '09:00', close: '18:00' }],
    saturday: [],
    sunday: [],
  },
  holidays: [{ date: '2037-12-25', name: 'Christmas' }, { date: '2038-01-01' }],
};

describe('escalation and hand-off on durable timers (time-skipping test server)', () => {
  let parley: TimeSkippingParley;

  beforeAll(async () => {
    parley = await startTimeSkippingParley();
  });
  afterEach(() => parley.closeConversations());
  afterAll(async () => {
    await parley?.close();
  });

  const newCustomer = () => `3363${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const textsTo = (waId: string) =>
    parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'text').map((m) => m.text!.body);
  const tickets = (waId: string) =>
    parley.db
      .selectFrom('handoff_tickets')
      .selectAll()
      .where('conversation_id', '=', conversationWorkflowId(PHONE_NUMBER_ID, waId))
      .orderBy('id')
      .execute();
  const support = () => parley.slack.messages('C0SUPPORT');
  const onCall = () => parley.slack.messages('C0ONCALL');

  const say = (taskQueue: string, waId: string, body: string) =>
    parley.say(taskQueue, { phoneNumberId: PHONE_NUMBER_ID, waId, body });

  it('hands off with the package and a notification, then reminds the team and pages on-call', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const before = support().length;
    const handle = await say(taskQueue, waId, 'I want to speak to a person please');
    const waiting = await viewWhen(
      handle,
      (v) => v.status === 'awaiting_human' && v.pendingTimers.length >= 2,
    );
    const handedOffAt = await parley.now();

    expect(textsTo(waId).at(-1)).toMatch(/passing your question to a colleague.*within about 15 minutes/s);
    const [ticket] = await eventually(async () =>
      (await tickets(waId)).length === 1 ? tickets(waId) : undefined,
    );
    expect(ticket).toMatchObject({
      kind: 'handoff',
      rule: 'customer_asked',
      handling: 'hand_off_now',
      status: 'open',
    });
    const pkg = ticket!.package as {
      transcript: { role: string; text: string }[];
      customer: { maskedPhone: string };
    };
    expect(pkg.transcript.map((t) => t.text)).toContain('I want to speak to a person please');
    expect(pkg.customer.maskedPhone).not.toContain(waId);
    await eventually(() => (support().length === before + 1 ? true : undefined));
    expect(support().at(-1)!.text).toMatch(/customer_asked/);
    expect(JSON.stringify(support().at(-1))).not.toContain(waId);

    const pickupDue = timerDue(waiting, 'pickupSla');
    const onCallDue = timerDue(waiting, 'pickupOnCall');
    expect(pickupDue - handedOffAt).toBeGreaterThan(14 * MINUTE);
    expect(pickupDue - handedOffAt).toBeLessThanOrEqual(15 * MINUTE);
    expect(onCallDue - handedOffAt).toBeGreaterThan(44 * MINUTE);

    await parley.skipTo(pickupDue - MINUTE);
    expect(support()).toHaveLength(before + 1);
    await parley.skipTo(pickupDue + MINUTE);
    await eventually(() => (support().length === before + 2 ? true : undefined));
    expect(support().at(-1)!.text).toMatch(/without an agent \(target 15 min\)/);
    expect(onCall()).toHaveLength(0);
    await parley.skipTo(onCallDue + MINUTE);
    await eventually(() => (onCall().length === 1 ? true : undefined));
    expect(onCall()[0]!.text).toMatch(/hand-off/i);
  });

  it('stops the pickup timers on assignment and runs the agent-reply SLA instead', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = newCustomer();
    const noticesBefore = support().length;
    const handle = await say(taskQueue, waId, 'Can I talk to a human?');
    const waiting = await viewWhen(
      handle,
      (v) => v.status === 'awaiting_human' && v.pendingTimers.length >= 2,
    );
    const pickupDue = timerDue(waiting, 'pickupSla');
    // The hand-off's own notice is posted after the timers are armed: count from after it.
    await eventually(() => (support().length === noticesBefore + 1 ? true : undefined));
    const supportBefore = support().length;
    const onCallBefore = onCall().length;

    await parley.env.sleep(5 * MINUTE);
    const assigned = await handle.executeUpdate(assignAgentUpdate, { args: [{ agentId: 'agent-7' }] });
    expect(assigned.pendingTimers.map((t) => t.name)).not.toContain('pickupSla');
    expect(assigned.pendingTimers.map((t) => t.name)).not.toContain('pickupOnCall');
    await parley.skipTo(pickupDue + 60 * MINUTE);
    expect(support()).toHaveLength(supportBefore);
    expect(onCall()).toHaveLength(onCallBefore);

    // The customer writes to the agent: the reply SLA runs and reminds the team when missed.
    await say(taskQueue, waId, 'Hello? Is anyone there?');
    const human = await viewWhen(handle, (v) => v.pendingTimers.some((t) => t.name === 'agentReplySla'));
    await parley.skipTo(timerDue(human, 'agentReplySla') + MINUTE);
    await eventually(() => (support().length === supportBefore + 1 ? true : undefined));
    expect(support().at(-1)!.text).toMatch(/agent reply overdue/);
    // The customer's messages are kept on the ticket.
    const [ticket] = await tickets(waId);
    const comments = await parley.db
      .selectFrom('handoff_ticket_comments')
      .select(['author', 'text'])
      .where('ticket_id', '=', ticket!.id)
      .execute();
    expect(comments.map((c) => c.text)).toContain('Hello? Is anyone there?');
  });

  it('outside hours: answers with an honest wait and reviews the case at the next opening, after a holiday and a weekend', async () => {
    const { taskQueue } = await parley.startWorker({ businessHours: PARIS_OFFICE });
    // Thursday 24 December 2037, 19:00 in Paris: closed until Monday 28th (Christmas, then a weekend).
    // Far-future dates: the test server's clock starts at the wall clock and only moves forward.
    await parley.skipTo(Date.UTC(2037, 11, 24, 18, 0));
    const unsure = newCustomer();
    const handle = await say(taskQueue, unsure, 'Blorp fizzwack quandle zibber');
    const queued = await viewWhen(handle, (v) => v.pendingTimers.some((t) => t.name === 'nextDayReview'));
    expect(queued.status).toBe('bot'); // Parley keeps the conversation; the team reviews it
    expect(timerDue(queued, 'nextDayReview')).toBe(Date.UTC(2037, 11, 28, 8, 0)); // Monday 09:00 CET
    expect(textsTo(unsure).at(-1)).toMatch(/when we open again, Monday 28 December at 09:00 CET/);

    // Rule 1 still hands off now, with the same honest wait; the pickup SLA starts at the opening.
    const asker = newCustomer();
    const handOff = await say(taskQueue, asker, 'I want to speak to a person');
    const waiting = await viewWhen(
      handOff,
      (v) => v.status === 'awaiting_human' && v.pendingTimers.length >= 2,
    );
    expect(textsTo(asker).at(-1)).toMatch(/Monday 28 December at 09:00 CET/);
    expect(timerDue(waiting, 'pickupSla')).toBe(Date.UTC(2037, 11, 28, 8, 15));

    // The quiet conversation closes over the holiday: its review is filed then, due at the opening.
    await parley.skipTo(Date.UTC(2037, 11, 28, 8, 1));
    const review = await eventually(async () => (await tickets(unsure)).find((t) => t.kind === 'review'));
    expect(review).toMatchObject({ rule: 'low_confidence', handling: 'next_day_review' });
    expect(review!.due_at!.getTime()).toBe(Date.UTC(2037, 11, 28, 8, 0));
  });

  it('outside hours across the spring DST change: the review is filed at 09:00 summer time', async () => {
    // Conversations stay open over the weekend here: the review comes from its own timer.
    const { taskQueue } = await parley.startWorker({
      businessHours: PARIS_OFFICE,
      resolvedCloseMs: 7 * 24 * 60 * MINUTE,
    });
    // Saturday 27 March 2038, 12:00 in Paris (CET); clocks go forward on Sunday 28th.
    await parley.skipTo(Date.UTC(2038, 2, 27, 11, 0));
    const waId = newCustomer();
    const handle = await say(taskQueue, waId, 'Blorp fizzwack quandle zibber');
    const queued = await viewWhen(handle, (v) => v.pendingTimers.some((t) => t.name === 'nextDayReview'));
    expect(timerDue(queued, 'nextDayReview')).toBe(Date.UTC(2038, 2, 29, 7, 0)); // Monday 09:00 CEST
    expect(textsTo(waId).at(-1)).toMatch(/Monday 29 March at 09:00 CEST/);

    await parley.skipTo(Date.UTC(2038, 2, 29, 6, 59));
    expect((await tickets(waId)).filter((t) => t.kind === 'review')).toHaveLength(0);
    await parley.skipTo(Date.UTC(2038, 2, 29, 7, 1));
    const review = await eventually(async () => (await tickets(waId)).find((t) => t.kind === 'review'));
    expect(review!.due_at!.getTime()).toBe(Date.UTC(2038, 2, 29, 7, 0));
  });
});
