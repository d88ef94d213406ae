import { sql, type Selectable, type Transaction } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database, Db } from '../database.js';
import type { RefundStatus, RefundsTable } from '../tables/refunds.js';

/** Refunds that count against what an order can still refund (all but the failed and rejected). */
const COMMITTED: readonly RefundStatus[] = [
  'reserved',
  'awaiting_approval',
  'approved',
  'processing',
  'succeeded',
];

/**
 * The refund id for a request: derived from what is refunded and why, never from a run id, so the
 * same request — retried, replayed, or asked again by the customer — is the same refund.
 */
export function refundIdFor(orderId: string, orderLine: number | undefined, reason: string): string {
  const slug = reason
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `refund:${orderId}:${orderLine ?? 'order'}:${slug || 'unspecified'}`;
}

export interface RefundRequest {
  refundId: string;
  orderId: string;
  orderLine?: number;
  conversationId?: string;
  reason: string;
  amountCents: number;
  /** What was paid (the provider's payment reference). */
  paymentRef?: string;
  /** Who asked for it. */
  requestedBy?: string;
  /** `awaiting_approval` above the auto-approve threshold, `reserved` otherwise. */
  status: 'reserved' | 'awaiting_approval';
}

export type ReserveOutcome =
  | { outcome: 'reserved' | 'existing'; refundId: string; status: RefundStatus; amountCents: number }
  | {
      outcome: 'refused';
      reason: 'order_not_found' | 'exceeds_refundable' | 'exceeds_line_refundable';
      refundableCents: number;
    };

/**
 * Reserves a refund in the ledger before any money moves. Under a row lock on the order, so two
 * concurrent requests cannot both pass the check: the committed refunds of an order plus this one
 * never exceed its total. The same refund id again returns the existing row (`existing`), whatever
 * amount it now asks for.
 */
export async function reserveRefund(db: Db, req: RefundRequest): Promise<ReserveOutcome> {
  if (!Number.isInteger(req.amountCents) || req.amountCents <= 0) {
    throw new Error(`refund amount must be a positive number of cents, got ${req.amountCents}`);
  }
  return db.transaction().execute(async (tx) => {
    const order = await tx
      .selectFrom('shop_orders')
      .select(['id', 'total_cents', 'currency'])
      .where('id', '=', req.orderId)
      .forUpdate()
      .executeTakeFirst();
    if (!order) return { outcome: 'refused', reason: 'order_not_found', refundableCents: 0 };
    const existing = await tx
      .selectFrom('refunds')
      .select(['refund_id', 'status', 'amount_cents'])
      .where('refund_id', '=', req.refundId)
      .executeTakeFirst();
    if (existing) {
      return {
        outcome: 'existing',
        refundId: existing.refund_id,
        status: existing.status,
        amountCents: existing.amount_cents,
      };
    }
    const { committed } = await tx
      .selectFrom('refunds')
      .select(sql<string>`coalesce(sum(amount_cents), 0)`.as('committed'))
      .where('order_id', '=', req.orderId)
      .where('status', 'in', [...COMMITTED])
      .executeTakeFirstOrThrow();
    const refundableCents = order.total_cents - Number(committed);
    if (req.amountCents > refundableCents) {
      return {
        outcome: 'refused',
        reason: 'exceeds_refundable',
        refundableCents: Math.max(0, refundableCents),
      };
    }
    // One item is never refunded beyond its price, whatever reasons its refunds give.
    if (req.orderLine !== undefined) {
      const lineLeft = await lineRoomLeft(tx, req.orderId, req.orderLine);
      if (req.amountCents > lineLeft) {
        return {
          outcome: 'refused',
          reason: 'exceeds_line_refundable',
          refundableCents: Math.max(0, lineLeft),
        };
      }
    }
    await tx
      .insertInto('refunds')
      .values({
        refund_id: req.refundId,
        order_id: req.orderId,
        order_line: req.orderLine ?? null,
        conversation_id: req.conversationId ?? null,
        reason: req.reason,
        amount_cents: req.amountCents,
        currency: order.currency,
        status: req.status,
        approved_by: null,
        provider: null,
        provider_refund_id: null,
        failure_reason: null,
        payment_ref: req.paymentRef ?? null,
        requested_by: req.requestedBy ?? null,
      })
      .execute();
    await appendAudit(tx, [
      {
        kind: 'refund_decision',
        actor: 'parley',
        subject: req.refundId,
        details: {
          orderId: req.orderId,
          amountCents: req.amountCents,
          currency: order.currency,
          status: req.status,
          reason: req.reason,
        },
      },
    ]);
    return { outcome: 'reserved', refundId: req.refundId, status: req.status, amountCents: req.amountCents };
  });
}

/** What an order can still refund (its total minus the committed refunds). */
export async function refundableCents(db: Db, orderId: string): Promise<number | undefined> {
  const order = await db
    .selectFrom('shop_orders')
    .select('total_cents')
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!order) return undefined;
  const { committed } = await db
    .selectFrom('refunds')
    .select(sql<string>`coalesce(sum(amount_cents), 0)`.as('committed'))
    .where('order_id', '=', orderId)
    .where('status', 'in', [...COMMITTED])
    .executeTakeFirstOrThrow();
  return order.total_cents - Number(committed);
}

