/**
 * The tamper-evident audit log (see the audit_log migration). Appends are serialised by a
 * transaction-scoped advisory lock, so the chain has one order; verification recomputes it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { canonicalJson } from '../../core/canonical-json.js';
import type { Db } from '../database.js';

export interface AuditEntry {
  kind: string;
  /** `parley`, `operator:<identity>`, `system:<job>`. */
  actor: string;
  /** A conversation reference, a refund id…; never a phone number or a name. */
  subject?: string | null;
  details?: Record<string, unknown>;
}

export interface StoredAuditEntry {
  seq: number;
  at: string;
  kind: string;
  actor: string;
  subject: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);
/** Any constant: one lock for all appends. */
const AUDIT_APPEND_LOCK = 0x5a_0d_17;

export function auditHash(prevHash: string, e: Omit<StoredAuditEntry, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    kind: e.kind,
    actor: e.actor,
    subject: e.subject,
    details: e.details,
  });
  return createHash('sha256').update(`${prevHash}\n${body}`, 'utf8').digest('hex');
}

/**
 * How an audit entry names a conversation: its keyed id, which holds no number (ids from before
 * keyed ids held one, and are hashed).
 */
export function conversationSubject(conversationId: string): string {
  return conversationId.startsWith('whatsapp:')
    ? `legacy:${createHash('sha256').update(conversationId).digest('hex').slice(0, 20)}`
    : conversationId;
}

/**
 * Appends entries in order, chained to the last one; returns their sequence numbers. Inside a
 * transaction it joins it: the entry lands with the change it records, or not at all.
 */
export async function appendAudit(db: Db, entries: AuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const append = async (trx: Db) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`.execute(trx);
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const rows = entries.map((entry) => {
      seq += 1;
      // Stored as it is hashed: JSON round-trips it unchanged (jsonb keeps values, not key order,
      // and the hash is over canonical JSON).
      const details = JSON.parse(JSON.stringify(entry.details ?? {})) as unknown;
      const e = {
        seq,
        at: new Date().toISOString(),
        kind: entry.kind,
        actor: entry.actor,
        subject: entry.subject ?? null,
        details,
      };
      const hash = auditHash(prevHash, e);
      const row = { ...e, at: new Date(e.at), details: JSON.stringify(details), prev_hash: prevHash, hash };
      prevHash = hash;
      return row;
    });
    await trx.insertInto('audit_log').values(rows).execute();
    return rows.map((r) => r.seq);
  };
  return db.isTransaction ? append(db) : db.transaction().execute(append);
}

/** Entries in order, `batch` at a time, from `afterSeq` (exclusive), optionally within a time range. */
export async function readAuditBatch(
  db: Db,
  o: { afterSeq: number; limit: number; from?: Date; to?: Date },
): Promise<StoredAuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().where('seq', '>', String(o.afterSeq));
  if (o.from) q = q.where('at', '>=', o.from);
  if (o.to) q = q.where('at', '<', o.to);
  const rows = await q.orderBy('seq').limit(o.limit).execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at.toISOString(),
    kind: r.kind,
    actor: r.actor,
    subject: r.subject,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export type AuditVerification =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBrokenSeq: number; problem: string };

/**
 * Recomputes the whole chain: the first entry whose hash does not match its content, whose
 * `prev_hash` is not its predecessor's hash, or that follows a gap (a removed entry) is reported.
 */
export async function verifyAuditChain(db: Db, batch = 10_000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const rows = await readAuditBatch(db, { afterSeq: expectedSeq - 1, limit: batch });
    if (rows.length === 0) return { ok: true, entries, lastHash: prevHash };
    for (const row of rows) {
      const broken = (problem: string) => ({ ok: false as const, entries, firstBrokenSeq: row.seq, problem });
      if (row.seq !== expectedSeq)
        return { ...broken(`entry ${expectedSeq} is missing`), firstBrokenSeq: expectedSeq };
      if (row.prevHash !== prevHash) return broken("prev_hash is not the previous entry's hash");
      if (auditHash(prevHash, row) !== row.hash) return broken('content does not match its hash');
      prevHash = row.hash;
      expectedSeq += 1;
      entries += 1;
    }
  }
}
