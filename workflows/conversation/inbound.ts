/**
 * The customer's messages, taken from the queue the signal handler fills: a burst is answered as
 * one turn; each turn is logged, read-receipted and then — by status — a survey answer, an action
 * tap, a message for the person who owns the conversation, or a question for Parley.
 */
import { erasureStep, handleErasureStep } from './erasure-request.js';
import { condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { customerMessage } from '../../domain/customer-messages.js';
import { transcriptText } from '../../domain/message-content.js';
import type { TranscriptTurn } from '../definitions.js';
import { bestEffort } from '../failures.js';
import { ParleyLastInboundAt } from '../search-attributes.js';
import { actionTap, answerActionTap } from './actions.js';
import { courtesy, store } from './activities.js';
import type { ConversationContext } from './context.js';
import { takeCustomerEvents } from './events.js';
import { keepTicketInStep } from './handoff.js';
import { overTurnBudget, suppressTurn } from './loop-guard.js';
import { composeBotReply } from './legacy-reply.js';
import { projection } from './projection.js';
import { recordOrSkip } from './records.js';
import { sendToCustomer } from './send.js';
import { appendTurn, humanDuration } from './state.js';
import { answerSurvey } from './survey.js';
import { asksForNoSurveys, surveyAnswers } from './survey-answers.js';
import { keepBotIdleTimer, transition } from './transitions.js';
import { answerCustomer, applyUnderstanding } from './turn.js';
import { understandTurn } from './understand-turn.js';

export async function handleInbound(ctx: ConversationContext): Promise<void> {
  const { state, patches } = ctx;
  // Reactions, edits, deletions and notices are not questions: handled first, and never reopen.
  // (Spliced, not replaced: messages the handler queues meanwhile must stay in `pending`.)
  state.pending.unshift(...(await takeCustomerEvents(ctx, state.pending.splice(0))));
  if (state.pending.length === 0) return;
  // A tap on the survey's buttons (or the comment after a low score) answers the survey; anything
  // else is a new request and reopens the conversation.
  const survey =
    patches.surveys && state.status === 'resolved' && state.csat?.sentAtMs !== undefined
      ? surveyAnswers(state.pending, state.csat.awaitingComment ?? false)
      : undefined;
  if (state.status === 'resolved' && !survey) transition(ctx, 'bot', 'customer', 'customer wrote again');
  if (state.status === 'bot') await waitForBurstToEnd(ctx);
  const batch = await takeCustomerEvents(ctx, state.pending.splice(0));
  if (batch.length === 0) return;
  const now = Date.now();
  // The window runs from the customer's message; Meta may deliver late, so never from our receipt.
  state.lastInboundAtMs = Math.min(now, Math.max(...batch.map((m) => m.timestampMs)));
  state.windowClosedByMeta = false;
  state.unreachable = false;
  state.customer.displayName =
    batch.findLast((m) => m.displayName)?.displayName ?? state.customer.displayName;
  upsertSearchAttributes([{ key: ParleyLastInboundAt, value: new Date(state.lastInboundAtMs) }]);
  const customerTurn: TranscriptTurn = {
    role: 'customer',
    text: batch.map((m) => transcriptText(m.content)).join('\n'),
    atMs: now,
    messageIds: batch.map((m) => m.id),
  };
  appendTurn(state, customerTurn, ctx.settings().transcriptTurns);
  const last = batch[batch.length - 1]!;
  const botAnswers = state.status === 'bot';
  // In parallel: the log write and the blue ticks do not depend on each other.
  await Promise.all([
    recordOrSkip(ctx, 'log inbound messages', () =>
      store.recordInboundMessages.executeWithOptions({ summary: `Log ${batch.length} inbound message(s)` }, [
        projection(ctx),
        batch,
      ]),
    ),
    bestEffort('mark read', () =>
      courtesy.markRead.executeWithOptions(
        { summary: botAnswers ? 'Mark read + typing indicator' : 'Mark read' },
        [state.phoneNumberId, last.id, botAnswers],
      ),
    ),
  ]);
  if (patches.surveys) {
    state.openedAtMs ??= now;
    if (batch.some((m) => m.content.kind === 'text' && asksForNoSurveys(m.content.body)))
      state.csatOptOut = true;
    if (survey) return answerSurvey(ctx, survey, `survey:${last.id}`);
  }
  let turnBatch = batch;
  if (patches.actions && state.status === 'bot') {
    // A tap on a confirmation button is the customer's decision, not a question for the model.
    const taps = batch.filter((m) => actionTap(m) !== undefined);
    for (const tap of taps) await answerActionTap(ctx, actionTap(tap)!, `action:${tap.id}`);
    turnBatch = batch.filter((m) => !taps.includes(m));
    if (turnBatch.length === 0) return;
  }
  // "Delete my data": asked with buttons, erased on the tap (runs recorded before: a normal turn).
  const erasure = state.status === 'bot' ? erasureStep(turnBatch) : undefined;
  if (erasure && patched('customer-erasure')) return handleErasureStep(ctx, erasure);
  // An auto-responder loop: past the turn budget Parley stops answering (every message is logged).
  if (state.status === 'bot' && overTurnBudget(ctx, now)) return suppressTurn(ctx, last, now);
  // Turns recorded before the understanding step existed replay without it.
  const understood = patched('understand-turn') ? await understandTurn(turnBatch, state.language) : undefined;
  if (understood) applyUnderstanding(ctx, customerTurn, understood);
  if (patches.handoffs && (state.status === 'awaiting_human' || state.status === 'human')) {
    await keepTicketInStep(ctx, customerTurn.text, last.id);
  }
  // A person owns the conversation (or took it over while this turn ran): they answer, not Parley.
  if (!botAnswers || state.status !== 'bot') return;

  if (!understood) {
    await sendToCustomer(ctx, composeBotReply({ batch, state }), `reply:${last.id}`, { role: 'bot' });
  } else if (!patched('agent-loop')) {
    // Histories recorded before the agent loop acknowledged every turn with a fixed text.
    const text = customerMessage(understood.mediaProblem ?? 'acknowledge', state.language, {
      name: state.customer.displayName,
    });
    await sendToCustomer(ctx, text, `reply:${last.id}`, { role: 'bot' });
  } else {
    await answerCustomer(ctx, understood, `reply:${last.id}`);
    return;
  }
  keepBotIdleTimer(ctx);
}

/**
 * Customers send bursts ("hi" / "my order" / "is late"): answer them as one turn.
 *
 * The clock read right after local activities is not the same on replay: a chain of them long
 * enough to heartbeat the workflow task resolves, when replayed, at the earlier task's time. So
 * the first look at the clock must not decide whether a timer exists: there is always a first one
 * (at least a millisecond), and the cap counts from its end, read from a timer's or a signal's
 * activation. Runs recorded before this (`patched()` false) keep reading the clock directly.
 */
async function waitForBurstToEnd(ctx: ConversationContext): Promise<void> {
  const { state } = ctx;
  const { debounceMs, maxBatchWaitMs } = ctx.settings();
  if (debounceMs <= 0) return;
  const reliableClock = patched('debounce-first-timer');
  let firstArrival = Date.now();
  for (let first = true; ; first = false) {
    const quietLeft = ctx.run.lastArrivalMs + debounceMs - Date.now();
    const capLeft = firstArrival + maxBatchWaitMs - Date.now();
    let wait = Math.min(quietLeft, capLeft);
    if (first && reliableClock) wait = Math.max(wait, 1);
    if (wait <= 0) return;
    const seen = state.pending.length;
    await condition(() => state.pending.length > seen || state.status !== 'bot', wait, {
      summary: `Wait ${humanDuration(debounceMs)} for more messages`,
    });
    if (state.status !== 'bot') return;
    if (first && reliableClock) firstArrival = Date.now();
  }
}
