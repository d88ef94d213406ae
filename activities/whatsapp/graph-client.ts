/**
 * A small client for the parts of Meta's WhatsApp Cloud API (Graph API) that Parley uses: sending
 * messages, read receipts with a typing indicator, downloading inbound media, and uploading media
 * for outbound document messages.
 *
 * Every failure is thrown as a Temporal `ApplicationFailure` whose `type` and `nonRetryable` encode
 * what the activity retry policy should do, and whose `details[0]` keeps Meta's code, message and
 * trace id, so callers can run this inside activities and let Temporal do the retrying.
 *
 * Never logs message bodies or the access token; phone numbers are masked.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { MediaType } from '../../workflows/definitions.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { maskPhone } from '../../domain/privacy.js';
import { describeCause, isRecord, parseJson } from '../../core/http.js';

/** The `type` of every ApplicationFailure this client throws (use them in `nonRetryableErrorTypes` or `catch`). */
export const WhatsAppErrorTypes = {
  /** Throughput / pair / app rate limits (130429, 131056, 4, 80007, HTTP 429). Retryable. */
  RateLimited: 'WhatsAppRateLimited',
  /** Meta-side hiccups (1, 2, 131000, HTTP 5xx), network errors and timeouts. Retryable. */
  Transient: 'WhatsAppTransientError',
  /** 131047: more than 24h since the customer last wrote; only a template can reopen the chat. */
  OutsideWindow: 'WhatsAppOutsideWindow',
  /** 131026: the recipient can't receive it (not on WhatsApp, old client, ToS not accepted). */
  Undeliverable: 'WhatsAppUndeliverable',
  /** 131048: quality-based spam rate limit; retrying makes it worse. */
  SpamRateLimited: 'WhatsAppSpamRateLimited',
  /** 368 / 131031: the business account is blocked or locked for policy reasons. */
  PolicyBlocked: 'WhatsAppPolicyBlocked',
  /** 190 / 0 / 10 / 200-299, HTTP 401/403: bad or expired token, missing permission. */
  AuthError: 'WhatsAppAuthError',
  /** Any other 4xx from Meta, or a 2xx we can't make sense of. */
  Permanent: 'WhatsAppPermanentError',
  /** Rejected before calling Meta (too many buttons, title too long, empty body…). */
  InvalidRequest: 'WhatsAppInvalidRequest',
  /** Media over WhatsApp's per-type limit or the caller's cap. */
  MediaTooLarge: 'MediaTooLarge',
  /** Downloaded bytes don't hash to the sha256 Meta announced. */
  MediaChecksumMismatch: 'MediaChecksumMismatch',
  /** The media URL itself failed (after one refresh); retryable only for 5xx / 408 / 429. */
  MediaDownloadFailed: 'MediaDownloadFailed',
} as const;

/** Union of the failure type names in {@link WhatsAppErrorTypes}. */
export type WhatsAppErrorType = (typeof WhatsAppErrorTypes)[keyof typeof WhatsAppErrorTypes];

/**
 * `details[0]` of every failure. A superset of `WhatsAppError` (code/title/message/details) from
 * workflows/definitions, with `code` absent when the failure didn't come from a Graph error body.
 */
export interface GraphErrorDetails {
  httpStatus?: number;
  code?: number;
  subcode?: number;
  /** Meta's message without the "(#code) " prefix. */
  title?: string;
  /** Meta's `error.message` as sent (or our own description for local failures). */
  message?: string;
  /** Meta's `error.error_data.details`: the most specific explanation. */
  details?: string;
  fbtraceId?: string;
}

/** WhatsApp's documented size limits per media type (bytes). Stickers: the animated limit. */
export const MEDIA_SIZE_LIMITS: Readonly<Record<MediaType, number>> = {
  audio: 16 * 1024 * 1024,
  image: 5 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
  sticker: 500 * 1024,
};

/** One quick-reply button of an interactive `button` message. */
export interface ReplyButton {
  id: string;
  title: string;
}

