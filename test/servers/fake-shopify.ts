/**
 * A stand-in for Shopify's Admin REST API, for contract tests: a real HTTP server (Hono) speaking
 * the documented shapes of the subset Parley reads, under `/admin/api/{version}/`:
 *
 * - `GET orders.json` with `status` (open — the default —, closed, cancelled, any), `name`, `limit`
 *   (1–250, default 50), `fields`, `financial_status`, `fulfillment_status`, `ids`: `{ orders }`,
 *   newest first. `name` matches the order's name with or without its '#'. An order is closed when
 *   it is cancelled or fully fulfilled (Shopify's default "archive fulfilled orders").
 * - `GET orders/{id}/fulfillments/{id}/events.json`: `{ fulfillment_events }` (status, happened_at,
 *   estimated_delivery_at, …).
 * - `GET customers/search.json?query=phone:<number>` (`limit`, `fields`): `{ customers }`; the phone
 *   matches on its digits, as Shopify's search is lenient about formatting.
 * - `GET customers/{id}/orders.json` (`status`, `limit`, `fields`): `{ orders }`.
 *
 * Orders have Shopify's fields (id, name '#1042', order_number, created_at, processed_at,
 * cancelled_at, closed_at, financial_status, fulfillment_status, total_price as a decimal string,
 * currency, phone, email, customer{…}, shipping_address{…, country_code}, line_items[{title, name,
 * sku, quantity, price, …}], fulfillments[{status, tracking_company, tracking_number(s),
 * tracking_url(s), shipment_status, …}]); `fields=` keeps only the listed top-level keys.
 *
 * Authentication: `X-Shopify-Access-Token` on every request, else 401 `{"errors":"[API] Invalid
 * API key or access token (unrecognized login or wrong password)"}`. Another API version in the path,
 * an unknown order, fulfillment or customer, or an unknown route: 404 `{"errors":"Not Found"}`.
 * Every answer carries `X-Request-Id` and `X-Shopify-Shop-Api-Call-Limit`.
 *
 * Deliberately stricter than Shopify: query parameters outside the documented ones listed above are
 * refused (400 with an `errors` object naming them) instead of ignored, so a misspelt filter fails
 * the test; a customer search query other than `phone:` is refused the same way.
 *
 * Faults: `failNext(n, status)` answers the next n matching requests with Shopify's error body for
 * the status (429: "Exceeded 2 calls per second…" with `Retry-After: 2.0`). Every request is recorded
 * (never the token's value).
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

type Json = Record<string, unknown>;

export interface FakeShopifyOptions {
  accessToken: string;
  /** The API version served. Default `2024-10`. */
  apiVersion?: string;
  port?: number;
  host?: string;
}

export interface FakeShopifyCustomerInput {
  phone: string | null;
  first_name?: string;
  last_name?: string;
  email?: string | null;
}

export interface FakeShopifyEventInput {
  status: string;
  happened_at: string;
  estimated_delivery_at?: string | null;
}

export interface FakeShopifyFulfillmentInput {
  /** pending, open, success (default), cancelled, error, failure. */
  status?: string;
  tracking_company?: string | null;
  tracking_number?: string | null;
  tracking_url?: string | null;
  /** label_printed, confirmed, in_transit, out_for_delivery, delivered, failure … or null. */
  shipment_status?: string | null;
  created_at?: string;
  updated_at?: string;
  events?: FakeShopifyEventInput[];
}

export interface FakeShopifyOrderInput {
  order_number: number;
  /** The customer's id (from addCustomer), or null for a guest order. */
  customerId?: number | null;
  /** The order's own phone (checkout contact). */
  phone?: string | null;
  email?: string | null;
  created_at?: string;
  processed_at?: string;
  cancelled_at?: string | null;
  financial_status?: string;
  fulfillment_status?: string | null;
  currency?: string;
  total_price?: string;
  shipping_country?: string | null;
  /** Anyone can type any number here: Parley must not trust it. */
  shipping_phone?: string | null;
  line_items?: {
    title: string;
    variant_title?: string | null;
    sku?: string | null;
    quantity: number;
    price: string;
  }[];
  fulfillments?: FakeShopifyFulfillmentInput[];
}

export interface RecordedShopifyRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Whether the token matched (its value is never recorded). */
  authorized: boolean;
  status: number;
  injected?: number;
}

export interface ShopifyFaultOptions {
  /** `Retry-After` value (429 default '2.0'). */
  retryAfter?: string;
  body?: unknown;
  path?: string | RegExp;
}

