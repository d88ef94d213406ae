/**
 * The Stripe payment provider over HTTP against fake-stripe (Stripe's refunds API shapes, auth,
 * errors and idempotency semantics): a refund is paid once per refund id, whatever is lost or
 * retried, and failures map to retryable / non-retryable Temporal failures.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStripeProvider, STRIPE_REFUND_ID_METADATA } from '../../activities/payments/stripe.js';
import {
  PaymentErrorTypes,
  type PaymentProvider,
  type RefundRequest,
} from '../../activities/payments/types.js';
import { startFakeStripe, type FakeStripe } from '../servers/fake-stripe.js';

let stripe: FakeStripe;
let provider: PaymentProvider;
let n = 0;
/** A fresh payment intent per test, so tests do not share refunds. */
let pi: string;

beforeAll(async () => {
  stripe = await startFakeStripe();
  provider = createStripeProvider({ apiUrl: stripe.url, secretKey: stripe.secretKey, timeoutMs: 2_000 });
});
afterAll(() => stripe.close());
beforeEach(() => {
  stripe.reset();
  pi = `pi_test${++n}`;
  stripe.addPaymentIntent({ id: pi, amountCents: 5_000, currency: 'eur' });
});

function req(over: Partial<RefundRequest> = {}): RefundRequest {
  return {
    refundId: `rf_${n}_a`,
    paymentRef: pi,
    amountCents: 1_250,
    currency: 'EUR',
    reason: 'requested by customer: parcel arrived damaged',
    ...over,
  };
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const refundsOf = (paymentIntent: string) =>
  stripe.refunds().filter((r) => r.payment_intent === paymentIntent);

async function rawCreate(form: Record<string, string>, key: string): Promise<Response> {
  return fetch(`${stripe.url}/v1/refunds`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stripe.secretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      'idempotency-key': key,
    },
    body: new URLSearchParams(form).toString(),
  });
}

