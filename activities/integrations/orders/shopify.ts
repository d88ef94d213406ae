/**
 * Shopify as an order source: the Admin REST API over plain HTTP (no SDK), authenticated with a
 * custom app's Admin API access token (`X-Shopify-Access-Token`), the API version in the path
 * (`/admin/api/2024-10/…`). Scopes: `read_orders` and `read_customers`, plus `read_all_orders` for
 * orders older than 60 days.
 *
 * - findOwnedOrder: `GET orders.json?name=<number>&status=any&fields=…` (without `status=any`
 *   Shopify answers open orders only), then, among the orders returned, the one whose
 *   `order_number` (or the digits of its `name`) is the number asked for. For a shipped order, the
 *   events of its tracked fulfillment (`GET orders/{id}/fulfillments/{id}/events.json`) give the
 *   estimated and the actual delivery.
 * - listCustomerOrders: `GET customers/search.json?query=phone:+<wa id>` and, for the customers whose
 *   phone is the caller's, `GET customers/{id}/orders.json?status=any&limit=<window>`: the window
 *   (default 50) of most recent orders, one page, is what gets filtered by status. Guest orders
 *   (no customer record) are not listed, but findOwnedOrder finds them by their order phone.
 *
 * Ownership: an order is the caller's when its customer's phone or the order's own phone, reduced
 * to digits (`phoneDigits`), is the caller's WhatsApp id, which is E.164 without the '+'. Nothing
 * else is trusted: not an email, not a name, not the shipping address's phone (anyone can type
 * any number there), and not Shopify's search either — every order and customer returned is
 * checked again here. A foreign order and a missing one both come back undefined after the same
 * single list request.
 *
 * Status mapping (Shopify → ours), first match wins:
 * - `cancelled_at` set → cancelled;
 * - `fulfillment_status` restocked (deprecated) → returned;
 * - `financial_status` refunded or voided → returned if something shipped, else cancelled;
 * - something shipped (a `success` fulfillment, or `fulfillment_status` fulfilled/partial) →
 *   delivered when the order is fully fulfilled and every shipped fulfillment's `shipment_status`
 *   is delivered, else shipped (a partial shipment is "on its way");
 * - `financial_status` paid, partially_refunded or authorized (the card is held, captured at
 *   shipping: the customer has paid as far as they can tell) → paid;
 * - anything else (pending, partially_paid, expired, unknown) → pending (awaiting payment).
 *
 * Shopify has no invoice in Parley's sense: `hasInvoice` is false and invoice_lookup keeps reading
 * the built-in invoices table. Money strings ('129.00') become minor units.
 *
 * Failures are ApplicationFailures typed with OrderSourceErrorTypes: 429 RateLimited (Shopify's
 * `Retry-After`, which is in seconds with a decimal point, as `nextRetryDelay`), 5xx/408/network/
 * timeouts Transient — both retryable; 401/403 AuthError, other 4xx and unreadable answers
 * Permanent — not retryable. `details[0]` keeps Shopify's `errors` and `X-Request-Id`. The token
 * never appears in an error or a log line, nor does a phone number.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { apiFailure, fetchText, isRecord, parseJson, parseRetryAfter } from '../../../core/http.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import {
  isOrderNumber,
  isWaId,
  OrderSourceErrorTypes,
  phoneDigits,
  type ListOrdersOptions,
  type OrderSource,
  type OrderSourceErrorDetails,
  type OrderSourceErrorType,
  type OrderStatus,
  type OrderSummary,
  type OrderView,
} from './types.js';

export interface ShopifyOrderSourceOptions {
  /** The shop's admin host, e.g. `https://acme.myshopify.com`. */
  shopUrl: string;
  /** A custom app's Admin API access token (`shpat_…`). */
  accessToken: string;
  /** The Admin API version in the path. Default `2024-10`. */
  apiVersion?: string;
  /** How many of a customer's most recent orders listCustomerOrders looks at (1–250). Default 50. */
  listWindow?: number;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export const DEFAULT_SHOPIFY_API_VERSION = '2024-10';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_LIST_WINDOW = 50;
