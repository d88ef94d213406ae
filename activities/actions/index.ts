/**
 * The agent's action tools. The model proposes; code decides: each tool validates its arguments,
 * checks in SQL that what it would change belongs to the caller, checks the preconditions, and
 * answers `needs_confirmation` with a proposal — changing nothing. After the customer tapped
 * "Confirm", the executor re-checks everything and applies the proposal once. Every proposal,
 * refusal and execution is written to `action_log`.
 */
import type { AgentTool } from '../tools/types.js';
import { listAppointmentSlotsTool, rescheduleAppointmentTool } from './appointments.js';
import { sendInvoiceCopyTool } from './documents.js';
import { createExecutor, type ActionExecutor } from './executor.js';
import { applyPromoCodeTool } from './promo.js';
import { requestRefundTool } from './refund.js';
import { createReturnTool } from './returns.js';
import { resolveDeps, type ActionDeps } from './shared.js';
import { manageSubscriptionTool } from './subscriptions.js';

export {
  DEMO_RETURNS_WAREHOUSE,
  loadReturnLabel,
  returnLabelForPdf,
  type PostalAddress,
  type ReturnLabelData,
} from './documents.js';
export type { ActionExecutor } from './executor.js';
export { REASON_CATEGORIES, reasonCategory, type ReasonCategory } from './reasons.js';
export { returnDeadline } from './returns.js';
export type { ActionDeps } from './shared.js';

export function createActionTools(deps: ActionDeps): AgentTool[] {
  const ctx = resolveDeps(deps);
  return [
    requestRefundTool(ctx),
    createReturnTool(ctx),
    listAppointmentSlotsTool(ctx),
    rescheduleAppointmentTool(ctx),
    manageSubscriptionTool(ctx),
    applyPromoCodeTool(ctx),
    sendInvoiceCopyTool(ctx),
  ].map((tool) => ({ ...tool, proposesChanges: true as const }));
}

export function createActionExecutor(deps: ActionDeps): ActionExecutor {
  return createExecutor(resolveDeps(deps));
}
