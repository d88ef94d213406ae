import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../api/webhooks/whatsapp/signature.js';

const secret = 'app-secret';
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const good = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

describe('verifyWebhookSignature', () => {
  it('accepts the HMAC-SHA256 of the raw body, in either hex case', () => {
    expect(verifyWebhookSignature(body, good, secret)).toBe(true);
    expect(verifyWebhookSignature(body, 'sha256=' + good.slice(7).toUpperCase(), secret)).toBe(true);
  });

  it('rejects a missing, malformed, truncated or wrong signature', () => {
    expect(verifyWebhookSignature(body, undefined, secret)).toBe(false);
    expect(verifyWebhookSignature(body, '', secret)).toBe(false);
    expect(verifyWebhookSignature(body, good.replace('sha256=', 'sha1='), secret)).toBe(false);
    expect(verifyWebhookSignature(body, good.slice(0, -2), secret)).toBe(false);
    expect(verifyWebhookSignature(body, good.slice(0, -1) + 'z', secret)).toBe(false);
    expect(verifyWebhookSignature(body, good, 'other-secret')).toBe(false);
  });

  it('rejects a body changed by a single byte (e.g. re-serialised JSON)', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyWebhookSignature(reserialised, good, secret)).toBe(false);
  });
});
