/**
 * Parley's answer to a customer turn: understood (understand-turn.ts), checked against the
 * escalation rules before and after the model, answered by the agent loop or model-free
 * (agent-turn.ts), sent in parts that fit WhatsApp — with confirmation buttons when the model
 * proposed an action — and recorded with its mode, citations and cost.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { BotTurnRecord } from '../../activities/agent-activities.js';
import { isOpen } from '../../domain/business-hours.js';
import { customerMessage } from '../../domain/customer-messages.js';
import { escalateBeforeAnswer, type EscalationDecision } from '../../domain/escalation-policy.js';
import { splitForWhatsApp, toWhatsAppText } from '../../domain/whatsapp-format.js';
import type { TranscriptTurn } from '../definitions.js';
import { ParleyIntent, ParleyLanguage, ParleySentiment } from '../search-attributes.js';
import { askConfirmation, sendDocument, withSummary } from './actions.js';
import { store } from './activities.js';
import { answerTurn, MODEL_HISTORY_TURNS, refreshSummary, type TurnAnswer } from './agent-turn.js';
import type { ConversationContext } from './context.js';
import { escalationAfter, escalationSignals, knowCustomer, refundRefusal } from './escalation.js';
import { handOff, handoffText, scheduleReview } from './handoff.js';
import { recordOrSkip } from './records.js';
import { sendToCustomer } from './send.js';
import { keepBotIdleTimer, transition } from './transitions.js';
import type { UnderstoodTurn } from './understand-turn.js';

/** The parts of an answer that made no model call, used no tool and cited nothing. */
const nothingDone = () => ({
  citedChunkIds: [],
  toolCalls: [],
  cost: { rounds: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 },
});

/** What Parley decided for a turn: the answer, how it was made, and the escalation rule that fired. */
interface TurnDecision {
  answer: TurnAnswer;
  mode: BotTurnRecord['mode'];
  decision?: EscalationDecision;
}

/** What goes to the customer, and what it means for the conversation. */
interface ReplyPlan {
  text: string;
  /** The model's own reply goes out (a proposal's buttons may ride on it). */
  modelReplySent: boolean;
  handOffNow: boolean;
  review?: EscalationDecision;
}

/**
 * A polite word about unusable media, a hand-off when an escalation rule says a person must take
 * over now, otherwise the agent loop (or the model-free answer) — with a next-day review queued
 * when the rules say so outside escalation hours.
 */
export async function answerCustomer(
  ctx: ConversationContext,
  understood: UnderstoodTurn,
  replyKey: string,
): Promise<void> {
  const turn = await decideTurn(ctx, understood);
  // A person took the conversation while the model was thinking: they answer, not Parley.
  if (ctx.state.status !== 'bot') return;
  const plan = planReply(ctx, understood, turn);
  const delivered = await sendReply(ctx, turn.answer, plan, replyKey);
  if (delivered) ctx.state.aiDisclosed = true;
  await recordTurn(ctx, understood, turn, plan, replyKey);
  await afterReply(ctx, turn, plan);
}

