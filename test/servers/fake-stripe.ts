/**
 * A stand-in for Stripe's Refunds API, for contract tests: a real HTTP server (Hono) speaking the
 * documented shapes of the subset Parley uses:
 *
 * - `POST /v1/refunds`, form-encoded: `payment_intent` or `charge`, `amount` (default: what is left),
 *   `reason` (`duplicate` | `fraudulent` | `requested_by_customer`), `metadata[key]=value`. 200 with
 *   the Refund object (`id` re_…, `object: "refund"`, `amount`, `currency` lower-case, `status`,
 *   `metadata`, `payment_intent`, `charge`, `reason`, `created`, …);
 * - `GET /v1/refunds?payment_intent=…|charge=…&limit=&starting_after=`: `{ object: "list", url, has_more,
 *   data }`, newest first;
 * - `GET /v1/refunds/{id}`.
 *
 * Payment intents are seeded by the test (`addPaymentIntent`), each with one succeeded charge.
 * Refunds check what is left of the payment (failed and canceled refunds give their amount back):
 * 400 `charge_already_refunded` when nothing is left, 400 `amount_too_large` (param `amount`) when
 * the amount exceeds it.
 *
 * Authentication: `Authorization: Bearer <secret key>` on every request, else 401 with Stripe's
 * envelope (a wrong key is echoed masked, as Stripe does). Errors are `{ error: { type, code,
 * message, param } }`, with a `Request-Id` header on every answer.
 *
 * Idempotency (POST only), as Stripe documents it for API v1: the first request with an
 * `Idempotency-Key` saves its status and body once the endpoint starts executing (a success, or a
 * business error such as `amount_too_large`); a retry with the same key and the same parameters gets
 * that saved answer again with `Idempotent-Replayed: true`; the same key with different parameters is
 * 400 `idempotency_error`; the same key while the first request is still executing is 409
 * `idempotency_key_in_use`. Requests refused before execution (auth, validation, injected faults,
 * 409) save nothing. `expireIdempotencyKeys()` plays the 24 h pruning: a key reused afterwards is a
 * new request (and would refund again).
 *
 * Deliberately stricter than Stripe: unknown body or query parameters are refused (400
 * `parameter_unknown`; Stripe does the same for bodies), `currency` on a refund of a payment is
 * refused (Stripe only takes it for customer-balance refunds), a body must be form-encoded.
 *
 * Faults: `failNext(n, status)` answers the next n requests with an error before executing anything
 * (429s carry `Retry-After`). `loseNextResponse(n)` executes the next n refund creations (saving the
 * idempotent result as Stripe would) and then loses the answer: the connection is destroyed
 * (`'destroy'`, default) or a 500 comes back as from a proxy (`'500'`). `setLatency(ms)` holds each
 * refund creation that long while its key is in flight. Every request is recorded (never the key's
 * value); `refunds()` is Stripe's own record, for reconciliation assertions.
 */
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type FakeStripeRefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';

export interface FakeStripeOptions {
  port?: number;
  host?: string;
  /** The key requests must carry as a bearer token. Default `sk_test_parley_fake_key`. */
  secretKey?: string;
}

export interface FakeStripePaymentIntent {
  id: string;
  amountCents: number;
  /** Any case; stored lower-case as Stripe does. */
  currency: string;
  /** Default `ch_` + the intent's suffix. */
  chargeId?: string;
}

export interface FakeStripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  status: FakeStripeRefundStatus;
  payment_intent: string;
  charge: string;
  reason: string | null;
  metadata: Record<string, string>;
  created: number;
  /** The Idempotency-Key it was created with, if any (not part of Stripe's object). */
  idempotencyKey?: string;
}

export interface RecordedStripeRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** The form body's fields (undefined without a body). */
  form?: Record<string, string>;
  hasAuthorization: boolean;
  /** Whether the key was right (its value is never recorded). */
  authorized: boolean;
  idempotencyKey?: string;
  contentType?: string;
  status: number;
  replayed?: boolean;
  injected?: number;
  /** The refund was made but the answer lost (`loseNextResponse`). */
  lost?: 'destroy' | '500';
}

