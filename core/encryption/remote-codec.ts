/**
 * A payload codec that asks Parley's codec server (`/codec`, the operator token): for the CLI,
 * which holds no database or master key and still reads and writes encrypted payloads.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';

type JsonPayload = { metadata?: Record<string, string>; data?: string };

export function createRemoteCodec(api: { url: string; token: string }): PayloadCodec {
  async function call(direction: 'encode' | 'decode', payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const res = await fetch(`${api.url}/codec/${direction}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: payloads.map(toJson) }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      payloads?: JsonPayload[];
      error?: { message?: string };
    };
    if (!res.ok || !body.payloads)
      throw new Error(
        `codec server at ${api.url} answered ${res.status}: ${body.error?.message ?? 'no payloads'}`,
      );
    return body.payloads.map(fromJson);
  }
  return { encode: (p) => call('encode', p), decode: (p) => call('decode', p) };
}

export function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {}))
    if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: p.data ? Buffer.from(p.data).toString('base64') : '' };
}

export function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}
