/**
 * Writes to the message log, the projection and the audit tables. Transient failures never get
 * here — the store proxy retries them until they pass — so a failure that does is a data error
 * that would fail again on every attempt (a value Postgres cannot hold, a broken constraint). It
 * is recorded in the state, where the state query shows it, and the conversation goes on: the
 * customer's words are in the workflow's history either way, and later messages are not held up.
 */
import { isCancellation, log } from '@temporalio/workflow';
import { describeFailure } from '../failures.js';
import type { ConversationContext } from './context.js';
import { recordSendFailure } from './state.js';

export async function recordOrSkip<T>(
  ctx: ConversationContext,
  what: string,
  write: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await write();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const failure = describeFailure(err);
    recordSendFailure(ctx.state, { atMs: Date.now(), what, ...failure });
    log.warn('record skipped after a permanent failure', { what, reason: failure.reason });
    return undefined;
  }
}
