/**
 * How operators act on refunds — from the API and from `parley refunds` alike: approve or decline
 * one awaiting approval, retry one that failed. The ledger (Postgres) says which refunds exist; the
 * refund's workflow (id = refund id) is the only thing that moves money.
 *
 * A retry is an update-with-start on the refund's workflow id: when no run is open, a new run starts
 * and takes the update; when a run is open (another terminal's retry in progress), the update joins
 * it. Either way one attempt runs, each request is answered with its outcome and recorded with who
 * asked, and the provider is asked for a refund under this id before anything is paid.
 */
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  approveRefundUpdate,
  rejectRefundUpdate,
  retryRefundUpdate,
  type ApprovalDecision,
  type RefundView,
  type RetryResult,
} from '../../workflows/refund-definitions.js';
import type { refundWorkflow } from '../../workflows/refund.js';

export class RefundCommandError extends Error {
  constructor(
    message: string,
    /** `not_found`: no open run to take the decision; `refused`: the workflow refused it (why in message). */
    readonly kind: 'not_found' | 'refused',
  ) {
    super(message);
  }
}

export interface RefundGateway {
  retry(refundId: string, by: string): Promise<RetryResult>;
  approve(refundId: string, decision: ApprovalDecision): Promise<RefundView>;
  reject(refundId: string, decision: ApprovalDecision): Promise<RefundView>;
}

export function createRefundGateway(deps: { client: Client; taskQueue: string }): RefundGateway {
  const { client, taskQueue } = deps;

  async function decide(
    refundId: string,
    update: typeof approveRefundUpdate,
    decision: ApprovalDecision,
  ): Promise<RefundView> {
    try {
      return publicView(
        await client.workflow.getHandle(refundId).executeUpdate(update, { args: [decision] }),
      );
    } catch (err) {
      throw asCommandError(err, refundId);
    }
  }

  return {
    async retry(refundId, by) {
      const start = new WithStartWorkflowOperation<typeof refundWorkflow>('refundWorkflow', {
        workflowId: refundId,
        taskQueue,
        args: [{ refundId }],
        // A run retrying now is joined, never duplicated; a finished refund gets a new run.
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Refund ${refundId} (ops retry)`,
      });
      try {
        const result = await client.workflow.executeUpdateWithStart(retryRefundUpdate, {
          args: [{ by }],
          startWorkflowOperation: start,
        });
        return result.refund ? { ...result, refund: publicView(result.refund) } : result;
      } catch (err) {
        throw asCommandError(err, refundId);
      }
    },
    approve: (refundId, decision) => decide(refundId, approveRefundUpdate, decision),
    reject: (refundId, decision) => decide(refundId, rejectRefundUpdate, decision),
  };
}

/** The refund without its conversation id (which holds the customer's phone number). */
function publicView(view: RefundView): RefundView {
  const { conversationId: _conversationId, ...rest } = view;
  return rest;
}

function asCommandError(err: unknown, refundId: string): unknown {
  if (err instanceof WorkflowNotFoundError) {
    return new RefundCommandError(
      `refund ${refundId} has no open workflow (not awaiting approval)`,
      'not_found',
    );
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return new RefundCommandError(err.cause.message, 'refused');
  }
  return err;
}