const USER_AGENT = 'parley-orders/0.1';
/** Customers sharing one phone number are rare; more than this is not a person's account. */
const MAX_CUSTOMERS_PER_PHONE = 3;

/** The order fields Parley reads (`fields=`): less data about the customer crosses the wire. */
const ORDER_FIELDS = [
  'id',
  'name',
  'order_number',
  'created_at',
  'processed_at',
  'cancelled_at',
  'financial_status',
  'fulfillment_status',
  'total_price',
  'currency',
  'phone',
  'customer',
  'shipping_address',
  'line_items',
  'fulfillments',
].join(',');

const nullableString = z.string().nullish();

const fulfillmentSchema = z.object({
  id: z.number(),
  status: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
  tracking_company: nullableString,
  tracking_number: nullableString,
  tracking_numbers: z.array(z.string()).nullish(),
  tracking_url: nullableString,
  tracking_urls: z.array(z.string()).nullish(),
  shipment_status: nullableString,
});

const orderSchema = z.object({
  id: z.number(),
  name: z.string(),
  order_number: z.number(),
  created_at: z.string(),
  processed_at: nullableString,
  cancelled_at: nullableString,
  financial_status: nullableString,
  fulfillment_status: nullableString,
  total_price: z.string(),
  currency: z.string(),
  phone: nullableString,
  customer: z.object({ id: z.number(), phone: nullableString }).nullish(),
  shipping_address: z.object({ country_code: nullableString }).nullish(),
  line_items: z.array(
    z.object({
      sku: nullableString,
      name: nullableString,
      title: nullableString,
      quantity: z.number(),
      price: z.string(),
    }),
  ),
  fulfillments: z.array(fulfillmentSchema).nullish(),
});

const eventSchema = z.object({
  status: nullableString,
  happened_at: nullableString,
  estimated_delivery_at: nullableString,
});

export type ShopifyOrder = z.infer<typeof orderSchema>;
type ShopifyFulfillment = z.infer<typeof fulfillmentSchema>;

/** Our status of a Shopify order (the mapping is in the module comment). Pure. */
export function mapShopifyOrderStatus(
  o: Pick<ShopifyOrder, 'cancelled_at' | 'financial_status' | 'fulfillment_status' | 'fulfillments'>,
): OrderStatus {
  const shipped = shippedFulfillments(o.fulfillments);
  const anyShipped =
    shipped.length > 0 || o.fulfillment_status === 'fulfilled' || o.fulfillment_status === 'partial';
  if (o.cancelled_at) return 'cancelled';
  if (o.fulfillment_status === 'restocked') return 'returned';
  if (o.financial_status === 'refunded' || o.financial_status === 'voided') {
    return anyShipped ? 'returned' : 'cancelled';
  }
  if (anyShipped) {
    const allDelivered =
      o.fulfillment_status === 'fulfilled' &&
      shipped.length > 0 &&
      shipped.every((f) => f.shipment_status === 'delivered');
    return allDelivered ? 'delivered' : 'shipped';
  }
  switch (o.financial_status) {
    case 'paid':
    case 'partially_refunded':
    case 'authorized':
      return 'paid';
    default:
      return 'pending';
  }
}

/** Whether the order belongs to the caller: its customer's phone or its own phone is the wa id. */
export function shopifyOrderOwnedBy(o: Pick<ShopifyOrder, 'customer' | 'phone'>, waId: string): boolean {
  return isWaId(waId) && (phoneDigits(o.customer?.phone) === waId || phoneDigits(o.phone) === waId);
}

