/**
 * A workflow's whole history as text, the way `temporal workflow show` would print it: every
 * payload's data as a string, either as stored (no codec) or decoded through `codec`.
 */
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isPayload = (v: unknown): v is Payload =>
  typeof v === 'object' &&
  v !== null &&
  'metadata' in v &&
  typeof (v as Payload).metadata === 'object' &&
  (!('data' in v) || (v as Payload).data == null || isBytes((v as Payload).data));

function collectPayloads(value: unknown, out: Payload[], seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || isBytes(value) || seen.has(value)) return;
  seen.add(value);
  if (isPayload(value) && isBytes(value.data)) {
    out.push(value);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectPayloads(v, out, seen);
}

export async function historyText(client: Client, workflowId: string, codec?: PayloadCodec): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payloads: Payload[] = [];
  collectPayloads(history, payloads);
  const shown = codec ? await codec.decode(payloads) : payloads;
  // Everything else in the history (failure messages, ids, search attributes) is text already.
  const rest = JSON.stringify(history, (_k, v) => (isBytes(v) ? undefined : v));
  return [rest, ...shown.map((p) => Buffer.from(p.data ?? []).toString('utf8'))].join('\n');
}