export interface FakeShopify {
  url: string;
  requests: RecordedShopifyRequest[];
  addCustomer(c: FakeShopifyCustomerInput): number;
  addOrder(o: FakeShopifyOrderInput): { id: number; name: string; fulfillmentIds: number[] };
  failNext(n: number, status: number, opts?: ShopifyFaultOptions): void;
  /** Forgets recorded requests and pending faults (data stays). */
  reset(): void;
  close(): Promise<void>;
}

interface StoredFulfillment extends Json {
  id: number;
  events: Json[];
}

interface StoredOrder {
  id: number;
  customerId: number | null;
  json: Json;
  fulfillments: StoredFulfillment[];
}

interface Fault {
  remaining: number;
  status: number;
  retryAfter?: string;
  body?: unknown;
  path?: string | RegExp;
}

class ShopifyError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(JSON.stringify(body));
  }
}

const notFound = () => new ShopifyError(404, { errors: 'Not Found' });
const badParam = (name: string, why: string) => new ShopifyError(400, { errors: { [name]: why } });

const ORDER_PARAMS = ['status', 'name', 'limit', 'fields', 'financial_status', 'fulfillment_status', 'ids'];
const CUSTOMER_ORDER_PARAMS = ['status', 'limit', 'fields'];
const SEARCH_PARAMS = ['query', 'limit', 'fields'];
const STATUSES = ['open', 'closed', 'cancelled', 'any'];

function faultBody(status: number): Json {
  switch (status) {
    case 429:
      return {
        errors:
          'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
      };
    case 401:
      return { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };
    case 403:
      return { errors: '[API] This action requires merchant approval for read_orders scope.' };
    case 404:
      return { errors: 'Not Found' };
    case 402:
      return { errors: 'Unavailable Shop' };
    default:
      return { errors: 'Internal Server Error' };
  }
}