/** The escalation rules before the model, the answer, and the rules on the answer. */
async function decideTurn(ctx: ConversationContext, understood: UnderstoodTurn): Promise<TurnDecision> {
  const { state, patches } = ctx;
  const language = state.language;
  const name = state.customer.displayName;
  const analysis = understood.analysis;
  const within = patches.handoffs ? isOpen(ctx.settings().businessHours, Date.now()) : true;
  let decision: EscalationDecision | undefined;
  if (patches.handoffs && !understood.mediaProblem) {
    await knowCustomer(ctx);
    decision = escalateBeforeAnswer(escalationSignals(ctx, analysis, within), ctx.settings().escalation);
  }
  const askedForPerson = patches.handoffs ? decision?.handling === 'hand_off_now' : analysis?.wantsHuman;
  if (understood.mediaProblem) {
    const answer = {
      mode: 'handoff' as const,
      reason: `media: ${understood.mediaProblem}`,
      ...nothingDone(),
    };
    return { answer, mode: 'media', decision };
  }
  if (askedForPerson) {
    const reason = decision ? `${decision.rule}: ${decision.reason}` : 'the customer asked for a person';
    const answer = {
      mode: 'handoff' as const,
      reason,
      handOff: { reason, unanswered: false },
      ...nothingDone(),
    };
    return { answer, mode: 'handoff', decision };
  }
  const answer = await answerTurn({
    caller: { conversationId: ctx.conversationId, waId: state.waId, ...(language ? { language } : {}) },
    text: understood.text,
    ...(language ? { language } : {}),
    firstReply: !state.aiDisclosed,
    ...(name ? { customerName: name } : {}),
    summary: state.summary,
    history: state.turns
      .slice(0, -1)
      .slice(-MODEL_HISTORY_TURNS)
      .map((t) => ({ role: t.role, text: t.text })),
    understanding: {
      ...(analysis?.intent ? { intent: analysis.intent } : {}),
      ...(analysis?.sentiment ? { sentiment: analysis.sentiment.label } : {}),
      ...(analysis?.urgency ? { urgency: analysis.urgency } : {}),
      orderNumbers: analysis?.entities.orderNumbers ?? [],
    },
    maxRounds: ctx.settings().agentMaxRounds,
    // Runs from before actions existed cannot ask for a confirmation: no action tools for them.
    allowActions: patches.actions,
    confidenceThreshold: ctx.settings().confidenceThreshold,
  });
  if (patches.handoffs) decision ??= escalationAfter(ctx, answer, analysis, within);
  if (patches.actions && patches.handoffs) decision ??= refundRefusal(answer, within);
  return { answer, mode: answer.mode, decision };
}

/** The reply's text: the media apology, the honest hand-off wait, or the answer itself. */
function planReply(ctx: ConversationContext, understood: UnderstoodTurn, turn: TurnDecision): ReplyPlan {
  const { state, patches } = ctx;
  const { answer, decision } = turn;
  const language = state.language;
  const name = state.customer.displayName;
  const handOffNow = patches.handoffs ? decision?.handling === 'hand_off_now' : answer.handOff !== undefined;
  const review = patches.handoffs && decision?.handling === 'next_day_review' ? decision : undefined;
  // Out of hours Parley still answers when it can; an answer it does not trust waits for the team.
  const unanswered = !answer.reply || (review?.rule === 'low_confidence' && answer.mode !== 'model');
  let text: string;
  let modelReplySent = false;
  if (understood.mediaProblem) text = customerMessage(understood.mediaProblem, language, { name });
  else if (handOffNow && !patches.handoffs)
    text = customerMessage(answer.handOff?.unanswered ? 'handoff_unanswered' : 'handoff', language);
  else if (handOffNow)
    text = handoffText(ctx, answer.handOff ? answer.handOff.unanswered : decision?.rule === 'low_confidence');
  else if (review && (unanswered || review.rule === 'low_confidence')) text = handoffText(ctx, true);
  else {
    text = toWhatsAppText(answer.reply ?? '');
    modelReplySent = true;
  }
  if (!state.aiDisclosed) text = `${customerMessage('ai_disclosure', language, { name })}\n\n${text}`;
  return { text, modelReplySent, handOffNow, ...(review ? { review } : {}) };
}

/**
 * Sends the reply in parts that fit WhatsApp — the last part carrying the confirmation buttons
 * when the model proposed an action — and the documents a tool made ready. Whether any of it
 * reached the customer.
 */
async function sendReply(
  ctx: ConversationContext,
  answer: TurnAnswer,
  plan: ReplyPlan,
  replyKey: string,
): Promise<boolean> {
  const parts = splitForWhatsApp(plan.text);
  // The model proposed a change: the reply it wrote carries the confirmation buttons (nothing has
  // happened yet). Its last part goes in the buttons' body when both fit in one message.
  const proposal = ctx.patches.actions && plan.modelReplySent ? answer.proposal : undefined;
  const lastPart = parts.at(-1) ?? '';
  const confirmationBody = proposal ? withSummary(lastPart, proposal) : undefined;
  if (confirmationBody !== undefined && lastPart && confirmationBody.startsWith(lastPart)) parts.pop();
  let delivered = false;
  for (const [i, part] of parts.entries()) {
    const sent = await sendToCustomer(ctx, part, i === 0 ? replyKey : `${replyKey}:${i}`, { role: 'bot' });
    delivered ||= sent.delivered;
  }
  if (proposal && confirmationBody !== undefined) {
    const asked = await askConfirmation(ctx, proposal, confirmationBody, `${replyKey}:confirm`);
    // Without buttons the proposal cannot be confirmed, but the reply must still reach the customer.
    if (!asked) {
      const sent = await sendToCustomer(ctx, confirmationBody, `${replyKey}:confirm:text`, { role: 'bot' });
      delivered ||= sent.delivered;
    }
    delivered ||= asked;
  }
  if (ctx.patches.actions && !plan.handOffNow) {
    for (const [i, document] of (answer.documents ?? []).entries())
      await sendDocument(ctx, document, `${replyKey}:doc:${i}`);
  }
  return delivered;
}

