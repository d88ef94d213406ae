/**
 * Whether a person must take over, from what is already in the state: the customer's tier and
 * owner (looked up once), the escalation policy's signals before and after the answer, and a
 * refund the code refused. The rules themselves are pure (domain/escalation-policy.ts).
 */
import {
  escalateAfterAnswer,
  type EscalationDecision,
  type EscalationSignals,
} from '../../domain/escalation-policy.js';
import { store } from './activities.js';
import type { TurnAnswer } from './agent-turn.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';
import type { UnderstoodTurn } from './understand-turn.js';

/** The customer's tier and named owner, looked up once per conversation run. */
export async function knowCustomer(ctx: ConversationContext): Promise<void> {
  const { state } = ctx;
  if (state.customer.lookedUp) return;
  const found = await recordOrSkip(ctx, 'customer lookup', () =>
    store.lookupCustomer.executeWithOptions({ summary: 'Look up the customer (tier, owner)' }, [
      { waId: state.waId },
    ]),
  );
  state.customer.tier ??= found?.tier;
  if (found?.ownerAgentId) state.customer.ownerAgentId = found.ownerAgentId;
  state.customer.lookedUp = true;
}

export function escalationSignals(
  ctx: ConversationContext,
  analysis: UnderstoodTurn['analysis'],
  within: boolean,
): EscalationSignals {
  const { state } = ctx;
  return {
    ...(analysis?.wantsHuman ? { wantsHuman: true } : {}),
    ...(analysis?.regulatedTopic ? { regulatedTopic: analysis.regulatedTopic } : {}),
    ...(analysis?.crisis ? { crisis: true } : {}),
    sentimentTrend: state.sentimentTrend ?? [],
    intents: analysis?.intent ? [analysis.intent] : [],
    ...(state.customer.tier ? { customerTier: state.customer.tier } : {}),
    ...(state.customer.ownerAgentId ? { ownerAgentId: state.customer.ownerAgentId } : {}),
    recentCustomerTexts: state.turns
      .filter((t) => t.role === 'customer')
      .slice(-ctx.settings().escalation.loopWindow)
      .map((t) => t.text),
    withinEscalationHours: within,
  };
}

/** The rules on the answer: the model's confidence and request for a person; no answer at all. */
export function escalationAfter(
  ctx: ConversationContext,
  answer: TurnAnswer,
  analysis: UnderstoodTurn['analysis'],
  within: boolean,
): EscalationDecision | undefined {
  if (answer.mode === 'model') {
    return escalateAfterAnswer(
      {
        ...escalationSignals(ctx, analysis, within),
        model: {
          confidence: answer.confidence ?? 0,
          needsHuman: answer.handOff !== undefined && !answer.handOff.unanswered,
          reason: answer.handOff?.reason ?? null,
        },
      },
      ctx.settings().escalation,
    );
  }
  if (answer.mode !== 'handoff') return undefined;
  // Model-free and nothing to say: as unsure as an answer can be.
  return {
    rule: 'low_confidence',
    reason: answer.reason,
    handling: within ? 'hand_off_now' : 'next_day_review',
    alsoFired: [],
  };
}

/** A refund the code refused (more than can be refunded, not the customer's order…) goes to a person. */
export function refundRefusal(answer: TurnAnswer, within: boolean): EscalationDecision | undefined {
  // The model re-proposing within the limits in the same turn is fine: the customer confirms that.
  if (answer.proposal?.action === 'refund') return undefined;
  const refused = answer.toolCalls.find((t) => t.status === 'refused' && t.escalate);
  if (!refused) return undefined;
  return {
    rule: 'refund_over_limit',
    reason: `refund refused by code: ${refused.reason ?? 'not allowed'}`,
    handling: within ? 'hand_off_now' : 'next_day_review',
    alsoFired: [],
  };
}
