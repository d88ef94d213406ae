/**
 * Erasing a customer from Parley's database (GDPR art. 17): every row about them is deleted, except
 * the refund ledger, which the law requires to keep and which is pseudonymised instead (its link to
 * the conversation is cut; the order and the amounts stay). The shop's own customer records belong
 * to the business's commerce system and are not Parley's to erase.
 */
import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * Every conversation of the customer a conversation reference (or id) names, on any business
 * number: the erasure is of the person, not of one chat.
 */
export async function findCustomerConversations(db: Db, refOrId: string): Promise<string[]> {
  const row = await db
    .selectFrom('conversations')
    .select('wa_id')
    .where((eb) => eb.or([eb('ref', '=', refOrId), eb('id', '=', refOrId)]))
    .executeTakeFirst();
  if (!row) return [];
  const rows = await db.selectFrom('conversations').select('id').where('wa_id', '=', row.wa_id).execute();
  return rows.map((r) => r.id);
}

export type ErasureCounts = Record<string, number>;

/** Deletes (or pseudonymises) every row of these conversations in one transaction; rows per table. */
export async function eraseConversations(db: Db, conversationIds: string[]): Promise<ErasureCounts> {
  if (conversationIds.length === 0) return {};
  return db.transaction().execute(async (trx) => {
    const counts: ErasureCounts = {};
    const count = (table: string, n: bigint | number | undefined) => {
      counts[table] = (counts[table] ?? 0) + Number(n ?? 0);
    };
    const conversations = await trx
      .selectFrom('conversations')
      .select(['id', 'ref', 'wa_id'])
      .where('id', 'in', conversationIds)
      .execute();
    const refs = conversations.map((c) => c.ref);
    const waIds = [...new Set(conversations.map((c) => c.wa_id))];
    const tickets = await trx
      .selectFrom('handoff_tickets')
      .select('id')
      .where('conversation_id', 'in', conversationIds)
      .execute();

    if (tickets.length) {
      const ticketIds = tickets.map((t) => t.id);
      count(
        'handoff_ticket_comments',
        (
          await trx
            .deleteFrom('handoff_ticket_comments')
            .where('ticket_id', 'in', ticketIds)
            .executeTakeFirst()
        ).numDeletedRows,
      );
    }
    const links = await trx
      .selectFrom('helpdesk_ticket_links')
      .select('external_ticket_id')
      .where('conversation_id', 'in', conversationIds)
      .execute();
    if (links.length)
      count(
        'zendesk_processed_comments',
        (
          await trx
            .deleteFrom('zendesk_processed_comments')
            .where(
              'external_ticket_id',
              'in',
              links.map((l) => l.external_ticket_id),
            )
            .executeTakeFirst()
        ).numDeletedRows,
      );
    for (const table of [
      'messages',
      'bot_turns',
      'conversation_events',
      'conversation_transitions',
      'csat_surveys',
      'handoff_tickets',
      'helpdesk_ticket_links',
      'action_log',
      'slack_posts',
    ] as const) {
      const result = await trx
        .deleteFrom(table)
        .where('conversation_id', 'in', conversationIds)
        .executeTakeFirst();
      count(table, result.numDeletedRows);
    }
    if (refs.length)
      count(
        'crm_notes',
        (await trx.deleteFrom('crm_notes').where('conversation_ref', 'in', refs).executeTakeFirst())
          .numDeletedRows,
      );
    // Webhook parts kept for replay that came from them.
    for (const waId of waIds) {
      const result = await trx
        .deleteFrom('dead_letters')
        .where(sql<boolean>`position(${`"${waId}"`} in raw) > 0`)
        .executeTakeFirst();
      count('dead_letters', result.numDeletedRows);
    }
    // The ledger stays (accounting law); it no longer says whose conversation asked.
    const refunds = await trx
      .updateTable('refunds')
      .set({ conversation_id: null })
      .where('conversation_id', 'in', conversationIds)
      .executeTakeFirst();
    count('refunds (pseudonymised)', refunds.numUpdatedRows);
    count(
      'conversations',
      (await trx.deleteFrom('conversations').where('id', 'in', conversationIds).executeTakeFirst())
        .numDeletedRows,
    );
    return counts;
  });
}
