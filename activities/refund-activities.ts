/**
 * The refund workflow's steps. Each one is safe to run again — Temporal retries activities, a worker
 * can die between any two lines — because every step is either a guarded ledger transition (a
 * conditional UPDATE that only one caller wins) or a provider call keyed by the refund id, and the
 * provider looks for a refund made under that id before it creates one.
 */
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { Db } from '../db/database.js';
import {
  claimRefundAttempt,
  getRefund,
  recordRefundAttempt,
  reserveRefund,
  transitionRefund,
  type RefundRow,
} from '../db/repositories/refunds.js';
import type { NewRefund, RefundSettings, RefundView } from '../workflows/refund-definitions.js';
import { slackEscape, type SlackNotifier } from './notify/slack.js';
import { PaymentErrorTypes, type PaymentErrorDetails, type PaymentProvider } from './payments/types.js';
import { plainAmount } from '../domain/locale.js';

export interface RefundDeps {
  db: Db;
  payments: PaymentProvider;
  settings: RefundSettings;
  /** Undefined when no Slack token is configured: notices are skipped (and say so). */
  slack: SlackNotifier | undefined;
  channels: { team?: string; onCall?: string; onCallMention?: string };
  /** Where people act on refunds (`${operatorUrl}/api/refunds/<id>`). */
  operatorUrl: string;
  /**
   * Fault injection for the fault-injection suite only: called after the provider paid and before the
   * ledger records it — where a crash hurts most. Production wiring never sets it.
   */
  afterProviderCall?: (refundId: string) => Promise<void>;
}

export type RefundNoticeKind = 'approval_needed' | 'approval_overdue' | 'failed';

export function toRefundView(row: RefundRow): RefundView {
  return {
    refundId: row.refund_id,
    orderId: row.order_id,
    ...(row.order_line !== null ? { orderLine: row.order_line } : {}),
    reason: row.reason,
    amountCents: row.amount_cents,
    currency: row.currency,
    status: row.status,
    ...(row.approved_by ? { approvedBy: row.approved_by } : {}),
    ...(row.provider ? { provider: row.provider } : {}),
    ...(row.provider_refund_id ? { providerRefundId: row.provider_refund_id } : {}),
    ...(row.failure_reason ? { failureReason: row.failure_reason } : {}),
    ...(row.conversation_id ? { conversationId: row.conversation_id } : {}),
  };
}