/** Records an attempt on a refund (Parley's first try, an ops retry…) with who asked and the outcome. */
export async function recordRefundAttempt(
  db: Db,
  a: { refundId: string; requestedBy: string; outcome: string; detail?: string },
): Promise<void> {
  await db
    .insertInto('refund_attempts')
    .values({
      refund_id: a.refundId,
      requested_by: a.requestedBy,
      outcome: a.outcome,
      detail: a.detail ?? null,
    })
    .execute();
  await appendAudit(db, [
    {
      kind: 'refund_attempt',
      actor: a.requestedBy.startsWith('parley') ? 'parley' : `operator:${a.requestedBy}`,
      subject: a.refundId,
      details: { outcome: a.outcome },
    },
  ]);
}

export type RefundRow = Selectable<RefundsTable>;

export async function getRefund(db: Db, refundId: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('refund_id', '=', refundId).executeTakeFirst();
}

/**
 * Moves a refund from one of `from` to `to` in one conditional UPDATE: of two racing callers (two
 * ops terminals, a retried activity) exactly one sees `true`. The ledger's state machine lives in
 * these guards, not in the callers' good intentions.
 */
export async function transitionRefund(
  db: Db,
  refundId: string,
  from: readonly RefundStatus[],
  to: RefundStatus,
  patch: Partial<Pick<RefundRow, 'approved_by' | 'provider' | 'provider_refund_id' | 'failure_reason'>> = {},
): Promise<boolean> {
  const result = await db
    .updateTable('refunds')
    .set({ status: to, updated_at: new Date(), ...patch })
    .where('refund_id', '=', refundId)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listRefunds(
  db: Db,
  opts: { statuses?: readonly RefundStatus[]; orderId?: string; limit?: number } = {},
): Promise<RefundRow[]> {
  let query = db
    .selectFrom('refunds')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(opts.limit ?? 100);
  if (opts.statuses?.length) query = query.where('status', 'in', [...opts.statuses]);
  if (opts.orderId) query = query.where('order_id', '=', opts.orderId);
  return query.execute();
}

export async function listRefundAttempts(db: Db, refundId: string) {
  return db
    .selectFrom('refund_attempts')
    .select(['requested_by', 'outcome', 'detail', 'at'])
    .where('refund_id', '=', refundId)
    .orderBy('id')
    .execute();
}

export type ClaimOutcome =
  { claimed: true } | { claimed: false; reason: 'not_payable' | 'no_room_left'; refundableCents?: number };

/**
 * Claims a refund for one payment attempt: reserved, approved or (a dead run's) processing refunds
 * move to processing. A failed refund released its share of the order when it failed, so retrying
 * it re-checks the room under the order lock: if later refunds took it, the refund is declined
 * (`rejected`) instead of asking the provider for more than is left.
 */
export async function claimRefundAttempt(db: Db, refundId: string): Promise<ClaimOutcome> {
  return db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('refunds')
      .select(['order_id', 'order_line', 'status', 'amount_cents'])
      .where('refund_id', '=', refundId)
      .executeTakeFirst();
    if (!current) return { claimed: false, reason: 'not_payable' };
    const order = await tx
      .selectFrom('shop_orders')
      .select('total_cents')
      .where('id', '=', current.order_id)
      .forUpdate()
      .executeTakeFirst();
    const row = await tx
      .selectFrom('refunds')
      .select(['status', 'amount_cents'])
      .where('refund_id', '=', refundId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (!['reserved', 'approved', 'processing', 'failed'].includes(row.status))
      return { claimed: false, reason: 'not_payable' };
    if (row.status === 'failed') {
      const { committed } = await tx
        .selectFrom('refunds')
        .select(sql<string>`coalesce(sum(amount_cents), 0)`.as('committed'))
        .where('order_id', '=', current.order_id)
        .where('status', 'in', [...COMMITTED])
        .executeTakeFirstOrThrow();
      const orderRoom = (order?.total_cents ?? 0) - Number(committed);
      const lineRoom =
        current.order_line === null ? Infinity : await lineRoomLeft(tx, current.order_id, current.order_line);
      const room = Math.min(orderRoom, lineRoom);
      if (row.amount_cents > room) {
        const of = lineRoom < orderRoom ? 'item' : 'order';
        await tx
          .updateTable('refunds')
          .set({
            status: 'rejected',
            failure_reason: `later refunds of the ${of} left ${Math.max(0, room)} cents to refund`,
            updated_at: new Date(),
          })
          .where('refund_id', '=', refundId)
          .execute();
        return { claimed: false, reason: 'no_room_left', refundableCents: Math.max(0, room) };
      }
    }
    await tx
      .updateTable('refunds')
      .set({ status: 'processing', failure_reason: null, updated_at: new Date() })
      .where('refund_id', '=', refundId)
      .execute();
    return { claimed: true };
  });
}

/** What the committed refunds of one order line add up to (any reason). */
export async function committedRefundsOfLine(db: Db | Transaction<Database>, orderId: string, line: number) {
  const { committed } = await db
    .selectFrom('refunds')
    .select(sql<string>`coalesce(sum(amount_cents), 0)`.as('committed'))
    .where('order_id', '=', orderId)
    .where('order_line', '=', line)
    .where('status', 'in', [...COMMITTED])
    .executeTakeFirstOrThrow();
  return Number(committed);
}

/** What one order line can still refund: its price minus its committed refunds (0 for no such line). */
async function lineRoomLeft(tx: Transaction<Database>, orderId: string, line: number): Promise<number> {
  const row = await tx
    .selectFrom('shop_order_lines')
    .select(sql<number>`quantity * unit_price_cents`.as('total'))
    .where('order_id', '=', orderId)
    .where('line_no', '=', line)
    .executeTakeFirst();
  return (row?.total ?? 0) - (await committedRefundsOfLine(tx, orderId, line));
}
