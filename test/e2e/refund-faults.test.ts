import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPayouts } from '../../activities/payments/ledger.js';
import { refundIdFor } from '../../db/repositories/refunds.js';
import { refundStateQuery, type NewRefund, type RefundOutcome } from '../../workflows/refund-definitions.js';
import type { refundWorkflow } from '../../workflows/refund.js';
import { insertPaidOrder } from '../support/database.js';
import { startFakeStripe, type FakeStripe } from '../servers/fake-stripe.js';
import { startTestParley, type TestParley } from '../support/parley.js';
import { rng } from '../support/rng.js';

/**
 * At least 200 refund requests with faults injected at random points — provider 5xx and 429 before
 * the refund, answers lost after it, attempts crashing between the provider's payment and the ledger
 * write, card declines (failed, then retried by ops in bulk), the same request sent twice at once,
 * refunds above the limit approved or left to expire — and then the ledger and the provider's own
 * record must agree exactly: zero duplicates, zero over-refunds, nothing paid that the ledger does
 * not show as paid. The figures are printed for the note.
 */
const REQUESTS = 200;
const ORDERS = 30;
const ORDER_TOTAL = 10_000;
const CONCURRENCY = 10;
const REASONS = ['damaged', 'not received', 'wrong item', 'changed mind', 'late delivery', 'other'];

