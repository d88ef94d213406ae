/**
 * The Temporal payload codec: every payload leaving a process for the Temporal server (workflow and
 * activity inputs and results, signals, updates, queries, memo, failure details) is sealed with
 * AES-256-GCM under the data key of the customer it belongs to. The key is chosen from the
 * serialization context: a conversation's workflow id (its activities carry it too) names the
 * customer's key; anything else uses the `system` key. The payload's metadata names the key by id
 * only, so decoding needs no context: the codec server decodes what the Web UI shows.
 *
 * Payloads that are not encrypted (histories recorded before encryption) decode as they are.
 */
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
// A CommonJS package: its default export is what plain Node ESM (the worker process) can import.
import proto from '@temporalio/proto';
import type { DataKeys } from './data-keys.js';
import { open, seal } from './master-keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const CIPHER = 'AES-256-GCM';
/** Payloads of workflows that belong to no customer (refunds, retention, erasure receipts). */
export const SYSTEM_SCOPE = 'system';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);
// The ciphertext is bound to its key id: it cannot be moved under another key's metadata.
const aad = (keyId: string) => utf8(`parley-payload\n${keyId}`);

/** Which data key a payload is sealed under. */
export function scopeOf(context: SerializationContext | undefined): string {
  const workflowId = context?.workflowId;
  if (workflowId && (workflowId.startsWith('conv_') || workflowId.startsWith('whatsapp:'))) return workflowId;
  return SYSTEM_SCOPE;
}

export function createEncryptionCodec(keys: DataKeys): PayloadCodec {
  return {
    async encode(payloads, context) {
      if (payloads.length === 0) return payloads;
      const { id, key } = await keys.forScope(scopeOf(context));
      return payloads.map((payload) => ({
        metadata: {
          encoding: utf8(ENCRYPTED_ENCODING),
          'encryption-cipher': utf8(CIPHER),
          'encryption-key-id': utf8(id),
        },
        data: seal(key, ProtoPayload.encode(payload).finish(), aad(id)),
      }));
    },
    async decode(payloads) {
      return Promise.all(payloads.map(decodeOne));
    },
  };

  async function decodeOne(payload: Payload): Promise<Payload> {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.['encryption-key-id']);
    if (!keyId || !payload.data) throw new Error('encrypted payload without a key id or data');
    const key = await keys.byId(keyId);
    return ProtoPayload.decode(open(key, payload.data, aad(keyId))) as Payload;
  }
}