/** A template component as Meta expects it (`header` / `body` / `button` with parameters). */
export interface TemplateComponent {
  type: string;
  sub_type?: string;
  index?: string | number;
  parameters?: Array<{ type: string } & Record<string, unknown>>;
}

/** What {@link getMediaInfo} returns: Meta's media object, camelCased. `url` expires after 5 minutes. */
export interface MediaInfo {
  url: string;
  mimeType: string;
  /** Hex sha256 as Meta announced it (may be empty if Meta omitted it). */
  sha256: string;
  /** Bytes; NaN when Meta didn't say. */
  fileSize: number;
}

/** A downloaded, size-checked and checksum-verified media file. */
export interface DownloadedMedia {
  bytes: Buffer;
  mimeType: string;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  fileSize: number;
}

/** A file to upload with {@link GraphClient.uploadMedia}. */
export interface MediaUpload {
  bytes: Uint8Array;
  /** One of the MIME types WhatsApp accepts, e.g. `application/pdf`. */
  mimeType: string;
  filename: string;
}

/** A document message's content: an uploaded media id, the file name shown, an optional caption. */
export interface DocumentMessage {
  mediaId: string;
  /** Shown to the customer; its extension picks the icon. */
  filename: string;
  /** At most 1024 characters. */
  caption?: string;
}

/** Options for {@link createGraphClient}. */
export interface GraphClientOptions {
  /** e.g. `https://graph.facebook.com`, or the sandbox URL. */
  graphUrl: string;
  /** e.g. `v23.0`. */
  apiVersion: string;
  accessToken: string;
  /** Per-request timeout for JSON calls. Default 15 s. */
  timeoutMs?: number;
  /** Timeout for one media download or upload (headers + body). Default 120 s. */
  mediaTimeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

/** The client returned by {@link createGraphClient}. */
export interface GraphClient {
  sendText(
    phoneNumberId: string,
    to: string,
    body: string,
    opts?: { previewUrl?: boolean; replyToMessageId?: string; idempotencyKey?: string },
  ): Promise<SendResult>;
  sendInteractiveButtons(
    phoneNumberId: string,
    to: string,
    body: string,
    buttons: ReplyButton[],
    opts?: { replyToMessageId?: string; idempotencyKey?: string },
  ): Promise<SendResult>;
  sendTemplate(
    phoneNumberId: string,
    to: string,
    name: string,
    languageCode: string,
    components?: TemplateComponent[],
    opts?: { idempotencyKey?: string },
  ): Promise<SendResult>;
  /**
   * Uploads a file for the business number `phoneNumberId` (POST /{phone-number-id}/media,
   * multipart) and returns its media id, usable in messages from that number for 30 days.
   * Refused before calling Meta when over WhatsApp's limit for its type (documents: 100 MB) or `maxBytes`.
   */
  uploadMedia(
    phoneNumberId: string,
    file: MediaUpload,
    opts?: { maxBytes?: number },
  ): Promise<{ mediaId: string }>;
  /** Sends an uploaded file as a document message. */
  sendDocument(
    phoneNumberId: string,
    to: string,
    document: DocumentMessage,
    opts?: { replyToMessageId?: string; idempotencyKey?: string },
  ): Promise<SendResult>;
  markRead(phoneNumberId: string, messageId: string, opts?: { typingIndicator?: boolean }): Promise<void>;
  getMediaInfo(mediaId: string): Promise<MediaInfo>;
  downloadMedia(
    mediaId: string,
    opts: { mediaType: MediaType; expectedSha256?: string; maxBytes?: number },
  ): Promise<DownloadedMedia>;
}

/** Result of a send: the wamid Meta assigned, and the normalised WhatsApp id when Meta returned one. */
export interface SendResult {
  messageId: string;
  waId?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MEDIA_TIMEOUT_MS = 120_000;
// Meta's media CDN answers a browser-upgrade HTML page to requests without a User-Agent.
const USER_AGENT = 'parley-whatsapp/0.1';
const TEXT_MAX = 4096;
const BUTTON_BODY_MAX = 1024;
const BUTTON_TITLE_MAX = 20;
const BUTTON_ID_MAX = 256;
const CAPTION_MAX = 1024;
// Meta documents no limit; common file systems stop at 255 bytes, and we build the names ourselves.
const FILENAME_MAX = 240;

const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056]);
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016]);
const AUTH_CODES = new Set([0, 10, 190]);
const POLICY_CODES = new Set([368, 131031]);
// Meta asks for at most one message every ~6 s to the same user; retrying sooner just fails again.
const PAIR_RATE_LIMIT_DELAY = '6s';

