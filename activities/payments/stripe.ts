/**
 * Stripe as a payment provider for refunds: the Refunds API over plain HTTP (no SDK), form-encoded,
 * authenticated with the secret key as a bearer token.
 *
 * - refund: first `findRefund` (so a retry after Stripe forgot the idempotency key, 24 h on, still
 *   finds the refund it made); if none, `POST /v1/refunds` with `payment_intent` (or `charge` for a
 *   `ch_…` ref), `amount`, `reason=requested_by_customer` when our reason says the customer asked,
 *   `metadata[parley_refund_id]`, and the refund id as `Idempotency-Key`. No `currency`: Stripe
 *   refunds in the payment's currency. A refund found with another amount is an
 *   IdempotencyConflict (the same id reused for a different refund), never a second refund.
 * - findRefund: `GET /v1/refunds?payment_intent=…&limit=100` (following `has_more`), matching
 *   `metadata.parley_refund_id`. Several matches (only possible from outside Parley) prefer one that
 *   has not failed or been canceled, then the newest.
 *
 * Errors: network errors, timeouts, 5xx and 409 (`idempotency_key_in_use`: the same refund is in
 * flight) are Transient; 429 is RateLimited (Retry-After as `nextRetryDelay`); 401/403 AuthError;
 * 400 `idempotency_error` IdempotencyConflict; other 4xx (amount_too_large, charge_already_refunded,
 * resource_missing, 402 card errors…) Rejected. All but Transient/RateLimited are non-retryable.
 * The secret key never appears in an error or a log line.
 */
import { ApplicationFailure } from '@temporalio/common';
import { apiFailure, fetchText, isRecord, parseJson, parseRetryAfter } from '../../core/http.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import {
  PaymentErrorTypes,
  type PaymentErrorDetails,
  type PaymentErrorType,
  type PaymentProvider,
  type ProviderRefund,
  type ProviderRefundStatus,
  type RefundRequest,
} from './types.js';

export interface StripeProviderOptions {
  /** A secret (`sk_…`) or restricted (`rk_…`) key with refund write access. */
  secretKey: string;
  /** Default `https://api.stripe.com`. */
  apiUrl?: string;
  /** Sent as `Stripe-Version` when set; otherwise the account's default version applies. */
  apiVersion?: string;
  /** Per-request timeout. Default 20 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

/** The metadata key that carries our refund id on Stripe's refund. */
export const STRIPE_REFUND_ID_METADATA = 'parley_refund_id';

const DEFAULT_API_URL = 'https://api.stripe.com';
const DEFAULT_TIMEOUT_MS = 20_000;
const USER_AGENT = 'parley-payments/0.1';
const KEY_MAX = 255;
/** Pages of refunds to read for one payment before giving up (100 each). */
const MAX_LIST_PAGES = 20;

/** Stripe's refund `reason` enum; we only ever claim the customer asked. */
export function stripeRefundReason(reason: string | undefined): 'requested_by_customer' | undefined {
  if (!reason) return undefined;
  const r = reason.toLowerCase().replace(/[\s-]+/g, '_');
  return /customer/.test(r) ? 'requested_by_customer' : undefined;
}

export function mapStripeRefundStatus(status: unknown): ProviderRefundStatus | undefined {
  switch (status) {
    case 'pending':
    case 'requires_action':
      return 'pending';
    case 'succeeded':
    case 'failed':
    case 'canceled':
      return status;
    default:
      return undefined;
  }
}

export function createStripeProvider(opts: StripeProviderOptions): PaymentProvider {
  const base = (opts.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = opts.logger ?? silentLogger;
  const secrets = [opts.secretKey].filter((s) => s.length > 0);
  const redact = (s: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);

  async function request(
    method: 'GET' | 'POST',
    path: string,
    op: string,
    form?: URLSearchParams,
    idempotencyKey?: string,
  ): Promise<Record<string, unknown>> {
    const started = Date.now();
    const sent = await fetchText(
      doFetch,
      `${base}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${opts.secretKey}`,
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(opts.apiVersion ? { 'stripe-version': opts.apiVersion } : {}),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
        },
        ...(form ? { body: form.toString() } : {}),
      },
      { timeoutMs, redact },
    );
    if ('failed' in sent) {
      const reason = sent.failed;
      log.warn('stripe request failed', { op, error: reason });
      throw ApplicationFailure.create({
        message: `Stripe ${op} failed: ${reason}`,
        type: PaymentErrorTypes.Transient,
        nonRetryable: false,
        details: [{ provider: 'stripe', message: reason } satisfies PaymentErrorDetails],
      });
    }
    const { res, text } = sent;
    const parsed = parseJson(text);
    if (!res.ok) {
      const failure = classifyStripeError(res.status, parsed ?? text, res.headers, op);
      log.warn('stripe error', {
        op,
        httpStatus: res.status,
        type: failure.type,
        durationMs: Date.now() - started,
      });
      throw failure;
    }
    if (!isRecord(parsed)) throw unexpected(op, res.status, 'body is not a JSON object');
    log.debug('stripe ok', {
      op,
      httpStatus: res.status,
      replayed: res.headers.get('idempotent-replayed') === 'true',
      durationMs: Date.now() - started,
    });
    return parsed;
  }

