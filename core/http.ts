/** Small helpers shared by the HTTP clients (Graph API, Zendesk, Slack, Stripe, HubSpot, Shopify). */
import { ApplicationFailure } from '@temporalio/common';

/** An error's message with its cause: undici wraps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** The JSON of a response body, or undefined when it is empty or not JSON (error pages, proxies). */
export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One request with a timeout and its body read as redacted text. A network failure or a timeout
 * comes back as `{ failed: reason }` (redacted): each client turns it into its own retryable failure.
 */
export async function fetchText(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  o: { timeoutMs: number; redact: (s: string) => string },
): Promise<{ res: Response; text: string } | { failed: string }> {
  try {
    const res = await doFetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
    return { res, text: o.redact(await res.text()) };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return { failed: timedOut ? `timed out after ${o.timeoutMs} ms` : o.redact(describeCause(err)) };
  }
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, at least one second; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number(trimmed)) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(1000, at - now);
}

/**
 * An API's refusal as the Temporal failure activities throw: `type` classifies it for the retry
 * policy, `details` keeps what the service said, and a retryable one waits the server's Retry-After.
 */
export function apiFailure(
  message: string,
  o: { type: string; retryable: boolean; details: unknown; retryAfterMs?: number | undefined },
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: o.type,
    nonRetryable: !o.retryable,
    details: [o.details],
    ...(o.retryable && o.retryAfterMs !== undefined ? { nextRetryDelay: o.retryAfterMs } : {}),
  });
}
