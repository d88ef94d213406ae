/**
 * The built-in ledger payment provider on real Postgres: one payout per refund id however often or
 * concurrently it is asked, never more paid out than the payment, and failures typed like Stripe's.
 */
import { createServer } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createLedgerProvider, listPayouts, type PaymentAmount } from '../../activities/payments/ledger.js';
import {
  PaymentErrorTypes,
  type PaymentProvider,
  type RefundRequest,
} from '../../activities/payments/types.js';
import { createDb, type Db } from '../../db/database.js';
import { DEMO_ORDERS, seedDemoShop } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';

let db: Db;
let provider: PaymentProvider;
/** The payments "the shop" knows: what the injected lookup answers. */
const payments = new Map<string, PaymentAmount>();
const paymentAmount = async (ref: string) => payments.get(ref);
let n = 0;
/** A fresh payment per test, so tests do not share payouts. */
let pay: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  provider = createLedgerProvider({ db, paymentAmount });
});
afterAll(async () => {
  await db?.destroy();
});
beforeEach(() => {
  pay = `pi_demo_${++n}`;
  payments.set(pay, { amountCents: 5_000, currency: 'eur' });
});

function req(over: Partial<RefundRequest> = {}): RefundRequest {
  return {
    refundId: `refund:${n}:1:damaged`,
    paymentRef: pay,
    amountCents: 1_250,
    currency: 'EUR',
    reason: 'damaged',
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

const paidOut = async (ref: string) =>
  (await listPayouts(db, ref)).reduce((sum, p) => sum + p.amountCents, 0);

describe('ledger provider: refunds', () => {
  it('pays a refund once and records it as the provider’s payout', async () => {
    const out = await provider.refund(req());
    expect(out).toEqual({
      providerRefundId: expect.stringMatching(/^lp_[0-9a-f]{32}$/) as string,
      amountCents: 1_250,
      currency: 'EUR',
      status: 'succeeded',
      refundId: `refund:${n}:1:damaged`,
    });
    expect(await listPayouts(db, pay)).toEqual([
      {
        id: out.providerRefundId,
        paymentRef: pay,
        refundId: `refund:${n}:1:damaged`,
        amountCents: 1_250,
        currency: 'EUR',
        status: 'succeeded',
        reason: 'damaged',
        createdAt: expect.any(Date) as Date,
      },
    ]);
    expect((await listPayouts(db)).map((p) => p.id)).toContain(out.providerRefundId);
  });

  it('the same refund id again returns the same payout', async () => {
    const first = await provider.refund(req());
    const again = await provider.refund(req());
    expect(again).toEqual(first);
    expect(await listPayouts(db, pay)).toHaveLength(1);
  });

  it('the same refund id with another amount, currency or payment is an IdempotencyConflict', async () => {
    const other = `${pay}_other`;
    payments.set(other, { amountCents: 5_000, currency: 'EUR' });
    await provider.refund(req());
    for (const bad of [req({ amountCents: 999 }), req({ currency: 'USD' }), req({ paymentRef: other })]) {
      const f = await failure(provider.refund(bad));
      expect(f.type).toBe(PaymentErrorTypes.IdempotencyConflict);
      expect(f.nonRetryable).toBe(true);
      expect(f.details?.[0]).toMatchObject({ provider: 'ledger' });
    }
    expect(await listPayouts(db, pay)).toHaveLength(1);
    expect(await listPayouts(db, other)).toHaveLength(0);
  });

  it('refuses more than what is left, with Stripe’s codes and the error details shape', async () => {
    const f = await failure(provider.refund(req({ amountCents: 5_001 })));
    expect(f.type).toBe(PaymentErrorTypes.Rejected);
    expect(f.nonRetryable).toBe(true);
    expect(f.details).toEqual([
      {
        provider: 'ledger',
        code: 'amount_too_large',
        param: 'amount',
        message: `Refund amount (5001 EUR) is greater than unrefunded amount on payment (5000 EUR)`,
      },
    ]);
    expect(await listPayouts(db, pay)).toHaveLength(0);
  });

  it('partial refunds add up to the total and not a cent more', async () => {
    for (const [i, cents] of [3_000, 1_500].entries()) {
      await provider.refund(req({ refundId: `refund:${n}:${i}:part`, amountCents: cents }));
    }
    const over = await failure(provider.refund(req({ refundId: `refund:${n}:x:part`, amountCents: 501 })));
    expect(over.details?.[0]).toMatchObject({ code: 'amount_too_large' });
    await provider.refund(req({ refundId: `refund:${n}:2:part`, amountCents: 500 }));
    expect(await paidOut(pay)).toBe(5_000);

    const done = await failure(provider.refund(req({ refundId: `refund:${n}:y:part`, amountCents: 1 })));
    expect(done.type).toBe(PaymentErrorTypes.Rejected);
    expect(done.details?.[0]).toMatchObject({ provider: 'ledger', code: 'charge_already_refunded' });
    expect(await listPayouts(db, pay)).toHaveLength(3);
  });

  it('20 concurrent refunds with distinct ids never pay out more than the payment', async () => {
    // 700 × 7 = 4 900 fits in 5 000; an eighth would not. Without the lock all 20 would see 0 taken.
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        provider.refund(req({ refundId: `refund:${n}:${i}:race`, amountCents: 700 })),
      ),
    );
    const won = settled.filter((s) => s.status === 'fulfilled');
    const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as ApplicationFailure] : []));
    expect(won).toHaveLength(7);
    expect(lost).toHaveLength(13);
    for (const f of lost) {
      expect(f.type).toBe(PaymentErrorTypes.Rejected);
      expect(f.details?.[0]).toMatchObject({ code: 'amount_too_large' });
    }
    expect(await paidOut(pay)).toBe(4_900);
    expect(await listPayouts(db, pay)).toHaveLength(7);
  });

  it('10 concurrent calls with the same refund id make one payout, returned to all', async () => {
    const settled = await Promise.all(Array.from({ length: 10 }, () => provider.refund(req())));
    const [payout] = await listPayouts(db, pay);
    expect(await listPayouts(db, pay)).toHaveLength(1);
    for (const out of settled) expect(out.providerRefundId).toBe(payout!.id);
  });

  it('one refund id raced onto two payments pays one; the other is a conflict', async () => {
    const other = `${pay}_other`;
    payments.set(other, { amountCents: 5_000, currency: 'EUR' });
    const settled = await Promise.allSettled([
      provider.refund(req()),
      provider.refund(req({ paymentRef: other })),
    ]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = settled.find((s) => s.status === 'rejected')!.reason as ApplicationFailure;
    expect(lost.type).toBe(PaymentErrorTypes.IdempotencyConflict);
    expect((await listPayouts(db, pay)).length + (await listPayouts(db, other)).length).toBe(1);
  });

  it('findRefund finds a payout by refund id and payment, and nothing else', async () => {
    const out = await provider.refund(req());
    expect(await provider.findRefund(req().refundId, pay)).toEqual(out);
    expect(await provider.findRefund(req().refundId, `${pay}_other`)).toBeUndefined();
    expect(await provider.findRefund(`refund:${n}:none`, pay)).toBeUndefined();
  });

  it('an unknown payment or another currency is Rejected, and nothing is paid', async () => {
    const unknown = await failure(provider.refund(req({ paymentRef: 'pi_demo_nope' })));
    expect(unknown.type).toBe(PaymentErrorTypes.Rejected);
    expect(unknown.nonRetryable).toBe(true);
    expect(unknown.details?.[0]).toEqual({
      provider: 'ledger',
      code: 'resource_missing',
      param: 'payment_ref',
      message: "No such payment: 'pi_demo_nope'",
    });
    const usd = await failure(provider.refund(req({ currency: 'usd' })));
    expect(usd.details?.[0]).toMatchObject({ code: 'currency_mismatch', param: 'currency' });
    expect(await listPayouts(db, 'pi_demo_nope')).toHaveLength(0);
    expect(await listPayouts(db, pay)).toHaveLength(0);
  });

  it('refuses bad input', async () => {
    for (const bad of [
      req({ amountCents: 0 }),
      req({ amountCents: 12.5 }),
      req({ refundId: '' }),
      req({ refundId: 'x'.repeat(256) }),
      req({ paymentRef: '' }),
    ]) {
      const f = await failure(provider.refund(bad));
      expect(f.type).toBe(PaymentErrorTypes.Rejected);
      expect(f.nonRetryable).toBe(true);
    }
    expect(await listPayouts(db, pay)).toHaveLength(0);
  });
});

