/**
 * Every activity's failures, sorted once for all of them: a failure that would happen again on
 * every attempt — a constraint violation, invalid encoding, a validation error — is a
 * non-retryable ApplicationFailure the workflow handles (records, skips, apologises), instead of
 * an activity retried forever while the customer's later messages wait behind it. Transient
 * failures (a connection refused, a timeout, a deadlock, Postgres restarting) pass through
 * unchanged and keep being retried. Failures an activity already typed pass through as they are.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { ZodError } from 'zod';

/** The failure types the workflow sees for data errors (the `type` of the ApplicationFailure). */
export const DataErrorTypes = {
  /** SQLSTATE class 22: a value the column cannot hold (encoding, range, length, format). */
  InvalidData: 'InvalidData',
  /** SQLSTATE class 23: a constraint the row breaks. */
  ConstraintViolation: 'ConstraintViolation',
  /** SQLSTATE class 42: the statement itself is wrong for this schema (a bug or a missing migration). */
  InvalidQuery: 'InvalidQuery',
  /** Input that does not pass its schema. */
  ValidationFailed: 'ValidationFailed',
} as const;

const PERMANENT_SQLSTATE_CLASSES: Record<string, string> = {
  '22': DataErrorTypes.InvalidData,
  '23': DataErrorTypes.ConstraintViolation,
  '42': DataErrorTypes.InvalidQuery,
};

/** An error Postgres sent (node-postgres' DatabaseError): it carries a five-character SQLSTATE. */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const fromServer = err instanceof Error && 'severity' in err;
  return fromServer && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The failure to report for `err`: a non-retryable one when retrying cannot help, else `err` itself. */
export function classifyActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const state = sqlState(err);
  const type = state ? PERMANENT_SQLSTATE_CLASSES[state.slice(0, 2)] : undefined;
  if (type) {
    return ApplicationFailure.create({
      type,
      message: `${(err as Error).message} (SQLSTATE ${state})`,
      nonRetryable: true,
      cause: err as Error,
    });
  }
  if (err instanceof ZodError) {
    const problems = err.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return ApplicationFailure.create({
      type: DataErrorTypes.ValidationFailed,
      message: problems,
      nonRetryable: true,
    });
  }
  return err;
}

class ClassifyFailures implements ActivityInboundCallsInterceptor {
  async execute(
    input: Parameters<NonNullable<ActivityInboundCallsInterceptor['execute']>>[0],
    next: Parameters<NonNullable<ActivityInboundCallsInterceptor['execute']>>[1],
  ): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw classifyActivityFailure(err);
    }
  }
}

/** The worker's activity interceptor (regular and local activities alike). */
export const classifyActivityFailures: ActivityInterceptorsFactory = () => ({
  inbound: new ClassifyFailures(),
});
