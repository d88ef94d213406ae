/**
 * The real Graph client against the real sandbox, over HTTP: request shapes, error mapping into
 * Temporal ApplicationFailures, and the media download rules (limits, checksum, expired URL).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  classifyGraphError,
  createGraphClient,
  WhatsAppErrorTypes,
  type GraphClient,
  type GraphErrorDetails,
} from '../../activities/whatsapp/graph-client.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';

const TOKEN = 'test-token-5f2c9a';
const VERSION = 'v23.0';
const PHONE_ID = '106540352242922';
const CUSTOMER = '15551234567';

let sandbox: WhatsAppSandbox;
let graph: GraphClient;

beforeAll(async () => {
  sandbox = await startWhatsAppSandbox({ accessToken: TOKEN, apiVersion: VERSION });
  graph = createGraphClient({
    graphUrl: sandbox.url,
    apiVersion: VERSION,
    accessToken: TOKEN,
    timeoutMs: 5_000,
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.clear());

/** Runs `fn`, expects an ApplicationFailure, returns it with its first detail. */
async function failureOf(
  fn: () => Promise<unknown>,
): Promise<{ failure: ApplicationFailure; detail: GraphErrorDetails }> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    return { failure, detail: (failure.details?.[0] ?? {}) as GraphErrorDetails };
  }
  throw new Error('expected an ApplicationFailure, got success');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('sending', () => {
  it('sends a text message and the sandbox records it', async () => {
    const { messageId, waId } = await graph.sendText(PHONE_ID, `+${CUSTOMER}`, 'Hello there', {
      replyToMessageId: 'wamid.inbound1',
      idempotencyKey: 'turn-1',
    });
    expect(messageId).toMatch(/^wamid\./);
    expect(waId).toBe(CUSTOMER);
    const recorded = await sandbox.waitForSent((m) => m.messageId === messageId, 1_000);
    expect(recorded).toMatchObject({
      phoneNumberId: PHONE_ID,
      waId: CUSTOMER,
      type: 'text',
      text: { body: 'Hello there', previewUrl: false },
      contextMessageId: 'wamid.inbound1',
      idempotencyKey: 'turn-1',
    });
    expect(recorded.payload).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual' });

    const res = await fetch(`${sandbox.url}/sandbox/messages?to=${CUSTOMER}&after=0`);
    const { messages } = (await res.json()) as { messages: { seq: number; messageId: string }[] };
    expect(messages.map((m) => m.messageId)).toEqual([messageId]);
    const later = await fetch(`${sandbox.url}/sandbox/messages?to=${CUSTOMER}&after=${messages[0]?.seq}`);
    expect(((await later.json()) as { messages: unknown[] }).messages).toEqual([]);
  });

  it('sends interactive buttons and templates in Meta shape', async () => {
    await graph.sendInteractiveButtons(PHONE_ID, CUSTOMER, 'Did that help?', [
      { id: 'yes', title: 'Yes 👍' },
      { id: 'no', title: 'No, talk to a human' },
    ]);
    await graph.sendTemplate(PHONE_ID, CUSTOMER, 'order_update', 'en_US', [
      { type: 'body', parameters: [{ type: 'text', text: 'A-123' }] },
    ]);
    const [buttons, template] = sandbox.sent;
    expect(buttons?.interactive).toEqual({
      type: 'button',
      body: { text: 'Did that help?' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'yes', title: 'Yes 👍' } },
          { type: 'reply', reply: { id: 'no', title: 'No, talk to a human' } },
        ],
      },
    });
    expect(template?.template).toEqual({
      name: 'order_update',
      languageCode: 'en_US',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-123' }] }],
    });
  });

  it('rejects more than 3 buttons or a title over 20 characters without calling Meta', async () => {
    const four = ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id }));
    const tooMany = await failureOf(() => graph.sendInteractiveButtons(PHONE_ID, CUSTOMER, 'Pick', four));
    expect(tooMany.failure.type).toBe(WhatsAppErrorTypes.InvalidRequest);
    expect(tooMany.failure.nonRetryable).toBe(true);

    const long = await failureOf(() =>
      graph.sendInteractiveButtons(PHONE_ID, CUSTOMER, 'Pick', [
        { id: 'x', title: 'This title is far too long' },
      ]),
    );
    expect(long.failure.type).toBe(WhatsAppErrorTypes.InvalidRequest);
    expect(long.failure.nonRetryable).toBe(true);
    expect(sandbox.sent).toHaveLength(0);
  });

  it('marks a message read with a typing indicator', async () => {
    await graph.markRead(PHONE_ID, 'wamid.inbound2', { typingIndicator: true });
    await graph.markRead(PHONE_ID, 'wamid.inbound3');
    expect(sandbox.reads).toMatchObject([
      { phoneNumberId: PHONE_ID, messageId: 'wamid.inbound2', typingIndicator: true },
      { phoneNumberId: PHONE_ID, messageId: 'wamid.inbound3', typingIndicator: false },
    ]);
    expect(sandbox.sent).toHaveLength(0);
  });
});

