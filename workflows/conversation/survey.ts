/**
 * The satisfaction survey: planned at a resolution, sent when its timer fires (reply buttons in
 * the 24-hour window, the approved template after it, or skipped with the reason recorded), and
 * answered by a tap and, after a low score, a comment.
 */
import type { CsatSurveyRecord } from '../../db/repositories/csat-surveys.js';
import { customerMessage } from '../../domain/customer-messages.js';
import type { ConversationStatus } from '../definitions.js';
import { describeFailure } from '../failures.js';
import { store, whatsapp } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';
import { sendToCustomer } from './send.js';
import { appendTurn, insideServiceWindow, recordSendFailure, type CsatState } from './state.js';
import { surveyButtons, type SurveyAnswer } from './survey-answers.js';

/** One survey per resolution, unless the resolution was an abandoned hand-off or surveys are off. */
export function planSurvey(ctx: ConversationContext, from: ConversationStatus, by: string): void {
  const { state } = ctx;
  const resolvedBy = by === 'parley' ? 'parley' : 'agent';
  const csat: CsatState = {
    surveyKey: `csat:${ctx.firstRunId}:${state.transitionSeq}`,
    resolvedBy,
    ...(resolvedBy === 'agent' ? { agentId: state.assignedAgent?.id ?? by } : {}),
    resolvedAtMs: Date.now(),
    ...(state.intent ? { intent: state.intent } : {}),
  };
  const skip =
    from === 'awaiting_human'
      ? 'hand-off abandoned: no person answered before the resolution'
      : state.csatOptOut
        ? 'the customer opted out of surveys'
        : undefined;
  state.csat = skip ? undefined : csat;
  if (skip) ctx.queues.surveyRecords.push(surveyRecord(ctx, csat, { skippedReason: skip }));
  else ctx.timers.arm('csatSurvey', ctx.settings().csatDelayMs, 'Send the satisfaction survey');
}

function surveyRecord(
  ctx: ConversationContext,
  csat: CsatState,
  outcome: Partial<CsatSurveyRecord>,
): CsatSurveyRecord {
  const { state } = ctx;
  return {
    surveyKey: csat.surveyKey,
    conversationId: ctx.conversationId,
    resolvedBy: csat.resolvedBy,
    ...(csat.agentId ? { agentId: csat.agentId } : {}),
    ...(csat.intent ? { intent: csat.intent } : {}),
    ...(state.language ? { language: state.language } : {}),
    resolvedAtMs: csat.resolvedAtMs,
    ...(state.openedAtMs !== undefined ? { timeToResolutionMs: csat.resolvedAtMs - state.openedAtMs } : {}),
    ...outcome,
  };
}

/** Reply buttons inside the 24-hour window, the approved template after it, or skipped (recorded). */
export async function sendSurvey(ctx: ConversationContext): Promise<void> {
  const { state } = ctx;
  const csat = state.csat;
  if (!csat || csat.sentAtMs !== undefined) return;
  const skip = (reason: string) => {
    state.csat = undefined;
    ctx.queues.surveyRecords.push(surveyRecord(ctx, csat, { skippedReason: reason }));
  };
  if (state.csatOptOut) return skip('the customer opted out of surveys');
  if (state.unreachable) return skip('the customer is unreachable on WhatsApp');
  const base = { conversationId: ctx.conversationId, phoneNumberId: state.phoneNumberId, to: state.waId };
  const question = customerMessage('csat_question', state.language);
  try {
    if (insideServiceWindow(state, Date.now())) {
      const sent = await whatsapp.sendButtons.executeWithOptions(
        { summary: 'Send the satisfaction survey' },
        [
          {
            ...base,
            body: question,
            buttons: surveyButtons(state.language),
            idempotencyKey: csat.surveyKey,
          },
        ],
      );
      appendTurn(
        state,
        { role: 'bot', text: question, atMs: Date.now(), messageIds: [sent.messageId] },
        ctx.settings().transcriptTurns,
      );
      csat.sentAtMs = Date.now();
      ctx.queues.surveyRecords.push(surveyRecord(ctx, csat, { channel: 'buttons', sentAtMs: csat.sentAtMs }));
      return;
    }
    const template = ctx.settings().csatTemplate;
    if (!template) return skip('outside the 24-hour window and no survey template is configured');
    await whatsapp.sendTemplate.executeWithOptions({ summary: `Send survey template ${template.name}` }, [
      { ...base, template, idempotencyKey: csat.surveyKey },
    ]);
    csat.sentAtMs = Date.now();
    ctx.queues.surveyRecords.push(surveyRecord(ctx, csat, { channel: 'template', sentAtMs: csat.sentAtMs }));
  } catch (err) {
    const failure = describeFailure(err);
    recordSendFailure(state, { atMs: Date.now(), what: 'survey', ...failure });
    skip(`the survey could not be sent: ${failure.reason}`);
  }
}

/** Stores the score or comment and thanks the customer; a low score asks for a comment once. */
export async function answerSurvey(
  ctx: ConversationContext,
  answers: SurveyAnswer[],
  replyKey: string,
): Promise<void> {
  const { state } = ctx;
  const csat = state.csat!;
  let text: string;
  if ('score' in answers[0]!) {
    const score = answers[0].score;
    csat.awaitingComment = score === 1;
    text = customerMessage(score === 1 ? 'csat_comment_prompt' : 'csat_thanks', state.language);
  } else {
    csat.awaitingComment = false;
    text = customerMessage('csat_comment_thanks', state.language);
  }
  for (const answer of answers) {
    await recordOrSkip(ctx, 'survey answer', () =>
      store.recordCsatAnswer.executeWithOptions({ summary: 'Record the survey answer' }, [
        { surveyKey: csat.surveyKey, ...answer, atMs: Date.now() },
      ]),
    );
  }
  if (!csat.awaitingComment) state.csat = undefined;
  await sendToCustomer(ctx, text, replyKey, { role: 'bot' });
}
