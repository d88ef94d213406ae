/**
 * Subscriptions (at most one per customer, found by their WhatsApp id: there is no subscription id
 * for a caller to get wrong) and their tiers. Every change bumps `version`, which the action keys
 * carry.
 */
import type { Db } from '../database.js';

/**
 * The customer's subscription; with `lock`, its row is locked for the rest of the transaction.
 * `paused_until` is read as text ('YYYY-MM-DD'): a calendar date, not an instant.
 */
export async function findCustomerSubscription(db: Db, waId: string, opts: { lock?: boolean } = {}) {
  let query = db
    .selectFrom('shop_subscriptions')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_subscriptions.customer_id')
    .select([
      'shop_subscriptions.id',
      'shop_subscriptions.tier',
      'shop_subscriptions.status',
      'shop_subscriptions.monthly_cents',
      'shop_subscriptions.currency',
      'shop_subscriptions.version',
    ])
    .select((eb) => eb.cast<string | null>('shop_subscriptions.paused_until', 'text').as('paused_until'))
    .where('shop_customers.wa_id', '=', waId);
  if (opts.lock) query = query.forUpdate('shop_subscriptions');
  return query.executeTakeFirst();
}

export async function findSubscriptionTier(db: Db, tier: string) {
  return db
    .selectFrom('shop_subscription_tiers')
    .select(['tier', 'monthly_cents', 'currency'])
    .where('tier', '=', tier)
    .executeTakeFirst();
}

/** The tier names, cheapest first. */
export async function listSubscriptionTiers(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('shop_subscription_tiers')
    .select('tier')
    .orderBy('monthly_cents')
    .execute();
  return rows.map((r) => r.tier);
}

/** What every change also sets: the subscription's new version and when it changed. */
export interface SubscriptionBump {
  version: number;
  at: Date;
}

export async function pauseSubscription(
  db: Db,
  id: string,
  pausedUntil: string,
  bump: SubscriptionBump,
): Promise<void> {
  await db
    .updateTable('shop_subscriptions')
    .set({ status: 'paused', paused_until: pausedUntil, version: bump.version, updated_at: bump.at })
    .where('id', '=', id)
    .execute();
}

export async function resumeSubscription(db: Db, id: string, bump: SubscriptionBump): Promise<void> {
  await db
    .updateTable('shop_subscriptions')
    .set({ status: 'active', paused_until: null, version: bump.version, updated_at: bump.at })
    .where('id', '=', id)
    .execute();
}

/** Moves the subscription to `tier` at that tier's price. */
export async function changeSubscriptionTier(
  db: Db,
  id: string,
  tier: { tier: string; monthly_cents: number; currency: string },
  bump: SubscriptionBump,
): Promise<void> {
  await db
    .updateTable('shop_subscriptions')
    .set({
      tier: tier.tier,
      monthly_cents: tier.monthly_cents,
      currency: tier.currency,
      version: bump.version,
      updated_at: bump.at,
    })
    .where('id', '=', id)
    .execute();
}