/** The turn record: what answered and why, citations, tools, cost (audit and analytics). */
async function recordTurn(
  ctx: ConversationContext,
  understood: UnderstoodTurn,
  { answer, mode, decision }: TurnDecision,
  plan: ReplyPlan,
  replyKey: string,
): Promise<void> {
  const language = ctx.state.language;
  const analysis = understood.analysis;
  const escalated = decision
    ? `; escalation ${decision.rule} (${decision.handling}): ${decision.reason}`
    : '';
  await recordOrSkip(ctx, 'turn record', () =>
    store.recordBotTurn.executeWithOptions({ summary: `Record answer (${mode})` }, [
      {
        turnKey: replyKey,
        conversationId: ctx.conversationId,
        mode,
        reason: `${answer.reason}${escalated}`,
        ...(language ? { language } : {}),
        ...((answer.intent ?? analysis?.intent) ? { intent: answer.intent ?? analysis?.intent } : {}),
        ...(answer.confidence !== undefined ? { confidence: answer.confidence } : {}),
        needsHuman: plan.handOffNow,
        citedChunkIds: answer.citedChunkIds,
        toolCalls: answer.toolCalls,
        ...(answer.cost.model ? { model: answer.cost.model } : {}),
        modelRounds: answer.cost.rounds,
        promptTokens: answer.cost.promptTokens,
        completionTokens: answer.cost.completionTokens,
        modelLatencyMs: answer.cost.latencyMs,
        atMs: Date.now(),
      },
    ]),
  );
}

/** The hand-off now, or the review queued, the idle timer and (every few turns) the summary. */
async function afterReply(ctx: ConversationContext, { answer, decision }: TurnDecision, plan: ReplyPlan) {
  const { state } = ctx;
  if (plan.handOffNow) {
    if (ctx.patches.handoffs && decision) await handOff(ctx, decision);
    else transition(ctx, 'awaiting_human', 'parley', answer.handOff?.reason ?? answer.reason);
    return;
  }
  if (plan.review) scheduleReview(ctx, plan.review);
  keepBotIdleTimer(ctx);
  state.turnsSinceSummary = (state.turnsSinceSummary ?? 0) + 1;
  if (answer.cost.rounds > 0 && state.turnsSinceSummary >= ctx.settings().summaryEveryTurns) {
    const turns = state.turns
      .slice(-2 * state.turnsSinceSummary)
      .map((t) => ({ role: t.role, text: t.text }));
    const summary = await refreshSummary(state.summary, turns);
    if (summary !== undefined) {
      state.summary = summary;
      state.turnsSinceSummary = 0;
    }
  }
}

/** Keeps what the understanding step found: on the turn, in the state, in the search attributes. */
export function applyUnderstanding(
  ctx: ConversationContext,
  turn: TranscriptTurn,
  understood: UnderstoodTurn,
): void {
  const { state } = ctx;
  turn.text = understood.text;
  turn.understanding = understood.understanding;
  const analysis = understood.analysis;
  if (!analysis) return;
  state.language = analysis.language ?? state.language;
  state.sentiment = analysis.sentiment;
  state.intent = analysis.intent;
  state.sentimentTrend = [...(state.sentimentTrend ?? []), analysis.sentiment.score].slice(-5);
  const attributes = JSON.stringify([state.language, analysis.sentiment.label, analysis.intent]);
  if (attributes !== ctx.run.lastUnderstandingAttributes) {
    ctx.run.lastUnderstandingAttributes = attributes;
    upsertSearchAttributes([
      { key: ParleyLanguage, value: state.language ?? null },
      { key: ParleySentiment, value: analysis.sentiment.label },
      { key: ParleyIntent, value: analysis.intent },
    ]);
  }
}