describe('error mapping over HTTP', () => {
  it('wrong token → non-retryable auth failure with code 190, token not leaked', async () => {
    const bad = createGraphClient({
      graphUrl: sandbox.url,
      apiVersion: VERSION,
      accessToken: 'wrong-secret-xyz',
    });
    const { failure, detail } = await failureOf(() => bad.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.AuthError);
    expect(failure.nonRetryable).toBe(true);
    expect(detail).toMatchObject({ code: 190, httpStatus: 401 });
    expect(detail.fbtraceId).toBeTruthy();
    expect(JSON.stringify({ m: failure.message, d: failure.details })).not.toContain('wrong-secret-xyz');
  });

  it('130429 throughput limit → retryable, Meta code and message kept', async () => {
    sandbox.failNext(1, {
      httpStatus: 400,
      code: 130429,
      message: 'Rate limit hit',
      details: 'Cloud API message throughput has been reached.',
    });
    const { failure, detail } = await failureOf(() => graph.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(detail).toMatchObject({
      code: 130429,
      httpStatus: 400,
      title: 'Rate limit hit',
      message: '(#130429) Rate limit hit',
      details: 'Cloud API message throughput has been reached.',
    });
    // The fault was used up: the next send goes through.
    await graph.sendText(PHONE_ID, CUSTOMER, 'hi again');
    expect(sandbox.sent).toHaveLength(1);
  });

  it('131047 outside the 24h window → non-retryable WhatsAppOutsideWindow', async () => {
    sandbox.failNext(1, { httpStatus: 400, code: 131047, message: 'Re-engagement message' });
    const { failure, detail } = await failureOf(() => graph.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.OutsideWindow);
    expect(failure.nonRetryable).toBe(true);
    expect(detail.code).toBe(131047);
  });

  it('5xx with a non-Graph body → retryable transient', async () => {
    sandbox.failNext(1, { httpStatus: 502, message: '<html>Bad Gateway</html>' });
    const { failure, detail } = await failureOf(() => graph.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.Transient);
    expect(failure.nonRetryable).toBe(false);
    expect(detail.httpStatus).toBe(502);
    expect(detail.code).toBeUndefined();
  });

  it('faults target sends by default, not read receipts', async () => {
    sandbox.failNext(1, { httpStatus: 500, code: 131000, message: 'Something went wrong' });
    await graph.markRead(PHONE_ID, 'wamid.x', { typingIndicator: true });
    const { failure } = await failureOf(() => graph.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.nonRetryable).toBe(false);
  });

  it('connection refused → retryable transient', async () => {
    const other = await startWhatsAppSandbox();
    const deadUrl = other.url;
    await other.close();
    const dead = createGraphClient({ graphUrl: deadUrl, apiVersion: VERSION, accessToken: TOKEN });
    const { failure } = await failureOf(() => dead.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.Transient);
    expect(failure.nonRetryable).toBe(false);
  });

  it('timeout → retryable transient', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const slow = createGraphClient({
      graphUrl: sandbox.url,
      apiVersion: VERSION,
      accessToken: TOKEN,
      timeoutMs: 50,
      fetch: hanging,
    });
    const { failure } = await failureOf(() => slow.sendText(PHONE_ID, CUSTOMER, 'hi'));
    expect(failure.type).toBe(WhatsAppErrorTypes.Transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('timed out');
  });
});

describe('media download', () => {
  const image = randomBytes(64 * 1024);

  it('downloads and verifies the sha256 from the webhook and the media info', async () => {
    const mediaId = sandbox.addMedia(image, 'image/jpeg');
    const info = await graph.getMediaInfo(mediaId);
    expect(info).toMatchObject({ mimeType: 'image/jpeg', sha256: sha256(image), fileSize: image.length });

    const got = await graph.downloadMedia(mediaId, { mediaType: 'image', expectedSha256: sha256(image) });
    expect(got.bytes.equals(image)).toBe(true);
    expect(got).toMatchObject({ mimeType: 'image/jpeg', sha256: sha256(image), fileSize: image.length });
  });

  it('accepts a base64 webhook sha256 too', async () => {
    const mediaId = sandbox.addMedia(image, 'image/jpeg');
    const b64 = createHash('sha256').update(image).digest('base64');
    const got = await graph.downloadMedia(mediaId, { mediaType: 'image', expectedSha256: b64 });
    expect(got.fileSize).toBe(image.length);
  });

  it('sha256 mismatch (webhook or media info) → non-retryable', async () => {
    const mediaId = sandbox.addMedia(image, 'image/jpeg');
    const webhook = await failureOf(() =>
      graph.downloadMedia(mediaId, { mediaType: 'image', expectedSha256: 'ab'.repeat(32) }),
    );
    expect(webhook.failure.type).toBe(WhatsAppErrorTypes.MediaChecksumMismatch);
    expect(webhook.failure.nonRetryable).toBe(true);

    const lying = sandbox.addMedia(image, 'image/jpeg', { sha256Override: 'cd'.repeat(32) });
    const info = await failureOf(() => graph.downloadMedia(lying, { mediaType: 'image' }));
    expect(info.failure.type).toBe(WhatsAppErrorTypes.MediaChecksumMismatch);
    expect(info.failure.nonRetryable).toBe(true);
  });

  it('a sticker over 500 KB is refused from file_size alone, before any download', async () => {
    const mediaId = sandbox.addMedia(randomBytes(600 * 1024), 'image/webp');
    const { failure } = await failureOf(() => graph.downloadMedia(mediaId, { mediaType: 'sticker' }));
    expect(failure.type).toBe(WhatsAppErrorTypes.MediaTooLarge);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('announced as');
    expect(sandbox.downloads).toHaveLength(0);
  });

  it('a file that lies about its size is cut off while streaming past the cap', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    const mediaId = sandbox.addMedia(big, 'application/pdf', { fileSizeOverride: 1000 });
    // The sandbox's content-length is honest, so strip it to exercise the streaming counter.
    const noLength: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      return new Response(res.body, { status: res.status, headers });
    };
    const client = createGraphClient({
      graphUrl: sandbox.url,
      apiVersion: VERSION,
      accessToken: TOKEN,
      fetch: noLength,
    });
    const { failure } = await failureOf(() =>
      client.downloadMedia(mediaId, { mediaType: 'document', maxBytes: 64 * 1024 }),
    );
    expect(failure.type).toBe(WhatsAppErrorTypes.MediaTooLarge);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('streaming past');
    expect(sandbox.downloads).toHaveLength(1);
  });

  it('an expired URL is refreshed once and the download retried', async () => {
    const mediaId = sandbox.addMedia(image, 'image/jpeg', { expireFirstDownload: true });
    const got = await graph.downloadMedia(mediaId, { mediaType: 'image', expectedSha256: sha256(image) });
    expect(got.bytes.equals(image)).toBe(true);
    expect(sandbox.downloads.map((d) => d.httpStatus)).toEqual([404, 200]);
  });

  it('an unknown media id → non-retryable Graph error', async () => {
    const { failure, detail } = await failureOf(() => graph.downloadMedia('999', { mediaType: 'image' }));
    expect(failure.nonRetryable).toBe(true);
    expect(detail.code).toBe(100);
  });
});