  async function findRefund(refundId: string, paymentRef: string): Promise<ProviderRefund | undefined> {
    const by = paymentParam(paymentRef);
    const matches: { refund: ProviderRefund; created: number }[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const q = new URLSearchParams({ [by]: paymentRef, limit: '100' });
      if (after) q.set('starting_after', after);
      const json = await request('GET', `/v1/refunds?${q.toString()}`, 'list-refunds');
      if (!Array.isArray(json.data)) throw unexpected('list-refunds', 200, 'no data array');
      for (const item of json.data as unknown[]) {
        if (!isRecord(item) || !isRecord(item.metadata)) continue;
        if (item.metadata[STRIPE_REFUND_ID_METADATA] !== refundId) continue;
        matches.push({
          refund: toProviderRefund(item, 'list-refunds'),
          created: typeof item.created === 'number' ? item.created : 0,
        });
      }
      const last = json.data.at(-1) as unknown;
      if (json.has_more !== true || !isRecord(last) || typeof last.id !== 'string') break;
      after = last.id;
    }
    const live = (r: ProviderRefund) => r.status !== 'failed' && r.status !== 'canceled';
    matches.sort((a, b) => Number(live(b.refund)) - Number(live(a.refund)) || b.created - a.created);
    return matches[0]?.refund;
  }

  return {
    name: 'stripe',
    findRefund: async (refundId, paymentRef) => {
      validateIds(refundId, paymentRef);
      return findRefund(refundId, paymentRef);
    },

    async refund(req: RefundRequest): Promise<ProviderRefund> {
      validateIds(req.refundId, req.paymentRef);
      if (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0) {
        throw invalid(`refund amount must be a positive integer of minor units, got ${req.amountCents}`);
      }
      const existing = await findRefund(req.refundId, req.paymentRef);
      if (existing) {
        checkSame(existing, req);
        log.info('stripe refund already exists', {
          providerRefundId: existing.providerRefundId,
          status: existing.status,
        });
        return existing;
      }
      const form = new URLSearchParams();
      form.set(paymentParam(req.paymentRef), req.paymentRef);
      form.set('amount', String(req.amountCents));
      const reason = stripeRefundReason(req.reason);
      if (reason) form.set('reason', reason);
      form.set(`metadata[${STRIPE_REFUND_ID_METADATA}]`, req.refundId);
      const json = await request('POST', '/v1/refunds', 'create-refund', form, req.refundId);
      const created = toProviderRefund(json, 'create-refund');
      // The money has moved: report it even if the payment's currency is not the one we assumed.
      if (created.currency !== req.currency.toUpperCase()) {
        log.warn('stripe refund currency differs', { expected: req.currency, actual: created.currency });
      }
      log.info('stripe refund created', {
        providerRefundId: created.providerRefundId,
        status: created.status,
      });
      return created;
    },
  };
}

function paymentParam(paymentRef: string): 'payment_intent' | 'charge' {
  return paymentRef.startsWith('ch_') || paymentRef.startsWith('py_') ? 'charge' : 'payment_intent';
}

