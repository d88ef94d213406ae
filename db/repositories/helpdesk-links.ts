import type { Db } from '../database.js';
import type { HelpdeskTicketLinksTable } from '../tables/helpdesk-ticket-links.js';
import type { ZendeskCommentOutcome } from '../tables/zendesk-processed-comments.js';

export type HelpdeskSystem = HelpdeskTicketLinksTable['system'];

/**
 * Records which conversation an external helpdesk ticket belongs to. Idempotent: linking the same
 * ticket again (a retried create that found its ticket) changes nothing.
 */
export async function linkHelpdeskTicket(
  db: Db,
  link: { system: HelpdeskSystem; externalTicketId: string; conversationId: string },
): Promise<void> {
  await db
    .insertInto('helpdesk_ticket_links')
    .values({
      system: link.system,
      external_ticket_id: link.externalTicketId,
      conversation_id: link.conversationId,
      created_at: new Date(),
    })
    .onConflict((oc) => oc.columns(['system', 'external_ticket_id']).doNothing())
    .execute();
}

/** The conversation an external ticket was created for, if Parley created it. */
export async function findLinkedConversationId(
  db: Db,
  system: HelpdeskSystem,
  externalTicketId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('helpdesk_ticket_links')
    .select('conversation_id')
    .where('system', '=', system)
    .where('external_ticket_id', '=', externalTicketId)
    .executeTakeFirst();
  return row?.conversation_id;
}

/** How long a `processing` claim holds before another delivery may take the comment over. */
export const COMMENT_CLAIM_STALE_MS = 2 * 60_000;

/**
 * Claims a Zendesk comment for relaying. True when this caller may send it: the comment is new, or
 * an earlier claim was left `processing` for longer than `staleAfterMs` (its process died mid-way).
 * False when it was already relayed (or is being relayed right now).
 */
export async function claimZendeskComment(
  db: Db,
  c: { commentId: string; externalTicketId: string },
  staleAfterMs = COMMENT_CLAIM_STALE_MS,
): Promise<boolean> {
  const now = new Date();
  const claimed = await db
    .insertInto('zendesk_processed_comments')
    .values({
      comment_id: c.commentId,
      external_ticket_id: c.externalTicketId,
      outcome: 'processing',
      claimed_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('comment_id')
        .doUpdateSet({ claimed_at: now })
        .where('zendesk_processed_comments.outcome', '=', 'processing')
        .where('zendesk_processed_comments.claimed_at', '<', new Date(now.getTime() - staleAfterMs)),
    )
    .returning('comment_id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Records what became of a claimed comment; a retried delivery will not send it again. */
export async function finishZendeskComment(
  db: Db,
  commentId: string,
  outcome: Exclude<ZendeskCommentOutcome, 'processing'>,
  detail?: string,
): Promise<void> {
  await db
    .updateTable('zendesk_processed_comments')
    .set({ outcome, detail: detail ?? null, processed_at: new Date() })
    .where('comment_id', '=', commentId)
    .execute();
}

/** Gives a claim back after a transient failure, so Zendesk's retry can send the comment. */
export async function releaseZendeskComment(db: Db, commentId: string): Promise<void> {
  await db
    .deleteFrom('zendesk_processed_comments')
    .where('comment_id', '=', commentId)
    .where('outcome', '=', 'processing')
    .execute();
}
