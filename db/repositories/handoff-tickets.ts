import type { Selectable } from 'kysely';
import { appendAudit, conversationSubject } from './audit-log.js';
import type { Db } from '../database.js';
import type { HandoffTicketCommentsTable } from '../tables/handoff-ticket-comments.js';
import type { HandoffTicketsTable } from '../tables/handoff-tickets.js';

export type HandoffTicketRow = Selectable<HandoffTicketsTable>;
export type HandoffTicketCommentRow = Selectable<HandoffTicketCommentsTable>;
export type HandoffTicketStatus = HandoffTicketRow['status'];

/** Statuses an agent still has to act on. */
export const UNFINISHED_STATUSES: readonly HandoffTicketStatus[] = ['open', 'pending'];

export interface NewHandoffTicket {
  idempotencyKey: string;
  conversationId: string;
  kind: HandoffTicketRow['kind'];
  rule: string;
  reason: string;
  handling: HandoffTicketRow['handling'];
  /** The hand-off package, stored as jsonb. */
  package: unknown;
  assignedAgentId?: string;
  /** Required for reviews (a check constraint enforces it). */
  dueAt?: Date;
}

/** Ticket ids are bigserials: anything else cannot exist (and would be a cast error in SQL). */
function isTicketId(id: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(id);
}

/**
 * Inserts the ticket unless one with the same idempotency key exists; either way returns the stored
 * row, and whether this call created it.
 */
export async function insertHandoffTicket(
  db: Db,
  t: NewHandoffTicket,
): Promise<{ ticket: HandoffTicketRow; created: boolean }> {
  const now = new Date();
  const inserted = await db
    .insertInto('handoff_tickets')
    .values({
      idempotency_key: t.idempotencyKey,
      conversation_id: t.conversationId,
      kind: t.kind,
      rule: t.rule,
      reason: t.reason,
      handling: t.handling,
      package: JSON.stringify(t.package),
      assigned_agent_id: t.assignedAgentId ?? null,
      due_at: t.dueAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) {
    // Which rule handed off and how; the package (transcript, summary) stays out of the audit log.
    await appendAudit(db, [
      {
        kind: inserted.kind === 'review' ? 'review_filed' : 'handoff',
        actor: 'parley',
        subject: conversationSubject(inserted.conversation_id),
        details: { ticketId: inserted.id, rule: inserted.rule, handling: inserted.handling },
      },
    ]);
    return { ticket: inserted, created: true };
  }
  const existing = await getHandoffTicketByKey(db, t.idempotencyKey);
  // Only possible if the row was deleted between the two statements.
  if (!existing) throw new Error(`handoff ticket ${t.idempotencyKey} vanished after a conflicting insert`);
  return { ticket: existing, created: false };
}

export async function getHandoffTicket(db: Db, id: string): Promise<HandoffTicketRow | undefined> {
  if (!isTicketId(id)) return undefined;
  return db.selectFrom('handoff_tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getHandoffTicketByKey(
  db: Db,
  idempotencyKey: string,
): Promise<HandoffTicketRow | undefined> {
  return db
    .selectFrom('handoff_tickets')
    .selectAll()
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

export interface ListTicketsFilter {
  kind?: HandoffTicketRow['kind'];
  /** Default: the unfinished ones (open, pending). */
  statuses?: readonly HandoffTicketStatus[];
  /** Only tickets routed to this agent; `null` for the unassigned ones. */
  assignedAgentId?: string | null;
  /** Only reviews due at or before this time. */
  dueBefore?: Date;
  /** Default 50, at most 500. */
  limit?: number;
}

/** The agents' queue: tickets still to act on, oldest first. */
export async function listHandoffTickets(db: Db, f: ListTicketsFilter = {}): Promise<HandoffTicketRow[]> {
  const statuses = f.statuses && f.statuses.length > 0 ? [...f.statuses] : [...UNFINISHED_STATUSES];
  const limit = Math.min(Math.max(1, Math.trunc(f.limit ?? 50)), 500);
  let q = db.selectFrom('handoff_tickets').selectAll().where('status', 'in', statuses);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.assignedAgentId === null) q = q.where('assigned_agent_id', 'is', null);
  else if (f.assignedAgentId !== undefined) q = q.where('assigned_agent_id', '=', f.assignedAgentId);
  if (f.dueBefore) q = q.where('due_at', '<=', f.dueBefore);
  return q.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** How many unfinished tickets a conversation has (the hand-off package's customer history). */
export async function countOpenHandoffTickets(db: Db, conversationId: string): Promise<number> {
  const row = await db
    .selectFrom('handoff_tickets')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', [...UNFINISHED_STATUSES])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type StatusUpdateResult =
  | { ok: true; ticket: HandoffTicketRow; changed: boolean }
  | { ok: false; reason: 'not_found' | 'closed'; ticket?: HandoffTicketRow };

/**
 * Sets a ticket's status. `closed` is final, as in Zendesk: a closed ticket cannot change again
 * (closing it again is a no-op). Any other transition is allowed (solved tickets reopen).
 */
export async function updateHandoffTicketStatus(
  db: Db,
  id: string,
  status: HandoffTicketStatus,
): Promise<StatusUpdateResult> {
  if (!isTicketId(id)) return { ok: false, reason: 'not_found' };
  const updated = await db
    .updateTable('handoff_tickets')
    .set({ status, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', '<>', 'closed')
    .returningAll()
    .executeTakeFirst();
  if (updated) return { ok: true, ticket: updated, changed: true };
  const current = await getHandoffTicket(db, id);
  if (!current) return { ok: false, reason: 'not_found' };
  if (status === 'closed') return { ok: true, ticket: current, changed: false };
  return { ok: false, reason: 'closed', ticket: current };
}

/** Routes a ticket to an agent (or back to the shared queue with `null`). */
export async function assignHandoffTicket(
  db: Db,
  id: string,
  agentId: string | null,
): Promise<HandoffTicketRow | undefined> {
  if (!isTicketId(id)) return undefined;
  return db
    .updateTable('handoff_tickets')
    .set({ assigned_agent_id: agentId, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export interface NewTicketComment {
  ticketId: string;
  author: HandoffTicketCommentRow['author'];
  text: string;
  public: boolean;
  /** Makes a retried comment land once. */
  key?: string;
}

/** Adds a comment (once per key) and bumps the ticket's `updated_at`. Returns whether it was new. */
export async function addHandoffTicketComment(db: Db, c: NewTicketComment): Promise<{ created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('handoff_ticket_comments')
      .values({
        ticket_id: c.ticketId,
        author: c.author,
        text: c.text,
        public: c.public,
        comment_key: c.key ?? null,
        created_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['ticket_id', 'comment_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await trx
        .updateTable('handoff_tickets')
        .set({ updated_at: new Date() })
        .where('id', '=', c.ticketId)
        .execute();
    }
    return { created: inserted !== undefined };
  });
}

export async function listHandoffTicketComments(
  db: Db,
  ticketId: string,
): Promise<HandoffTicketCommentRow[]> {
  if (!isTicketId(ticketId)) return [];
  return db
    .selectFrom('handoff_ticket_comments')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .orderBy('id')
    .execute();
}
