/**
 * Per-customer data keys: generated on first use, stored wrapped by a master key, cached unwrapped
 * in memory for a short while. The cache is bounded in size and in time: after a customer's keys
 * are shredded (erasure) no process keeps decrypting their payloads for longer than `cacheTtlMs`,
 * and none encrypts new payloads with a shredded key for longer than `liveCheckMs` (a new message
 * after an erasure starts a new key).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import {
  findLivePayloadKey,
  findPayloadKey,
  insertPayloadKey,
  shredPayloadKeys,
} from '../../db/repositories/payload-keys.js';
import { KEY_BYTES, type MasterKeys } from './master-keys.js';

export class KeyDestroyedError extends Error {
  constructor(readonly keyId: string) {
    super(`key destroyed: payload key ${keyId} was shredded (the customer's data was erased)`);
    this.name = 'KeyDestroyedError';
  }
}

export interface DataKeys {
  /** The live key of `scope`, created on first use. */
  forScope(scope: string): Promise<{ id: string; key: Buffer }>;
  /** Key `id`; throws {@link KeyDestroyedError} once it was shredded. */
  byId(id: string): Promise<Buffer>;
  /** Shreds every key of `scope` (here and in this process's cache); how many were live. */
  shred(scope: string): Promise<number>;
}

export function createDataKeys(deps: {
  db: Db;
  masterKeys: MasterKeys;
  cacheTtlMs?: number;
  liveCheckMs?: number;
  cacheSize?: number;
}): DataKeys {
  const { db, masterKeys } = deps;
  const ttlMs = deps.cacheTtlMs ?? 60_000;
  const liveCheckMs = deps.liveCheckMs ?? 5_000;
  const maxEntries = deps.cacheSize ?? 20_000;
  const byId = new Map<string, { key: Buffer; scope: string; atMs: number }>();
  const liveByScope = new Map<string, { id: string; atMs: number }>();
  // Concurrent first uses of one scope share one lookup.
  const loading = new Map<string, Promise<{ id: string; key: Buffer }>>();

  const fresh = (atMs: number, forMs = ttlMs) => Date.now() - atMs < forMs;
  function remember(id: string, scope: string, key: Buffer) {
    const atMs = Date.now();
    if (byId.size >= maxEntries) byId.delete(byId.keys().next().value!);
    if (liveByScope.size >= maxEntries) liveByScope.delete(liveByScope.keys().next().value!);
    byId.set(id, { key, scope, atMs });
    liveByScope.set(scope, { id, atMs });
  }
  function unwrap(stored: { id: string; masterKeyId: string; wrappedKey: Buffer | null }): Buffer {
    if (!stored.wrappedKey) throw new KeyDestroyedError(stored.id);
    return masterKeys.unwrap(stored.wrappedKey, stored.id, stored.masterKeyId);
  }

  async function load(scope: string): Promise<{ id: string; key: Buffer }> {
    let stored = await findLivePayloadKey(db, scope);
    if (!stored) {
      const id = randomUUID();
      const { masterKeyId, wrapped } = masterKeys.wrap(randomBytes(KEY_BYTES), id);
      stored = await insertPayloadKey(db, { id, scope, masterKeyId, wrappedKey: wrapped });
    }
    const key = unwrap(stored);
    remember(stored.id, scope, key);
    return { id: stored.id, key };
  }

  return {
    async forScope(scope) {
      const live = liveByScope.get(scope);
      const cached = live && byId.get(live.id);
      if (live && cached && fresh(live.atMs, liveCheckMs)) return { id: live.id, key: cached.key };
      let pending = loading.get(scope);
      if (!pending) {
        pending = load(scope).finally(() => loading.delete(scope));
        loading.set(scope, pending);
      }
      return pending;
    },
    async byId(id) {
      const cached = byId.get(id);
      if (cached && fresh(cached.atMs)) return cached.key;
      const stored = await findPayloadKey(db, id);
      if (!stored) throw new Error(`payload key ${id} is unknown to this database`);
      const key = unwrap(stored);
      byId.set(id, { key, scope: stored.scope, atMs: Date.now() });
      return key;
    },
    async shred(scope) {
      for (const [id, entry] of byId) if (entry.scope === scope) byId.delete(id);
      liveByScope.delete(scope);
      return shredPayloadKeys(db, scope);
    },
  };
}
