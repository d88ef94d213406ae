/**
 * Where the order tools read orders: the built-in demo tables or a live shop (Shopify). One
 * interface so the tools, the hand-off package and the tests do not care which.
 *
 * Authorisation lives in the source, not in its callers: `findOwnedOrder` answers only orders that
 * belong to the caller's WhatsApp id, and "no such order" and "someone else's order" are the same
 * `undefined` (no existence oracle: see activities/tools/orders.ts).
 *
 * Failures are Temporal `ApplicationFailure`s typed with {@link OrderSourceErrorTypes}: the tools
 * let them through, the activity retries the retryable ones, and the workflow reports the tool as
 * `unavailable` when the retries run out.
 */
import type { OrderStatus } from '../../../db/tables/shop-orders.js';

export type { OrderStatus } from '../../../db/tables/shop-orders.js';

export interface OrderLineView {
  sku: string | null;
  /** The product name as the shop calls it (English in the demo shop). */
  name: string;
  /** Names in other languages, by ISO 639-1 code, when the source has them (the demo has French). */
  names?: Readonly<Partial<Record<string, string>>>;
  quantity: number;
  /** In the currency's minor unit. */
  unitPriceCents: number;
}

/** One order as a customer may see it. Plain data (Dates are turned into strings by the tools). */
export interface OrderView {
  /** The order number customers see and type, digits only ('1042'). */
  orderNumber: string;
  status: OrderStatus;
  placedAt: Date;
  /** In the currency's minor unit. */
  totalCents: number;
  /** ISO 4217. */
  currency: string;
  /** ISO 3166-1 alpha-2; null when the order ships nowhere (pickup, digital goods). */
  shippingCountry: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  /** A calendar date, 'YYYY-MM-DD', when the source knows one. */
  estimatedDelivery: string | null;
  deliveredAt: Date | null;
  /** An invoice can be fetched with invoice_lookup (the built-in invoices table). */
  hasInvoice: boolean;
  lines: OrderLineView[];
}

/** An order in a list: the same fields without the lines. */
export type OrderSummary = Omit<OrderView, 'lines' | 'hasInvoice'>;

export interface ListOrdersOptions {
  /** Only orders in one of these statuses (an empty list matches nothing). */
  statuses?: readonly OrderStatus[];
  /** At most this many, newest first. Default 20. */
  limit?: number;
}

export interface OrderSource {
  readonly kind: 'builtin' | 'shopify';
  /**
   * The order numbered `orderNumber` (digits only) if, and only if, it belongs to the customer
   * whose WhatsApp id is `waId` (digits only). Undefined for a missing order and for another
   * customer's order alike.
   */
  findOwnedOrder(waId: string, orderNumber: string): Promise<OrderView | undefined>;
  /** The customer's orders, newest first; empty when the number is nobody's. */
  listCustomerOrders(waId: string, opts?: ListOrdersOptions): Promise<OrderSummary[]>;
}

/** The `type` of every ApplicationFailure an order source throws. */
export const OrderSourceErrorTypes = {
  /** HTTP 429 (Retry-After honoured as `nextRetryDelay`). Retryable. */
  RateLimited: 'OrderSourceRateLimited',
  /** 5xx, 408, network errors and timeouts. Retryable. */
  Transient: 'OrderSourceTransientError',
  /** 401 / 403: a bad token or a missing scope (read_orders, read_customers). Not retryable. */
  AuthError: 'OrderSourceAuthError',
  /** Any other 4xx (wrong shop URL or API version…), or a 2xx we cannot make sense of. Not retryable. */
  Permanent: 'OrderSourcePermanentError',
} as const;

export type OrderSourceErrorType = (typeof OrderSourceErrorTypes)[keyof typeof OrderSourceErrorTypes];

/** `details[0]` of every failure. */
export interface OrderSourceErrorDetails {
  source: OrderSource['kind'];
  httpStatus?: number;
  /** The service's own error text (Shopify's `errors`), as sent. */
  errors?: unknown;
  /** The service's request id (Shopify's `X-Request-Id`), for its support. */
  requestId?: string;
  retryAfterMs?: number;
  description?: string;
}

/** A WhatsApp id as the Cloud API sends it: an international number, digits only. */
export function isWaId(value: string): boolean {
  return /^\d{6,15}$/.test(value);
}

/** An order number as the tools normalise it: digits only, no leading zeros. */
export function isOrderNumber(value: string): boolean {
  return /^[1-9]\d{0,11}$/.test(value);
}

/**
 * A phone number reduced to the digits of its international form, for comparing with a WhatsApp
 * id: separators and the '+' go, and so does a leading '00' international prefix ('0033 6…').
 * A number written in national form ('06 12…') keeps its trunk 0 and so matches no WhatsApp id:
 * without its country nobody can tell whose it is, and a wrong guess would show someone's orders
 * to someone else.
 */
export function phoneDigits(phone: string | null | undefined): string | undefined {
  if (typeof phone !== 'string') return undefined;
  const digits = phone.replace(/\D/g, '').replace(/^00/, '');
  return digits.length > 0 ? digits : undefined;
}