/**
 * Maps a Graph API error response to an ApplicationFailure. Pure: classification goes by Meta's
 * `error.code` first (what Meta recommends building on), then by HTTP status.
 */
export function classifyGraphError(httpStatus: number, body: unknown): ApplicationFailure {
  const details = parseGraphError(httpStatus, body);
  const code = details.code;
  let type: WhatsAppErrorType;
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) type = WhatsAppErrorTypes.RateLimited;
  else if (code !== undefined && TRANSIENT_CODES.has(code)) type = WhatsAppErrorTypes.Transient;
  else if (code === 131047) type = WhatsAppErrorTypes.OutsideWindow;
  else if (code === 131026) type = WhatsAppErrorTypes.Undeliverable;
  else if (code === 131048) type = WhatsAppErrorTypes.SpamRateLimited;
  else if (code !== undefined && POLICY_CODES.has(code)) type = WhatsAppErrorTypes.PolicyBlocked;
  else if (code !== undefined && (AUTH_CODES.has(code) || (code >= 200 && code <= 299)))
    type = WhatsAppErrorTypes.AuthError;
  else if (httpStatus === 429) type = WhatsAppErrorTypes.RateLimited;
  else if (httpStatus >= 500 || httpStatus === 408) type = WhatsAppErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = WhatsAppErrorTypes.AuthError;
  else type = WhatsAppErrorTypes.Permanent;

  const retryable = type === WhatsAppErrorTypes.RateLimited || type === WhatsAppErrorTypes.Transient;
  const what = [details.title ?? details.message ?? 'no error body', details.details]
    .filter(Boolean)
    .join(': ');
  return ApplicationFailure.create({
    message: `WhatsApp API error${code !== undefined ? ` ${code}` : ''} (HTTP ${httpStatus}): ${what}`,
    type,
    nonRetryable: !retryable,
    details: [details],
    ...(code === 131056 ? { nextRetryDelay: PAIR_RATE_LIMIT_DELAY } : {}),
  });
}

