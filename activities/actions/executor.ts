/**
 * Executes a proposal the customer confirmed. Everything is checked again — ownership by the
 * caller's WhatsApp id, in SQL, and every precondition — inside one transaction with the change,
 * because the world may have moved while the customer read the buttons.
 *
 * Idempotent by `proposal.actionKey`: executions of one key are serialised by a transaction-level
 * advisory lock, and the `executed` audit row (unique per key, written in the same transaction as
 * the change) holds the result, which a second execution — a retried activity, a replayed
 * confirmation — returns without changing anything again. A refused execution writes no such row:
 * asking again later re-checks from scratch.
 *
 * Refunds are not executed here: the refund workflow reserves and pays them.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { Db } from '../../db/database.js';
import { findExecutedAction, lockActionKey } from '../../db/repositories/action-log.js';
import type { ActionName, ActionProposal, ActionResult, ToolCaller } from '../tools/types.js';
import { executeReschedule, rescheduleActionKey, rescheduleParams } from './appointments.js';
import { executePromo, promoActionKey, promoParams } from './promo.js';
import { executeReturn, returnActionKey, returnParams } from './returns.js';
import { findCaller, logAction, refusedNotFound, type ActionContext, type Customer } from './shared.js';
import { executeSubscription, subscriptionActionKey, subscriptionParams } from './subscriptions.js';

export interface ActionExecutor {
  execute(proposal: ActionProposal, caller: ToolCaller): Promise<ActionResult>;
}

interface Handler<S extends z.ZodType> {
  params: S;
  key: (p: z.output<S>) => string;
  run: (ctx: ActionContext, tx: Db, p: z.output<S>, customer: Customer) => Promise<ActionResult>;
}

function handler<S extends z.ZodType>(h: Handler<S>): Handler<z.ZodType> {
  return h as unknown as Handler<z.ZodType>;
}

const HANDLERS: Partial<Record<ActionName, Handler<z.ZodType>>> = {
  create_return: handler({ params: returnParams, key: returnActionKey, run: executeReturn }),
  reschedule_appointment: handler({
    params: rescheduleParams,
    key: rescheduleActionKey,
    run: executeReschedule,
  }),
  manage_subscription: handler({
    params: subscriptionParams,
    key: subscriptionActionKey,
    run: executeSubscription,
  }),
  apply_promo_code: handler({ params: promoParams, key: promoActionKey, run: executePromo }),
};

/** A proposal this executor cannot run is a bug in the caller, not a business refusal: never retried. */
function programmingError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'InvalidActionProposal', nonRetryable: true });
}

export function createExecutor(ctx: ActionContext): ActionExecutor {
  return {
    async execute(proposal, caller) {
      if (proposal.action === 'refund') {
        throw programmingError(
          'refund proposals are executed by the refund workflow, not the action executor',
        );
      }
      const h = HANDLERS[proposal.action];
      if (!h) throw programmingError(`unknown action ${String(proposal.action)}`);
      const parsed = h.params.safeParse(proposal.params);
      if (!parsed.success) throw programmingError(`invalid ${proposal.action} proposal parameters`);
      const params = parsed.data;
      // The key is recomputed from the parameters: a proposal cannot borrow another action's key.
      const actionKey = h.key(params);
      if (actionKey !== proposal.actionKey)
        throw programmingError(`action key does not match its parameters`);

      return ctx.db.transaction().execute(async (tx) => {
        await lockActionKey(tx, actionKey);
        const customer = await findCaller(tx, caller);
        const log = (event: 'executed' | 'execution_refused', detail: Record<string, unknown>) =>
          logAction(tx, {
            action: proposal.action,
            actionKey,
            caller,
            customerId: customer?.id ?? null,
            event,
            detail,
          });
        if (!customer) {
          const result = refusedNotFound(caller.language ?? 'en', 'The caller is no known customer.');
          await log('execution_refused', { params, reason: result.reason });
          return result;
        }
        const prior = await findExecutedAction(tx, actionKey);
        if (prior) {
          // Done before: the same result, nothing changed again (and nothing to anyone else).
          if (prior.customer_id === customer.id) return (prior.detail as { result: ActionResult }).result;
          const result = refusedNotFound(customer.language, 'This action belongs to another customer.');
          await log('execution_refused', { params, reason: result.reason });
          return result;
        }
        const result = await h.run(ctx, tx, params, customer);
        if (result.status === 'done') await log('executed', { params, result });
        else await log('execution_refused', { params, reason: result.reason });
        return result;
      });
    },
  };
}
