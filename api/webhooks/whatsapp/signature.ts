import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/**
 * Checks Meta's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`.
 * The comparison is constant-time over the decoded digests, so timing leaks nothing about how many
 * leading characters of a forged signature were right.
 */
export function verifyWebhookSignature(
  rawBody: Uint8Array,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (!header || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}
