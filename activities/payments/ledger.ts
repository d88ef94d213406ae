/**
 * The built-in payment provider (the embedded default beside Stripe): it plays "the payment system"
 * for a shop without one, keeping its own record of refunds paid out in `ledger_payouts`, apart from
 * our `refunds` ledger, so the two are reconciled exactly as with Stripe.
 *
 * Same semantics as `./stripe.ts`:
 * - refund: the payout already made under the refund id is returned (other amount, currency or
 *   payment: IdempotencyConflict, never a second payout); otherwise, in one transaction under an
 *   advisory lock on the payment ref, the payouts of that payment so far are summed and the new one
 *   is refused (`Rejected`, Stripe's codes) unless it fits in what is left. The lock is what stops
 *   two concurrent refunds of one payment from both passing the check.
 * - The amount paid comes from the `paymentAmount` lookup (default: the shop order with that
 *   `payment_ref`), read before the transaction:
 *   it is a fixed fact, and a lookup on the same pool while holding a connection and the lock could
 *   starve the pool when many refunds wait on one payment.
 * - DB connection failures are Transient (retryable); other DB errors are Permanent.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { findPaidOrderTotal } from '../../db/repositories/shop.js';
import {
  PaymentErrorTypes,
  type PaymentErrorDetails,
  type PaymentErrorType,
  type PaymentProvider,
  type ProviderRefund,
  type RefundRequest,
} from './types.js';

export interface PaymentAmount {
  amountCents: number;
  /** ISO 4217, any case. */
  currency: string;
}

export interface LedgerProviderOptions {
  db: Db;
  /**
   * What was paid for a payment ref; `undefined` when there is no such payment. Default: the total
   * of the shop order with that `payment_ref` ({@link orderPaymentAmount}).
   */
  paymentAmount?: (paymentRef: string) => Promise<PaymentAmount | undefined>;
}

export interface LedgerPayout {
  id: string;
  paymentRef: string;
  refundId: string;
  amountCents: number;
  currency: string;
  status: 'succeeded';
  reason: string | null;
  createdAt: Date;
}

const KEY_MAX = 255;
/** First key of the two-key advisory lock, so ours cannot collide with any other use of them. */
const LOCK_NAMESPACE = 0x1ed6e7; // "ledger"

/** The default payment lookup: the shop order paid by that ref (none, or several: no such payment). */
export function orderPaymentAmount(db: Db): (paymentRef: string) => Promise<PaymentAmount | undefined> {
  return (paymentRef) => findPaidOrderTotal(db, paymentRef);
}