for (const providerName of ['stripe', 'ledger'] as const) {
  describe(`${REQUESTS} refund requests with random faults (${providerName})`, () => {
    let parley: TestParley;
    let stripe: FakeStripe | undefined;
    const crashAfterPayment = new Set<string>();
    const seed = Number(process.env.REFUND_FAULT_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const orders: { orderId: string; paymentRef: string }[] = [];

    beforeAll(async () => {
      if (providerName === 'stripe') stripe = await startFakeStripe();
      parley = await startTestParley({
        env: {
          PAYMENTS: providerName,
          ...(stripe ? { STRIPE_API_URL: stripe.url, STRIPE_SECRET_KEY: stripe.secretKey } : {}),
          AUTO_APPROVE_REFUND_CENTS: '4000',
          REFUND_APPROVAL_ESCALATE_MS: '1000',
          REFUND_APPROVAL_EXPIRE_MS: '2000',
        },
        adjustDeps: (deps) => ({
          ...deps,
          refunds: {
            ...deps.refunds,
            afterProviderCall: async (refundId) => {
              if (crashAfterPayment.delete(refundId))
                throw new Error('injected crash after the provider paid');
            },
          },
        }),
      });
      const { id: customerId } = await parley.db
        .selectFrom('shop_customers')
        .select('id')
        .where('wa_id', '=', '15551234567')
        .executeTakeFirstOrThrow();
      for (let i = 0; i < ORDERS; i++) {
        const orderId = String(700_000 + i);
        const paymentRef = `pi_fault_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
        await insertPaidOrder(parley.db, {
          id: orderId,
          customerId,
          totalCents: ORDER_TOTAL,
          paymentRef,
          lines: 2,
        });
        stripe?.addPaymentIntent({ id: paymentRef, amountCents: ORDER_TOTAL, currency: 'eur' });
        orders.push({ orderId, paymentRef });
      }
    }, 120_000);
    afterAll(async () => {
      await parley?.close();
      await stripe?.close();
    });

    it('ends with the ledger and the provider in exact agreement', { timeout: 600_000 }, async () => {
      const started = Date.now();
      const faults: Record<string, number> = {};
      const count = (name: string) => (faults[name] = (faults[name] ?? 0) + 1);
      const approvals = { approved: 0, leftToExpire: 0 };

      const run = (request: NewRefund): Promise<RefundOutcome> =>
        parley.client.workflow.execute<typeof refundWorkflow>('refundWorkflow', {
          workflowId: request.refundId,
          taskQueue: parley.config.temporal.taskQueue,
          args: [{ refundId: request.refundId, request }],
          // The same request twice at once shares one run instead of failing the second start.
          workflowIdConflictPolicy: 'USE_EXISTING',
        });

      async function oneRequest(): Promise<RefundOutcome[]> {
        const order = pick(orders);
        const line = 1 + Math.floor(random() * 2);
        const reason = pick(REASONS);
        // Mostly under the 40.00 limit; one in six above it (a person must approve).
        const amountCents =
          random() < 1 / 6 ? 4_001 + Math.floor(random() * 3_000) : 500 + Math.floor(random() * 3_000);
        const request: NewRefund = {
          refundId: refundIdFor(order.orderId, line, reason),
          orderId: order.orderId,
          orderLine: line,
          reason,
          amountCents,
          currency: 'EUR',
          paymentRef: order.paymentRef,
          requestedBy: 'customer:fault-run',
        };
        injectFault(request.refundId);
        const twice = random() < 0.1;
        if (twice) count('same request sent twice at once');
        if (amountCents > 4_000) void decideLater(request.refundId);
        return Promise.all(twice ? [run(request), run(request)] : [run(request)]);
      }

      /** One fault (or none) at a random point of this request's path. */
      function injectFault(refundId: string): void {
        const refunds = { path: '/v1/refunds', method: 'POST' };
        const faultsByRoll: [number, string, () => void][] = stripe
          ? [
              [0.12, 'provider 500 before paying', () => stripe!.failNext(1, 500, refunds)],
              [0.2, 'provider 429', () => stripe!.failNext(1, 429, { ...refunds, retryAfter: 0 })],
              [0.32, 'answer lost after paying', () => stripe!.loseNextResponse(1)],
              [0.38, 'card declined (failed, left to ops)', () => stripe!.failNext(1, 402, refunds)],
              [0.5, 'crash between payment and ledger write', () => crashAfterPayment.add(refundId)],
            ]
          : [[0.5, 'crash between payment and ledger write', () => crashAfterPayment.add(refundId)]];
        const roll = random();
        const fault = faultsByRoll.find(([below]) => roll < below);
        if (!fault) return;
        fault[2]();
        count(fault[1]);
      }

      /** Half the refunds above the limit get approved by a person; the rest expire. */
      async function decideLater(refundId: string): Promise<void> {
        if (random() < 0.5) {
          approvals.leftToExpire++;
          return;
        }
        approvals.approved++;
        const handle = parley.client.workflow.getHandle(refundId);
        for (let i = 0; i < 50; i++) {
          const state = await handle.query(refundStateQuery).catch(() => undefined);
          if (state?.status === 'awaiting_approval') {
            await parley.operator('POST', `/refunds/${encodeURIComponent(refundId)}/approve`, {
              by: 'agent-fault',
            });
            return;
          }
          if (state && state.status !== 'reserved') return;
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      let next = 0;
      const outcomes: RefundOutcome[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < REQUESTS) {
            next++;
            outcomes.push(...(await oneRequest()));
          }
        }),
      );
      const firstPass = Date.now() - started;

      // Ops retry whatever failed, in bulk, until nothing is left failed.
      let opsRounds = 0;
      for (; opsRounds < 5; opsRounds++) {
        const failed = (await parley.operator('GET', '/refunds?status=failed&limit=500')).body.refunds;
        if (failed.length === 0) break;
        const res = await parley.operator('POST', '/refunds/retry', { by: 'ops-fault-run', allFailed: true });
        expect(res.status).toBe(200);
      }

      // ---- reconciliation -------------------------------------------------------------------
      const ledger = await parley.db
        .selectFrom('refunds')
        .selectAll()
        .where(
          'order_id',
          'in',
          orders.map((o) => o.orderId),
        )
        .execute();
      const provider = stripe
        ? stripe
            .refunds()
            .filter((r) => r.status === 'succeeded' || r.status === 'pending')
            .map((r) => ({
              id: r.id,
              refundId: r.metadata.parley_refund_id ?? '',
              paymentRef: r.payment_intent,
              amountCents: r.amount,
            }))
        : (await listPayouts(parley.db)).map((p) => ({
            id: p.id,
            refundId: p.refundId,
            paymentRef: p.paymentRef,
            amountCents: p.amountCents,
          }));

      const paidByRefund = new Map<string, typeof provider>();
      for (const p of provider) paidByRefund.set(p.refundId, [...(paidByRefund.get(p.refundId) ?? []), p]);
      const duplicates = [...paidByRefund.values()].filter((ps) => ps.length > 1).length;
      const succeeded = ledger.filter((r) => r.status === 'succeeded');
      const paidNotInLedger = provider.filter(
        (p) => !succeeded.some((r) => r.refund_id === p.refundId),
      ).length;
      const ledgerNotPaid = succeeded.filter(
        (r) => (paidByRefund.get(r.refund_id) ?? []).length !== 1,
      ).length;
      const amountMismatch = succeeded.filter(
        (r) => paidByRefund.get(r.refund_id)?.[0]?.amountCents !== r.amount_cents,
      ).length;
      const idMismatch = succeeded.filter(
        (r) => paidByRefund.get(r.refund_id)?.[0]?.id !== r.provider_refund_id,
      ).length;
      const overRefunded = orders.filter((o) => {
        const paid = provider
          .filter((p) => p.paymentRef === o.paymentRef)
          .reduce((s, p) => s + p.amountCents, 0);
        return paid > ORDER_TOTAL;
      }).length;
      const byStatus = Object.fromEntries(
        ['succeeded', 'rejected', 'failed', 'processing', 'awaiting_approval', 'reserved', 'approved'].map(
          (s) => [s, ledger.filter((r) => r.status === s).length],
        ),
      );
      const figures = {
        provider: providerName,
        seed,
        requests: REQUESTS,
        workflowResults: outcomes.length,
        distinctRefunds: ledger.length,
        refusedOverRefundable: outcomes.filter((o) => o.status === 'refused').length,
        ledger: byStatus,
        approvals,
        faults,
        opsRetryRounds: opsRounds,
        providerRefunds: provider.length,
        providerRefundedCents: provider.reduce((s, p) => s + p.amountCents, 0),
        ledgerSucceededCents: succeeded.reduce((s, r) => s + r.amount_cents, 0),
        duplicates,
        overRefundedOrders: overRefunded,
        paidNotInLedger,
        ledgerNotPaid,
        amountMismatch,
        idMismatch,
        firstPassSeconds: Math.round(firstPass / 100) / 10,
        totalSeconds: Math.round((Date.now() - started) / 100) / 10,
      };
      console.log(`refund fault run: ${JSON.stringify(figures)}`);
      const unfinished = ledger.filter((r) => r.status !== 'succeeded' && r.status !== 'rejected');
      if (unfinished.length > 0)
        console.log(
          `unfinished: ${JSON.stringify(unfinished.map((r) => [r.refund_id, r.status, r.failure_reason]))}`,
        );

      expect(outcomes.length).toBeGreaterThanOrEqual(REQUESTS);
      expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(REQUESTS / 4);
      expect(duplicates).toBe(0);
      expect(overRefunded).toBe(0);
      expect(paidNotInLedger).toBe(0);
      expect(ledgerNotPaid).toBe(0);
      expect(amountMismatch).toBe(0);
      expect(idMismatch).toBe(0);
      expect(figures.providerRefundedCents).toBe(figures.ledgerSucceededCents);
      // Nothing left half-done: every refund ended paid or declined.
      expect(
        byStatus.failed! +
          byStatus.processing! +
          byStatus.reserved! +
          byStatus.approved! +
          byStatus.awaiting_approval!,
      ).toBe(0);
      // Nor one item's refunds its price (each test order has two items of half the total).
      for (const o of orders) {
        for (const line of [1, 2]) {
          const paidForLine = succeeded
            .filter((r) => r.order_id === o.orderId && r.order_line === line)
            .reduce((sum, r) => sum + (paidByRefund.get(r.refund_id)?.[0]?.amountCents ?? 0), 0);
          expect(paidForLine).toBeLessThanOrEqual(ORDER_TOTAL / 2);
        }
      }
      // The ledger never lets an order's refunds exceed what was paid.
      for (const o of orders) {
        const committed = ledger
          .filter((r) => r.order_id === o.orderId && r.status === 'succeeded')
          .reduce((s, r) => s + r.amount_cents, 0);
        expect(committed).toBeLessThanOrEqual(ORDER_TOTAL);
      }
    });
  });
}