describe('stripe provider: refunds', () => {
  it('looks for an existing refund, then creates one with the id as key and metadata', async () => {
    const out = await provider.refund(req());
    expect(out).toEqual({
      providerRefundId: expect.stringMatching(/^re_/) as string,
      amountCents: 1_250,
      currency: 'EUR',
      status: 'succeeded',
      refundId: `rf_${n}_a`,
    });
    const [refund] = refundsOf(pi);
    expect(refundsOf(pi)).toHaveLength(1);
    expect(refund).toMatchObject({
      id: out.providerRefundId,
      amount: 1_250,
      currency: 'eur',
      reason: 'requested_by_customer',
      metadata: { [STRIPE_REFUND_ID_METADATA]: `rf_${n}_a` },
    });
    expect(stripe.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /v1/refunds 200',
      'POST /v1/refunds 200',
    ]);
    const [list, post] = stripe.requests;
    expect(list!.query).toEqual({ payment_intent: pi, limit: '100' });
    expect(post!.authorized).toBe(true);
    expect(post!.idempotencyKey).toBe(`rf_${n}_a`);
    expect(post!.form).toEqual({
      payment_intent: pi,
      amount: '1250',
      reason: 'requested_by_customer',
      [`metadata[${STRIPE_REFUND_ID_METADATA}]`]: `rf_${n}_a`,
    });
    // findRefund sees it by our id.
    expect(await provider.findRefund(`rf_${n}_a`, pi)).toEqual(out);
    expect(await provider.findRefund('rf_other', pi)).toBeUndefined();
  });

  it('omits a reason that does not fit Stripe’s enum', async () => {
    await provider.refund(req({ reason: 'goodwill gesture' }));
    expect(stripe.requests.at(-1)!.form!.reason).toBeUndefined();
    expect(refundsOf(pi)[0]!.reason).toBeNull();
  });

  for (const mode of ['destroy', '500'] as const) {
    it(`a retry after the response was lost (${mode}) finds the refund: one refund at Stripe`, async () => {
      stripe.loseNextResponse(1, mode);
      const f = await failure(provider.refund(req()));
      expect(f.type).toBe(PaymentErrorTypes.Transient);
      expect(f.nonRetryable).toBe(false);
      expect(refundsOf(pi)).toHaveLength(1); // Stripe did pay

      const again = await provider.refund(req());
      expect(again.providerRefundId).toBe(refundsOf(pi)[0]!.id);
      expect(refundsOf(pi)).toHaveLength(1);
      // The retry never reached POST: the metadata lookup found it.
      expect(stripe.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    });
  }

  it('if the lookup misses, the idempotency key replays the first answer instead of paying again', async () => {
    // A fetch that hides refunds from the list (as if the listing lagged behind the write).
    const blind = createStripeProvider({
      apiUrl: stripe.url,
      secretKey: stripe.secretKey,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === 'GET' && String(input).includes('/v1/refunds?')) {
          return new Response(
            JSON.stringify({ object: 'list', url: '/v1/refunds', has_more: false, data: [] }),
            {
              status: 200,
              headers: { 'content-type': 'application/json' },
            },
          );
        }
        return res;
      },
    });
    stripe.loseNextResponse(1);
    await failure(blind.refund(req()));
    const again = await blind.refund(req());
    expect(refundsOf(pi)).toHaveLength(1);
    expect(again.providerRefundId).toBe(refundsOf(pi)[0]!.id);
    const posts = stripe.requests.filter((r) => r.method === 'POST');
    expect(posts.map((p) => [p.status, p.replayed ?? false])).toEqual([
      [-1, false],
      [200, true],
    ]);
  });

  it('after the keys expired (24 h), a retry still finds the refund by metadata: no second refund', async () => {
    stripe.loseNextResponse(1);
    await failure(provider.refund(req()));
    stripe.expireIdempotencyKeys();
    const again = await provider.refund(req());
    expect(again.providerRefundId).toBe(refundsOf(pi)[0]!.id);
    expect(refundsOf(pi)).toHaveLength(1);

    // Without the lookup, the expired key would not have protected us: Stripe refunds again.
    const raw = await rawCreate(
      { payment_intent: pi, amount: '1250', [`metadata[${STRIPE_REFUND_ID_METADATA}]`]: `rf_${n}_a` },
      `rf_${n}_a`,
    );
    expect(raw.status).toBe(200);
    expect(raw.headers.get('idempotent-replayed')).toBeNull();
    expect(refundsOf(pi)).toHaveLength(2);
  });

  it('concurrent identical calls make one refund; the loser is retryable and then finds it', async () => {
    stripe.setLatency(300);
    const settled = await Promise.allSettled([provider.refund(req()), provider.refund(req())]);
    stripe.setLatency(0);
    expect(refundsOf(pi)).toHaveLength(1);
    const id = refundsOf(pi)[0]!.id;
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        expect(s.value.providerRefundId).toBe(id);
      } else {
        const f = s.reason as ApplicationFailure;
        expect(f).toBeInstanceOf(ApplicationFailure);
        expect(f.type).toBe(PaymentErrorTypes.Transient);
        expect(f.nonRetryable).toBe(false);
        expect(f.details?.[0]).toMatchObject({ httpStatus: 409, code: 'idempotency_key_in_use' });
      }
    }
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(stripe.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([200, 409]);
    expect((await provider.refund(req())).providerRefundId).toBe(id);
    expect(refundsOf(pi)).toHaveLength(1);
  });

  it('a timeout is retryable, and the retry finds the refund the slow request made', async () => {
    const impatient = createStripeProvider({
      apiUrl: stripe.url,
      secretKey: stripe.secretKey,
      timeoutMs: 100,
    });
    stripe.setLatency(300);
    const f = await failure(impatient.refund(req()));
    expect(f.type).toBe(PaymentErrorTypes.Transient);
    expect(f.message).toMatch(/timed out/);
    stripe.setLatency(0);
    await new Promise((r) => setTimeout(r, 400));
    const again = await impatient.refund(req());
    expect(refundsOf(pi)).toHaveLength(1);
    expect(again.providerRefundId).toBe(refundsOf(pi)[0]!.id);
  });

  it('an amount larger than what is left is Rejected, not retryable; so is an already refunded payment', async () => {
    const f = await failure(provider.refund(req({ amountCents: 5_001 })));
    expect(f.type).toBe(PaymentErrorTypes.Rejected);
    expect(f.nonRetryable).toBe(true);
    expect(f.details?.[0]).toMatchObject({ httpStatus: 400, code: 'amount_too_large', param: 'amount' });

    await provider.refund(req({ refundId: `rf_${n}_full`, amountCents: 5_000 }));
    const g = await failure(provider.refund(req({ refundId: `rf_${n}_b`, amountCents: 1 })));
    expect(g.type).toBe(PaymentErrorTypes.Rejected);
    expect(g.nonRetryable).toBe(true);
    expect(g.details?.[0]).toMatchObject({ code: 'charge_already_refunded' });
    expect(refundsOf(pi)).toHaveLength(1);
  });

  it('partial refunds add up to the payment; a failed refund gives its amount back', async () => {
    const a = await provider.refund(req({ refundId: `rf_${n}_1`, amountCents: 3_000 }));
    await failure(provider.refund(req({ refundId: `rf_${n}_2`, amountCents: 2_001 })));
    stripe.setRefundStatus(a.providerRefundId, 'failed');
    expect(await provider.findRefund(`rf_${n}_1`, pi)).toMatchObject({ status: 'failed' });
    const b = await provider.refund(req({ refundId: `rf_${n}_3`, amountCents: 5_000 }));
    expect(b.status).toBe('succeeded');
  });

  it('5xx is retryable and a retry pays once; 429 is RateLimited with Retry-After', async () => {
    stripe.failNext(1, 500, { method: 'POST' });
    const f = await failure(provider.refund(req()));
    expect(f.type).toBe(PaymentErrorTypes.Transient);
    expect(f.nonRetryable).toBe(false);
    expect(refundsOf(pi)).toHaveLength(0);

    stripe.failNext(1, 429, { retryAfter: 3 });
    const g = await failure(provider.refund(req()));
    expect(g.type).toBe(PaymentErrorTypes.RateLimited);
    expect(g.nonRetryable).toBe(false);
    expect(g.nextRetryDelay).toBe(3_000);

    await provider.refund(req());
    expect(refundsOf(pi)).toHaveLength(1);
  });

  it('a bad key is an AuthError, and the key appears nowhere in the failure', async () => {
    const badKey = 'sk_test_wrong_secret_value_123456';
    const wrong = createStripeProvider({ apiUrl: stripe.url, secretKey: badKey });
    const f = await failure(wrong.refund(req()));
    expect(f.type).toBe(PaymentErrorTypes.AuthError);
    expect(f.nonRetryable).toBe(true);
    expect(f.details?.[0]).toMatchObject({ httpStatus: 401 });
    const everything = JSON.stringify({ message: f.message, details: f.details, stack: f.stack });
    expect(everything).not.toContain(badKey);
    expect(everything).not.toContain(stripe.secretKey);
    expect(stripe.requests[0]).toMatchObject({ hasAuthorization: true, authorized: false, status: 401 });
  });

  it('the same refund id with other parameters is an IdempotencyConflict, never a second refund', async () => {
    const other = `pi_test${n}_other`;
    stripe.addPaymentIntent({ id: other, amountCents: 5_000, currency: 'eur' });
    await provider.refund(req());
    // Reused on another payment: the lookup (by payment) misses, Stripe refuses the key.
    const f = await failure(provider.refund(req({ paymentRef: other })));
    expect(f.type).toBe(PaymentErrorTypes.IdempotencyConflict);
    expect(f.nonRetryable).toBe(true);
    expect(f.details?.[0]).toMatchObject({ httpStatus: 400, errorType: 'idempotency_error' });
    // Reused on the same payment with another amount: the lookup finds it and refuses.
    const g = await failure(provider.refund(req({ amountCents: 999 })));
    expect(g.type).toBe(PaymentErrorTypes.IdempotencyConflict);
    expect(g.nonRetryable).toBe(true);
    expect(refundsOf(pi)).toHaveLength(1);
    expect(refundsOf(other)).toHaveLength(0);
  });

  it('refuses bad input before calling Stripe', async () => {
    for (const bad of [
      req({ amountCents: 0 }),
      req({ amountCents: 12.5 }),
      req({ refundId: '' }),
      req({ paymentRef: 'order-1042' }),
    ]) {
      const f = await failure(provider.refund(bad));
      expect(f.type).toBe(PaymentErrorTypes.Rejected);
      expect(f.nonRetryable).toBe(true);
    }
    expect(stripe.requests).toHaveLength(0);
  });
});

