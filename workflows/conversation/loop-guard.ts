/**
 * The turn budget: Parley answers at most `turns` turns of one customer in `windowMs`. An
 * auto-responder talking to Parley (each answering the other) would otherwise loop for ever, at a
 * model call per turn; past the budget Parley stops answering, records it, and keeps logging every
 * message. It answers again once the window has room. Settings recorded before the budget existed
 * carry none: no guard for those runs.
 */
import { log } from '@temporalio/workflow';
import type { InboundMessage } from '../definitions.js';
import { store } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';

/** Whether this turn would go past the budget; if not, it is counted as answered. */
export function overTurnBudget(ctx: ConversationContext, nowMs: number): boolean {
  const budget = ctx.settings().turnBudget;
  if (!budget) return false;
  const { state } = ctx;
  const recent = (state.answeredTurnsAtMs ?? []).filter((at) => at > nowMs - budget.windowMs);
  if (recent.length >= budget.turns) {
    state.answeredTurnsAtMs = recent;
    return true;
  }
  state.answeredTurnsAtMs = [...recent, nowMs];
  state.loopGuard = undefined;
  return false;
}

/** Holds back from answering; the first turn held back in a run of them is recorded. */
export async function suppressTurn(
  ctx: ConversationContext,
  last: InboundMessage,
  nowMs: number,
): Promise<void> {
  const { state } = ctx;
  const budget = ctx.settings().turnBudget!;
  const first = !state.loopGuard;
  state.loopGuard = {
    sinceMs: state.loopGuard?.sinceMs ?? nowMs,
    suppressedTurns: (state.loopGuard?.suppressedTurns ?? 0) + 1,
  };
  if (!first) return;
  log.warn('turn budget exceeded: not answering (auto-responder loop suspected)', { turns: budget.turns });
  await recordOrSkip(ctx, 'loop guard', () =>
    store.recordCustomerEvent.executeWithOptions({ summary: 'Record the turn budget holding Parley back' }, [
      {
        conversationId: ctx.conversationId,
        messageId: last.id,
        atMs: nowMs,
        event: { kind: 'turn_suppressed', turnsInWindow: budget.turns, windowMs: budget.windowMs },
      },
    ]),
  );
}
