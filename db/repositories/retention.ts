/**
 * Retention per data class: what is older than its class's limit is redacted (message text: the row
 * stays, as the record that a message was sent or received) or deleted (turn records, finished
 * tickets, expired dead letters), a batch at a time so one run never holds long locks.
 */
import { sql } from 'kysely';
import type { RetentionClass } from '../../domain/retention.js';
import type { Db } from '../database.js';

/** Media-derived text (captions, transcripts, documents) and conversations a regulated or crisis rule handed off. */
const MEDIA_TYPES = ['image', 'document', 'audio', 'video', 'sticker'];
const SENSITIVE_RULES = ['regulated_topic', 'crisis'];

/** Applies one batch of `cls` to what is older than `cutoff`; how many rows it changed. */
export async function applyRetentionBatch(
  db: Db,
  cls: RetentionClass,
  cutoff: Date,
  limit: number,
): Promise<number> {
  switch (cls) {
    case 'sensitive_text':
    case 'message_text': {
      const sensitiveOnly =
        cls === 'sensitive_text'
          ? sql`and (m.type in (${sql.join(MEDIA_TYPES)}) or m.conversation_id in (
              select conversation_id from handoff_tickets where rule in (${sql.join(SENSITIVE_RULES)})))`
          : sql``;
      const result = await sql`update messages set body = null, payload = '{}'::jsonb, updated_at = now()
        where id in (select m.id from messages m
          where m.sent_at < ${cutoff} and (m.body is not null or m.payload <> '{}'::jsonb) ${sensitiveOnly}
          limit ${limit})`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    }
    case 'turn_records': {
      const result = await sql`delete from bot_turns where turn_key in (
        select turn_key from bot_turns where at < ${cutoff} limit ${limit})`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    }
    case 'tickets': {
      return db.transaction().execute(async (trx) => {
        const old = await trx
          .selectFrom('handoff_tickets')
          .select('id')
          .where('status', 'in', ['solved', 'closed'])
          .where('updated_at', '<', cutoff)
          .limit(limit)
          .execute();
        if (old.length === 0) return 0;
        const ids = old.map((t) => t.id);
        await trx.deleteFrom('handoff_ticket_comments').where('ticket_id', 'in', ids).execute();
        const result = await trx.deleteFrom('handoff_tickets').where('id', 'in', ids).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    }
    case 'dead_letters': {
      // Dead letters carry their own expiry (DEAD_LETTER_RETENTION_DAYS at arrival).
      const result = await sql`delete from dead_letters where id in (
        select id from dead_letters where expires_at < now() limit ${limit})`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    }
  }
}