/** '129.00' → 12900; '1200' → 120000. Undefined for anything that is not a plain decimal. */
export function toMinorUnits(amount: string): number | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return undefined;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0').slice(0, 2));
  return Number.isSafeInteger(cents) ? (m[1] ? -cents : cents) : undefined;
}

/** Shopify's `Retry-After` is seconds with a decimal point ('2.0'); HTTP dates are handled too. */
export function shopifyRetryAfterMs(value: string | null): number | undefined {
  if (value && /^\d+(\.\d+)?$/.test(value.trim())) {
    return Math.max(1000, Math.ceil(Number(value.trim()) * 1000));
  }
  return parseRetryAfter(value);
}

export function createShopifyOrderSource(opts: ShopifyOrderSourceOptions): OrderSource {
  const base = `${opts.shopUrl.replace(/\/+$/, '')}/admin/api/${opts.apiVersion ?? DEFAULT_SHOPIFY_API_VERSION}`;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const listWindow = Math.min(250, Math.max(1, opts.listWindow ?? DEFAULT_LIST_WINDOW));
  const log = opts.logger ?? silentLogger;
  const secrets = [opts.accessToken].filter((s) => s.length > 0);
  const redact = (s: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);

  async function get(path: string, query: URLSearchParams, op: string): Promise<Record<string, unknown>> {
    const started = Date.now();
    const sent = await fetchText(
      doFetch,
      `${base}${path}?${query.toString()}`,
      {
        method: 'GET',
        headers: {
          'x-shopify-access-token': opts.accessToken,
          accept: 'application/json',
          'user-agent': USER_AGENT,
        },
      },
      { timeoutMs, redact },
    );
    if ('failed' in sent) {
      log.warn('shopify request failed', { op, error: sent.failed });
      throw failure(OrderSourceErrorTypes.Transient, `Shopify ${op} failed: ${sent.failed}`, {
        description: sent.failed,
      });
    }
    const { res, text } = sent;
    const parsed = parseJson(text);
    if (!res.ok) {
      const err = classifyShopifyError(res.status, parsed ?? text, res.headers, op);
      log.warn('shopify error', {
        op,
        httpStatus: res.status,
        type: err.type,
        requestId: res.headers.get('x-request-id') ?? undefined,
        durationMs: Date.now() - started,
      });
      throw err;
    }
    if (!isRecord(parsed)) throw unexpected(op, res.status, 'body is not a JSON object');
    log.debug('shopify ok', {
      op,
      httpStatus: res.status,
      callLimit: res.headers.get('x-shopify-shop-api-call-limit') ?? undefined,
      durationMs: Date.now() - started,
    });
    return parsed;
  }

  function ordersOf(json: Record<string, unknown>, op: string): ShopifyOrder[] {
    const list = z.array(orderSchema).safeParse(json.orders);
    if (!list.success) throw unexpected(op, 200, `orders: ${list.error.issues[0]?.message ?? 'invalid'}`);
    return list.data;
  }

  /** Estimated and actual delivery from the tracked fulfillment's events (carrier updates). */
  async function deliveryEvents(
    orderId: number,
    fulfillmentId: number,
  ): Promise<{ estimated: string | null; deliveredAt: Date | null }> {
    const json = await get(
      `/orders/${orderId}/fulfillments/${fulfillmentId}/events.json`,
      new URLSearchParams(),
      'fulfillment-events',
    );
    const events = z.array(eventSchema).safeParse(json.fulfillment_events);
    if (!events.success) throw unexpected('fulfillment-events', 200, 'no fulfillment_events array');
    const byTime = [...events.data].sort((a, b) => time(a.happened_at) - time(b.happened_at));
    const estimated = byTime.filter((e) => e.estimated_delivery_at).at(-1)?.estimated_delivery_at;
    const delivered = byTime.filter((e) => e.status === 'delivered' && e.happened_at).at(-1)?.happened_at;
    return {
      // The shop's local date as Shopify wrote it ('2026-11-27T00:00:00+01:00' → '2026-11-27').
      estimated: estimated && /^\d{4}-\d{2}-\d{2}/.test(estimated) ? estimated.slice(0, 10) : null,
      deliveredAt: (delivered ? date(delivered) : undefined) ?? null,
    };
  }

  return {
    kind: 'shopify',

    async findOwnedOrder(waId, orderNumber): Promise<OrderView | undefined> {
      if (!isWaId(waId) || !isOrderNumber(orderNumber)) return undefined;
      const json = await get(
        '/orders.json',
        new URLSearchParams({ name: orderNumber, status: 'any', limit: '10', fields: ORDER_FIELDS }),
        'find-order',
      );
      // Shopify's name filter is not an exact match on every shop: the number is checked here.
      const order = ordersOf(json, 'find-order').find(
        (o) => String(o.order_number) === orderNumber || nameDigits(o.name) === orderNumber,
      );
      if (!order || !shopifyOrderOwnedBy(order, waId)) return undefined;
      const view = toSummary(order, 'find-order');
      const parcel = trackedFulfillment(order.fulfillments);
      let estimated: string | null = null;
      let deliveredAt = view.deliveredAt;
      if (parcel && (view.status === 'shipped' || view.status === 'delivered')) {
        const events = await deliveryEvents(order.id, parcel.id);
        estimated = events.estimated;
        deliveredAt = events.deliveredAt ?? deliveredAt;
      }
      return {
        ...view,
        estimatedDelivery: estimated,
        deliveredAt: view.status === 'delivered' ? deliveredAt : null,
        hasInvoice: false,
        lines: order.line_items.map((l) => ({
          sku: l.sku ? l.sku : null,
          name: l.name ?? l.title ?? '',
          quantity: l.quantity,
          unitPriceCents: money(l.price, 'find-order'),
        })),
      };
    },

    async listCustomerOrders(waId, o: ListOrdersOptions = {}): Promise<OrderSummary[]> {
      if (!isWaId(waId) || (o.statuses && o.statuses.length === 0)) return [];
      const found = await get(
        '/customers/search.json',
        new URLSearchParams({ query: `phone:+${waId}`, fields: 'id,phone', limit: '10' }),
        'search-customers',
      );
      const customers = z
        .array(z.object({ id: z.number(), phone: nullableString }))
        .safeParse(found.customers);
      if (!customers.success) throw unexpected('search-customers', 200, 'no customers array');
      // Shopify's search matches loosely: only customers whose phone is the caller's number count.
      const mine = customers.data
        .filter((c) => phoneDigits(c.phone) === waId)
        .slice(0, MAX_CUSTOMERS_PER_PHONE);
      const orders = new Map<number, OrderSummary>();
      for (const customer of mine) {
        const json = await get(
          `/customers/${customer.id}/orders.json`,
          new URLSearchParams({ status: 'any', limit: String(listWindow), fields: ORDER_FIELDS }),
          'customer-orders',
        );
        for (const order of ordersOf(json, 'customer-orders')) {
          if (shopifyOrderOwnedBy(order, waId)) orders.set(order.id, toSummary(order, 'customer-orders'));
        }
      }
      return [...orders.values()]
        .filter((s) => !o.statuses || o.statuses.includes(s.status))
        .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime())
        .slice(0, o.limit ?? 20);
    },
  };
}

