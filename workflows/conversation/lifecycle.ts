/**
 * How a run of the conversation begins and ends: a new conversation looks up the previous one
 * and records its opening; a closed one finishes (or starts over when the customer wrote while it
 * closed); a long one continues as new at an idle point, carrying its state as plain JSON.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ParleyBusinessNumber } from '../search-attributes.js';
import { local } from './activities.js';
import type { ConversationContext, ConversationOutcome } from './context.js';
import { fileReview } from './handoff.js';
import { recordOrSkip } from './records.js';
import { reopenedAfterClose, SEEN_MESSAGE_IDS_LIMIT, type ConversationState } from './state.js';
import type { conversationWorkflow } from './workflow.js';

/** Something for the main loop to do. */
export function hasWork(ctx: ConversationContext): boolean {
  return ctx.state.pending.length > 0 || hasOtherWork(ctx);
}

/**
 * A new conversation looks up the previous one; every run records how it started. Answers whether
 * everything that started it was a redelivery of messages the closed conversation already had.
 */
export async function startRun(ctx: ConversationContext): Promise<{ onlyRedeliveries: boolean }> {
  let onlyRedeliveries = false;
  const { state, input } = ctx;
  if (!input.carried) {
    const previous = await recordOrSkip(ctx, 'previous conversation', () =>
      local.loadPreviousConversation.executeWithOptions(
        { summary: 'Load the previous conversation summary' },
        [ctx.conversationId],
      ),
    );
    if (previous) {
      state.summary = previous.summary;
      state.customer = { displayName: previous.displayName, tier: previous.customerTier };
      state.language = previous.language;
      // Dedupe survives the close: what the previous run logged is not answered twice.
      if (previous.recentInboundIds?.length)
        onlyRedeliveries = forgetLogged(state, previous.recentInboundIds);
    }
    ctx.queues.transitions.push({
      from: null,
      to: state.status,
      by: 'customer',
      reason: previous ? 'new conversation (previous one closed)' : 'new conversation',
      key: `${ctx.firstRunId}:0`,
      atMs: Date.now(),
    });
    upsertSearchAttributes([{ key: ParleyBusinessNumber, value: state.phoneNumberId }]);
  }
  if (input.reopened) {
    state.transitionSeq += 1;
    ctx.queues.transitions.push({
      from: 'closed',
      to: 'bot',
      by: 'customer',
      reason: 'customer wrote as the conversation closed',
      key: `${ctx.firstRunId}:${state.transitionSeq}`,
      atMs: Date.now(),
    });
  }
  return { onlyRedeliveries };
}

/** Remembers `loggedIds` as seen and drops them from the queue; whether nothing new is left. */
function forgetLogged(state: ConversationState, loggedIds: string[]): boolean {
  const logged = new Set(loggedIds);
  const fresh = state.pending.filter((m) => !logged.has(m.id));
  const hadRedeliveries = fresh.length < state.pending.length;
  state.pending.splice(0, state.pending.length, ...fresh);
  const seen = new Set(state.seenMessageIds);
  state.seenMessageIds = [
    ...loggedIds.filter((id) => !seen.has(id)).reverse(),
    ...state.seenMessageIds,
  ].slice(-SEEN_MESSAGE_IDS_LIMIT);
  return hadRedeliveries && fresh.length === 0;
}

/** The conversation closed: a review still owed is filed, then the run ends or starts over. */
export async function closeRun(ctx: ConversationContext): Promise<ConversationOutcome> {
  const { state, input } = ctx;
  if (ctx.run.reviewOnClose !== undefined) await fileReview(ctx, ctx.run.reviewOnClose);
  ctx.run.reviewOnClose = undefined;
  for (const reply of ctx.queues.agentReplies)
    reply.result ??= { delivered: false, reason: 'the conversation was closed' };
  await condition(allHandlersFinished);
  if (state.pending.length === 0) return ctx.run.closedBy ?? { closedBy: 'parley' };
  // The customer wrote while we were closing: a new conversation starts, carrying the summary.
  return continueAsNew<typeof conversationWorkflow>({
    phoneNumberId: input.phoneNumberId,
    waId: input.waId,
    carried: reopenedAfterClose(state),
    reopened: true,
  });
}

/** Continue-as-new when Temporal suggests it or the history passes the configured length, idle only. */
export function shouldContinueAsNew(ctx: ConversationContext): boolean {
  const { state, queues } = ctx;
  const now = workflowInfo();
  const idle =
    state.pending.length === 0 &&
    queues.statuses.length === 0 &&
    queues.firedTimers.length === 0 &&
    queues.refundNotices.length === 0 &&
    queues.agentReplies.length === 0;
  return idle && (now.continueAsNewSuggested || now.historyLength >= ctx.settings().maxHistoryEvents);
}

/**
 * Past these, the run continues as new even while busy: a flood (an auto-responder, a burst Meta
 * redelivers) never lets it reach an idle point, and Temporal terminates a run at 51,200 events or
 * 10,000 signals — with its queue.
 */
const HARD_HISTORY_FACTOR = 2;
const HARD_SIGNAL_COUNT = 5_000;

/** The run is too long to wait for an idle point (runs from before this existed wait as they did). */
export function mustContinueAsNew(ctx: ConversationContext): boolean {
  const now = workflowInfo();
  const tooLong =
    now.historyLength >= HARD_HISTORY_FACTOR * ctx.settings().maxHistoryEvents ||
    ctx.run.signals >= HARD_SIGNAL_COUNT;
  return tooLong && patched('continue-as-new-when-busy');
}

/**
 * Continues as new with the customer's messages still queued (they travel in the state): everything
 * else — statuses, agents' replies (their updates are waiting), fired timers, refund news — is
 * worked off first, so nothing a handler accepted is lost.
 */
export async function continueAsNewBusy(
  ctx: ConversationContext,
  workQueues: () => Promise<void>,
): Promise<void> {
  for (;;) {
    await workQueues();
    if (allHandlersFinished() && !hasOtherWork(ctx)) break;
    await condition(() => allHandlersFinished() || hasOtherWork(ctx));
  }
  ctx.state.continuedAsNewCount += 1;
  log.info('continuing as new while busy', {
    historyLength: workflowInfo().historyLength,
    queuedMessages: ctx.state.pending.length,
  });
  await continueAsNew<typeof conversationWorkflow>({
    phoneNumberId: ctx.input.phoneNumberId,
    waId: ctx.input.waId,
    carried: ctx.state,
  });
}

/** Work other than the customer's queued messages. */
function hasOtherWork(ctx: ConversationContext): boolean {
  const { queues } = ctx;
  return (
    queues.statuses.length > 0 ||
    queues.firedTimers.length > 0 ||
    queues.agentReplies.some((r) => !r.result) ||
    queues.transitions.length > 0 ||
    queues.refundNotices.length > 0
  );
}

/** Only at an idle point: an agent reply arriving now is served first, by the loop's next turn. */
export async function continueAsNewWhenIdle(ctx: ConversationContext): Promise<void> {
  await condition(() => allHandlersFinished() || hasWork(ctx));
  if (hasWork(ctx)) return;
  ctx.state.continuedAsNewCount += 1;
  log.info('continuing as new', { historyLength: workflowInfo().historyLength });
  await continueAsNew<typeof conversationWorkflow>({
    phoneNumberId: ctx.input.phoneNumberId,
    waId: ctx.input.waId,
    carried: ctx.state,
  });
}