describe('ledger provider: the default payment lookup (shop orders by payment_ref)', () => {
  it('refunds up to the total of the order the payment paid, and knows no other payment', async () => {
    await seedDemoShop(db);
    const orderId = DEMO_ORDERS.camilleDelivered;
    const ref = `pi_demo_${orderId}`;
    const order = await db
      .updateTable('shop_orders')
      .set({ payment_ref: ref })
      .where('id', '=', orderId)
      .returning(['total_cents', 'currency'])
      .executeTakeFirstOrThrow();
    const shop = createLedgerProvider({ db });
    const one = { refundId: `refund:${orderId}:order:shop`, paymentRef: ref, currency: order.currency };
    const over = await failure(shop.refund({ ...one, amountCents: order.total_cents + 1 }));
    expect(over.details?.[0]).toMatchObject({ code: 'amount_too_large' });
    await shop.refund({ ...one, amountCents: order.total_cents });
    const done = await failure(shop.refund({ ...one, refundId: `${one.refundId}:2`, amountCents: 1 }));
    expect(done.details?.[0]).toMatchObject({ code: 'charge_already_refunded' });
    expect(await paidOut(ref)).toBe(order.total_cents);

    const unknown = await failure(
      shop.refund({ ...one, refundId: `${one.refundId}:3`, paymentRef: 'pi_demo_nope', amountCents: 1 }),
    );
    expect(unknown.details?.[0]).toMatchObject({ code: 'resource_missing' });
  });
});

describe('ledger provider: database failures', () => {
  it('an unreachable database is Transient (retryable)', async () => {
    const port = await closedPort();
    const down = createDb(`postgres://parley:secret-pw@127.0.0.1:${port}/nowhere`);
    try {
      const broken = createLedgerProvider({ db: down, paymentAmount });
      for (const p of [broken.refund(req()), broken.findRefund(req().refundId, pay)]) {
        const f = await failure(p);
        expect(f.type).toBe(PaymentErrorTypes.Transient);
        expect(f.nonRetryable).toBe(false);
        expect(f.details?.[0]).toMatchObject({ provider: 'ledger', code: 'ECONNREFUSED' });
        expect(JSON.stringify({ m: f.message, d: f.details })).not.toContain('secret-pw');
      }
    } finally {
      await down.destroy();
    }
  });

  it('a database without the table (a schema problem, not a blip) is Permanent', async () => {
    const unmigrated = createDb(inject('postgresUrl'));
    try {
      const f = await failure(createLedgerProvider({ db: unmigrated, paymentAmount }).refund(req()));
      expect(f.type).toBe(PaymentErrorTypes.Permanent);
      expect(f.nonRetryable).toBe(true);
      expect(f.details?.[0]).toMatchObject({ provider: 'ledger', code: '42P01' });
    } finally {
      await unmigrated.destroy();
    }
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