function toSummary(order: ShopifyOrder, op: string): OrderSummary {
  const status = mapShopifyOrderStatus(order);
  const parcel = trackedFulfillment(order.fulfillments);
  // Without the carrier's events, the delivered fulfillment's last update is when it was marked so.
  const deliveredAt = status === 'delivered' && parcel?.updated_at ? (date(parcel.updated_at) ?? null) : null;
  const placedAt = date(order.processed_at ?? '') ?? date(order.created_at);
  if (!placedAt) throw unexpected(op, 200, 'created_at is not a date');
  return {
    orderNumber: String(order.order_number),
    status,
    placedAt,
    totalCents: money(order.total_price, op),
    currency: order.currency.toUpperCase(),
    shippingCountry: order.shipping_address?.country_code?.toUpperCase() ?? null,
    carrier: parcel?.tracking_company ?? null,
    trackingNumber: parcel ? (parcel.tracking_number ?? parcel.tracking_numbers?.[0] ?? null) : null,
    trackingUrl: parcel ? (parcel.tracking_url ?? parcel.tracking_urls?.[0] ?? null) : null,
    estimatedDelivery: null,
    deliveredAt,
  };
}

/** Fulfillments that left the warehouse (`success`; pending, open, cancelled, error and failure did not). */
function shippedFulfillments(list: ShopifyFulfillment[] | null | undefined): ShopifyFulfillment[] {
  return (list ?? []).filter((f) => f.status === 'success');
}