describe('classifyGraphError', () => {
  const body = (code: number, extra: Record<string, unknown> = {}) => ({
    error: {
      message: `(#${code}) Title ${code}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: `details ${code}` },
      fbtrace_id: 'Az8or2yhqkZfEZ',
      ...extra,
    },
  });
  const cases: Array<[number, number, string, boolean]> = [
    [400, 130429, WhatsAppErrorTypes.RateLimited, true],
    [400, 131056, WhatsAppErrorTypes.RateLimited, true],
    [429, 4, WhatsAppErrorTypes.RateLimited, true],
    [400, 80007, WhatsAppErrorTypes.RateLimited, true],
    [500, 131000, WhatsAppErrorTypes.Transient, true],
    [400, 1, WhatsAppErrorTypes.Transient, true],
    [503, 2, WhatsAppErrorTypes.Transient, true],
    [400, 131047, WhatsAppErrorTypes.OutsideWindow, false],
    [400, 131026, WhatsAppErrorTypes.Undeliverable, false],
    [400, 131048, WhatsAppErrorTypes.SpamRateLimited, false],
    [400, 368, WhatsAppErrorTypes.PolicyBlocked, false],
    [401, 190, WhatsAppErrorTypes.AuthError, false],
    [403, 200, WhatsAppErrorTypes.AuthError, false],
    [400, 100, WhatsAppErrorTypes.Permanent, false],
    [400, 132001, WhatsAppErrorTypes.Permanent, false],
    // Unknown code: HTTP status decides.
    [500, 999999, WhatsAppErrorTypes.Transient, true],
  ];
  it.each(cases)('HTTP %i code %i → %s (retryable: %s)', (status, code, type, retryable) => {
    const failure = classifyGraphError(status, body(code));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(!retryable);
    expect(failure.details?.[0]).toMatchObject({
      code,
      httpStatus: status,
      title: `Title ${code}`,
      details: `details ${code}`,
      fbtraceId: 'Az8or2yhqkZfEZ',
    });
  });

  it('keeps the subcode and suggests a delay for the pair rate limit', () => {
    const failure = classifyGraphError(400, body(131056, { error_subcode: 2494055 }));
    expect(failure.details?.[0]).toMatchObject({ subcode: 2494055 });
    expect(failure.nextRetryDelay).toBe('6s');
  });

  it('falls back to HTTP status without a Graph body', () => {
    expect(classifyGraphError(502, 'Bad Gateway')).toMatchObject({
      type: WhatsAppErrorTypes.Transient,
      nonRetryable: false,
    });
    expect(classifyGraphError(429, undefined)).toMatchObject({
      type: WhatsAppErrorTypes.RateLimited,
      nonRetryable: false,
    });
    expect(classifyGraphError(401, {})).toMatchObject({
      type: WhatsAppErrorTypes.AuthError,
      nonRetryable: true,
    });
    expect(classifyGraphError(404, null)).toMatchObject({
      type: WhatsAppErrorTypes.Permanent,
      nonRetryable: true,
    });
    expect(classifyGraphError(408, '')).toMatchObject({
      type: WhatsAppErrorTypes.Transient,
      nonRetryable: false,
    });
  });
});