export function createLedgerProvider({
  db,
  paymentAmount = orderPaymentAmount(db),
}: LedgerProviderOptions): PaymentProvider {
  async function byRefundId(refundId: string): Promise<LedgerPayout | undefined> {
    const rows = await selectPayouts(db).where('refund_id', '=', refundId).execute();
    return rows[0];
  }

  async function refund(req: RefundRequest): Promise<ProviderRefund> {
    validate(req.refundId, req.paymentRef);
    if (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0) {
      throw rejected(`refund amount must be a positive integer of minor units, got ${req.amountCents}`);
    }
    const existing = await byRefundId(req.refundId);
    if (existing) return same(existing, req);

    const paid = await paymentAmount(req.paymentRef);
    if (!paid) throw rejected(`No such payment: '${req.paymentRef}'`, 'resource_missing', 'payment_ref');
    const currency = paid.currency.toUpperCase();
    if (currency !== req.currency.toUpperCase()) {
      throw rejected(
        `payment ${req.paymentRef} is in ${currency}, not ${req.currency}`,
        'currency_mismatch',
        'currency',
      );
    }
    try {
      const payout = await db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${req.paymentRef}))`.execute(tx);
        // Checked again under the lock: a concurrent call with this id may have paid meanwhile.
        const [again] = await selectPayouts(tx).where('refund_id', '=', req.refundId).execute();
        if (again) return again;
        const { taken } = await tx
          .selectFrom('ledger_payouts')
          .select(sql<string>`coalesce(sum(amount_cents), 0)`.as('taken'))
          .where('payment_ref', '=', req.paymentRef)
          .executeTakeFirstOrThrow();
        const left = paid.amountCents - Number(taken);
        if (left <= 0)
          throw rejected(`Payment ${req.paymentRef} has already been refunded.`, 'charge_already_refunded');
        if (req.amountCents > left) {
          throw rejected(
            `Refund amount (${req.amountCents} ${currency}) is greater than unrefunded amount on payment (${left} ${currency})`,
            'amount_too_large',
            'amount',
          );
        }
        return tx
          .insertInto('ledger_payouts')
          .values({
            id: `lp_${randomUUID().replace(/-/g, '')}`,
            payment_ref: req.paymentRef,
            refund_id: req.refundId,
            amount_cents: req.amountCents,
            currency,
            reason: req.reason ?? null,
          })
          .returning(PAYOUT_COLUMNS)
          .executeTakeFirstOrThrow();
      });
      return same(payout, req);
    } catch (err) {
      // The same id inserted at once for another payment (another lock): the winner's payout decides.
      const winner = isUniqueViolation(err) ? await byRefundId(req.refundId) : undefined;
      if (winner) return same(winner, req);
      throw err;
    }
  }

  return {
    name: 'ledger',
    refund: (req) => classified(refund(req)),
    findRefund: (refundId, paymentRef) =>
      classified(
        (async () => {
          validate(refundId, paymentRef);
          const found = await byRefundId(refundId);
          return found && found.paymentRef === paymentRef ? toProviderRefund(found) : undefined;
        })(),
      ),
  };
}

/** Every payout, or those of one payment, oldest first: the provider's side for reconciliation. */
export async function listPayouts(db: Db, paymentRef?: string): Promise<LedgerPayout[]> {
  let q = selectPayouts(db);
  if (paymentRef !== undefined) q = q.where('payment_ref', '=', paymentRef);
  return q.orderBy('created_at').orderBy('id').execute();
}

const PAYOUT_COLUMNS = [
  'id',
  'payment_ref as paymentRef',
  'refund_id as refundId',
  'amount_cents as amountCents',
  'currency',
  'status',
  'reason',
  'created_at as createdAt',
] as const;

function selectPayouts(db: Db) {
  return db.selectFrom('ledger_payouts').select(PAYOUT_COLUMNS);
}

function toProviderRefund(p: LedgerPayout): ProviderRefund {
  const { id, amountCents, currency, status, refundId } = p;
  return { providerRefundId: id, amountCents, currency, status, refundId };
}

/** A payout found under our id must be the one asked for; anything else is a reused id. */
function same(found: LedgerPayout, req: RefundRequest): ProviderRefund {
  if (
    found.paymentRef === req.paymentRef &&
    found.amountCents === req.amountCents &&
    found.currency === req.currency.toUpperCase()
  ) {
    return toProviderRefund(found);
  }
  throw failure(
    PaymentErrorTypes.IdempotencyConflict,
    `Ledger payout ${found.id} made under refund id ${req.refundId} is for ${found.amountCents} ` +
      `${found.currency} of ${found.paymentRef}, not ${req.amountCents} ${req.currency.toUpperCase()} of ${req.paymentRef}`,
  );
}

function validate(refundId: string, paymentRef: string): void {
  if (!refundId || refundId.length > KEY_MAX) {
    throw rejected(`refund id must be 1-${KEY_MAX} characters (it is the idempotency key)`);
  }
  if (!paymentRef || paymentRef.length > KEY_MAX) {
    throw rejected(`payment reference must be 1-${KEY_MAX} characters`);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

/** SQLSTATEs worth a retry: connection exceptions (class 08), shutdown, overload, lock/serialization. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|57014|40001|40P01)/;
const TRANSIENT_NODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

async function classified<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const transient =
      typeof code === 'string'
        ? TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE.has(code)
        : // pg's own connection errors carry no code.
          /connection terminated|timeout exceeded when trying to connect/i.test(message);
    throw failure(
      transient ? PaymentErrorTypes.Transient : PaymentErrorTypes.Permanent,
      `Ledger database error: ${message}`,
      typeof code === 'string' ? code : undefined,
    );
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

function rejected(message: string, code?: string, param?: string): ApplicationFailure {
  return failure(PaymentErrorTypes.Rejected, message, code, param);
}

function failure(type: PaymentErrorType, message: string, code?: string, param?: string): ApplicationFailure {
  const retryable = type === PaymentErrorTypes.Transient;
  const details: PaymentErrorDetails = {
    provider: 'ledger',
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
    message: message.slice(0, 500),
  };
  return ApplicationFailure.create({ message, type, nonRetryable: !retryable, details: [details] });
}
