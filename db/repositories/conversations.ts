import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface ConversationProjection {
  id: string;
  phoneNumberId: string;
  waId: string;
  displayName?: string;
  status: string;
  assignedAgentId?: string;
  language?: string;
  customerTier?: string;
  escalated?: boolean;
  summary?: string;
}

/** Creates or updates the conversation's projection row from the workflow's state (`ref` is set once). */
export async function upsertConversation(db: Db, c: ConversationProjection, ref: string): Promise<void> {
  const now = new Date();
  const resolvedAt = c.status === 'resolved' ? now : null;
  const closedAt = c.status === 'closed' ? now : null;
  await db
    .insertInto('conversations')
    .values({
      id: c.id,
      ref,
      phone_number_id: c.phoneNumberId,
      wa_id: c.waId,
      display_name: c.displayName ?? null,
      status: c.status,
      assigned_agent_id: c.assignedAgentId ?? null,
      language: c.language ?? null,
      customer_tier: c.customerTier ?? null,
      escalated: c.escalated ?? false,
      summary: c.summary ?? '',
      resolved_at: resolvedAt,
      closed_at: closedAt,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        status: c.status,
        display_name: sql`coalesce(excluded.display_name, conversations.display_name)`,
        assigned_agent_id: c.assignedAgentId ?? null,
        language: sql`coalesce(excluded.language, conversations.language)`,
        customer_tier: sql`coalesce(excluded.customer_tier, conversations.customer_tier)`,
        escalated: c.escalated ?? false,
        // An empty summary (a fresh run that has not summarised yet) never wipes the stored one.
        summary: sql`case when excluded.summary = '' then conversations.summary else excluded.summary end`,
        // Kept through the close; a reopened conversation is unresolved again.
        resolved_at:
          c.status === 'resolved'
            ? sql`coalesce(conversations.resolved_at, excluded.resolved_at)`
            : c.status === 'closed'
              ? sql`conversations.resolved_at`
              : null,
        closed_at: c.status === 'closed' ? sql`coalesce(conversations.closed_at, excluded.closed_at)` : null,
        updated_at: now,
      }),
    )
    .execute();
}

/** Bumps the message counters and last-activity timestamps after a message was stored. */
export async function touchConversation(
  db: Db,
  id: string,
  direction: 'inbound' | 'outbound',
  at: Date,
): Promise<void> {
  await db
    .updateTable('conversations')
    .set((eb) => ({
      message_count: eb('message_count', '+', 1),
      updated_at: new Date(),
      ...(direction === 'inbound' ? { last_inbound_at: at } : { last_outbound_at: at }),
    }))
    .where('id', '=', id)
    .execute();
}

export async function getConversation(db: Db, id: string) {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface Transition {
  conversationId: string;
  from: string | null;
  to: string;
  by: string;
  reason?: string;
  /** Stable per transition (e.g. `<conversation>:<seq>`), so a retried write is not logged twice. */
  key: string;
  at: Date;
}

export async function recordTransition(db: Db, t: Transition): Promise<void> {
  await db
    .insertInto('conversation_transitions')
    .values({
      conversation_id: t.conversationId,
      from_status: t.from,
      to_status: t.to,
      by: t.by,
      reason: t.reason ?? null,
      transition_key: t.key,
      at: t.at,
    })
    .onConflict((oc) => oc.column('transition_key').doNothing())
    .execute();
}

export async function listTransitions(db: Db, conversationId: string) {
  return db
    .selectFrom('conversation_transitions')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('id')
    .execute();
}

/** The conversation an opaque reference (core/conversation-ids.ts) points to. */
export async function findConversationIdByRef(db: Db, ref: string): Promise<string | undefined> {
  const row = await db.selectFrom('conversations').select('id').where('ref', '=', ref).executeTakeFirst();
  return row?.id;
}
