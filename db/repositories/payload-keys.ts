/** Wrapped data keys of Temporal payload encryption (see the payload_keys migration). */
import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface StoredPayloadKey {
  id: string;
  scope: string;
  masterKeyId: string;
  /** Null: shredded. */
  wrappedKey: Buffer | null;
}

const columns = ['id', 'scope', 'master_key_id', 'wrapped_key'] as const;
const toKey = (r: { id: string; scope: string; master_key_id: string; wrapped_key: Buffer | null }) => ({
  id: r.id,
  scope: r.scope,
  masterKeyId: r.master_key_id,
  wrappedKey: r.wrapped_key,
});

export async function findLivePayloadKey(db: Db, scope: string): Promise<StoredPayloadKey | undefined> {
  const row = await db
    .selectFrom('payload_keys')
    .select(columns)
    .where('scope', '=', scope)
    .where('destroyed_at', 'is', null)
    .executeTakeFirst();
  return row && toKey(row);
}

export async function findPayloadKey(db: Db, id: string): Promise<StoredPayloadKey | undefined> {
  const row = await db.selectFrom('payload_keys').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toKey(row);
}

/**
 * Stores a new live key for `scope` unless one exists (a concurrent first use won): the live key
 * either way.
 */
export async function insertPayloadKey(
  db: Db,
  key: { id: string; scope: string; masterKeyId: string; wrappedKey: Buffer },
): Promise<StoredPayloadKey> {
  await sql`insert into payload_keys (id, scope, master_key_id, wrapped_key)
    values (${key.id}, ${key.scope}, ${key.masterKeyId}, ${key.wrappedKey})
    on conflict (scope) where destroyed_at is null do nothing`.execute(db);
  const live = await findLivePayloadKey(db, key.scope);
  if (!live) throw new Error('payload key vanished right after it was stored');
  return live;
}

/** Shreds every key of `scope`; how many were live. */
export async function shredPayloadKeys(db: Db, scope: string): Promise<number> {
  const result = await db
    .updateTable('payload_keys')
    .set({ wrapped_key: null, destroyed_at: new Date() })
    .where('scope', '=', scope)
    .where('destroyed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Keys wrapped by another master than `activeId`, a batch at a time (for rewrapping). */
export async function payloadKeysWrappedByOtherMasters(db: Db, activeId: string, limit: number) {
  const rows = await db
    .selectFrom('payload_keys')
    .select(columns)
    .where('master_key_id', '!=', activeId)
    .where('destroyed_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toKey);
}

export async function rewrapPayloadKey(db: Db, id: string, masterKeyId: string, wrappedKey: Buffer) {
  await db
    .updateTable('payload_keys')
    .set({ master_key_id: masterKeyId, wrapped_key: wrappedKey })
    .where('id', '=', id)
    .where('destroyed_at', 'is', null)
    .execute();
}