export function createRefundActivities(deps: RefundDeps) {
  const { db, payments } = deps;

  async function load(refundId: string): Promise<RefundRow> {
    const row = await getRefund(db, refundId);
    if (!row) throw ApplicationFailure.nonRetryable(`no refund ${refundId} in the ledger`, 'RefundNotFound');
    return row;
  }

  return {
    async refundSettings(): Promise<RefundSettings> {
      return deps.settings;
    },

    /**
     * Reserves the refund in the ledger (under a lock on the order: the order's refunds never exceed
     * what was paid). The same refund id again returns the row already there.
     */
    async reserveRefund(input: { request: NewRefund; needsApproval: boolean }) {
      const r = input.request;
      const outcome = await reserveRefund(db, {
        refundId: r.refundId,
        orderId: r.orderId,
        ...(r.orderLine !== undefined ? { orderLine: r.orderLine } : {}),
        ...(r.conversationId ? { conversationId: r.conversationId } : {}),
        reason: r.reason,
        amountCents: r.amountCents,
        paymentRef: r.paymentRef,
        requestedBy: r.requestedBy,
        status: input.needsApproval ? 'awaiting_approval' : 'reserved',
      });
      if (outcome.outcome === 'refused') {
        return { reserved: false as const, reason: outcome.reason, refundableCents: outcome.refundableCents };
      }
      if (outcome.outcome === 'reserved') {
        await recordRefundAttempt(db, {
          refundId: r.refundId,
          requestedBy: r.requestedBy,
          outcome: outcome.status,
          detail: `requested ${plainAmount(r.amountCents, r.currency)}: ${r.reason}`,
        });
      }
      return { reserved: true as const, refund: toRefundView(await load(r.refundId)) };
    },

    async loadRefund(refundId: string): Promise<RefundView | undefined> {
      const row = await getRefund(db, refundId);
      return row ? toRefundView(row) : undefined;
    },

    /** A person's decision on a refund above the limit; only an `awaiting_approval` refund takes one. */
    async decideRefundApproval(input: {
      refundId: string;
      approve: boolean;
      by: string;
      note?: string;
    }): Promise<RefundView> {
      const to = input.approve ? 'approved' : 'rejected';
      const moved = await transitionRefund(db, input.refundId, ['awaiting_approval'], to, {
        approved_by: input.by,
        ...(input.approve ? {} : { failure_reason: input.note ?? 'declined' }),
      });
      if (moved) {
        await recordRefundAttempt(db, {
          refundId: input.refundId,
          requestedBy: input.by,
          outcome: to,
          ...(input.note ? { detail: input.note } : {}),
        });
      }
      return toRefundView(await load(input.refundId));
    },

    /**
     * Claims the refund for one payment attempt (see `claimRefundAttempt`): only one caller wins; a
     * failed refund whose share of the order was taken meanwhile is declined instead.
     */
    async startRefundAttempt(input: {
      refundId: string;
      requestedBy: string;
    }): Promise<{ claimed: boolean; refund: RefundView }> {
      // A failed refund may have been paid after all (every answer lost, and the last look failed
      // too): look at the provider before the ledger's room check could decline a paid refund.
      const before = await load(input.refundId);
      if (before.status === 'failed' && before.payment_ref) {
        const found = await payments.findRefund(before.refund_id, before.payment_ref);
        if (found && (found.status === 'succeeded' || found.status === 'pending')) {
          await transitionRefund(db, before.refund_id, ['failed'], 'succeeded', {
            provider: payments.name,
            provider_refund_id: found.providerRefundId,
            failure_reason: null,
          });
          await recordRefundAttempt(db, {
            refundId: before.refund_id,
            requestedBy: input.requestedBy,
            outcome: 'succeeded',
            detail: 'found at the provider: it had been paid',
          });
          return { claimed: false, refund: toRefundView(await load(input.refundId)) };
        }
      }
      const claim = await claimRefundAttempt(db, input.refundId);
      if (claim.claimed || claim.reason === 'no_room_left') {
        await recordRefundAttempt(db, {
          refundId: input.refundId,
          requestedBy: input.requestedBy,
          outcome: claim.claimed ? 'attempt_started' : 'rejected',
          ...(claim.claimed ? {} : { detail: `only ${claim.refundableCents} cents of the order are left` }),
        });
      }
      return { claimed: claim.claimed, refund: toRefundView(await load(input.refundId)) };
    },

    /**
     * Pays the refund through the provider and records it. The provider returns the refund it already
     * made under this id (looked up first, then its idempotency key), so a retry after a lost
     * response or a crash before the ledger write pays nothing more.
     */
    async payRefund(input: { refundId: string }): Promise<RefundView> {
      const row = await load(input.refundId);
      if (row.status === 'succeeded') return toRefundView(row);
      if (row.status !== 'processing') {
        throw ApplicationFailure.nonRetryable(
          `refund ${row.refund_id} is ${row.status}, not processing`,
          'RefundNotProcessing',
        );
      }
      if (!row.payment_ref) {
        throw ApplicationFailure.nonRetryable(
          `refund ${row.refund_id} has no payment reference`,
          PaymentErrorTypes.Rejected,
          { provider: payments.name, message: 'no payment reference' } satisfies PaymentErrorDetails,
        );
      }
      const paid = await payments.refund({
        refundId: row.refund_id,
        paymentRef: row.payment_ref,
        amountCents: row.amount_cents,
        currency: row.currency,
        reason: row.reason,
      });
      await deps.afterProviderCall?.(row.refund_id);
      if (paid.status === 'failed' || paid.status === 'canceled') {
        // The provider's refund under this id failed for good (the bank refused it): retrying the
        // same id would only return that refund again, so it is declined, for a person to redo.
        await transitionRefund(db, row.refund_id, ['processing'], 'rejected', {
          provider: payments.name,
          provider_refund_id: paid.providerRefundId,
          failure_reason: `the provider reports the refund as ${paid.status}: a person must issue it again`,
        });
        return toRefundView(await load(row.refund_id));
      }
      await transitionRefund(db, row.refund_id, ['processing'], 'succeeded', {
        provider: payments.name,
        provider_refund_id: paid.providerRefundId,
      });
      return toRefundView(await load(row.refund_id));
    },

    /**
     * Records a failed attempt — after one last look at the provider: when every attempt's answer was
     * lost, the refund may well exist there, and then it is recorded as paid, not failed.
     */
    async failRefund(input: { refundId: string; reason: string; requestedBy: string }): Promise<RefundView> {
      const row = await load(input.refundId);
      let found;
      try {
        found = row.payment_ref ? await payments.findRefund(row.refund_id, row.payment_ref) : undefined;
      } catch (err) {
        // The provider is unreachable: the refund stays `failed` and its next retry looks again.
        log.warn('refund reconciliation lookup failed', { refundId: row.refund_id, error: String(err) });
      }
      if (found && (found.status === 'succeeded' || found.status === 'pending')) {
        await transitionRefund(db, row.refund_id, ['processing'], 'succeeded', {
          provider: payments.name,
          provider_refund_id: found.providerRefundId,
        });
        await recordRefundAttempt(db, {
          refundId: row.refund_id,
          requestedBy: input.requestedBy,
          outcome: 'succeeded',
          detail: `found at the provider after: ${input.reason}`.slice(0, 500),
        });
      } else {
        await transitionRefund(db, row.refund_id, ['processing'], 'failed', {
          failure_reason: input.reason.slice(0, 500),
        });
        await recordRefundAttempt(db, {
          refundId: row.refund_id,
          requestedBy: input.requestedBy,
          outcome: 'failed',
          detail: input.reason.slice(0, 500),
        });
      }
      return toRefundView(await load(row.refund_id));
    },

    /** One line in the refund's audit trail: who asked for what, and what came of it. */
    async recordRefundRequest(input: {
      refundId: string;
      requestedBy: string;
      outcome: string;
      detail?: string;
    }): Promise<void> {
      await recordRefundAttempt(db, input);
    },

    /** Tells the team a refund needs a decision, is overdue for one, or failed (no customer data). */
    async notifyRefundTeam(input: { kind: RefundNoticeKind; refund: RefundView }): Promise<string> {
      const channel =
        input.kind === 'approval_overdue' ? (deps.channels.onCall ?? deps.channels.team) : deps.channels.team;
      if (!deps.slack || !channel) return 'skipped: no Slack channel configured';
      const r = input.refund;
      const amount = plainAmount(r.amountCents, r.currency);
      const url = `${deps.operatorUrl}/api/refunds/${encodeURIComponent(r.refundId)}`;
      const mention =
        input.kind === 'approval_overdue' && deps.channels.onCallMention
          ? `${deps.channels.onCallMention} `
          : '';
      const text = {
        approval_needed: `Refund of ${amount} on order ${r.orderId} awaits approval (above the auto-approve limit).`,
        approval_overdue: `${mention}Refund of ${amount} on order ${r.orderId} is still awaiting approval.`,
        failed: `Refund of ${amount} on order ${r.orderId} failed: ${r.failureReason ?? 'unknown reason'}. Retry with \`parley refunds retry ${r.refundId}\`.`,
      }[input.kind];
      const { ts } = await deps.slack.postMessage({
        channel,
        text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `<${url}|${slackEscape(r.refundId)}>` }] },
        ],
      });
      return ts;
    },
  };
}
