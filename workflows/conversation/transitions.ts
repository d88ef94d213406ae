/**
 * The conversation's status machine: a transition records itself, cancels what no longer applies
 * (timers, a stale proposal, the ticket) and plans what the new status brings (a survey, a CRM
 * note); the timers that belong to a status are armed here too.
 */
import { patched } from '@temporalio/workflow';
import type { ConversationStatus } from '../definitions.js';
import type { ConversationContext } from './context.js';
import { humanDuration } from './state.js';
import { planSurvey } from './survey.js';

export function transition(
  ctx: ConversationContext,
  to: ConversationStatus,
  by: string,
  reason?: string,
): void {
  const { state, timers, patches } = ctx;
  const from = state.status;
  if (from === to) return;
  state.status = to;
  state.transitionSeq += 1;
  ctx.queues.transitions.push({
    from,
    to,
    by,
    reason,
    key: `${ctx.firstRunId}:${state.transitionSeq}`,
    atMs: Date.now(),
  });
  if (to !== 'bot') timers.cancel('botIdleResolve');
  if (to !== 'resolved') {
    timers.cancel('resolvedClose');
    timers.cancel('csatSurvey');
  }
  if (to === 'resolved' && patches.surveys) planSurvey(ctx, from, by);
  if (to === 'resolved' && patches.crmNotes) {
    ctx.queues.resolutionNotes.push({
      conversationId: ctx.conversationId,
      waId: state.waId,
      resolvedBy: by,
      summary: state.summary || `Resolved: ${reason ?? 'no reason given'}`,
      atMs: Date.now(),
      idempotencyKey: `crm:${ctx.firstRunId}:${state.transitionSeq}`,
    });
  }
  if (to !== 'awaiting_human') {
    timers.cancel('pickupSla');
    timers.cancel('pickupOnCall');
  }
  if (to !== 'human') timers.cancel('agentReplySla');
  if (to !== 'bot') {
    // A proposal is Parley's: once a person (or the close) takes over, its buttons are stale.
    state.pendingAction = undefined;
    timers.cancel('actionConfirmation');
  }
  if (to === 'bot' || to === 'resolved' || to === 'closed') state.ticket = undefined;
  if (to === 'awaiting_human') state.escalated = true;
  if (to === 'bot' || to === 'resolved' || to === 'closed') state.assignedAgent = undefined;
  if (to === 'closed') {
    // A review the team has not seen yet is still owed: it is filed at the close instead.
    ctx.run.reviewOnClose = state.timers.nextDayReview?.dueAtMs;
    for (const name of Object.keys(state.timers)) timers.cancel(name);
    ctx.run.closedBy = { closedBy: by, reason };
  }
}

/** Timers that belong to a status (armed in the loop, where settings are known). */
export function armStatusTimers(ctx: ConversationContext): void {
  const { resolvedCloseMs } = ctx.settings();
  if (ctx.state.status === 'resolved' && !ctx.state.timers.resolvedClose) {
    ctx.timers.arm('resolvedClose', resolvedCloseMs, `Close if quiet for ${humanDuration(resolvedCloseMs)}`);
  }
}

/**
 * Parley answered: the conversation resolves itself if the customer stays quiet.
 *
 * The quiet is counted from the customer's last message as it reached the workflow (a signal's
 * time), not from the clock after the answer: that clock replays earlier when local activities
 * heartbeated the workflow task, and a deadline moved by it could decide differently on replay
 * whether the fired timer must sleep again. Runs from before this count from the clock.
 */
export function keepBotIdleTimer(ctx: ConversationContext): void {
  const { botIdleResolveMs } = ctx.settings();
  const fromMs = patched('idle-timer-from-arrival')
    ? Math.max(ctx.run.lastArrivalMs, ctx.state.lastInboundAtMs ?? 0)
    : undefined;
  ctx.timers.extend(
    'botIdleResolve',
    botIdleResolveMs,
    `Resolve if the customer stays quiet for ${humanDuration(botIdleResolveMs)}`,
    fromMs,
  );
}
