/**
 * Dead letters: parts of signed webhook deliveries that could not be understood or routed, kept
 * for ops to look at and replay (see the dead_letters migration).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { DeadLetterStatus } from '../tables/dead-letters.js';

/** The raw part is kept up to this size; a larger one is kept truncated (and cannot be replayed). */
const MAX_RAW_CHARS = 256 * 1024;

export interface NewDeadLetter {
  source: string;
  reason: string;
  /** The part as JSON text. */
  raw: string;
  requestId?: string;
}

/**
 * Keeps each part once: a part already kept (Meta retrying the same delivery) counts one more
 * delivery. Expired dead letters are removed on the way, so the table never outlives its retention.
 */
export async function keepDeadLetters(db: Db, letters: NewDeadLetter[], retentionMs: number): Promise<void> {
  if (letters.length === 0) return;
  const now = new Date();
  await db.deleteFrom('dead_letters').where('expires_at', '<', now).execute();
  for (const letter of letters) {
    const truncated = letter.raw.length > MAX_RAW_CHARS;
    await db
      .insertInto('dead_letters')
      .values({
        source: letter.source,
        fingerprint: createHash('sha256').update(`${letter.source}\n${letter.raw}`).digest('hex'),
        reason: letter.reason.slice(0, 2_000),
        raw: truncated ? letter.raw.slice(0, MAX_RAW_CHARS) : letter.raw,
        raw_truncated: truncated,
        request_id: letter.requestId ?? null,
        expires_at: new Date(now.getTime() + retentionMs),
      })
      .onConflict((oc) =>
        oc.column('fingerprint').doUpdateSet({
          deliveries: sql`dead_letters.deliveries + 1`,
          last_received_at: now,
          request_id: letter.requestId ?? null,
        }),
      )
      .execute();
  }
}

const SUMMARY_COLUMNS = [
  'id',
  'source',
  'reason',
  'status',
  'deliveries',
  'replay_attempts',
  'last_replay_error',
  'raw_truncated',
  'request_id',
  'received_at',
  'last_received_at',
  'replayed_at',
  'replayed_by',
  'expires_at',
] as const;

/** Dead letters, newest first (without the raw part). */
export async function listDeadLetters(db: Db, o: { status?: DeadLetterStatus; limit: number }) {
  let query = db
    .selectFrom('dead_letters')
    .select(SUMMARY_COLUMNS)
    .where('expires_at', '>=', new Date())
    .orderBy('id', 'desc')
    .limit(o.limit);
  if (o.status) query = query.where('status', '=', o.status);
  return query.execute();
}

/** One dead letter with its raw part. */
export async function getDeadLetter(db: Db, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  return db
    .selectFrom('dead_letters')
    .select([...SUMMARY_COLUMNS, 'raw'])
    .where('id', '=', id)
    .where('expires_at', '>=', new Date())
    .executeTakeFirst();
}

/** Records a replay: delivered (`replayed`), or still not understood (the reason kept). */
export async function recordReplay(
  db: Db,
  id: string,
  outcome: { ok: true; by: string } | { ok: false; error: string },
): Promise<void> {
  await db
    .updateTable('dead_letters')
    .set((eb) => ({
      replay_attempts: eb('replay_attempts', '+', 1),
      ...(outcome.ok
        ? {
            status: 'replayed' as const,
            replayed_at: new Date(),
            replayed_by: outcome.by,
            last_replay_error: null,
          }
        : { last_replay_error: outcome.error.slice(0, 2_000) }),
    }))
    .where('id', '=', id)
    .execute();
}
