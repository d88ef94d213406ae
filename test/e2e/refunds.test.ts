import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundIdFor } from '../../db/repositories/refunds.js';
import { startWorker } from '../../worker/main.js';
import { silentLogger } from '../../core/logger.js';
import { refundStateQuery, type NewRefund, type RefundOutcome } from '../../workflows/refund-definitions.js';
import type { refundWorkflow } from '../../workflows/refund.js';
import { insertPaidOrder } from '../support/database.js';
import { startFakeSlack, type FakeSlack } from '../servers/fake-slack.js';
import { startFakeStripe, type FakeStripe } from '../servers/fake-stripe.js';
import { eventually, startTestParley, workflowBundle, type TestParley } from '../support/parley.js';
import { startWorkerProcess, workerEnv } from '../support/worker-process.js';

/**
 * Refunds paid exactly once, through the real refund workflow on a real Temporal server, the real
 * ledger in Postgres and our Stripe client against an HTTP server with Stripe's refund and
 * idempotency semantics — with the faults that make "exactly once" hard.
 */
const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('refunds (real Temporal, real Postgres, Stripe over HTTP)', () => {
  let parley: TestParley;
  let stripe: FakeStripe;
  let slack: FakeSlack;
  /** Refund ids whose next payment attempt "crashes" right after Stripe paid, before the ledger write. */
  const crashAfterPayment = new Set<string>();
  let alexId: string;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    slack = await startFakeSlack({
      token: 'xoxb-refunds-test',
      channels: [
        { id: 'C0SUPPORT', name: 'support' },
        { id: 'C0ONCALL', name: 'on-call' },
      ],
    });
    parley = await startTestParley({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-refunds-test',
        SLACK_API_URL: slack.apiUrl,
        SLACK_CHANNEL: 'C0SUPPORT',
        SLACK_ON_CALL_CHANNEL: 'C0ONCALL',
        PAYMENTS: 'stripe',
        STRIPE_API_URL: stripe.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
        AUTO_APPROVE_REFUND_CENTS: '5000',
        REFUND_APPROVAL_ESCALATE_MS: '1500',
        REFUND_APPROVAL_EXPIRE_MS: '3000',
      },
      adjustDeps: (deps) => ({
        ...deps,
        refunds: {
          ...deps.refunds,
          afterProviderCall: async (refundId) => {
            if (crashAfterPayment.delete(refundId)) throw new Error('injected crash after the provider paid');
          },
        },
      }),
    });
    alexId = (
      await parley.db
        .selectFrom('shop_customers')
        .select('id')
        .where('wa_id', '=', '15551234567')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => {
    await parley?.close();
    await stripe?.close();
    await slack?.close();
  });

  /** A paid order of `totalCents` with its Stripe PaymentIntent. */
  async function paidOrder(totalCents = 12_900, lines = 1): Promise<{ orderId: string; paymentRef: string }> {
    const orderId = String(500_000 + Math.floor(Math.random() * 400_000));
    const paymentRef = `pi_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    await insertPaidOrder(parley.db, { id: orderId, customerId: alexId, totalCents, paymentRef, lines });
    stripe.addPaymentIntent({ id: paymentRef, amountCents: totalCents, currency: 'eur' });
    return { orderId, paymentRef };
  }

  function refundRequest(
    order: { orderId: string; paymentRef: string },
    amountCents: number,
    reason = 'damaged',
  ): NewRefund {
    return {
      refundId: refundIdFor(order.orderId, 1, reason),
      orderId: order.orderId,
      orderLine: 1,
      reason,
      amountCents,
      currency: 'EUR',
      paymentRef: order.paymentRef,
      requestedBy: 'customer:+1555***4567',
    };
  }

  const runRefund = (request: NewRefund): Promise<RefundOutcome> =>
    parley.client.workflow.execute<typeof refundWorkflow>('refundWorkflow', {
      workflowId: request.refundId,
      taskQueue: parley.config.temporal.taskQueue,
      args: [{ refundId: request.refundId, request }],
    });
  const startRefund = (request: NewRefund) =>
    parley.client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
      workflowId: request.refundId,
      taskQueue: parley.config.temporal.taskQueue,
      args: [{ refundId: request.refundId, request }],
    });

  const stripeRefundsFor = (refundId: string) =>
    stripe.refunds().filter((r) => r.metadata.parley_refund_id === refundId);
  const ledgerRow = (refundId: string) =>
    parley.db.selectFrom('refunds').selectAll().where('refund_id', '=', refundId).executeTakeFirstOrThrow();
  const attempts = (refundId: string) =>
    parley.db
      .selectFrom('refund_attempts')
      .select(['requested_by', 'outcome'])
      .where('refund_id', '=', refundId)
      .orderBy('id')
      .execute();
  const api = (path: string, body: unknown) => parley.operator('POST', `/refunds${path}`, body);
  const enc = encodeURIComponent;

  it('pays a refund under the limit once; asking again is the same refund', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 2_500);
    const outcome = await runRefund(request);
    expect(outcome.status).toBe('succeeded');
    const paid = stripeRefundsFor(request.refundId);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({
      amount: 2_500,
      payment_intent: order.paymentRef,
      idempotencyKey: request.refundId,
    });
    const row = await ledgerRow(request.refundId);
    expect(row).toMatchObject({ status: 'succeeded', provider: 'stripe', provider_refund_id: paid[0]!.id });

    // The customer asks again (a new run on the same id): the ledger has it, nothing is paid.
    expect((await runRefund(request)).status).toBe('succeeded');
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
  });

  it('Stripe refunds but the answer is lost: the retry finds that refund, one refund in all', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 1_999);
    stripe.loseNextResponse(1);
    expect((await runRefund(request)).status).toBe('succeeded');
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
    expect(stripe.requests.some((r) => r.lost === 'destroy')).toBe(true);
    expect(await ledgerRow(request.refundId)).toMatchObject({ status: 'succeeded' });
  });

  it('the attempt dies after Stripe paid and before the ledger write: one refund', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 3_000);
    crashAfterPayment.add(request.refundId);
    expect((await runRefund(request)).status).toBe('succeeded');
    expect(crashAfterPayment.has(request.refundId)).toBe(false); // the crash did happen
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
    expect((await ledgerRow(request.refundId)).provider_refund_id).toBe(
      stripeRefundsFor(request.refundId)[0]!.id,
    );
  });

  it('never refunds more than was paid for the order, across refunds', async () => {
    const order = await paidOrder(5_000);
    const first = refundRequest(order, 3_000, 'damaged');
    const second = refundRequest(order, 2_500, 'late delivery');
    expect((await runRefund(first)).status).toBe('succeeded');
    const refused = await runRefund(second);
    expect(refused.status).toBe('refused');
    expect(refused.reason).toContain('2000');
    const paid = stripe.refunds().filter((r) => r.payment_intent === order.paymentRef);
    expect(paid.reduce((sum, r) => sum + r.amount, 0)).toBe(3_000);
    expect(
      await parley.db
        .selectFrom('refunds')
        .select('refund_id')
        .where('refund_id', '=', second.refundId)
        .execute(),
    ).toHaveLength(0);
  });

  it('never refunds one item beyond its price, whatever reasons its refunds give', async () => {
    const order = await paidOrder(10_000, 2);
    expect((await runRefund(refundRequest(order, 4_000, 'damaged'))).status).toBe('succeeded');
    const second = await runRefund(refundRequest(order, 2_000, 'wrong item'));
    expect(second).toMatchObject({
      status: 'refused',
      reason: 'only 1000 cents of the item can still be refunded',
    });
    expect(stripe.refunds().filter((r) => r.payment_intent === order.paymentRef)).toHaveLength(1);
  });

  it('above the limit: no refund without approval (it expires, declined); with approval, exactly one', async () => {
    const order = await paidOrder(20_000);
    const unapproved = refundRequest(order, 6_000, 'wrong item');
    const outcome = await runRefund(unapproved);
    expect(outcome.status).toBe('rejected');
    expect(await ledgerRow(unapproved.refundId)).toMatchObject({
      status: 'rejected',
      approved_by: 'parley',
      failure_reason: 'approval expired',
    });
    expect(stripeRefundsFor(unapproved.refundId)).toHaveLength(0);
    // The team was asked, then on-call paged when the approval ran late (no customer data in either).
    const asked = slack.messages('C0SUPPORT').filter((m) => m.text.includes(`order ${order.orderId}`));
    expect(asked.some((m) => m.text.includes('awaits approval'))).toBe(true);
    const paged = slack.messages('C0ONCALL').filter((m) => m.text.includes(`order ${order.orderId}`));
    expect(paged.some((m) => m.text.includes('still awaiting approval'))).toBe(true);
    expect(JSON.stringify([...asked, ...paged])).not.toContain('15551234567');

    const approved = refundRequest(order, 7_000, 'not received');
    const handle = await startRefund(approved);
    await eventually(async () =>
      (await handle.query(refundStateQuery))?.status === 'awaiting_approval' ? true : undefined,
    );
    expect(stripeRefundsFor(approved.refundId)).toHaveLength(0);
    // An ops retry meanwhile has nothing to retry: answered at once, not after the approval wait.
    const early = await api(`/${enc(approved.refundId)}/retry`, { by: 'ops-impatient' });
    expect(early.status).toBe(409);
    expect(early.body.result).toMatchObject({ handling: 'not_retryable', status: 'awaiting_approval' });
    expect(JSON.stringify(early.body)).not.toContain('conversationId');
    const res = await api(`/${enc(approved.refundId)}/approve`, { by: 'agent-ana', note: 'photo checked' });
    expect(res.status).toBe(200);
    expect((await handle.result()).status).toBe('succeeded');
    expect(stripeRefundsFor(approved.refundId)).toHaveLength(1);
    expect(await ledgerRow(approved.refundId)).toMatchObject({
      status: 'succeeded',
      approved_by: 'agent-ana',
    });
    // A second decision is refused: the refund is no longer awaiting approval.
    expect((await api(`/${enc(approved.refundId)}/reject`, { by: 'agent-bo' })).status).toBe(409);
  });

  it('two ops terminals retry the same failed refund at once: one refund, both requests recorded', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 4_200);
    stripe.failNext(1, 402, { path: '/v1/refunds', method: 'POST' });
    const failed = await runRefund(request);
    expect(failed.status).toBe('failed');
    expect(await ledgerRow(request.refundId)).toMatchObject({ status: 'failed' });
    expect(stripeRefundsFor(request.refundId)).toHaveLength(0);
    expect(
      (await parley.operator('GET', '/refunds?status=failed')).body.refunds.map((r: any) => r.refundId),
    ).toContain(request.refundId);

    stripe.setLatency(300);
    const [a, b] = await Promise.all([
      api(`/${enc(request.refundId)}/retry`, { by: 'ops-alice' }),
      api(`/${enc(request.refundId)}/retry`, { by: 'ops-bob' }),
    ]);
    stripe.setLatency(0);
    const results = [a, b].map((r) => r.body.result ?? r.body);
    expect(results.filter((r) => r.handling === 'retried')).toHaveLength(1);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
    expect(await ledgerRow(request.refundId)).toMatchObject({ status: 'succeeded' });

    // Later, a third retry: nothing to do, said so (409), and recorded too.
    const late = await api(`/${enc(request.refundId)}/retry`, { by: 'ops-carol' });
    expect(late.status).toBe(409);
    expect(late.body.result).toMatchObject({ handling: 'not_retryable', status: 'succeeded' });
    const trail = await attempts(request.refundId);
    for (const who of ['ops-alice', 'ops-bob', 'ops-carol'])
      expect(trail.some((t) => t.requested_by === who)).toBe(true);
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
  });

  it('`parley refunds retry` from two terminals at once: one refund; `list --failed` shows it before', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 2_750, 'late delivery');
    stripe.failNext(1, 402, { path: '/v1/refunds', method: 'POST' });
    expect((await runRefund(request)).status).toBe('failed');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PARLEY_API_URL: parley.api.url,
      OPERATOR_API_TOKEN: parley.config.operatorApiToken ?? '',
    };
    const cli = async (...args: string[]) => {
      try {
        const { stdout } = await exec('npx', ['tsx', 'cli/parley.ts', 'refunds', ...args], {
          cwd: repoRoot,
          env,
        });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    };
    const listed = await cli('list', '--failed');
    expect(listed.stdout).toContain(request.refundId);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(request.refundId);

    stripe.setLatency(500);
    const [a, b] = await Promise.all([
      cli('retry', request.refundId, '--by', 'ops-terminal-1'),
      cli('retry', request.refundId, '--by', 'ops-terminal-2'),
    ]);
    stripe.setLatency(0);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(`${a.stdout}${b.stdout}`).toMatch(/succeeded \(retried\)/);
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
    const trail = await attempts(request.refundId);
    // Both requests are in the audit trail (with the attempt one of them ran).
    expect(new Set(trail.map((t) => t.requested_by).filter((by) => by.startsWith('ops-terminal-')))).toEqual(
      new Set(['ops-terminal-1', 'ops-terminal-2']),
    );
    expect(
      trail.filter((t) => t.outcome === 'attempt_started' && t.requested_by.startsWith('ops-terminal-')),
    ).toHaveLength(1);
    const shown = await cli('show', request.refundId);
    expect(shown.stdout).toContain('ops-terminal-1');
    expect(shown.stdout).toContain('ops-terminal-2');
  });

  it('an ops retry after Stripe forgot the idempotency key (24 h) finds the refund instead of paying again', async () => {
    const order = await paidOrder();
    const request = refundRequest(order, 1_500);
    expect((await runRefund(request)).status).toBe('succeeded');
    const paidId = stripeRefundsFor(request.refundId)[0]!.id;
    // The ledger lost track (say every answer was lost and the last look failed too): it says failed.
    await parley.db
      .updateTable('refunds')
      .set({ status: 'failed', provider_refund_id: null, failure_reason: 'PaymentTransientError: timeout' })
      .where('refund_id', '=', request.refundId)
      .execute();
    stripe.expireIdempotencyKeys();
    const res = await api(`/${enc(request.refundId)}/retry`, { by: 'ops-dave' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ handling: 'retried', status: 'succeeded' });
    expect(stripeRefundsFor(request.refundId)).toHaveLength(1);
    expect((await ledgerRow(request.refundId)).provider_refund_id).toBe(paidId);
  });

  it('bulk retry: every failed refund, one attempt each', async () => {
    const orders = await Promise.all([paidOrder(), paidOrder()]);
    const requests = orders.map((o) => refundRequest(o, 1_000, 'changed mind'));
    stripe.failNext(2, 402, { path: '/v1/refunds', method: 'POST' });
    for (const r of requests) expect((await runRefund(r)).status).toBe('failed');
    const res = await api('/retry', { by: 'ops-erin', ids: requests.map((r) => r.refundId) });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.status)).toEqual(['succeeded', 'succeeded']);
    for (const r of requests) expect(stripeRefundsFor(r.refundId)).toHaveLength(1);
    expect((await api('/retry', { by: 'ops-erin' })).status).toBe(400);
  });
});

describe('a worker killed between the provider call and the ledger write', () => {
  let parley: TestParley;
  let stripe: FakeStripe;
  beforeAll(async () => {
    stripe = await startFakeStripe();
    parley = await startTestParley({
      worker: false,
      env: { PAYMENTS: 'stripe', STRIPE_API_URL: stripe.url, STRIPE_SECRET_KEY: stripe.secretKey },
    });
  });
  afterAll(async () => {
    await parley?.close();
    await stripe?.close();
  });

  it(
    'the next worker finds the refund at Stripe and records it: one refund',
    { timeout: 120_000 },
    async () => {
      const order = await parley.db
        .selectFrom('shop_orders')
        .select(['id', 'total_cents'])
        .where('id', '=', '1042')
        .executeTakeFirstOrThrow();
      const paymentRef = 'pi_killed_worker_1042';
      await parley.db
        .updateTable('shop_orders')
        .set({ payment_ref: paymentRef })
        .where('id', '=', order.id)
        .execute();
      stripe.addPaymentIntent({ id: paymentRef, amountCents: order.total_cents, currency: 'eur' });
      const env = {
        ...workerEnv(parley.config),
        PAYMENTS: 'stripe',
        STRIPE_API_URL: stripe.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
      };
      const doomed = await startWorkerProcess({ env });
      // Stripe takes its time: the worker is killed while Stripe is making the refund.
      stripe.setLatency(2_000);
      const refundId = refundIdFor(order.id, 1, 'damaged');
      const handle = await parley.client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
        workflowId: refundId,
        taskQueue: parley.config.temporal.taskQueue,
        args: [
          {
            refundId,
            request: {
              refundId,
              orderId: order.id,
              orderLine: 1,
              reason: 'damaged',
              amountCents: 1_000,
              currency: 'EUR',
              paymentRef,
              requestedBy: 'customer:+1555***4567',
            },
          },
        ],
      });
      await eventually(
        () =>
          stripe.requests.some((r) => r.method === 'POST' && r.path === '/v1/refunds') ? true : undefined,
        30_000,
      );
      await doomed.kill('SIGKILL');
      await eventually(() => (stripe.refunds().length > 0 ? true : undefined));
      stripe.setLatency(0);
      const row = await parley.db
        .selectFrom('refunds')
        .selectAll()
        .where('refund_id', '=', refundId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('processing'); // paid at Stripe, not recorded: the dangerous moment

      const survivor = await startWorker(parley.config, silentLogger, {
        workflowBundle: await workflowBundle(),
      });
      try {
        expect((await handle.result()).status).toBe('succeeded');
      } finally {
        await survivor.shutdown();
      }
      const paid = stripe.refunds().filter((r) => r.metadata.parley_refund_id === refundId);
      expect(paid).toHaveLength(1);
      expect(
        await parley.db
          .selectFrom('refunds')
          .select(['status', 'provider_refund_id'])
          .where('refund_id', '=', refundId)
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'succeeded', provider_refund_id: paid[0]!.id });
    },
  );
});
