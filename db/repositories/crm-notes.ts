/**
 * Resolution notes: the built-in CRM's notes, and the claims that keep HubSpot notes to one per
 * idempotency key (see the crm_notes migration). Rows are keyed by (system, key hash).
 */
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { CrmNoteSystem } from '../tables/crm-notes.js';

export interface CrmNoteRow {
  system: CrmNoteSystem;
  keyHash: string;
  contactRef: string;
  conversationRef: string;
  resolvedBy: string;
  noteAt: Date;
}

/**
 * Writes a built-in note once: true when this call wrote it, false when the key was already used
 * (the existing note is left as it was).
 */
export async function insertBuiltinNote(db: Db, row: CrmNoteRow & { body: string }): Promise<boolean> {
  const inserted = await db
    .insertInto('crm_notes')
    .values({
      system: row.system,
      key_hash: row.keyHash,
      contact_ref: row.contactRef,
      conversation_ref: row.conversationRef,
      resolved_by: row.resolvedBy,
      body: row.body,
      note_at: row.noteAt,
      state: 'written',
      external_note_id: null,
      written_at: new Date(),
    })
    .onConflict((oc) => oc.columns(['system', 'key_hash']).doNothing())
    .returning('key_hash')
    .executeTakeFirst();
  return inserted !== undefined;
}

export type NoteClaim =
  /** Nobody tried this key before: send the note. */
  | { outcome: 'new' }
  /** An earlier attempt may have sent it (it lost the answer, or died): look for it, then send. */
  | { outcome: 'takeover' }
  /** Already sent. */
  | { outcome: 'written'; externalNoteId: string | null }
  /** Another attempt is sending it right now; its claim runs out in `retryInMs`. */
  | { outcome: 'busy'; retryInMs: number };

/**
 * Claims a key before a note is sent. A claim left `sending` for longer than `leaseMs` (its
 * worker died mid-way) and an `uncertain` one are taken over; a fresh `sending` claim is busy.
 */
export async function claimNote(db: Db, row: CrmNoteRow, leaseMs: number): Promise<NoteClaim> {
  const claimed = await db
    .insertInto('crm_notes')
    .values({
      system: row.system,
      key_hash: row.keyHash,
      contact_ref: row.contactRef,
      conversation_ref: row.conversationRef,
      resolved_by: row.resolvedBy,
      body: null,
      note_at: row.noteAt,
      state: 'sending',
      external_note_id: null,
      written_at: null,
    })
    .onConflict((oc) =>
      oc
        .columns(['system', 'key_hash'])
        .doUpdateSet({
          state: 'sending',
          claimed_at: sql`now()`,
          attempts: sql`crm_notes.attempts + 1`,
        })
        .where((eb) =>
          eb.or([
            eb('crm_notes.state', '=', 'uncertain'),
            eb.and([
              eb('crm_notes.state', '=', 'sending'),
              eb('crm_notes.claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseMs / 1000})`),
            ]),
          ]),
        ),
    )
    .returning('attempts')
    .executeTakeFirst();
  if (claimed) return claimed.attempts === 1 ? { outcome: 'new' } : { outcome: 'takeover' };
  const existing = await db
    .selectFrom('crm_notes')
    .select([
      'state',
      'external_note_id',
      sql<number>`extract(epoch from (now() - claimed_at)) * 1000`.as('held_ms'),
    ])
    .where('system', '=', row.system)
    .where('key_hash', '=', row.keyHash)
    .executeTakeFirst();
  if (!existing) return claimNote(db, row, leaseMs); // released in between: claim again
  if (existing.state === 'written') return { outcome: 'written', externalNoteId: existing.external_note_id };
  return { outcome: 'busy', retryInMs: Math.max(1000, Math.ceil(leaseMs - Number(existing.held_ms))) };
}

/** The note was sent: records the CRM's id for it. */
export async function finishNote(
  db: Db,
  system: CrmNoteSystem,
  keyHash: string,
  externalNoteId: string,
): Promise<void> {
  await db
    .updateTable('crm_notes')
    .set({ state: 'written', external_note_id: externalNoteId, written_at: new Date() })
    .where('system', '=', system)
    .where('key_hash', '=', keyHash)
    .execute();
}

/**
 * Gives a claim back after a failed attempt. `sent: 'no'` (the CRM answered with an error, so
 * nothing was created) forgets a first attempt's claim; anything that may have created the note
 * (a timeout, a lost answer, a 5xx) or follows an earlier uncertain attempt leaves it `uncertain`,
 * so the next attempt looks before it writes.
 */
export async function releaseNote(
  db: Db,
  system: CrmNoteSystem,
  keyHash: string,
  o: { sent: 'no' | 'maybe'; firstAttempt: boolean },
): Promise<void> {
  const base = db
    .updateTable('crm_notes')
    .set({ state: 'uncertain' })
    .where('system', '=', system)
    .where('key_hash', '=', keyHash)
    .where('state', '=', 'sending');
  if (o.sent === 'no' && o.firstAttempt) {
    await db
      .deleteFrom('crm_notes')
      .where('system', '=', system)
      .where('key_hash', '=', keyHash)
      .where('state', '=', 'sending')
      .execute();
    return;
  }
  await base.execute();
}

/** A customer's notes (built-in CRM), oldest first. */
export async function listNotes(db: Db, system: CrmNoteSystem, contactRef: string) {
  return db
    .selectFrom('crm_notes')
    .select([
      'key_hash',
      'conversation_ref',
      'resolved_by',
      'body',
      'note_at',
      'state',
      'external_note_id',
      'attempts',
    ])
    .where('system', '=', system)
    .where('contact_ref', '=', contactRef)
    .orderBy('note_at')
    .orderBy('created_at')
    .execute();
}
