/**
 * Handing a conversation to people: the hand-off now (package, helpdesk ticket, team notice,
 * pickup SLA timers), the next-day review out of hours, the SLA reminders and on-call pages, the
 * customer's words added to the ticket while a person owns the conversation, and a confirmed
 * action that failed.
 */
import type { TeamNotice } from '../../activities/handoff-activities.js';
import { addBusinessTime, isOpen, nextOpening } from '../../domain/business-hours.js';
import { formatLocalTime } from '../../domain/locale.js';
import { customerMessage } from '../../domain/customer-messages.js';
import type { EscalationDecision } from '../../domain/escalation-policy.js';
import { maskPhone } from '../../domain/privacy.js';
import { bestEffort, describeFailure } from '../failures.js';
import { handoffSteps } from './activities.js';
import { MODEL_HISTORY_TURNS, refreshSummary } from './agent-turn.js';
import type { ConversationContext } from './context.js';
import { humanDuration, recordSendFailure, type EscalationState } from './state.js';
import { transition } from './transitions.js';

/** "A colleague will take over" with an honest wait: the SLA in hours, the next opening outside. */
export function handoffText(ctx: ConversationContext, unanswered: boolean): string {
  const language = ctx.state.language;
  const hours = ctx.settings().businessHours;
  const now = Date.now();
  const wait = isOpen(hours, now)
    ? customerMessage('handoff_wait_soon', language, {
        minutes: String(Math.round(ctx.settings().pickupSlaMs / 60_000)),
      })
    : customerMessage('handoff_wait_opening', language, {
        when: formatLocalTime(nextOpening(hours, now), language, hours.timezone),
      });
  return `${customerMessage(unanswered ? 'handoff_unanswered' : 'handoff', language)} ${wait}`;
}

/**
 * The whole hand-off in one go: the queue status, the package (transcript, model-written summary,
 * history, rule, next action) in the helpdesk, the team notified, the pickup SLA timers armed.
 */
export async function handOff(ctx: ConversationContext, decision: EscalationDecision): Promise<void> {
  const { state, timers } = ctx;
  transition(ctx, 'awaiting_human', 'parley', `${decision.rule}: ${decision.reason}`);
  const now = Date.now();
  state.escalation = {
    rule: decision.rule,
    reason: decision.reason,
    handling: decision.handling,
    atMs: now,
    ...(decision.routeToAgentId ? { routeToAgentId: decision.routeToAgentId } : {}),
  };
  timers.cancel('nextDayReview'); // a person takes the case now: no review of it later
  // Without a model there is nobody to write the summary: no activity doomed to fail. (Settings
  // recorded before `modelConfigured` existed lack it, so those runs replay as they ran.)
  const summary =
    ctx.settings().modelConfigured !== false
      ? await refreshSummary(state.summary, recentTurns(ctx))
      : undefined;
  if (summary !== undefined) state.summary = summary;
  // Somebody may have picked the case up while the summary was written: no pickup SLA then.
  if (state.status === 'awaiting_human') {
    const hours = ctx.settings().businessHours;
    const { pickupSlaMs, onCallAfterMs } = ctx.settings();
    timers.arm(
      'pickupSla',
      addBusinessTime(hours, now, pickupSlaMs) - Date.now(),
      `Remind the team if nobody picks up within ${humanDuration(pickupSlaMs)} of opening hours`,
    );
    timers.arm(
      'pickupOnCall',
      addBusinessTime(hours, now, onCallAfterMs) - Date.now(),
      `Page on-call if still unassigned after ${humanDuration(onCallAfterMs)} of opening hours`,
    );
  }
  await deliverToTeam(ctx, decision, `handoff:${ctx.firstRunId}:${state.transitionSeq}`);
  if (decision.rule === 'crisis') await notifyTeam(ctx, 'on_call');
}

/** Outside escalation hours: the case waits for the team's next opening as a review task. */
export function scheduleReview(ctx: ConversationContext, decision: EscalationDecision): void {
  const { state } = ctx;
  if (state.timers.nextDayReview) return; // one review per opening covers the whole case
  const now = Date.now();
  const dueAtMs = nextOpening(ctx.settings().businessHours, now);
  state.escalation = {
    rule: decision.rule,
    reason: decision.reason,
    handling: decision.handling,
    atMs: now,
    reviewDueAtMs: dueAtMs,
  };
  ctx.timers.arm('nextDayReview', dueAtMs - now, `Create the next-day review task (${decision.rule})`);
}

/** The review task for the case queued out of hours, due when the team is back. */
export async function fileReview(ctx: ConversationContext, dueAtMs: number): Promise<void> {
  if (!ctx.state.escalation) return;
  const review = { ...ctx.state.escalation, handling: 'next_day_review' as const };
  await deliverToTeam(ctx, review, `review:${ctx.firstRunId}:${dueAtMs}`, dueAtMs);
}

