/**
 * A customer's erasure (GDPR art. 17), one workflow per customer (id `erasure:<conversation ref>`),
 * visible in the Web UI. It closes their running conversations, deletes or pseudonymises their rows
 * in every table, shreds their payload keys (their Temporal histories become unreadable), and
 * records a receipt in the audit log. Every step is idempotent and retried until it is done; asking
 * again joins the run in progress, or erases what is left (nothing) and gives a receipt again.
 *
 * Its own history holds keyed conversation ids and counts only, under the system key.
 */
import {
  ActivityFailure,
  getExternalWorkflowHandle,
  proxyActivities,
  sleep,
  type ApplicationFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ErasureReceipt } from '../activities/erasure-activities.js';
import type { ErasureRequest } from './erasure-definitions.js';

// No attempt limit: an erasure must finish; a failing step (a database down) waits and retries.
const steps = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

// Third parties: retried for about an hour (rate limits, outages), then reported as failed.
const external = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 10 },
});
/** Names the failure by its type only: an error message could quote what the third party holds. */
const failedOutcome = (err: unknown) =>
  `failed: ${(err instanceof ActivityFailure && (err.cause as ApplicationFailure | undefined)?.type) || 'unknown'}` as const;

export async function erasureWorkflow(request: ErasureRequest): Promise<ErasureReceipt> {
  const conversationIds = await steps.findErasureScope(request.subject);
  let workflowsClosed = 0;
  for (const id of conversationIds) {
    try {
      await getExternalWorkflowHandle(id).cancel();
      workflowsClosed += 1;
    } catch {
      // Not running (closed already): nothing to close.
    }
  }
  // The helpdesk's and the CRM's copies first: finding them needs the rows erased next. A helpdesk
  // or CRM that keeps failing does not hold the erasure up for good: its outcome says so.
  const helpdeskTickets = await external.forgetHelpdeskTickets(conversationIds).catch(failedOutcome);
  const crmContact = await external.forgetCrmContact(conversationIds).catch(failedOutcome);
  const slackMessages = await external.forgetSlackPosts(conversationIds).catch(failedOutcome);
  const first = await steps.eraseCustomerRecords(conversationIds);
  await sleep(request.settleMs);
  const last = await steps.eraseCustomerRecords(conversationIds);
  const keysShredded = await steps.shredCustomerKeys(conversationIds);
  const rows: Record<string, number> = { ...first };
  for (const [table, n] of Object.entries(last)) rows[table] = (rows[table] ?? 0) + n;
  const receipt: ErasureReceipt = {
    subject: request.subject,
    requestedBy: request.requestedBy,
    conversations: conversationIds.length,
    rows,
    keysShredded,
    workflowsClosed,
    external: { helpdeskTickets, crmContact, slackMessages },
    finishedAt: new Date().toISOString(),
  };
  await steps.recordErasureReceipt(receipt);
  return receipt;
}