function parseGraphError(httpStatus: number, body: unknown): GraphErrorDetails {
  const out: GraphErrorDetails = { httpStatus };
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (!error) {
    // Not a Graph body (proxy page, empty 502…): keep a short excerpt for diagnosis.
    if (typeof body === 'string' && body.trim()) out.message = body.trim().slice(0, 200);
    return out;
  }
  if (typeof error.code === 'number') out.code = error.code;
  if (typeof error.error_subcode === 'number') out.subcode = error.error_subcode;
  if (typeof error.message === 'string') {
    out.message = error.message;
    out.title = error.message.replace(/^\(#\d+\)\s*/, '');
  }
  if (isRecord(error.error_data) && typeof error.error_data.details === 'string') {
    out.details = error.error_data.details;
  }
  if (typeof error.fbtrace_id === 'string') out.fbtraceId = error.fbtrace_id;
  return out;
}

/** Creates a Graph API client bound to one access token. */
export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const base = opts.graphUrl.replace(/\/+$/, '');
  const graphOrigin = new URL(base).origin;
  const version = opts.apiVersion;
  const token = opts.accessToken;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const mediaTimeoutMs = opts.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const doFetch = opts.fetch ?? fetch;
  const log = opts.logger ?? silentLogger;

  /** Belt and braces: nothing we put in an error or log may contain the token. */
  const redact = (s: string): string => (token ? s.split(token).join('[redacted]') : s);

  function networkFailure(err: unknown, what: string, ms: number): ApplicationFailure {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    const reason = timedOut ? `timed out after ${ms} ms` : redact(describeCause(err));
    return ApplicationFailure.create({
      message: `WhatsApp API ${what} failed: ${reason}`,
      type: WhatsAppErrorTypes.Transient,
      nonRetryable: false,
      details: [{ message: reason } satisfies GraphErrorDetails],
      ...(err instanceof Error && !timedOut ? { cause: err } : {}),
    });
  }

  /** One JSON call to the Graph API; throws a classified ApplicationFailure on anything but 2xx JSON. */
  async function graphRequest(
    method: 'GET' | 'POST',
    path: string,
    op: string,
    fields: Record<string, unknown>,
    body?: unknown,
    extra: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    const started = Date.now();
    const requestTimeoutMs = extra.timeoutMs ?? timeoutMs;
    // Multipart bodies go as they are: fetch sets the content type with its boundary.
    const multipart = body instanceof FormData;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}/${version}/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'user-agent': USER_AGENT,
          accept: 'application/json',
          ...(body !== undefined && !multipart ? { 'content-type': 'application/json' } : {}),
          ...extra.headers,
        },
        ...(body !== undefined ? { body: multipart ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      text = redact(await res.text());
    } catch (err) {
      const failure = networkFailure(err, op, requestTimeoutMs);
      log.warn('whatsapp graph request failed', { op, ...fields, error: failure.message });
      throw failure;
    }
    const durationMs = Date.now() - started;
    const parsed = parseJson(text);
    if (!res.ok) {
      const failure = classifyGraphError(res.status, parsed ?? text);
      const d = (failure.details?.[0] ?? {}) as GraphErrorDetails;
      log.warn('whatsapp graph error', {
        op,
        ...fields,
        httpStatus: res.status,
        code: d.code,
        fbtraceId: d.fbtraceId,
        type: failure.type,
        durationMs,
      });
      throw failure;
    }
    if (!isRecord(parsed)) throw unexpectedResponse(op, res.status, 'body is not a JSON object');
    log.debug('whatsapp graph ok', { op, ...fields, httpStatus: res.status, durationMs });
    return parsed;
  }

  /** POST /{version}/{phone-number-id}/messages with any message payload. */
  async function sendMessage(
    phoneNumberId: string,
    payload: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<SendResult> {
    const to = typeof payload.to === 'string' ? payload.to : '';
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...payload,
      // Meta echoes it in the message's status webhooks: how a send whose answer was lost is
      // recognised as sent (see whatsapp-activities.ts). At most 512 characters.
      ...(idempotencyKey ? { biz_opaque_callback_data: idempotencyKey.slice(0, 512) } : {}),
    };
    // Meta has no idempotency support for sends; the header is for the sandbox, proxies and logs.
    const headers = idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined;
    const json = await graphRequest(
      'POST',
      `${encodeURIComponent(phoneNumberId)}/messages`,
      'send',
      { phoneNumberId, to: maskPhone(to), messageType: payload.type },
      body,
      { headers },
    );
    const first = Array.isArray(json.messages) ? (json.messages[0] as unknown) : undefined;
    const messageId = isRecord(first) && typeof first.id === 'string' ? first.id : undefined;
    // Meta accepted the request but gave no id: retrying could duplicate the message, so don't.
    if (!messageId) throw unexpectedResponse('send', 200, 'no messages[0].id in response');
    const contact = Array.isArray(json.contacts) ? (json.contacts[0] as unknown) : undefined;
    const waId = isRecord(contact) && typeof contact.wa_id === 'string' ? contact.wa_id : undefined;
    return waId ? { messageId, waId } : { messageId };
  }

  function withContext(payload: Record<string, unknown>, replyToMessageId?: string): Record<string, unknown> {
    return replyToMessageId ? { ...payload, context: { message_id: replyToMessageId } } : payload;
  }

  async function uploadMedia(
    phoneNumberId: string,
    file: MediaUpload,
    o: { maxBytes?: number } = {},
  ): Promise<{ mediaId: string }> {
    const mediaType = mediaTypeOf(file.mimeType);
    const limit = Math.min(MEDIA_SIZE_LIMITS[mediaType], o.maxBytes ?? Infinity);
    const size = file.bytes.byteLength;
    if (size > limit) {
      const message = `Upload of ${file.mimeType} is ${size} bytes, over the ${limit}-byte limit for ${mediaType}`;
      throw ApplicationFailure.create({
        message,
        type: WhatsAppErrorTypes.MediaTooLarge,
        nonRetryable: true,
        details: [{ message, fileSize: size, limit, mediaType }],
      });
    }
    if (size === 0) throw invalidRequest('cannot upload an empty file');
    validateFilename(file.filename);
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', file.mimeType);
    // Copied: a Blob takes bytes over a plain ArrayBuffer, and the caller's view may be over a shared one.
    form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.filename);
    const json = await graphRequest(
      'POST',
      `${encodeURIComponent(phoneNumberId)}/media`,
      'media-upload',
      { phoneNumberId, mimeType: file.mimeType, fileSize: size },
      form,
      { timeoutMs: mediaTimeoutMs },
    );
    if (typeof json.id !== 'string' || !json.id)
      throw unexpectedResponse('media-upload', 200, 'no id in response');
    return { mediaId: json.id };
  }

  async function getMediaInfo(mediaId: string): Promise<MediaInfo> {
    const json = await graphRequest('GET', encodeURIComponent(mediaId), 'media-info', { mediaId });
    if (typeof json.url !== 'string' || !json.url) {
      throw unexpectedResponse('media-info', 200, 'no url in media object');
    }
    // Meta has returned file_size both as a number and as a string.
    const fileSize =
      typeof json.file_size === 'number' || typeof json.file_size === 'string' ? Number(json.file_size) : NaN;
    return {
      url: json.url,
      mimeType: typeof json.mime_type === 'string' ? json.mime_type : 'application/octet-stream',
      sha256: typeof json.sha256 === 'string' ? json.sha256 : '',
      fileSize,
    };
  }

  function mediaTooLarge(mediaId: string, mediaType: MediaType, size: number, limit: number, when: string) {
    const message = `Media ${mediaId} (${mediaType}) is ${when} ${size} bytes, over the ${limit}-byte limit`;
    return ApplicationFailure.create({
      message,
      type: WhatsAppErrorTypes.MediaTooLarge,
      nonRetryable: true,
      details: [{ message, fileSize: size, limit, mediaType }],
    });
  }

  /** GET the short-lived media URL with the bearer token. Returns the response, body unread. */
  async function fetchMediaUrl(url: string, signal: AbortSignal): Promise<Response> {
    const target = new URL(url);
    // The bearer token must not travel in clear text to a host other than the configured Graph one.
    if (target.protocol !== 'https:' && target.origin !== graphOrigin) {
      throw ApplicationFailure.create({
        message: `Refusing to send the access token to non-https media host ${target.host}`,
        type: WhatsAppErrorTypes.Permanent,
        nonRetryable: true,
        details: [{ message: 'insecure media url' } satisfies GraphErrorDetails],
      });
    }
    try {
      return await doFetch(target, {
        headers: { authorization: `Bearer ${token}`, 'user-agent': USER_AGENT },
        signal,
      });
    } catch (err) {
      throw networkFailure(err, 'media download', mediaTimeoutMs);
    }
  }

  async function downloadMedia(
    mediaId: string,
    o: { mediaType: MediaType; expectedSha256?: string; maxBytes?: number },
  ): Promise<DownloadedMedia> {
    const limit = Math.min(MEDIA_SIZE_LIMITS[o.mediaType], o.maxBytes ?? Infinity);
    const signal = AbortSignal.timeout(mediaTimeoutMs);
    const started = Date.now();

    let info = await getMediaInfo(mediaId);
    if (info.fileSize > limit)
      throw mediaTooLarge(mediaId, o.mediaType, info.fileSize, limit, 'announced as');
    let res = await fetchMediaUrl(info.url, signal);
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      // The URL lives 5 minutes (and activity retries can outlast that): fetch a fresh one, once.
      await res.body?.cancel().catch(() => {});
      log.info('whatsapp media url expired, refreshing', { mediaId, httpStatus: res.status });
      info = await getMediaInfo(mediaId);
      if (info.fileSize > limit)
        throw mediaTooLarge(mediaId, o.mediaType, info.fileSize, limit, 'announced as');
      res = await fetchMediaUrl(info.url, signal);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      const message = `Media ${mediaId} download failed with HTTP ${res.status}`;
      throw ApplicationFailure.create({
        message,
        type: WhatsAppErrorTypes.MediaDownloadFailed,
        nonRetryable: !retryable,
        details: [{ httpStatus: res.status, message } satisfies GraphErrorDetails],
      });
    }
    const contentType = res.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/html') && !info.mimeType.startsWith('text/html')) {
      await res.body?.cancel().catch(() => {});
      const message = `Media ${mediaId} download returned an HTML page instead of ${info.mimeType}`;
      throw ApplicationFailure.create({
        message,
        type: WhatsAppErrorTypes.MediaDownloadFailed,
        nonRetryable: true,
        details: [{ httpStatus: res.status, message } satisfies GraphErrorDetails],
      });
    }
    const contentLength = Number(res.headers.get('content-length') ?? NaN);
    if (contentLength > limit) {
      await res.body?.cancel().catch(() => {});
      throw mediaTooLarge(mediaId, o.mediaType, contentLength, limit, 'served as');
    }

    let bytes: Buffer;
    try {
      bytes = await readCapped(res, limit, () =>
        mediaTooLarge(mediaId, o.mediaType, limit + 1, limit, 'streaming past'),
      );
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw networkFailure(err, 'media download', mediaTimeoutMs);
    }

    const actual = createHash('sha256').update(bytes).digest('hex');
    const expectations: Array<[string, string | undefined]> = [
      ['webhook', o.expectedSha256],
      ['media info', info.sha256 || undefined],
    ];
    for (const [source, expected] of expectations) {
      if (expected === undefined) continue;
      if (normalizeSha256(expected) !== actual) {
        const message = `Media ${mediaId} sha256 mismatch against the ${source} checksum`;
        throw ApplicationFailure.create({
          message,
          type: WhatsAppErrorTypes.MediaChecksumMismatch,
          nonRetryable: true,
          details: [{ message, expected, actual, source }],
        });
      }
    }
    log.debug('whatsapp media downloaded', {
      mediaId,
      mediaType: o.mediaType,
      fileSize: bytes.length,
      durationMs: Date.now() - started,
    });
    return { bytes, mimeType: info.mimeType, sha256: actual, fileSize: bytes.length };
  }

  return {
    async sendText(phoneNumberId, to, body, o = {}) {
      if (!body.trim() || body.length > TEXT_MAX) {
        throw invalidRequest(`text body must be 1..${TEXT_MAX} characters (got ${body.length})`);
      }
      const payload = {
        to,
        type: 'text',
        text: { body, preview_url: o.previewUrl ?? false },
      };
      return sendMessage(phoneNumberId, withContext(payload, o.replyToMessageId), o.idempotencyKey);
    },

    async sendInteractiveButtons(phoneNumberId, to, body, buttons, o = {}) {
      validateButtons(body, buttons);
      const payload = {
        to,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: body },
          action: { buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
        },
      };
      return sendMessage(phoneNumberId, withContext(payload, o.replyToMessageId), o.idempotencyKey);
    },

    async sendTemplate(phoneNumberId, to, name, languageCode, components, o = {}) {
      if (!name || !languageCode) throw invalidRequest('template name and language code are required');
      const template = {
        name,
        language: { code: languageCode },
        ...(components && components.length > 0 ? { components } : {}),
      };
      return sendMessage(phoneNumberId, { to, type: 'template', template }, o.idempotencyKey);
    },

    uploadMedia,

    async sendDocument(phoneNumberId, to, document, o = {}) {
      if (!document.mediaId) throw invalidRequest('document media id is required');
      validateFilename(document.filename);
      const caption = document.caption?.trim() ? document.caption : undefined;
      // Meta counts characters, not UTF-16 units.
      if (caption && [...caption].length > CAPTION_MAX) {
        throw invalidRequest(`document caption must be at most ${CAPTION_MAX} characters`);
      }
      const payload = {
        to,
        type: 'document',
        document: { id: document.mediaId, filename: document.filename, ...(caption ? { caption } : {}) },
      };
      return sendMessage(phoneNumberId, withContext(payload, o.replyToMessageId), o.idempotencyKey);
    },

    async markRead(phoneNumberId, messageId, o = {}) {
      const body = {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        ...(o.typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
      };
      await graphRequest(
        'POST',
        `${encodeURIComponent(phoneNumberId)}/messages`,
        'mark-read',
        { phoneNumberId, messageId, typingIndicator: o.typingIndicator ?? false },
        body,
      );
    },

    getMediaInfo,
    downloadMedia,
  };
}