function validateIds(refundId: string, paymentRef: string): void {
  if (!refundId || refundId.length > KEY_MAX) {
    throw invalid(`refund id must be 1-${KEY_MAX} characters (it is the idempotency key)`);
  }
  if (!/^(pi|ch|py)_[A-Za-z0-9_]+$/.test(paymentRef)) {
    throw invalid('payment reference must be a Stripe PaymentIntent (pi_…) or charge (ch_…) id');
  }
}

/** A refund found or created under our id must be the one asked for; anything else is a reused id. */
function checkSame(found: ProviderRefund, req: RefundRequest): void {
  const sameCurrency = found.currency === req.currency.toUpperCase();
  if (found.amountCents === req.amountCents && sameCurrency) return;
  const message =
    `Stripe refund ${found.providerRefundId} made under refund id ${req.refundId} is for ` +
    `${found.amountCents} ${found.currency}, not ${req.amountCents} ${req.currency.toUpperCase()}`;
  throw ApplicationFailure.create({
    message,
    type: PaymentErrorTypes.IdempotencyConflict,
    nonRetryable: true,
    details: [{ provider: 'stripe', message } satisfies PaymentErrorDetails],
  });
}

function toProviderRefund(json: Record<string, unknown>, op: string): ProviderRefund {
  const status = mapStripeRefundStatus(json.status);
  const refundId = isRecord(json.metadata) ? json.metadata[STRIPE_REFUND_ID_METADATA] : undefined;
  if (typeof json.id !== 'string' || !json.id.startsWith('re_')) throw unexpected(op, 200, 'no refund id');
  if (typeof json.amount !== 'number' || typeof json.currency !== 'string') {
    throw unexpected(op, 200, 'no amount or currency');
  }
  if (!status) throw unexpected(op, 200, `unknown refund status ${String(json.status)}`);
  if (typeof refundId !== 'string') throw unexpected(op, 200, `no metadata.${STRIPE_REFUND_ID_METADATA}`);
  return {
    providerRefundId: json.id,
    amountCents: json.amount,
    currency: json.currency.toUpperCase(),
    status,
    refundId,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Maps a Stripe error response to an ApplicationFailure. Pure (the body is already redacted). */
export function classifyStripeError(
  httpStatus: number,
  body: unknown,
  headers: Headers,
  op = 'request',
): ApplicationFailure {
  const details: PaymentErrorDetails = { provider: 'stripe', httpStatus };
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (error) {
    if (typeof error.type === 'string') details.errorType = error.type;
    if (typeof error.code === 'string') details.code = error.code;
    if (typeof error.param === 'string') details.param = error.param;
    if (typeof error.message === 'string') details.message = error.message.slice(0, 500);
  } else if (typeof body === 'string' && body.trim()) {
    details.message = body.trim().slice(0, 200);
  }
  const requestId = headers.get('request-id');
  if (requestId) details.requestId = requestId;
  const delay = parseRetryAfter(headers.get('retry-after'));
  if (delay !== undefined) details.retryAfterMs = delay;

  let type: PaymentErrorType;
  if (httpStatus === 429) type = PaymentErrorTypes.RateLimited;
  else if (httpStatus >= 500 || httpStatus === 408 || httpStatus === 409) type = PaymentErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = PaymentErrorTypes.AuthError;
  else if (details.errorType === 'idempotency_error') type = PaymentErrorTypes.IdempotencyConflict;
  else type = PaymentErrorTypes.Rejected;

  const retryable = type === PaymentErrorTypes.RateLimited || type === PaymentErrorTypes.Transient;
  const what = [details.code, details.message].filter(Boolean).join(': ');
  return apiFailure(`Stripe ${op} failed (HTTP ${httpStatus})${what ? `: ${what}` : ''}`, {
    type,
    retryable,
    details,
    retryAfterMs: delay,
  });
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: PaymentErrorTypes.Rejected,
    nonRetryable: true,
    details: [{ provider: 'stripe', message } satisfies PaymentErrorDetails],
  });
}

function unexpected(op: string, httpStatus: number, why: string): ApplicationFailure {
  const message = `Stripe ${op}: unexpected response (${why})`;
  return ApplicationFailure.create({
    message,
    type: PaymentErrorTypes.Permanent,
    nonRetryable: true,
    details: [{ provider: 'stripe', httpStatus, message } satisfies PaymentErrorDetails],
  });
}