/** The ticket (hand-off or review) and the team's notification; a failure leaves the status as is. */
async function deliverToTeam(
  ctx: ConversationContext,
  decision: Omit<EscalationState, 'atMs'>,
  key: string,
  dueAtMs?: number,
) {
  const { state } = ctx;
  try {
    const { ticket, pkg } = await handoffSteps.createHandoffTicket.executeWithOptions(
      {
        summary:
          decision.handling === 'hand_off_now'
            ? `Hand-off ticket (${decision.rule})`
            : `Review task (${decision.rule})`,
      },
      [
        {
          conversationId: ctx.conversationId,
          waId: state.waId,
          ...(state.customer.displayName ? { displayName: state.customer.displayName } : {}),
          ...(state.customer.tier ? { tier: state.customer.tier } : {}),
          ...(state.language ? { language: state.language } : {}),
          rule: decision.rule,
          reason: decision.reason,
          handling: decision.handling,
          ...(decision.routeToAgentId ? { routeToAgentId: decision.routeToAgentId } : {}),
          summary: state.summary,
          transcript: state.turns.map((t) => ({ role: t.role, text: t.text, atMs: t.atMs })),
          ...(state.intent ? { intent: state.intent } : {}),
          ...(state.sentiment ? { sentiment: state.sentiment.label } : {}),
          idempotencyKey: key,
          ...(dueAtMs !== undefined ? { dueAtMs } : {}),
        },
      ],
    );
    if (decision.handling === 'hand_off_now') state.ticket = ticket;
    await bestEffort('notify the team', () =>
      handoffSteps.notifyTeam.executeWithOptions({ summary: 'Notify the team' }, [
        { kind: 'handoff', pkg, ticket },
      ]),
    );
  } catch (err) {
    recordSendFailure(state, { atMs: Date.now(), what: 'hand-off ticket', ...describeFailure(err) });
  }
}

/** SLA reminders and on-call pages for the current hand-off (nothing without a ticket). */
export async function notifyTeam(
  ctx: ConversationContext,
  kind: 'pickup_reminder' | 'on_call' | 'agent_reply',
): Promise<void> {
  const { state } = ctx;
  const ticket = state.ticket;
  const escalation = state.escalation;
  if (!ticket || !escalation) return;
  const who = {
    ticket,
    conversationId: ctx.conversationId,
    maskedPhone: maskPhone(state.waId),
    ...(state.customer.tier ? { tier: state.customer.tier } : {}),
  };
  const notice: TeamNotice =
    kind === 'on_call'
      ? { kind: 'on_call', ...who, rule: escalation.rule, reason: escalation.reason }
      : {
          kind: 'pickup_reminder',
          ...who,
          rule: kind === 'agent_reply' ? 'agent reply overdue' : escalation.rule,
          waitingSinceMs: escalation.atMs,
          slaMinutes: Math.round(
            (kind === 'agent_reply' ? ctx.settings().agentReplySlaMs : ctx.settings().pickupSlaMs) / 60_000,
          ),
        };
  await bestEffort(`notify the team (${kind})`, () =>
    handoffSteps.notifyTeam.executeWithOptions(
      {
        summary:
          kind === 'on_call'
            ? 'Page on-call'
            : kind === 'agent_reply'
              ? 'Remind the agent'
              : 'Remind the team',
      },
      [notice],
    ),
  );
}

/** While a person owns the conversation: the customer's words on the ticket, the reply SLA running. */
export async function keepTicketInStep(
  ctx: ConversationContext,
  text: string,
  messageId: string,
): Promise<void> {
  const { state } = ctx;
  if (state.status === 'human' && !state.timers.agentReplySla) {
    const { agentReplySlaMs } = ctx.settings();
    ctx.timers.arm(
      'agentReplySla',
      agentReplySlaMs,
      `Remind the agent to answer within ${humanDuration(agentReplySlaMs)}`,
    );
  }
  const ticket = state.ticket;
  if (!ticket) return;
  await bestEffort('comment on the ticket', () =>
    handoffSteps.addTicketComment.executeWithOptions({ summary: 'Add the message to the ticket' }, [
      { ticket, author: 'customer', text, idempotencyKey: `comment:${messageId}` },
    ]),
  );
}

/**
 * An action the customer confirmed could not be completed. The customer was told a colleague
 * will finish it, so one does: a hand-off now, or the next-day review out of hours.
 */
export async function escalateFailedAction(
  ctx: ConversationContext,
  what: string,
  err: unknown,
): Promise<void> {
  const { state } = ctx;
  const failure = describeFailure(err);
  recordSendFailure(state, { atMs: Date.now(), what, ...failure });
  if (!ctx.patches.handoffs || state.status !== 'bot') return;
  const within = isOpen(ctx.settings().businessHours, Date.now());
  const decision: EscalationDecision = {
    rule: 'action_failed',
    reason: `${what} could not be completed: ${failure.reason}${failure.message ? ` (${failure.message.slice(0, 200)})` : ''}`,
    handling: within ? 'hand_off_now' : 'next_day_review',
    alsoFired: [],
  };
  if (within) await handOff(ctx, decision);
  else scheduleReview(ctx, decision);
}

/** The recent turns the summary is written from. */
export function recentTurns(ctx: ConversationContext) {
  return ctx.state.turns.slice(-MODEL_HISTORY_TURNS * 2).map((t) => ({ role: t.role, text: t.text }));
}
