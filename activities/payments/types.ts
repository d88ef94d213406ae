/**
 * The payment-provider seam for refunds. Two implementations are planned: the built-in ledger (the
 * embedded default) and Stripe over HTTP (`./stripe.ts`).
 *
 * The contract every provider keeps, because a refund activity is retried by Temporal and must never
 * pay twice:
 *
 * - `refundId` is OUR id for the refund and doubles as the idempotency key: every attempt of one
 *   refund passes the same id and the same parameters.
 * - `refund` first looks for a refund already made under that id (`findRefund`) and returns it
 *   instead of creating another; only then does it create one, sending the id as the provider's
 *   idempotency key and recording it on the provider's refund (Stripe: `metadata`). The lookup is
 *   what protects a retry that comes after the provider forgot the key (Stripe: 24 h).
 * - Failures are Temporal `ApplicationFailure`s typed with {@link PaymentErrorTypes}; only
 *   `Transient` and `RateLimited` are retryable. `details[0]` is a {@link PaymentErrorDetails}.
 */

export type PaymentProviderName = 'ledger' | 'stripe';

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface RefundRequest {
  /** Our id for the refund; also the idempotency key. At most 255 characters. */
  refundId: string;
  /** What was paid: a Stripe PaymentIntent (`pi_…`) or charge (`ch_…`); the ledger's own reference. */
  paymentRef: string;
  /** In the currency's minor unit; a positive integer. */
  amountCents: number;
  /** ISO 4217 (any case). Stripe refunds in the payment's currency and takes none. */
  currency: string;
  /** Free text; providers map it to their own vocabulary when it fits (Stripe: `requested_by_customer`). */
  reason?: string;
}

export interface ProviderRefund {
  /** The provider's id (Stripe `re_…`). */
  providerRefundId: string;
  amountCents: number;
  /** Upper-case ISO 4217. */
  currency: string;
  /** Stripe's `requires_action` is reported as `pending`. */
  status: ProviderRefundStatus;
  /** Our id, as recorded on the provider's refund. */
  refundId: string;
}

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Refunds once per `refundId`, however often it is called (see the module comment). */
  refund(req: RefundRequest): Promise<ProviderRefund>;
  /** The refund made under our id for that payment, if any (by the id recorded on it, not by key). */
  findRefund(refundId: string, paymentRef: string): Promise<ProviderRefund | undefined>;
}

/** The `type` of every ApplicationFailure a provider throws. */
export const PaymentErrorTypes = {
  /** 5xx, timeouts, network errors, a concurrent request with the same key in flight. Retryable. */
  Transient: 'PaymentTransientError',
  /** 429 (Retry-After honoured as `nextRetryDelay`). Retryable. */
  RateLimited: 'PaymentRateLimited',
  /**
   * The provider refused the refund: amount larger than what is left, already refunded, unknown
   * payment, invalid parameters, a card/bank failure. Not retryable: a person has to look.
   */
  Rejected: 'PaymentRejected',
  /** The same refund id was used with different parameters (a bug on our side). Not retryable. */
  IdempotencyConflict: 'PaymentIdempotencyConflict',
  /** 401 / 403: bad or restricted key. Not retryable. */
  AuthError: 'PaymentAuthError',
  /** A response we cannot make sense of. Not retryable. */
  Permanent: 'PaymentPermanentError',
} as const;

export type PaymentErrorType = (typeof PaymentErrorTypes)[keyof typeof PaymentErrorTypes];

/** `details[0]` of every failure. */
export interface PaymentErrorDetails {
  provider: PaymentProviderName;
  httpStatus?: number;
  /** The provider's error type (Stripe: `invalid_request_error`, `card_error`, `idempotency_error`, `api_error`). */
  errorType?: string;
  /** The provider's error code (Stripe: `amount_too_large`, `charge_already_refunded`, …). */
  code?: string;
  param?: string;
  message?: string;
  retryAfterMs?: number;
  /** Stripe's `Request-Id`, for their support. */
  requestId?: string;
}
