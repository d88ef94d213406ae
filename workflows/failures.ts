/**
 * What went wrong with an activity, child workflow or update, in the words the state, the records
 * and the logs use; and the one way workflows do a step whose failure must not stop them.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, log } from '@temporalio/workflow';

export interface FailureDescription {
  /** The failure's type (`WhatsAppUndeliverable`, `PaymentTransientError`…), or `Unknown`. */
  reason: string;
  /** Meta's error code, when the failure carries one. */
  code?: number;
  message?: string;
}

export function describeFailure(err: unknown): FailureDescription {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as { code?: number; message?: string; title?: string } | undefined;
    return {
      reason: cause.type ?? 'ApplicationFailure',
      code: detail?.code,
      message: detail?.title ?? cause.message,
    };
  }
  return { reason: 'Unknown', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * Whether the step failed for now rather than for good: its retries ran out on a transient error
 * (rate limit, 5xx, timeout) instead of a non-retryable ApplicationFailure.
 */
export function isTransientFailure(err: unknown): boolean {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  return !(cause instanceof ApplicationFailure && cause.nonRetryable);
}

/** "PaymentTransientError: timeout": a failure as one line of a record. */
export function failureText(err: unknown): string {
  const { reason, message } = describeFailure(err);
  return message && message !== reason ? `${reason}: ${message}` : reason;
}

/** Courtesy steps (read receipts, notices, notes): their failure is logged and the workflow goes on. */
export async function bestEffort(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn(`${what} failed; continuing`, { reason: describeFailure(err).reason });
  }
}
