/**
 * The action audit trail (`action_log`) and the lock that keeps executions of one action key apart.
 * An `executed` row is written in the same transaction as the change it records, so it doubles as
 * the record of what an action key already did.
 */
import { appendAudit, conversationSubject } from './audit-log.js';
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ActionLogEvent } from '../tables/action-log.js';

export interface ActionLogEntry {
  action: string;
  actionKey: string | null;
  conversationId: string;
  customerId: string | null;
  event: ActionLogEvent;
  detail: Record<string, unknown>;
}

export async function insertActionLog(db: Db, entry: ActionLogEntry): Promise<void> {
  await db
    .insertInto('action_log')
    .values({
      action: entry.action,
      action_key: entry.actionKey,
      conversation_id: entry.conversationId,
      customer_id: entry.customerId,
      event: entry.event,
      detail: JSON.stringify(entry.detail),
    })
    .execute();
  await appendAudit(db, [
    {
      kind: `action_${entry.event}`,
      actor: 'parley',
      subject: conversationSubject(entry.conversationId),
      details: { action: entry.action, actionKey: entry.actionKey, detail: entry.detail },
    },
  ]);
}

/** The `executed` row of an action key, if it ran: whose action it was and what it answered. */
export async function findExecutedAction(db: Db, actionKey: string) {
  return db
    .selectFrom('action_log')
    .select(['customer_id', 'detail'])
    .where('action_key', '=', actionKey)
    .where('event', '=', 'executed')
    .executeTakeFirst();
}

/** Serialises executions of one action key until the transaction ends (a transaction-level advisory lock). */
export async function lockActionKey(db: Db, actionKey: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${actionKey}, 0))`.execute(db);
}
