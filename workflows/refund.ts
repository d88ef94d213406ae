import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { bestEffort, failureText } from './failures.js';
import {
  approveRefundUpdate,
  refundSettledSignal,
  refundStateQuery,
  rejectRefundUpdate,
  retryRefundUpdate,
  type ApprovalDecision,
  type RefundOutcome,
  type RefundSettled,
  type RefundView,
  type RefundWorkflowInput,
  type RetryResult,
} from './refund-definitions.js';

const ledger = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
});
// The provider call: retried with backoff for ~10 minutes on transient errors (5xx, timeouts, lost
// answers, 429 with its Retry-After); refusals, conflicts and auth errors are not retried. A short
// start-to-close means a worker killed mid-call is noticed quickly and the call retried elsewhere.
const provider = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '2m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      'PaymentRejected',
      'PaymentIdempotencyConflict',
      'PaymentAuthError',
      'PaymentPermanentError',
      'RefundNotProcessing',
      'RefundNotFound',
    ],
  },
});
const notices = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * One refund, from request to money (id = the refund id). Reserve it in the ledger, wait for a
 * person's approval when it is above the auto-approve limit (paging on-call when the wait runs long,
 * declining when it expires), pay it through the provider, record the result.
 *
 * A failed refund ends its run; ops retry it with `retryRefund` sent by update-with-start, which
 * starts a new run on the same id — or joins the run already retrying, so two terminals retrying at
 * once get one attempt. Every request (who asked, what happened) goes to the refund's audit trail.
 * Paying twice is prevented three times over: the ledger transitions are conditional, the provider
 * is asked for a refund under this id before a new one is made, and the id is its idempotency key.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundOutcome> {
  const { refundId } = input;
  let refund: RefundView | undefined;
  let decision: { approve: boolean; by: string; note?: string } | undefined;
  let loaded = false;
  const retries: RetryRequest[] = [];

  setHandler(refundStateQuery, () => refund);

  const invalid = (message: string) =>
    ApplicationFailure.create({ type: 'InvalidCommand', message, nonRetryable: true });
  const validateDecision = (d: ApprovalDecision) => {
    if (typeof d?.by !== 'string' || d.by.trim() === '' || d.by.length > 200)
      throw invalid('by must name who decides (at most 200 characters)');
    if (d.note !== undefined && (typeof d.note !== 'string' || d.note.length > 1000))
      throw invalid('note must be at most 1000 characters');
    if (refund && refund.status !== 'awaiting_approval')
      throw invalid(`refund ${refundId} is ${refund.status}, not awaiting approval`);
    if (decision)
      throw invalid(`refund ${refundId} was already ${decision.approve ? 'approved' : 'declined'}`);
  };
  for (const [update, approve] of [
    [approveRefundUpdate, true],
    [rejectRefundUpdate, false],
  ] as const) {
    setHandler(
      update,
      async (d) => {
        await condition(() => loaded);
        validateDecision(d);
        decision = { approve, by: d.by, ...(d.note ? { note: d.note } : {}) };
        await condition(() => refund?.status !== 'awaiting_approval');
        return refund!;
      },
      { validator: validateDecision },
    );
  }
  setHandler(
    retryRefundUpdate,
    async ({ by }) => {
      const request: RetryRequest = { by };
      retries.push(request);
      await condition(() => loaded);
      // Waiting for a person's approval is not a failure: nothing to retry, said at once (the main
      // code is parked in the approval wait and would answer only when it ends).
      if (refund?.status === 'awaiting_approval') await answerRetries(outcomeOf(refund), 'not_retryable');
      await condition(() => request.result !== undefined);
      return request.result!;
    },
    {
      validator: ({ by }) => {
        if (typeof by !== 'string' || by.trim() === '' || by.length > 200)
          throw invalid('by must name who asks for the retry (at most 200 characters)');
      },
    },
  );

  const settings = await ledger.refundSettings.executeWithOptions({ summary: 'Load refund settings' }, []);
  if (input.request) {
    const reserved = await ledger.reserveRefund.executeWithOptions({ summary: 'Reserve in the ledger' }, [
      {
        request: input.request,
        needsApproval: input.request.amountCents > settings.autoApproveRefundCents,
      },
    ]);
    if (!reserved.reserved) {
      loaded = true;
      const outcome: RefundOutcome = {
        refundId,
        status: 'refused',
        reason:
          reserved.reason === 'order_not_found'
            ? 'the order does not exist'
            : `only ${reserved.refundableCents} cents of the ${reserved.reason === 'exceeds_line_refundable' ? 'item' : 'order'} can still be refunded`,
      };
      return finish(outcome);
    }
    refund = reserved.refund;
  } else {
    refund = await ledger.loadRefund.executeWithOptions({ summary: 'Load the refund' }, [refundId]);
  }
  loaded = true;
  if (!refund) {
    return finish({ refundId, status: 'refused', reason: 'no such refund in the ledger' });
  }
  const requestedBy = input.request?.requestedBy ?? 'parley';

  if (refund.status === 'awaiting_approval') await awaitApproval();

  // A new refund (or one a dead run left mid-attempt) is paid now; a failed one only on request.
  if (refund.status === 'reserved' || refund.status === 'approved' || refund.status === 'processing') {
    await attempt(requestedBy);
  }
  await serveRetries();
  // An ops retry's run has no request: the ledger remembers the conversation to tell.
  const conversationId = input.request?.conversationId ?? refund.conversationId;
  if (conversationId) await tellConversation(conversationId, outcomeOf(refund).status);
  return finish(outcomeOf(refund));

  // ---- steps ------------------------------------------------------------------------------------
  /** Ops retries queued so far: a failed refund is attempted again, anything else is answered. */
  async function serveRetries(): Promise<void> {
    for (let waiting = retries.find((r) => !r.result); waiting; waiting = retries.find((r) => !r.result)) {
      if (refund?.status === 'failed') await attempt(waiting.by, waiting);
      else await answerRetries(refund ? outcomeOf(refund) : { refundId, status: 'refused' }, 'not_retryable');
    }
  }

  /**
   * Completes only once no request is left unanswered: a retry that arrives while the run is
   * finishing is served here, never left waiting on a run that will not answer it.
   */
  async function finish(outcome: RefundOutcome): Promise<RefundOutcome> {
    for (;;) {
      await condition(() => allHandlersFinished() || retries.some((r) => !r.result));
      if (!retries.some((r) => !r.result)) return refund ? outcomeOf(refund) : outcome;
      if (refund) await serveRetries();
      else await answerRetries(outcome, 'not_retryable');
    }
  }

  async function awaitApproval(): Promise<void> {
    await bestEffort('refund notice', () =>
      notices.notifyRefundTeam.executeWithOptions({ summary: 'Ask the team for approval' }, [
        { kind: 'approval_needed', refund: refund! },
      ]),
    );
    if (input.request?.conversationId)
      await tellConversation(input.request.conversationId, 'awaiting_approval');
    let decided = await condition(() => decision !== undefined, settings.approvalEscalateMs, {
      summary: 'Wait for a person to approve the refund',
    });
    if (!decided) {
      await bestEffort('refund notice', () =>
        notices.notifyRefundTeam.executeWithOptions({ summary: 'Page on-call: approval overdue' }, [
          { kind: 'approval_overdue', refund: refund! },
        ]),
      );
      decided = await condition(
        () => decision !== undefined,
        settings.approvalExpireMs - settings.approvalEscalateMs,
        { summary: 'Wait for the approval until it expires' },
      );
    }
    const d = decision ?? { approve: false, by: 'parley', note: 'approval expired' };
    refund = await ledger.decideRefundApproval.executeWithOptions(
      { summary: d.approve ? `Approved by ${d.by}` : `Declined by ${d.by}` },
      [{ refundId, approve: d.approve, by: d.by, ...(d.note ? { note: d.note } : {}) }],
    );
  }

  /** One payment attempt; `trigger` is the ops request that asked for it (others waiting join it). */
  async function attempt(by: string, trigger?: RetryRequest): Promise<void> {
    const claim = await ledger.startRefundAttempt.executeWithOptions({ summary: `Start payment (${by})` }, [
      { refundId, requestedBy: by },
    ]);
    refund = claim.refund;
    // Not claimed but paid: the claim found the refund at the provider (an earlier attempt's answer
    // was lost) — that is this attempt's outcome. Anything else unclaimed had nothing to retry.
    if (!claim.claimed && refund.status !== 'succeeded') {
      await answerRetries(outcomeOf(refund), 'not_retryable');
      return;
    }
    if (claim.claimed) await pay(by);
    // The request that ran the attempt, and every one that arrived while it ran, get its outcome.
    const outcome = outcomeOf(refund);
    for (const r of retries.filter((x) => !x.result)) {
      r.result = { ...outcome, handling: r === trigger ? 'retried' : 'joined' };
      await recordRequest(r.by, r.result);
    }
  }

  async function pay(by: string): Promise<void> {
    try {
      refund = await provider.payRefund.executeWithOptions({ summary: 'Pay the refund' }, [{ refundId }]);
    } catch (err) {
      refund = await ledger.failRefund.executeWithOptions({ summary: 'Record the failure' }, [
        { refundId, reason: failureText(err), requestedBy: by },
      ]);
      if (refund.status === 'failed') {
        await bestEffort('refund notice', () =>
          notices.notifyRefundTeam.executeWithOptions({ summary: 'Tell the team the refund failed' }, [
            { kind: 'failed', refund: refund! },
          ]),
        );
      }
    }
  }

  async function answerRetries(outcome: RefundOutcome, handling: RetryResult['handling']): Promise<void> {
    for (const r of retries.filter((x) => !x.result)) {
      r.result = { ...outcome, handling };
      await recordRequest(r.by, r.result);
    }
  }

  async function recordRequest(by: string, result: RetryResult): Promise<void> {
    await ledger.recordRefundRequest.executeWithOptions({ summary: `Record the retry by ${by}` }, [
      {
        refundId,
        requestedBy: by,
        outcome: `retry ${result.handling}: ${result.status}`,
        ...(result.reason ? { detail: result.reason } : {}),
      },
    ]);
  }

  async function tellConversation(conversationId: string, status: RefundSettled['status']): Promise<void> {
    const r = refund;
    if (!r) return;
    try {
      await getExternalWorkflowHandle(conversationId).signal(refundSettledSignal, {
        refundId,
        status,
        amountCents: r.amountCents,
        currency: r.currency,
        orderId: r.orderId,
      });
    } catch (err) {
      // The conversation has closed: the ledger and the team's notice carry the outcome.
      log.info('conversation not told about the refund', { refundId, reason: String(err) });
    }
  }
}

interface RetryRequest {
  by: string;
  result?: RetryResult;
}

const OUTCOME_OF_STATUS: Record<RefundView['status'], RefundOutcome['status']> = {
  succeeded: 'succeeded',
  rejected: 'rejected',
  failed: 'failed',
  awaiting_approval: 'awaiting_approval',
  reserved: 'in_progress',
  approved: 'in_progress',
  processing: 'in_progress',
};

function outcomeOf(refund: RefundView): RefundOutcome {
  const status = OUTCOME_OF_STATUS[refund.status];
  return {
    refundId: refund.refundId,
    status,
    ...(refund.failureReason ? { reason: refund.failureReason } : {}),
    refund,
  };
}
