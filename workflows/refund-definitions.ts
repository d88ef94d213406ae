/**
 * The refund workflow's contract with the conversation, the operator API and the `parley refunds`
 * CLI: its input, its updates (approve, decline, retry) and query, and the signal it sends the
 * conversation when the refund settles. Plain JSON only.
 *
 * One workflow id per refund: the refund id (`refund:<order>:<line>:<reason>`), derived from the
 * request — never from a run id — so the same request asked twice, a replayed confirmation and an
 * ops retry all address the same refund.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RefundStatus } from '../db/tables/refunds.js';

export type { RefundStatus };

/** What the worker's configuration says about refunds (read by each run through a local activity). */
export interface RefundSettings {
  /** Refunds up to this amount (cents) Parley pays after the customer confirms; above, a person approves. */
  autoApproveRefundCents: number;
  /** An approval still missing after this long pages on-call. */
  approvalEscalateMs: number;
  /** An approval still missing after this long declines the refund (nothing is paid). */
  approvalExpireMs: number;
}

/** A new refund, as the conversation asks for it after the customer confirmed. */
export interface NewRefund {
  refundId: string;
  orderId: string;
  orderLine?: number;
  reason: string;
  amountCents: number;
  currency: string;
  /** What was paid (Stripe PaymentIntent `pi_…`, or the ledger's reference). */
  paymentRef: string;
  conversationId?: string;
  /** Who asked: `customer:<masked number>` for a conversation. */
  requestedBy: string;
}

export interface RefundWorkflowInput {
  refundId: string;
  /** Present for a new refund; absent when ops start a run to retry a recorded one. */
  request?: NewRefund;
}

/** The refund as a supervisor or ops person sees it (the ledger row, no personal data). */
export interface RefundView {
  refundId: string;
  orderId: string;
  orderLine?: number;
  reason: string;
  amountCents: number;
  currency: string;
  status: RefundStatus;
  approvedBy?: string;
  provider?: string;
  providerRefundId?: string;
  failureReason?: string;
  conversationId?: string;
}

/**
 * `refused`: never reserved (unknown order, more than is left to refund); `in_progress` and
 * `awaiting_approval` only answer a retry that found the refund not finished.
 */
export type RefundOutcomeStatus =
  'succeeded' | 'failed' | 'rejected' | 'refused' | 'awaiting_approval' | 'in_progress';

export interface RefundOutcome {
  refundId: string;
  status: RefundOutcomeStatus;
  /** Why it failed, was declined or refused. */
  reason?: string;
  refund?: RefundView;
}

/** The answer to one ops retry request. */
export interface RetryResult extends RefundOutcome {
  /**
   * `retried`: this request ran the retry; `joined`: another request's retry was running and this one
   * waited for it; `not_retryable`: the refund is not failed (already paid, declined…), nothing ran.
   */
  handling: 'retried' | 'joined' | 'not_retryable';
}

export interface ApprovalDecision {
  /** The approver (agent id or email); recorded on the refund. */
  by: string;
  note?: string;
}

/** A person approves a refund above the auto-approve limit. */
export const approveRefundUpdate = defineUpdate<RefundView, [ApprovalDecision]>('approveRefund');
/** A person declines it: nothing is paid. */
export const rejectRefundUpdate = defineUpdate<RefundView, [ApprovalDecision]>('rejectRefund');
/** Ops retry a failed refund (sent with update-with-start: a finished refund gets a new run). */
export const retryRefundUpdate = defineUpdate<RetryResult, [{ by: string }]>('retryRefund');
export const refundStateQuery = defineQuery<RefundView | undefined>('refundState');

/** Sent to the conversation (if it still runs) when the refund is paid, fails or is declined. */
export interface RefundSettled {
  refundId: string;
  status: RefundOutcomeStatus;
  amountCents: number;
  currency: string;
  orderId: string;
}
export const refundSettledSignal = defineSignal<[RefundSettled]>('refundSettled');