export async function startFakeShopify(opts: FakeShopifyOptions): Promise<FakeShopify> {
  const version = opts.apiVersion ?? '2024-10';
  const customers = new Map<number, Json>();
  const orders = new Map<number, StoredOrder>();
  const requests: RecordedShopifyRequest[] = [];
  let faults: Fault[] = [];
  let seq = 0;
  let nextCustomerId = 207119551;
  let nextOrderId = 450789469;
  let nextFulfillmentId = 255858046;
  let nextLineId = 466157049;
  let nextEventId = 944956391;
  let callsInBucket = 0;

  const app = new Hono();

  function takeFault(path: string): Fault | undefined {
    const fault = faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.path === undefined || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (!fault) return undefined;
    fault.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  function checkParams(query: Record<string, string>, allowed: readonly string[]): void {
    const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw new ShopifyError(400, {
        errors: Object.fromEntries(unknown.map((k) => [k, 'fake-shopify does not implement this parameter'])),
      });
    }
  }

  function limitOf(query: Record<string, string>): number {
    if (query.limit === undefined) return 50;
    const n = Number(query.limit);
    if (!Number.isInteger(n) || n < 1 || n > 250) throw badParam('limit', 'must be between 1 and 250');
    return n;
  }

  function statusFilter(query: Record<string, string>): (o: StoredOrder) => boolean {
    const status = query.status ?? 'open';
    if (!STATUSES.includes(status)) throw badParam('status', `must be one of ${STATUSES.join(', ')}`);
    return (o) => {
      const cancelled = o.json.cancelled_at !== null;
      const closed = o.json.closed_at !== null;
      if (status === 'any') return true;
      if (status === 'cancelled') return cancelled;
      if (status === 'closed') return closed;
      return !closed && !cancelled;
    };
  }

  function render(o: StoredOrder, fields: string | undefined): Json {
    const customer = o.customerId !== null ? customers.get(o.customerId) : undefined;
    const full: Json = {
      ...o.json,
      customer: customer ? { ...customer } : null,
      fulfillments: o.fulfillments.map((f) => {
        const { events: _events, ...rest } = f;
        return { ...rest };
      }),
    };
    if (!fields) return full;
    const keep = fields.split(',').map((f) => f.trim());
    return Object.fromEntries(Object.entries(full).filter(([k]) => keep.includes(k)));
  }

  function renderCustomer(c: Json, fields: string | undefined): Json {
    if (!fields) return { ...c };
    const keep = fields.split(',').map((f) => f.trim());
    return Object.fromEntries(Object.entries(c).filter(([k]) => keep.includes(k)));
  }

  async function front(
    c: Context,
    allowed: readonly string[],
    handle: (query: Record<string, string>) => Json,
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const rec: RecordedShopifyRequest = {
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      query,
      authorized: c.req.header('x-shopify-access-token') === opts.accessToken,
      status: 0,
    };
    requests.push(rec);
    callsInBucket = (callsInBucket % 40) + 1;
    const headers: Record<string, string> = {
      'x-request-id': randomUUID(),
      'x-shopify-shop-api-call-limit': `${callsInBucket}/40`,
      'x-shopify-api-version': version,
    };
    let res: Response;
    const fault = takeFault(rec.path);
    if (fault) {
      rec.injected = fault.status;
      const retryAfter = fault.retryAfter ?? (fault.status === 429 ? '2.0' : undefined);
      res = c.json((fault.body ?? faultBody(fault.status)) as Json, fault.status as 400, {
        ...headers,
        ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}),
      });
    } else if (!rec.authorized) {
      res = c.json(faultBody(401), 401, headers);
    } else if (c.req.param('version') !== version) {
      res = c.json(faultBody(404), 404, headers);
    } else {
      try {
        checkParams(query, allowed);
        res = c.json(handle(query), 200, headers);
      } catch (err) {
        if (!(err instanceof ShopifyError)) throw err;
        res = c.json(err.body, err.status as 400, headers);
      }
    }
    rec.status = res.status;
    return res;
  }

  const newestFirst = (a: StoredOrder, b: StoredOrder) => b.id - a.id;

  app.get('/admin/api/:version/orders.json', (c) =>
    front(c, ORDER_PARAMS, (q) => {
      const limit = limitOf(q);
      const byStatus = statusFilter(q);
      const ids = q.ids?.split(',').map(Number);
      const list = [...orders.values()]
        .filter(byStatus)
        .filter((o) => {
          if (q.name === undefined) return true;
          const name = String(o.json.name).toLowerCase();
          const want = q.name.toLowerCase();
          return name === want || name === `#${want}`;
        })
        .filter((o) => !ids || ids.includes(o.id))
        .filter((o) => q.financial_status === undefined || o.json.financial_status === q.financial_status)
        .filter(
          (o) =>
            q.fulfillment_status === undefined ||
            (q.fulfillment_status === 'unshipped'
              ? o.json.fulfillment_status === null
              : o.json.fulfillment_status === q.fulfillment_status),
        )
        .sort(newestFirst)
        .slice(0, limit);
      return { orders: list.map((o) => render(o, q.fields)) };
    }),
  );

  app.get('/admin/api/:version/orders/:orderId/fulfillments/:fulfillmentId/events.json', (c) =>
    front(c, [], () => {
      const order = orders.get(Number(c.req.param('orderId')));
      if (!order) throw notFound();
      const f = order.fulfillments.find((x) => x.id === Number(c.req.param('fulfillmentId')));
      if (!f) throw notFound();
      return { fulfillment_events: f.events.map((e) => ({ ...e })) };
    }),
  );

  app.get('/admin/api/:version/customers/search.json', (c) =>
    front(c, SEARCH_PARAMS, (q) => {
      const limit = limitOf(q);
      const m = /^phone:(.+)$/.exec((q.query ?? '').trim());
      if (!m) throw badParam('query', 'fake-shopify only searches customers by phone:<number>');
      const want = m[1]!.replace(/\D/g, '');
      const list = [...customers.values()]
        .filter((cu) => typeof cu.phone === 'string' && cu.phone.replace(/\D/g, '') === want)
        .slice(0, limit);
      return { customers: list.map((cu) => renderCustomer(cu, q.fields)) };
    }),
  );

  app.get('/admin/api/:version/customers/:customerId/orders.json', (c) =>
    front(c, CUSTOMER_ORDER_PARAMS, (q) => {
      const customerId = Number(c.req.param('customerId'));
      if (!customers.has(customerId)) throw notFound();
      const limit = limitOf(q);
      const byStatus = statusFilter(q);
      const list = [...orders.values()]
        .filter((o) => o.customerId === customerId)
        .filter(byStatus)
        .sort(newestFirst)
        .slice(0, limit);
      return { orders: list.map((o) => render(o, q.fields)) };
    }),
  );

  app.notFound(async (c) => {
    const url = new URL(c.req.url);
    requests.push({
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorized: c.req.header('x-shopify-access-token') === opts.accessToken,
      status: 404,
    });
    return c.json(faultBody(404), 404);
  });

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });

  return {
    url: server.url,
    requests,
    addCustomer(input) {
      const id = nextCustomerId++;
      const now = '2025-01-10T10:00:00+01:00';
      customers.set(id, {
        id,
        email: input.email ?? null,
        first_name: input.first_name ?? null,
        last_name: input.last_name ?? null,
        phone: input.phone,
        state: 'enabled',
        verified_email: true,
        currency: 'EUR',
        tags: '',
        created_at: now,
        updated_at: now,
        admin_graphql_api_id: `gid://shopify/Customer/${id}`,
      });
      return id;
    },
    addOrder(input) {
      const id = nextOrderId++;
      const created = input.created_at ?? '2026-11-20T10:00:00+01:00';
      const fulfillmentStatus = input.fulfillment_status ?? null;
      const lines = (
        input.line_items ?? [{ title: 'Item', quantity: 1, price: input.total_price ?? '10.00' }]
      ).map((l) => ({
        id: nextLineId++,
        title: l.title,
        variant_title: l.variant_title ?? null,
        name: l.variant_title ? `${l.title} - ${l.variant_title}` : l.title,
        sku: l.sku ?? '',
        quantity: l.quantity,
        price: l.price,
        requires_shipping: true,
        fulfillable_quantity: fulfillmentStatus === 'fulfilled' ? 0 : l.quantity,
        fulfillment_status: fulfillmentStatus === 'fulfilled' ? 'fulfilled' : null,
        admin_graphql_api_id: `gid://shopify/LineItem/${id}`,
      }));
      const fulfillments: StoredFulfillment[] = (input.fulfillments ?? []).map((f) => {
        const fid = nextFulfillmentId++;
        return {
          id: fid,
          order_id: id,
          status: f.status ?? 'success',
          created_at: f.created_at ?? created,
          updated_at: f.updated_at ?? f.created_at ?? created,
          service: 'manual',
          tracking_company: f.tracking_company ?? null,
          tracking_number: f.tracking_number ?? null,
          tracking_numbers: f.tracking_number ? [f.tracking_number] : [],
          tracking_url: f.tracking_url ?? null,
          tracking_urls: f.tracking_url ? [f.tracking_url] : [],
          shipment_status: f.shipment_status ?? null,
          name: `#${input.order_number}.${fid}`,
          line_items: lines.map((l) => ({ id: l.id, quantity: l.quantity })),
          events: (f.events ?? []).map((e) => ({
            id: nextEventId++,
            fulfillment_id: fid,
            order_id: id,
            status: e.status,
            message: null,
            happened_at: e.happened_at,
            estimated_delivery_at: e.estimated_delivery_at ?? null,
            city: null,
            province: null,
            country: null,
            zip: null,
            address1: null,
            latitude: null,
            longitude: null,
            shop_id: 690933842,
            created_at: e.happened_at,
            updated_at: e.happened_at,
          })),
        };
      });
      const cancelled = input.cancelled_at ?? null;
      const name = `#${input.order_number}`;
      const country = input.shipping_country === undefined ? 'NL' : input.shipping_country;
      const json: Json = {
        id,
        admin_graphql_api_id: `gid://shopify/Order/${id}`,
        name,
        order_number: input.order_number,
        number: input.order_number - 1000,
        email: input.email ?? null,
        contact_email: input.email ?? null,
        phone: input.phone ?? null,
        created_at: created,
        updated_at: created,
        processed_at: input.processed_at ?? created,
        cancelled_at: cancelled,
        cancel_reason: cancelled ? 'customer' : null,
        closed_at: cancelled ?? (fulfillmentStatus === 'fulfilled' ? created : null),
        financial_status: input.financial_status ?? 'paid',
        fulfillment_status: fulfillmentStatus,
        currency: input.currency ?? 'EUR',
        presentment_currency: input.currency ?? 'EUR',
        total_price: input.total_price ?? '10.00',
        subtotal_price: input.total_price ?? '10.00',
        total_tax: '0.00',
        tags: '',
        note: null,
        test: false,
        shipping_address:
          country === null
            ? null
            : {
                first_name: 'Test',
                last_name: 'Customer',
                address1: '1 Test Street',
                city: 'Utrecht',
                zip: '3511 AA',
                country: country,
                country_code: country,
                phone: input.shipping_phone ?? null,
              },
        line_items: lines,
        refunds: [],
      };
      orders.set(id, { id, customerId: input.customerId ?? null, json, fulfillments });
      return { id, name, fulfillmentIds: fulfillments.map((f) => f.id) };
    },
    failNext(n, status, faultOpts = {}) {
      faults.push({ remaining: n, status, ...faultOpts });
    },
    reset() {
      requests.length = 0;
      faults = [];
    },
    close: () => server.close(),
  };
}