function validateButtons(body: string, buttons: ReplyButton[]): void {
  if (!body.trim() || body.length > BUTTON_BODY_MAX) {
    throw invalidRequest(`button message body must be 1..${BUTTON_BODY_MAX} characters`);
  }
  if (buttons.length < 1 || buttons.length > 3) {
    throw invalidRequest(`WhatsApp allows 1 to 3 reply buttons (got ${buttons.length})`);
  }
  const ids = new Set<string>();
  for (const b of buttons) {
    // Meta counts characters, not UTF-16 units: an emoji is one.
    const titleLength = [...b.title].length;
    if (!b.title.trim() || titleLength > BUTTON_TITLE_MAX) {
      throw invalidRequest(`button title must be 1..${BUTTON_TITLE_MAX} characters (got ${titleLength})`);
    }
    if (!b.id || b.id.length > BUTTON_ID_MAX)
      throw invalidRequest(`button id must be 1..${BUTTON_ID_MAX} characters`);
    if (ids.has(b.id)) throw invalidRequest(`duplicate button id ${b.id}`);
    ids.add(b.id);
  }
}

function validateFilename(filename: string): void {
  // No path separators or control characters: the name is shown as is on the customer's phone.
  const unsafe = [...filename].some((ch) => ch === '/' || ch === '\\' || ch < ' ' || ch === '\u007f');
  if (!filename.trim() || [...filename].length > FILENAME_MAX || unsafe) {
    throw invalidRequest(
      `file name must be 1..${FILENAME_MAX} characters without slashes or control characters`,
    );
  }
}

