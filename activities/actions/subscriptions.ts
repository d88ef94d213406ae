/**
 * manage_subscription: pause (only an active subscription, 1–12 weeks), resume (only a paused one)
 * or change tier (to another existing tier). The customer has at most one subscription and the tool
 * finds it by the caller's WhatsApp id: there is no subscription id for the model to get wrong.
 */
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import {
  changeSubscriptionTier,
  findCustomerSubscription,
  findSubscriptionTier,
  listSubscriptionTiers,
  pauseSubscription,
  resumeSubscription,
} from '../../db/repositories/shop-subscriptions.js';
import { strictObjectSchema } from '../tools/common.js';
import { zonedParts } from '../tools/opening-hours.js';
import type { ActionResult, AgentTool, ToolOutcome } from '../tools/types.js';
import { formatDay, say } from './l10n.js';
import {
  actionTool,
  addDays,
  changed,
  refusedNotFound,
  type ActionContext,
  type Customer,
} from './shared.js';
import { formatMoney } from '../../domain/locale.js';

const SUBSCRIPTION_NOT_FOUND = {
  status: 'not_found',
  reason: "This customer's WhatsApp number has no subscription.",
} as const satisfies ToolOutcome;

const args = z
  .strictObject({
    action: z.enum(['pause', 'resume', 'change_tier']),
    tier: z
      .string()
      .max(40)
      .transform((s) => s.trim().toLowerCase())
      .nullable(),
    pauseWeeks: z.number().int().min(1).max(12).nullable(),
  })
  .refine((a) => a.action !== 'pause' || a.pauseWeeks !== null, {
    message: 'pauseWeeks is required to pause',
    path: ['pauseWeeks'],
  })
  .refine((a) => a.action !== 'change_tier' || a.tier !== null, {
    message: 'tier is required to change tier',
    path: ['tier'],
  });

export const subscriptionParams = z.discriminatedUnion('change', [
  z.strictObject({
    change: z.literal('pause'),
    subscriptionId: z.string(),
    version: z.number().int(),
    tier: z.string(),
    pausedUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  }),
  z.strictObject({
    change: z.literal('resume'),
    subscriptionId: z.string(),
    version: z.number().int(),
    tier: z.string(),
    monthlyCents: z.number().int(),
    currency: z.string(),
  }),
  z.strictObject({
    change: z.literal('change_tier'),
    subscriptionId: z.string(),
    version: z.number().int(),
    fromTier: z.string(),
    tier: z.string(),
    monthlyCents: z.number().int(),
    currency: z.string(),
  }),
]);
export type SubscriptionParams = z.output<typeof subscriptionParams>;

/** The version is in the key: pausing again after a resume is a new action, not a replay. */
export function subscriptionActionKey(p: SubscriptionParams): string {
  const what =
    p.change === 'pause' ? `pause:${p.pausedUntil}` : p.change === 'resume' ? 'resume' : `tier:${p.tier}`;
  return `subscription:${p.subscriptionId}:v${p.version}:${what}`;
}

/** A tier's display name: 'plus' → 'Plus' (tier names are brand names, not translated). */
function tierName(tier: string): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}