describe('fake-stripe: idempotency semantics', () => {
  it('replays the same answer for the same key and parameters, refuses other parameters', async () => {
    const form = { payment_intent: pi, amount: '700' };
    const first = await rawCreate(form, `k_${n}`);
    const body1 = (await first.json()) as { id: string };
    const second = await rawCreate(form, `k_${n}`);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(((await second.json()) as { id: string }).id).toBe(body1.id);
    const third = await rawCreate({ ...form, amount: '701' }, `k_${n}`);
    expect(third.status).toBe(400);
    expect(await third.json()).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(refundsOf(pi)).toHaveLength(1);
  });

  it('saves business errors under the key but not validation errors', async () => {
    const tooMuch = await rawCreate({ payment_intent: pi, amount: '9999' }, `k_${n}_big`);
    expect(tooMuch.status).toBe(400);
    const replay = await rawCreate({ payment_intent: pi, amount: '9999' }, `k_${n}_big`);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toMatchObject({ error: { code: 'amount_too_large' } });

    const unknown = await rawCreate({ payment_intent: 'pi_nope', amount: '1' }, `k_${n}_v`);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'resource_missing', param: 'payment_intent' },
    });
    const fixed = await rawCreate({ payment_intent: pi, amount: '1' }, `k_${n}_v`);
    expect(fixed.status).toBe(200);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();

    const currency = await rawCreate({ payment_intent: pi, amount: '1', currency: 'eur' }, `k_${n}_c`);
    expect(currency.status).toBe(400);
  });
});
