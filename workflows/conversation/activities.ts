/**
 * The conversation's activity proxies, one per kind of work, each with the timeouts and retries
 * that kind needs. Modules import the proxy that fits the step they take.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

// The steps of a turn run as local activities: same timeouts, retries and idempotency, but a turn
// costs one or two workflow tasks instead of a server round trip per step (the history store is
// what limits a 2-core deployment). Long backoffs become durable timers on their own.
export const whatsapp = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20s',
  // Rate limits (130429, 131056) and Meta 5xx are retried with backoff; permanent Meta errors are
  // non-retryable ApplicationFailures raised by the Graph client and come back as ActivityFailure.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});
// Sends that are redelivered until WhatsApp takes them (send.ts): a few quick attempts here, then
// the conversation's own backoff on durable timers, visible in the state and the Web UI.
export const whatsappRedelivered = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});
export const courtesy = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});
export const store = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
});
export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '5s' });
// Confirmed actions and documents: regular activities (visible in the Web UI), idempotent by key.
export const actionSteps = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
// Helpdesks and Slack rate-limit and go down: regular activities (visible in the Web UI), retried
// with backoff for a while; a hand-off that still fails is recorded and the status says it all.
export const handoffSteps = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
});
