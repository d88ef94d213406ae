/**
 * Plumbing shared by the action tools and their executor: the resolved dependencies, the caller's
 * customer row, the audit log, and the wrapper that turns a proposal function into a logged
 * AgentTool.
 *
 * Ownership is always enforced in SQL by the caller's WhatsApp id (never by an id the model
 * supplied), and another customer's order answers exactly like a nonexistent one (see
 * activities/tools/orders.ts for why a distinct answer would be an oracle).
 */
import type { z } from 'zod';
import type { Db } from '../../db/database.js';
import { insertActionLog } from '../../db/repositories/action-log.js';
import { findCustomerByWaId, type OwnedOrder } from '../../db/repositories/shop.js';
import type { ActionLogEvent } from '../../db/tables/action-log.js';
import { callerWaId, defineTool } from '../tools/common.js';
import type { ActionName, ActionResult, AgentTool, ToolCaller, ToolOutcome } from '../tools/types.js';
import { say } from './l10n.js';

export interface ActionDeps {
  db: Db;
  /** Refunds above this amount (cents) wait for a person's approval. */
  autoApproveRefundCents: number;
  /** Days after delivery a line can be returned (default 30, the shop's policy). */
  returnWindowDays?: number;
  /** The clock (injectable for tests); defaults to the system clock. */
  now?: () => Date;
  /** The business's time zone, for calendar dates and appointment times (default Europe/Paris). */
  timezone?: string;
}

export interface ActionContext {
  db: Db;
  autoApproveRefundCents: number;
  returnWindowDays: number;
  now: () => Date;
  timezone: string;
}

export function resolveDeps(deps: ActionDeps): ActionContext {
  return {
    db: deps.db,
    autoApproveRefundCents: deps.autoApproveRefundCents,
    returnWindowDays: deps.returnWindowDays ?? 30,
    now: deps.now ?? (() => new Date()),
    timezone: deps.timezone ?? 'Europe/Paris',
  };
}

/** The caller as a shop customer, and the language their summaries are written in. */
export interface Customer {
  id: string;
  name: string;
  waId: string;
  /** The conversation's language, else the account's. */
  language: string;
}

export async function findCaller(db: Db, caller: ToolCaller): Promise<Customer | undefined> {
  const waId = callerWaId(caller);
  if (!waId) return undefined;
  const row = await findCustomerByWaId(db, waId);
  return row && { id: row.id, name: row.name, waId, language: caller.language ?? row.language };
}

/** One audit row. `detail` holds normalised parameters and outcomes only: no phone, no free text. */
export async function logAction(
  db: Db,
  entry: {
    action: ActionName;
    actionKey: string | null;
    caller: ToolCaller;
    customerId: string | null;
    event: ActionLogEvent;
    detail: Record<string, unknown>;
  },
): Promise<void> {
  await insertActionLog(db, {
    action: entry.action,
    actionKey: entry.actionKey,
    conversationId: entry.caller.conversationId,
    customerId: entry.customerId,
    event: entry.event,
    detail: entry.detail,
  });
}

/** The one answer for "no such order" and "not this caller's order" (the number is not echoed). */
export const ORDER_NOT_FOUND = {
  status: 'not_found',
  reason:
    "No order with this number was found for this customer's WhatsApp number. Ask them to check the number; an order placed from another phone number or as a guest can only be handled by customer service.",
} as const satisfies ToolOutcome;

/** The sum of an order's lines (the basket, before shipping). */
export function basketCents(order: OwnedOrder): number {
  return order.lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0);
}

/** "lines 1–2" / "line 1": how a refusal tells the model which line numbers exist. */
export function lineRange(order: OwnedOrder): string {
  const n = order.lines.length;
  return n === 1 ? 'line 1' : `lines 1–${n}`;
}

/**
 * An action tool: validated arguments (defineTool), the caller's customer row, the proposal (or
 * refusal) computed by `propose`, and an audit row for whatever it answered. A caller who is no
 * known customer gets `notFound` without `propose` running.
 */
export function actionTool<S extends z.ZodType>(
  ctx: ActionContext,
  spec: {
    name: string;
    action: ActionName;
    description: string;
    parameters: Record<string, unknown>;
    args: S;
    notFound: ToolOutcome;
    propose: (args: z.output<S>, customer: Customer, caller: ToolCaller) => Promise<ToolOutcome>;
  },
): AgentTool {
  return defineTool({
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
    args: spec.args,
    async run(args, caller) {
      const customer = await findCaller(ctx.db, caller);
      const outcome = customer ? await spec.propose(args, customer, caller) : { ...spec.notFound };
      const proposal = outcome.status === 'needs_confirmation' ? outcome.proposal : undefined;
      await logAction(ctx.db, {
        action: spec.action,
        actionKey: proposal?.actionKey ?? null,
        caller,
        customerId: customer?.id ?? null,
        event: proposal ? 'proposed' : 'refused',
        detail: proposal
          ? { params: proposal.params }
          : {
              args: args as unknown,
              status: outcome.status,
              reason: 'reason' in outcome ? outcome.reason : null,
            },
      });
      return outcome;
    },
  });
}

/** A calendar day plus `days` ('2026-11-25' + 7 → '2026-12-02'). */
export function addDays(isoDay: string, days: number): string {
  const [y = 0, m = 1, d = 1] = isoDay.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export type RefusedResult = Extract<ActionResult, { status: 'refused' }>;

/** Execution refused because something changed since the customer confirmed. */
export function changed(language: string, reason: string): RefusedResult {
  return { status: 'refused', reason, summary: say('refused_changed', language) };
}

/** Execution refused because the thing is not (or no longer) the caller's. */
export function refusedNotFound(language: string, reason: string): RefusedResult {
  return { status: 'refused', reason, summary: say('refused_not_found', language) };
}
