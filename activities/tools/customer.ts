/**
 * customer_profile: the caller's own profile. It takes no arguments on purpose: the only customer
 * it can describe is the one whose WhatsApp id the conversation carries, so no model output can
 * point it at someone else.
 */
import { z } from 'zod';
import { findCustomerByWaId } from '../../db/repositories/shop.js';
import type { OrderStatus } from '../../db/tables/shop-orders.js';
import { callerWaId, defineTool, isoDate, maskEmail, strictObjectSchema, type ToolDeps } from './common.js';
import type { AgentTool } from './types.js';
import { plainAmount } from '../../domain/locale.js';

const OPEN_STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'shipped'];
const MAX_OPEN_ORDERS = 10;

export function customerProfileTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'customer_profile',
    description:
      "The profile of the customer you are talking to (name, tier, language, masked email) and a summary of their open orders. Takes no arguments: it is always the current customer's own profile.",
    parameters: strictObjectSchema({}),
    args: z.strictObject({}),
    async run(_args, caller) {
      const waId = callerWaId(caller);
      const customer = waId ? await findCustomerByWaId(deps.db, waId) : undefined;
      if (!customer) {
        return { status: 'not_found', reason: 'No customer account is linked to this WhatsApp number.' };
      }
      // The open orders come from the order source (the built-in tables or the live shop).
      const open = await deps.orders.listCustomerOrders(waId!, {
        statuses: OPEN_STATUSES,
        limit: MAX_OPEN_ORDERS,
      });
      return {
        status: 'ok',
        data: {
          // Lifetime value and the owner agent's identity are internal: the model gets only what
          // it may repeat to the customer. The email is masked (recognisable, not harvestable).
          name: customer.name,
          tier: customer.tier,
          language: customer.language,
          email: customer.email ? maskEmail(customer.email) : null,
          customerSince: isoDate(customer.created_at),
          hasDedicatedAgent: customer.owner_agent_id !== null,
          openOrders: open.map((o) => ({
            orderNumber: o.orderNumber,
            status: o.status,
            placedAt: o.placedAt.toISOString(),
            total: plainAmount(o.totalCents, o.currency),
            estimatedDelivery: o.estimatedDelivery,
          })),
        },
      };
    },
  });
}
