import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import {
  recordRefundAttempt,
  refundableCents,
  refundIdFor,
  reserveRefund,
} from '../../db/repositories/refunds.js';
import { seedDemoShop, DEMO_ORDERS } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';

describe('the refund ledger (real Postgres)', () => {
  let db: Db;
  let total: number;
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    await seedDemoShop(db);
    total = (
      await db
        .selectFrom('shop_orders')
        .select('total_cents')
        .where('id', '=', DEMO_ORDERS.camilleDelivered)
        .executeTakeFirstOrThrow()
    ).total_cents;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('derives the refund id from the request, never from a run', () => {
    expect(refundIdFor('1042', 1, 'Arrived damaged!')).toBe('refund:1042:1:arrived-damaged');
    expect(refundIdFor('1042', 1, 'arrived  DAMAGED')).toBe(refundIdFor('1042', 1, 'Arrived damaged!'));
    expect(refundIdFor('1042', undefined, '')).toBe('refund:1042:order:unspecified');
    expect(refundIdFor('1042', 2, 'damaged')).not.toBe(refundIdFor('1042', 1, 'damaged'));
  });

  it('reserves once per refund id, and never beyond what the order paid', async () => {
    const order = DEMO_ORDERS.camilleDelivered;
    const first = { refundId: refundIdFor(order, 1, 'damaged'), orderId: order, reason: 'damaged' };
    expect(await reserveRefund(db, { ...first, amountCents: 1_000, status: 'reserved' })).toMatchObject({
      outcome: 'reserved',
      amountCents: 1_000,
    });
    // The same request again (a retry, a replay, the customer asking twice) is the same refund.
    expect(await reserveRefund(db, { ...first, amountCents: 5_000, status: 'reserved' })).toMatchObject({
      outcome: 'existing',
      amountCents: 1_000,
    });
    expect(await refundableCents(db, order)).toBe(total - 1_000);

    const tooMuch = await reserveRefund(db, {
      refundId: refundIdFor(order, 2, 'changed mind'),
      orderId: order,
      reason: 'changed mind',
      amountCents: total,
      status: 'reserved',
    });
    expect(tooMuch).toEqual({
      outcome: 'refused',
      reason: 'exceeds_refundable',
      refundableCents: total - 1_000,
    });
    expect(
      await reserveRefund(db, {
        refundId: 'refund:9999:order:x',
        orderId: '9999',
        reason: 'x',
        amountCents: 1,
        status: 'reserved',
      }),
    ).toMatchObject({ outcome: 'refused', reason: 'order_not_found' });
    await expect(
      reserveRefund(db, { ...first, refundId: 'refund:x:order:y', amountCents: 0, status: 'reserved' }),
    ).rejects.toThrow(/positive/);
  });

  it('lets concurrent requests for one order pass only up to its total', async () => {
    const order = DEMO_ORDERS.alexShipped;
    const { total_cents } = await db
      .selectFrom('shop_orders')
      .select('total_cents')
      .where('id', '=', order)
      .executeTakeFirstOrThrow();
    const slice = Math.floor(total_cents / 3) + 1; // three slices are more than the total
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        reserveRefund(db, {
          refundId: refundIdFor(order, i, 'concurrent'),
          orderId: order,
          reason: 'concurrent',
          amountCents: slice,
          status: 'reserved',
        }),
      ),
    );
    expect(outcomes.filter((o) => o.outcome === 'reserved')).toHaveLength(2);
    expect(await refundableCents(db, order)).toBe(total_cents - 2 * slice);
    expect(await refundableCents(db, order)).toBeGreaterThanOrEqual(0);
  });

  it('keeps every attempt with who asked and the outcome', async () => {
    const refundId = refundIdFor(DEMO_ORDERS.camilleDelivered, 1, 'damaged');
    await recordRefundAttempt(db, {
      refundId,
      requestedBy: 'ops:ana',
      outcome: 'retried',
      detail: 'provider timeout',
    });
    const rows = await db
      .selectFrom('refund_attempts')
      .selectAll()
      .where('refund_id', '=', refundId)
      .execute();
    expect(rows).toEqual([expect.objectContaining({ requested_by: 'ops:ana', outcome: 'retried' })]);
  });
});
