/**
 * Master keys wrap the per-customer data keys (envelope encryption). They come from config, each
 * with an id that is stored beside every key it wrapped, so a new master key can take over (it
 * wraps every new data key) while older ones still unwrap what they wrapped: rotation never
 * re-encrypts a Temporal history. `parley keys rewrap` moves old data keys to the active master so
 * a retired master key can then be dropped from config.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface MasterKeys {
  /** The id of the key that wraps new data keys. */
  activeId: string;
  wrap(dataKey: Buffer, dataKeyId: string): { masterKeyId: string; wrapped: Buffer };
  /** Throws when `masterKeyId` is not configured (a retired key dropped too early). */
  unwrap(wrapped: Buffer, dataKeyId: string, masterKeyId: string): Buffer;
}

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** `[{ id, key }]`, the first one active; keys are 32 bytes. */
export function createMasterKeys(keys: { id: string; key: Buffer }[]): MasterKeys {
  if (keys.length === 0) throw new Error('at least one master key is required');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  for (const { id, key } of keys)
    if (key.length !== KEY_BYTES) throw new Error(`master key ${id}: expected ${KEY_BYTES} bytes`);
  const activeId = keys[0]!.id;
  // The wrapped key is bound to its own id and its master's: it cannot be swapped onto another row.
  const aad = (dataKeyId: string, masterKeyId: string) =>
    Buffer.from(`parley-data-key\n${dataKeyId}\n${masterKeyId}`);
  return {
    activeId,
    wrap(dataKey, dataKeyId) {
      return { masterKeyId: activeId, wrapped: seal(byId.get(activeId)!, dataKey, aad(dataKeyId, activeId)) };
    },
    unwrap(wrapped, dataKeyId, masterKeyId) {
      const key = byId.get(masterKeyId);
      if (!key) throw new Error(`master key ${masterKeyId} is not configured (PAYLOAD_MASTER_KEYS)`);
      return open(key, wrapped, aad(dataKeyId, masterKeyId));
    },
  };
}

/** AES-256-GCM: nonce ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens what `seal` made; throws when the key, the AAD or any byte is wrong. */
export function open(key: Buffer, sealed: Uint8Array, aad: Buffer): Buffer {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < NONCE_BYTES + TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/**
 * Parses `PAYLOAD_MASTER_KEYS`: `id:base64key` pairs separated by commas, the first active.
 * Ids are short names (`2026-12`, `k2`); keys are 32 random bytes (`openssl rand -base64 32`).
 */
export function parseMasterKeys(value: string): { id: string; key: Buffer }[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const sep = part.indexOf(':');
      const id = part.slice(0, sep);
      if (sep <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error('expected id:base64key pairs');
      const key = Buffer.from(part.slice(sep + 1), 'base64');
      if (key.length !== KEY_BYTES) throw new Error(`key ${id}: expected ${KEY_BYTES} bytes of base64`);
      return { id, key };
    });
}