export function manageSubscriptionTool(ctx: ActionContext): AgentTool {
  return actionTool(ctx, {
    name: 'manage_subscription',
    action: 'manage_subscription',
    description:
      "Proposes a change to the customer's own subscription: pause it for 1 to 12 weeks (only when active), resume it (only when paused) or change its tier. Nothing changes by this call: the customer is shown the change and asked to confirm with buttons; only then is it applied.",
    parameters: strictObjectSchema({
      action: { type: 'string', enum: ['pause', 'resume', 'change_tier'] },
      tier: {
        type: ['string', 'null'],
        description: "The new tier for change_tier ('essential', 'plus' or 'premium'), else null.",
      },
      pauseWeeks: {
        type: ['integer', 'null'],
        description: 'For pause: how many weeks, 1 to 12; else null.',
      },
    }),
    args,
    notFound: SUBSCRIPTION_NOT_FOUND,
    async propose(a, customer): Promise<ToolOutcome> {
      const sub = await findCustomerSubscription(ctx.db, customer.waId);
      if (!sub) return { ...SUBSCRIPTION_NOT_FOUND };
      const lang = customer.language;
      const base = { subscriptionId: sub.id, version: sub.version };
      let params: SubscriptionParams;
      let summary: string;
      if (a.action === 'pause') {
        if (sub.status !== 'active') {
          return {
            status: 'refused',
            reason: `The subscription is already paused until ${sub.paused_until}. It can be resumed instead.`,
          };
        }
        const today = zonedParts(ctx.now(), ctx.timezone).date;
        const pausedUntil = addDays(today, 7 * a.pauseWeeks!);
        params = { change: 'pause', ...base, tier: sub.tier, pausedUntil };
        summary = say('pause_proposal', lang, {
          tier: tierName(sub.tier),
          date: formatDay(pausedUntil, lang),
        });
      } else if (a.action === 'resume') {
        if (sub.status !== 'paused')
          return { status: 'refused', reason: 'The subscription is active, not paused.' };
        params = {
          change: 'resume',
          ...base,
          tier: sub.tier,
          monthlyCents: sub.monthly_cents,
          currency: sub.currency,
        };
        summary = say('resume_proposal', lang, {
          tier: tierName(sub.tier),
          amount: formatMoney(sub.monthly_cents, sub.currency, lang),
        });
      } else {
        const tier = await findSubscriptionTier(ctx.db, a.tier!);
        if (!tier) {
          const tiers = await listSubscriptionTiers(ctx.db);
          return {
            status: 'refused',
            reason: `There is no tier '${a.tier}'. Tiers: ${tiers.join(', ')}.`,
          };
        }
        if (tier.tier === sub.tier) {
          return { status: 'refused', reason: `The subscription is already on the ${sub.tier} tier.` };
        }
        params = {
          change: 'change_tier',
          ...base,
          fromTier: sub.tier,
          tier: tier.tier,
          monthlyCents: tier.monthly_cents,
          currency: tier.currency,
        };
        summary = say('tier_proposal', lang, {
          from: tierName(sub.tier),
          to: tierName(tier.tier),
          amount: formatMoney(tier.monthly_cents, tier.currency, lang),
        });
      }
      return {
        status: 'needs_confirmation',
        proposal: {
          action: 'manage_subscription',
          actionKey: subscriptionActionKey(params),
          summary,
          params,
        },
      };
    },
  });
}

/** Applies the change inside the executor's transaction, after re-checking everything. */
export async function executeSubscription(
  ctx: ActionContext,
  tx: Db,
  p: SubscriptionParams,
  customer: Customer,
): Promise<ActionResult> {
  const lang = customer.language;
  const sub = await findCustomerSubscription(tx, customer.waId, { lock: true });
  if (!sub || sub.id !== p.subscriptionId) {
    return refusedNotFound(lang, 'This subscription is not the customer’s.');
  }
  if (sub.version !== p.version) return changed(lang, 'The subscription changed after this was proposed.');
  const now = ctx.now();
  const bump = { version: sub.version + 1, at: now };
  if (p.change === 'pause') {
    const today = zonedParts(now, ctx.timezone).date;
    if (sub.status !== 'active') return changed(lang, 'The subscription is no longer active.');
    if (p.pausedUntil <= today) return changed(lang, 'The confirmed pause would already be over.');
    await pauseSubscription(tx, sub.id, p.pausedUntil, bump);
    return {
      status: 'done',
      summary: say('pause_done', lang, { tier: tierName(sub.tier), date: formatDay(p.pausedUntil, lang) }),
      data: { status: 'paused', pausedUntil: p.pausedUntil },
    };
  }
  if (p.change === 'resume') {
    if (sub.status !== 'paused') return changed(lang, 'The subscription is no longer paused.');
    await resumeSubscription(tx, sub.id, bump);
    return {
      status: 'done',
      summary: say('resume_done', lang, {
        tier: tierName(sub.tier),
        amount: formatMoney(sub.monthly_cents, sub.currency, lang),
      }),
      data: { status: 'active' },
    };
  }
  const tier = await findSubscriptionTier(tx, p.tier);
  // The customer confirmed a price: a tier repriced meanwhile is asked again, not applied.
  if (
    !tier ||
    tier.monthly_cents !== p.monthlyCents ||
    tier.currency !== p.currency ||
    sub.tier === tier.tier
  ) {
    return changed(
      lang,
      `The ${p.tier} tier changed (or is already the current one) after this was proposed.`,
    );
  }
  await changeSubscriptionTier(tx, sub.id, tier, bump);
  return {
    status: 'done',
    summary: say('tier_done', lang, {
      to: tierName(tier.tier),
      amount: formatMoney(tier.monthly_cents, tier.currency, lang),
    }),
    data: { tier: tier.tier, monthlyCents: tier.monthly_cents },
  };
}
