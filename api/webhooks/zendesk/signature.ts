import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far Zendesk's signature timestamp may be from our clock: older deliveries are replays. */
export const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

export type SignatureCheck = 'ok' | 'missing' | 'bad_timestamp' | 'stale' | 'mismatch';

/** The 401 message for each way a signature check fails. */
export const SIGNATURE_PROBLEMS: Record<Exclude<SignatureCheck, 'ok'>, string> = {
  missing: 'Missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp',
  bad_timestamp: 'X-Zendesk-Webhook-Signature-Timestamp is not a timestamp',
  stale: 'X-Zendesk-Webhook-Signature-Timestamp is more than 5 minutes off',
  mismatch: 'Invalid X-Zendesk-Webhook-Signature',
};

/**
 * Zendesk's webhook signature: `X-Zendesk-Webhook-Signature` is
 * base64(HMAC-SHA256(signing secret, timestamp + raw body)), the timestamp being the
 * `X-Zendesk-Webhook-Signature-Timestamp` header as sent (ISO 8601, e.g. `2026-11-25T18:20:00Z`).
 * Constant-time over the decoded digests; a timestamp more than five minutes away is refused, so a
 * captured delivery cannot be replayed later.
 *
 * Zendesk's two copies of its verification guide disagree on the order: the webhooks guide signs
 * `timestamp + body`, the event-connectors guide `body + timestamp` (and its worked example only
 * verifies that way). Both are accepted; either needs the secret, and the timestamp is checked.
 */
export function verifyZendeskSignature(args: {
  rawBody: Uint8Array;
  signature: string | undefined;
  timestamp: string | undefined;
  secret: string;
  nowMs: number;
}): SignatureCheck {
  const { signature, timestamp } = args;
  if (!signature || !timestamp) return 'missing';
  const at = parseSignatureTimestamp(timestamp);
  if (at === undefined) return 'bad_timestamp';
  if (Math.abs(args.nowMs - at) > MAX_SIGNATURE_SKEW_MS) return 'stale';
  // A SHA-256 digest in base64: 43 characters and one `=`.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signature.trim())) return 'mismatch';
  const given = Buffer.from(signature.trim(), 'base64');
  const hmac = () => createHmac('sha256', args.secret);
  const timestampFirst = hmac().update(timestamp, 'utf8').update(args.rawBody).digest();
  const bodyFirst = hmac().update(args.rawBody).update(timestamp, 'utf8').digest();
  const matches = (expected: Buffer) => given.length === expected.length && timingSafeEqual(given, expected);
  // Both compared, always: the time taken does not say which order (if any) was right.
  const [a, b] = [matches(timestampFirst), matches(bodyFirst)];
  return a || b ? 'ok' : 'mismatch';
}

/** ISO 8601 as Zendesk sends it; plain digits are taken as Unix seconds (or milliseconds). */
function parseSignatureTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (/^[0-9]{1,15}$/.test(v)) {
    const n = Number(v);
    return n < 1e11 ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}
