/**
 * Refunds the customer confirmed: each is its own workflow (id = the refund id, so asking twice
 * is one refund) that outlives the conversation and signals back how it settled.
 */
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ActionProposal } from '../../activities/tools/types.js';
import { customerMessage } from '../../domain/customer-messages.js';
import { formatMoney } from '../../domain/locale.js';
import { maskPhone } from '../../domain/privacy.js';
import type { NewRefund, RefundSettled } from '../refund-definitions.js';
import type { refundWorkflow } from '../refund.js';
import type { ConversationContext } from './context.js';
import { escalateFailedAction } from './handoff.js';
import { sendToCustomer } from './send.js';

/** Starts the refund's own workflow; answers what to tell the customer. */
export async function startRefund(ctx: ConversationContext, proposal: ActionProposal): Promise<string> {
  const { state } = ctx;
  const p = proposal.params as Omit<NewRefund, 'conversationId' | 'requestedBy'> & {
    needsApproval?: boolean;
  };
  const amount = formatMoney(p.amountCents, p.currency, state.language);
  const request: NewRefund = {
    refundId: p.refundId,
    orderId: p.orderId,
    ...(p.orderLine !== undefined && p.orderLine !== null ? { orderLine: p.orderLine } : {}),
    reason: p.reason,
    amountCents: p.amountCents,
    currency: p.currency,
    paymentRef: p.paymentRef,
    conversationId: ctx.conversationId,
    requestedBy: `customer:${maskPhone(state.waId)}`,
  };
  try {
    await startChild<typeof refundWorkflow>('refundWorkflow', {
      workflowId: p.refundId,
      args: [{ refundId: p.refundId, request }],
      // The refund must finish even if this conversation closes or continues as new.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Refund ${amount} on order ${p.orderId}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await escalateFailedAction(ctx, 'refund', err);
      return customerMessage('action_failed', state.language);
    }
    // Already asked and still running: the same refund, not a second one.
  }
  state.refundsInFlight = [...(state.refundsInFlight ?? []).filter((id) => id !== p.refundId), p.refundId];
  return customerMessage(p.needsApproval ? 'refund_needs_approval' : 'refund_started', state.language, {
    amount,
  });
}

/** The refund workflow's news: paid, failed (ops will retry) or declined. */
export async function tellRefundOutcome(ctx: ConversationContext, notice: RefundSettled): Promise<void> {
  const { state } = ctx;
  if (notice.status === 'awaiting_approval' || notice.status === 'in_progress') return;
  state.refundsInFlight = (state.refundsInFlight ?? []).filter((id) => id !== notice.refundId);
  const key =
    notice.status === 'succeeded'
      ? 'refund_succeeded'
      : notice.status === 'failed'
        ? 'refund_failed'
        : 'refund_rejected';
  const amount = formatMoney(notice.amountCents, notice.currency, state.language);
  await sendToCustomer(
    ctx,
    customerMessage(key, state.language, { amount }),
    `refund:${notice.refundId}:${notice.status}`,
    { role: 'bot' },
  );
}