/** Which of WhatsApp's media kinds (and so which size limit) a MIME type uploads as. */
function mediaTypeOf(mimeType: string): MediaType {
  const base = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (base === 'image/webp') return 'sticker';
  if (base.startsWith('image/')) return 'image';
  if (base.startsWith('audio/')) return 'audio';
  if (base.startsWith('video/')) return 'video';
  return 'document';
}

function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: WhatsAppErrorTypes.InvalidRequest,
    nonRetryable: true,
    details: [{ message } satisfies GraphErrorDetails],
  });
}

function unexpectedResponse(op: string, httpStatus: number, why: string): ApplicationFailure {
  const message = `WhatsApp API ${op}: unexpected response (${why})`;
  return ApplicationFailure.create({
    message,
    type: WhatsAppErrorTypes.Permanent,
    nonRetryable: true,
    details: [{ httpStatus, message } satisfies GraphErrorDetails],
  });
}

/** Reads a response body, cancelling the stream as soon as it passes `limit` bytes. */
async function readCapped(res: Response, limit: number, tooLarge: () => Error): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Meta's media object gives hex; webhooks have been seen carrying base64. Accept both, compare hex.
 * Anything else is returned lower-cased as is, so it simply fails the comparison.
 */
function normalizeSha256(value: string): string {
  const v = value.trim();
  if (/^[0-9a-f]{64}$/i.test(v)) return v.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const decoded = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === 32) return decoded.toString('hex');
  }
  return v.toLowerCase();
}