/** The most recent shipped fulfillment that has a tracking number: the parcel to tell about. */
function trackedFulfillment(list: ShopifyFulfillment[] | null | undefined): ShopifyFulfillment | undefined {
  return shippedFulfillments(list)
    .filter((f) => f.tracking_number || (f.tracking_numbers?.length ?? 0) > 0)
    .sort((a, b) => time(a.created_at) - time(b.created_at))
    .at(-1);
}

function nameDigits(name: string): string | undefined {
  return /^\D*(\d+)\D*$/.exec(name)?.[1]?.replace(/^0+(?=\d)/, '');
}

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function date(iso: string): Date | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function money(amount: string, op: string): number {
  const cents = toMinorUnits(amount);
  if (cents === undefined) throw unexpected(op, 200, 'an amount is not a decimal number');
  return cents;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Maps a Shopify error response to an ApplicationFailure. Pure. */
export function classifyShopifyError(
  httpStatus: number,
  body: unknown,
  headers: Headers,
  op = 'request',
): ApplicationFailure {
  const details: OrderSourceErrorDetails = { source: 'shopify', httpStatus };
  if (isRecord(body) && body.errors !== undefined) details.errors = body.errors;
  else if (typeof body === 'string' && body.trim()) details.description = body.trim().slice(0, 200);
  const requestId = headers.get('x-request-id');
  if (requestId) details.requestId = requestId;
  const delay = shopifyRetryAfterMs(headers.get('retry-after'));
  if (delay !== undefined) details.retryAfterMs = delay;

  let type: OrderSourceErrorType;
  if (httpStatus === 429) type = OrderSourceErrorTypes.RateLimited;
  else if (httpStatus >= 500 || httpStatus === 408) type = OrderSourceErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = OrderSourceErrorTypes.AuthError;
  else type = OrderSourceErrorTypes.Permanent;
  const retryable = type === OrderSourceErrorTypes.RateLimited || type === OrderSourceErrorTypes.Transient;
  const what =
    typeof details.errors === 'string'
      ? details.errors
      : details.errors !== undefined
        ? JSON.stringify(details.errors).slice(0, 300)
        : details.description;
  return apiFailure(`Shopify ${op} failed (HTTP ${httpStatus})${what ? `: ${what}` : ''}`, {
    type,
    retryable,
    details,
    retryAfterMs: delay,
  });
}

function failure(
  type: OrderSourceErrorType,
  message: string,
  extra: Omit<OrderSourceErrorDetails, 'source'>,
): ApplicationFailure {
  const retryable = type === OrderSourceErrorTypes.RateLimited || type === OrderSourceErrorTypes.Transient;
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: !retryable,
    details: [{ source: 'shopify', ...extra } satisfies OrderSourceErrorDetails],
  });
}

function unexpected(op: string, httpStatus: number, why: string): ApplicationFailure {
  return failure(OrderSourceErrorTypes.Permanent, `Shopify ${op}: unexpected response (${why})`, {
    httpStatus,
    description: why,
  });
}