export interface StripeFaultOptions {
  retryAfter?: number;
  /** The error body (default: Stripe-shaped for the status). */
  body?: unknown;
  path?: string | RegExp;
  method?: string;
}

export interface FakeStripe {
  url: string;
  secretKey: string;
  requests: RecordedStripeRequest[];
  addPaymentIntent(pi: FakeStripePaymentIntent): void;
  /** Every refund Stripe holds, oldest first. */
  refunds(): FakeStripeRefund[];
  /** What happens later at the bank: a pending refund succeeds, fails, is canceled. */
  setRefundStatus(id: string, status: FakeStripeRefundStatus): void;
  /** Forgets every saved idempotency key, as Stripe does once keys are 24 h old. */
  expireIdempotencyKeys(): void;
  failNext(n: number, status: number, opts?: StripeFaultOptions): void;
  loseNextResponse(n: number, mode?: 'destroy' | '500'): void;
  setLatency(ms: number): void;
  /** Forgets recorded requests and pending faults (payments, refunds and keys stay). */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors

type Json = Record<string, unknown>;

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
  body(): Json {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code !== undefined ? { code: this.code } : {}),
        ...(this.param !== undefined ? { param: this.param } : {}),
      },
    };
  }
}

const invalidRequest = (message: string, code?: string, param?: string) =>
  new StripeError(400, 'invalid_request_error', message, code, param);

const CREATE_PARAMS = new Set(['payment_intent', 'charge', 'amount', 'reason']);
const REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const KEY_MAX = 255;

function faultBody(status: number): Json {
  if (status === 429)
    return {
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly.',
      },
    };
  if (status === 401)
    return { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } };
  if (status === 402)
    return { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } };
  return { error: { type: 'api_error', message: 'fake-stripe: injected fault' } };
}

