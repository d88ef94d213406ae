/**
 * Named durable timers whose due times live in the conversation's state, so they survive
 * continue-as-new: a fired timer's name is queued for the main loop, which decides what it means.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import type { ConversationState } from './state.js';

export interface NamedTimers {
  /** Starts a timer for a deadline already in the state (a new one, or one a previous run left). */
  start(name: string): void;
  /** (Re)arms `name` to fire in `delayMs`; the summary names it in the Web UI. */
  arm(name: string, delayMs: number, summary: string): void;
  /**
   * Moves a running timer's deadline later without a new timer in history; arms it if absent. The
   * deadline is `delayMs` from `fromMs` (default: now).
   */
  extend(name: string, delayMs: number, summary: string, fromMs?: number): void;
  cancel(name: string): void;
}

export function createTimers(state: ConversationState, fired: string[]): NamedTimers {
  const scopes = new Map<string, CancellationScope>();

  function start(name: string): void {
    const timer = state.timers[name]!;
    const scope = new CancellationScope();
    scopes.set(name, scope);
    scope
      .run(async () => {
        // A timer pushed back while it slept (see extend) sleeps again for the rest: one timer per
        // idle period instead of a cancel and a new timer on every turn.
        for (let left = timer.dueAtMs - Date.now(); left > 0; left = timer.dueAtMs - Date.now()) {
          await sleep(left, { summary: timer.summary });
        }
      })
      .then(() => {
        if (scopes.get(name) !== scope) return;
        scopes.delete(name);
        delete state.timers[name];
        fired.push(name);
      })
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function cancel(name: string): void {
    scopes.get(name)?.cancel();
    scopes.delete(name);
    delete state.timers[name];
  }

  function arm(name: string, delayMs: number, summary: string): void {
    cancel(name);
    state.timers[name] = { dueAtMs: Date.now() + delayMs, summary };
    start(name);
  }

  function extend(name: string, delayMs: number, summary: string, fromMs = Date.now()): void {
    const running = state.timers[name];
    if (running && scopes.has(name)) running.dueAtMs = fromMs + delayMs;
    else arm(name, delayMs, summary);
  }

  return { start, arm, extend, cancel };
}