function mask(key: string): string {
  return key.length <= 12 ? '****' : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------
// Server

interface SavedResponse {
  fingerprint: string;
  inFlight: boolean;
  status: number;
  body: Json;
}

interface Payment {
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
}

export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const secretKey = opts.secretKey ?? 'sk_test_parley_fake_key';
  if (!/^sk_test_/.test(secretKey)) throw new Error('fake-stripe: the secret key must start with sk_test_');
  const app = new Hono<{ Bindings: HttpBindings }>();
  const requests: RecordedStripeRequest[] = [];
  const payments = new Map<string, Payment>();
  const refunds: FakeStripeRefund[] = [];
  const idempotency = new Map<string, SavedResponse>();
  let faults: (StripeFaultOptions & { remaining: number; status: number })[] = [];
  const losses: ('destroy' | '500')[] = [];
  let latencyMs = 0;
  let seq = 0;
  let nextRefund = 1;
  let nextRequest = 1;
  let clock = Math.floor(Date.now() / 1000);

  function takeFault(method: string, path: string) {
    const f = faults.find(
      (x) =>
        x.remaining > 0 &&
        (x.method === undefined || x.method.toUpperCase() === method) &&
        (x.path === undefined || (typeof x.path === 'string' ? x.path === path : x.path.test(path))),
    );
    if (f) f.remaining--;
    faults = faults.filter((x) => x.remaining > 0);
    return f;
  }

  function paymentOf(field: 'payment_intent' | 'charge', id: string): Payment {
    const p =
      field === 'payment_intent' ? payments.get(id) : [...payments.values()].find((x) => x.chargeId === id);
    if (!p) throw invalidRequest(`No such ${field}: '${id}'`, 'resource_missing', field);
    return p;
  }

  function remaining(p: Payment): number {
    const taken = refunds
      .filter((r) => r.payment_intent === p.id && r.status !== 'failed' && r.status !== 'canceled')
      .reduce((sum, r) => sum + r.amount, 0);
    return p.amount - taken;
  }

  function refundJson(r: FakeStripeRefund): Json {
    return {
      id: r.id,
      object: 'refund',
      amount: r.amount,
      balance_transaction: `txn_fake_${r.id.slice(3)}`,
      charge: r.charge,
      created: r.created,
      currency: r.currency,
      destination_details: null,
      metadata: { ...r.metadata },
      payment_intent: r.payment_intent,
      reason: r.reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status: r.status,
      transfer_reversal: null,
    };
  }

  function parseForm(text: string): { fields: Record<string, string>; metadata: Record<string, string> } {
    const fields: Record<string, string> = {};
    const metadata: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(text)) {
      const m = /^metadata\[([^\]]*)\]$/.exec(name);
      if (m) {
        const key = m[1]!;
        if (!key || key.length > 40 || key.includes('['))
          throw invalidRequest(`Invalid metadata key: ${name}`, 'parameter_invalid', 'metadata');
        if (value.length > 500)
          throw invalidRequest(
            `Metadata values can have up to 500 characters: ${key}`,
            'parameter_invalid',
            'metadata',
          );
        metadata[key] = value;
      } else if (name === 'currency') {
        throw invalidRequest(
          'fake-stripe: `currency` only applies to customer-balance refunds; a refund of a payment is in its currency',
          'parameter_unknown',
          'currency',
        );
      } else if (!CREATE_PARAMS.has(name)) {
        throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
      } else {
        if (name in fields) throw invalidRequest(`Received ${name} twice`, 'parameter_invalid', name);
        fields[name] = value;
      }
    }
    if (Object.keys(metadata).length > 50)
      throw invalidRequest('Metadata can have up to 50 keys', 'parameter_invalid', 'metadata');
    return { fields, metadata };
  }

  /** Validation: failures here happen before execution, so nothing is saved under the key. */
  function validateCreate(fields: Record<string, string>): { payment: Payment; amount?: number } {
    if ((fields.payment_intent === undefined) === (fields.charge === undefined)) {
      throw invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
        'parameter_missing',
      );
    }
    const payment =
      fields.payment_intent !== undefined
        ? paymentOf('payment_intent', fields.payment_intent)
        : paymentOf('charge', fields.charge!);
    let amount: number | undefined;
    if (fields.amount !== undefined) {
      if (!/^[0-9]{1,12}$/.test(fields.amount))
        throw invalidRequest(`Invalid integer: ${fields.amount}`, 'parameter_invalid_integer', 'amount');
      amount = Number(fields.amount);
      if (amount <= 0)
        throw invalidRequest('Refund amount must be positive.', 'parameter_invalid_integer', 'amount');
    }
    if (fields.reason !== undefined && !REASONS.has(fields.reason)) {
      throw invalidRequest(
        'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
        'parameter_invalid',
        'reason',
      );
    }
    return { payment, ...(amount !== undefined ? { amount } : {}) };
  }

  /** Execution: the refund, or a business error; both are saved under the key. */
  function executeCreate(
    payment: Payment,
    amount: number | undefined,
    fields: Record<string, string>,
    metadata: Record<string, string>,
    key: string | undefined,
  ): { status: number; body: Json } {
    const left = remaining(payment);
    if (left <= 0) {
      const e = invalidRequest(
        `Charge ${payment.chargeId} has already been refunded.`,
        'charge_already_refunded',
      );
      return { status: e.status, body: e.body() };
    }
    if (amount !== undefined && amount > left) {
      const e = invalidRequest(
        `Refund amount (${amount} ${payment.currency}) is greater than unrefunded amount on charge (${left} ${payment.currency})`,
        'amount_too_large',
        'amount',
      );
      return { status: e.status, body: e.body() };
    }
    const refund: FakeStripeRefund = {
      id: `re_fake${String(nextRefund++).padStart(6, '0')}`,
      object: 'refund',
      amount: amount ?? left,
      currency: payment.currency,
      status: 'succeeded',
      payment_intent: payment.id,
      charge: payment.chargeId,
      reason: fields.reason ?? null,
      metadata,
      created: clock++,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    };
    refunds.push(refund);
    return { status: 200, body: refundJson(refund) };
  }

  function respond(
    c: Context<{ Bindings: HttpBindings }>,
    rec: RecordedStripeRequest,
    status: number,
    body: Json,
    headers: Record<string, string> = {},
  ): Response {
    rec.status = status;
    return c.json(body, status as 200, { 'request-id': `req_fake${nextRequest++}`, ...headers });
  }

  async function front(
    c: Context<{ Bindings: HttpBindings }>,
    params: readonly string[],
    handle: (rec: RecordedStripeRequest, text: string, query: Record<string, string>) => Promise<Response>,
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const authorization = c.req.header('authorization');
    const rec: RecordedStripeRequest = {
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      query,
      hasAuthorization: authorization !== undefined,
      authorized: authorization === `Bearer ${secretKey}`,
      status: 0,
    };
    const key = c.req.header('idempotency-key');
    if (key !== undefined) rec.idempotencyKey = key;
    const contentType = c.req.header('content-type');
    if (contentType !== undefined) rec.contentType = contentType;
    requests.push(rec);
    const text = await c.req.text();
    if (text.length > 0) rec.form = Object.fromEntries(new URLSearchParams(text));

    const fault = takeFault(rec.method, rec.path);
    if (fault) {
      rec.injected = fault.status;
      const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 2 : undefined);
      return respond(
        c,
        rec,
        fault.status,
        (fault.body ?? faultBody(fault.status)) as Json,
        retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
      );
    }
    if (!rec.authorized) {
      const m = /^Bearer (.+)$/.exec(authorization ?? '');
      const message = m
        ? `Invalid API Key provided: ${mask(m[1]!)}`
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      return respond(c, rec, 401, { error: { type: 'invalid_request_error', message } });
    }
    try {
      for (const name of Object.keys(query)) {
        if (!params.includes(name))
          throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
      }
      return await handle(rec, text, query);
    } catch (err) {
      if (!(err instanceof StripeError)) throw err;
      return respond(c, rec, err.status, err.body());
    }
  }

  app.post('/v1/refunds', (c) =>
    front(c, [], async (rec, text) => {
      if (!(rec.contentType ?? '').startsWith('application/x-www-form-urlencoded'))
        throw invalidRequest('fake-stripe: the body must be application/x-www-form-urlencoded');
      const key = rec.idempotencyKey;
      const { fields, metadata } = parseForm(text);
      const fingerprint = JSON.stringify([
        'POST /v1/refunds',
        Object.entries(fields).sort(),
        Object.entries(metadata).sort(),
      ]);
      if (key !== undefined) {
        if (key.length === 0 || key.length > KEY_MAX)
          throw invalidRequest(`Idempotency keys can be at most ${KEY_MAX} characters long.`);
        const saved = idempotency.get(key);
        if (saved && saved.fingerprint !== fingerprint) {
          throw new StripeError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          );
        }
        if (saved?.inFlight) {
          throw new StripeError(
            409,
            'invalid_request_error',
            `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
            'idempotency_key_in_use',
          );
        }
        if (saved) {
          rec.replayed = true;
          return respond(c, rec, saved.status, saved.body, {
            'idempotent-replayed': 'true',
            'idempotency-key': key,
          });
        }
      }
      const { payment, amount } = validateCreate(fields);
      // Execution begins: the key is taken until the result is saved.
      const entry: SavedResponse | undefined =
        key !== undefined ? { fingerprint, inFlight: true, status: 0, body: {} } : undefined;
      if (key !== undefined) idempotency.set(key, entry!);
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      const out = executeCreate(payment, amount, fields, metadata, key);
      if (entry && idempotency.get(key!) === entry) Object.assign(entry, { ...out, inFlight: false });
      const lost = losses.shift();
      if (lost) {
        rec.lost = lost;
        if (lost === 'destroy') {
          rec.status = -1;
          c.env.incoming.socket.destroy();
          return new Response(null, { status: 500 });
        }
        return respond(c, rec, 500, { error: { type: 'api_error', message: 'fake-stripe: response lost' } });
      }
      return respond(c, rec, out.status, out.body, key !== undefined ? { 'idempotency-key': key } : {});
    }),
  );

  app.get('/v1/refunds', (c) =>
    front(c, ['payment_intent', 'charge', 'limit', 'starting_after'], (rec, text, query) => {
      if (text.length > 0) throw invalidRequest('fake-stripe: GET takes no body');
      let list = [...refunds].sort((a, b) => b.created - a.created);
      if (query.payment_intent !== undefined) {
        const p = paymentOf('payment_intent', query.payment_intent);
        list = list.filter((r) => r.payment_intent === p.id);
      }
      if (query.charge !== undefined) {
        const p = paymentOf('charge', query.charge);
        list = list.filter((r) => r.payment_intent === p.id);
      }
      const limit = query.limit === undefined ? 10 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw invalidRequest(
          'Invalid limit: must be between 1 and 100',
          'parameter_invalid_integer',
          'limit',
        );
      if (query.starting_after !== undefined) {
        const i = list.findIndex((r) => r.id === query.starting_after);
        if (i < 0)
          throw invalidRequest(
            `No such refund: '${query.starting_after}'`,
            'resource_missing',
            'starting_after',
          );
        list = list.slice(i + 1);
      }
      return Promise.resolve(
        respond(c, rec, 200, {
          object: 'list',
          url: '/v1/refunds',
          has_more: list.length > limit,
          data: list.slice(0, limit).map(refundJson),
        }),
      );
    }),
  );

  app.get('/v1/refunds/:id', (c) =>
    front(c, [], (rec) => {
      const r = refunds.find((x) => x.id === c.req.param('id'));
      if (!r) throw invalidRequest(`No such refund: '${c.req.param('id')}'`, 'resource_missing', 'id');
      return Promise.resolve(respond(c, rec, 200, refundJson(r)));
    }),
  );

  app.notFound((c) => {
    requests.push({
      seq: ++seq,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      query: Object.fromEntries(new URL(c.req.url).searchParams),
      hasAuthorization: c.req.header('authorization') !== undefined,
      authorized: c.req.header('authorization') === `Bearer ${secretKey}`,
      status: 404,
    });
    return c.json(
      {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${c.req.method}: ${c.req.path}). fake-stripe implements only the refunds API.`,
        },
      },
      404,
    );
  });

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });

  return {
    url: server.url,
    secretKey,
    requests,
    addPaymentIntent(pi) {
      if (!/^pi_[A-Za-z0-9_]+$/.test(pi.id)) throw new Error(`fake-stripe: bad payment intent id ${pi.id}`);
      if (!Number.isSafeInteger(pi.amountCents) || pi.amountCents <= 0)
        throw new Error('fake-stripe: amountCents must be a positive integer');
      payments.set(pi.id, {
        id: pi.id,
        chargeId: pi.chargeId ?? `ch_${pi.id.slice(3)}`,
        amount: pi.amountCents,
        currency: pi.currency.toLowerCase(),
      });
    },
    refunds: () => refunds.map((r) => structuredClone(r)),
    setRefundStatus(id, status) {
      const r = refunds.find((x) => x.id === id);
      if (!r) throw new Error(`fake-stripe: no refund ${id}`);
      r.status = status;
    },
    expireIdempotencyKeys() {
      for (const [key, saved] of idempotency) if (!saved.inFlight) idempotency.delete(key);
    },
    failNext(n, status, faultOpts = {}) {
      faults.push({ remaining: n, status, ...faultOpts });
    },
    loseNextResponse(n, mode = 'destroy') {
      for (let i = 0; i < n; i++) losses.push(mode);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    reset() {
      requests.length = 0;
      faults = [];
      losses.length = 0;
      latencyMs = 0;
    },
    close: () => server.close(),
  };
}
