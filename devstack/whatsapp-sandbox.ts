/**
 * A local stand-in for Meta's WhatsApp Cloud API (Graph API), for development and tests. It speaks
 * the same paths and JSON shapes as graph.facebook.com for what Parley uses (send message, read
 * receipt + typing indicator, media upload, media info, media download), records everything sent,
 * and can inject Meta-shaped failures. It is faithful on purpose: no idempotency, bearer token
 * required, media URLs expire after 5 minutes, uploads are checked against Meta's types and limits.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { listen } from '../core/listen.js';

/** One outbound message the sandbox accepted, in the order received. */
export interface SandboxSentMessage {
  /** Monotonic across the sandbox's lifetime (shared with reads), survives `clear()`. */
  seq: number;
  /** The wamid returned to the sender. */
  messageId: string;
  phoneNumberId: string;
  /** Recipient exactly as sent. */
  to: string;
  /** `to` reduced to digits, as Meta's `contacts[0].wa_id`. */
  waId: string;
  type: string;
  text?: { body: string; previewUrl: boolean };
  interactive?: unknown;
  template?: { name: string; languageCode: string; components?: unknown[] };
  /** A document message: the uploaded media `id` (or a hosted `link`), file name and caption. */
  document?: { id?: string; link?: string; filename?: string; caption?: string };
  contextMessageId?: string;
  /** The `Idempotency-Key` header, when the sender set one (Meta ignores it; recorded for tests). */
  idempotencyKey?: string;
  timestampMs: number;
  /** The request body as received. */
  payload: Record<string, unknown>;
}

/** One accepted read receipt (optionally with typing indicator). */
export interface SandboxRead {
  seq: number;
  phoneNumberId: string;
  messageId: string;
  typingIndicator: boolean;
  timestampMs: number;
}

/** One accepted media upload (POST /{phone-number-id}/media). */
export interface SandboxUpload {
  seq: number;
  mediaId: string;
  phoneNumberId: string;
  /** The form's `type` field. */
  mimeType: string;
  /** The file part's file name. */
  filename: string;
  fileSize: number;
  /** Hex sha256 of the bytes received. */
  sha256: string;
  timestampMs: number;
}

/** One attempt at a media download URL, successful or not. */
export interface SandboxDownload {
  mediaId: string;
  httpStatus: number;
  timestampMs: number;
}

/** A failure to inject. With `code`, the body is a Graph error; without it, plain text (like a proxy). */
export interface SandboxFault {
  httpStatus: number;
  code?: number;
  /** Meta's title, e.g. "Rate limit hit"; sent as "(#code) title". */
  message?: string;
  /** `error_data.details`. Defaults to `message`. */
  details?: string;
  subcode?: number;
}

/** Which POST calls a fault applies to: sends, read receipts (both /messages), media uploads, or any. */
export type SandboxFaultTarget = 'messages' | 'reads' | 'uploads' | 'all';

/** Options for {@link startWhatsAppSandbox}. */
export interface WhatsAppSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The bearer token clients must present. Default `sandbox-token`. */
  accessToken?: string;
  /** When set, only this Graph version (e.g. `v23.0`) is accepted; otherwise any `vN.N`. */
  apiVersion?: string;
  /** Largest accepted upload in bytes. Default WhatsApp's limit for the upload's type (documents 100 MB). */
  maxUploadBytes?: number;
  onSend?: (message: SandboxSentMessage) => void;
}

/** A running sandbox. */
export interface WhatsAppSandbox {
  /** Base URL to use as the client's `graphUrl`, e.g. `http://127.0.0.1:54321`. */
  url: string;
  accessToken: string;
  sent: SandboxSentMessage[];
  reads: SandboxRead[];
  uploads: SandboxUpload[];
  downloads: SandboxDownload[];
  /** The bytes of a stored media (uploaded or added), or undefined. */
  mediaBytes(mediaId: string): Buffer | undefined;
  /** Stores media as if a customer had sent it; returns the media id for webhooks. */
  addMedia(
    bytes: Buffer,
    mimeType: string,
    opts?: { sha256Override?: string; fileSizeOverride?: number; expireFirstDownload?: boolean },
  ): string;
  /** The next `n` matching POST calls fail with `fault` (after the token check). Default: `messages`. */
  failNext(n: number, fault: SandboxFault, opts?: { target?: SandboxFaultTarget }): void;
  /**
   * The next `n` matching POST /messages calls are handled (recorded) at once but answered only
   * after `ms`: a slow Meta, or a caller that dies while waiting. Default target `messages`.
   */
  delayNext(n: number, ms: number, opts?: { target?: SandboxFaultTarget }): void;
  /** Resolves with the first sent message (already recorded or future) matching `predicate`. */
  waitForSent(predicate: (m: SandboxSentMessage) => boolean, timeoutMs?: number): Promise<SandboxSentMessage>;
  /**
   * Posts Meta's `sent` status webhook for every message accepted from now on, signed with
   * `appSecret`, as Meta does (with the message's biz_opaque_callback_data); `undefined` stops.
   */
  postStatusesTo(target: { url: string; appSecret: string } | undefined): void;
  /**
   * Random trouble on sends and read receipts from now on: each call fails (alternately 503 with
   * Meta's 131000 and 429 with 130429) with probability `failRate`, or is answered `slowMs` late
   * with probability `slowRate` (accepted at once: its status webhook goes out on time). `undefined`
   * stops it. `random` makes a run repeatable.
   */
  chaos(o: { failRate: number; slowRate: number; slowMs: number; random: () => number } | undefined): void;
  /** Drops pending faults and delays: the Graph API is healthy again (what was recorded stays). */
  clearFaults(): void;
  /** Forgets recorded messages, reads, uploads, downloads, media and pending faults (seq keeps counting). */
  clear(): void;
  close(): Promise<void>;
}

interface StoredMedia {
  bytes: Buffer;
  mimeType: string;
  sha256: string;
  fileSize: number;
  expireFirstDownload: boolean;
  urlsMinted: number;
  /** Set for uploads: the business number that uploaded it (only it may send it) and the file name. */
  phoneNumberId?: string;
  filename?: string;
}

interface MediaUrl {
  mediaId: string;
  mintedAt: number;
  expired: boolean;
}

interface PendingFault {
  remaining: number;
  fault: SandboxFault;
  target: SandboxFaultTarget;
}

interface PendingDelay {
  remaining: number;
  ms: number;
  target: SandboxFaultTarget;
}

const MEDIA_URL_TTL_MS = 5 * 60_000;
const TEXT_MAX = 4096;
const CAPTION_MAX = 1024;
/** What Meta's upload accepts (its own error message lists them), with its per-kind size limits. */
const UPLOAD_TYPES: Record<string, number> = (() => {
  const MB = 1024 * 1024;
  const kinds: Array<[number, string[]]> = [
    [16 * MB, ['audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg', 'audio/opus']],
    [16 * MB, ['video/mp4', 'video/3gpp']],
    [5 * MB, ['image/jpeg', 'image/png']],
    [500 * 1024, ['image/webp']],
    [
      100 * MB,
      [
        'application/pdf',
        'text/plain',
        'application/msword',
        'application/vnd.ms-excel',
        'application/vnd.ms-powerpoint',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      ],
    ],
  ];
  return Object.fromEntries(kinds.flatMap(([limit, types]) => types.map((t) => [t, limit])));
})();
/** Multipart framing around the file: a body this much over the limit is refused unread. */
const MULTIPART_SLACK = 64 * 1024;
const MESSAGE_TYPES = new Set([
  'text',
  'interactive',
  'template',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'reaction',
]);

/** Starts the sandbox HTTP server; resolves once it is listening. */
export async function startWhatsAppSandbox(opts: WhatsAppSandboxOptions = {}): Promise<WhatsAppSandbox> {
  const accessToken = opts.accessToken ?? 'sandbox-token';
  const host = opts.host ?? '127.0.0.1';
  const sent: SandboxSentMessage[] = [];
  const reads: SandboxRead[] = [];
  const uploads: SandboxUpload[] = [];
  const downloads: SandboxDownload[] = [];
  const media = new Map<string, StoredMedia>();
  const mediaUrls = new Map<string, MediaUrl>();
  const faults: PendingFault[] = [];
  const delays: PendingDelay[] = [];
  const waiters = new Set<{
    predicate: (m: SandboxSentMessage) => boolean;
    resolve: (m: SandboxSentMessage) => void;
  }>();
  let seq = 0;

  const authorized = (c: Context): boolean => c.req.header('authorization') === `Bearer ${accessToken}`;
  const versionOk = (v: string): boolean => (opts.apiVersion ? v === opts.apiVersion : /^v\d+\.\d+$/.test(v));

  function takeFault(kind: 'messages' | 'reads' | 'uploads'): SandboxFault | undefined {
    const pending = faults.find((f) => f.target === 'all' || f.target === kind);
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) faults.splice(faults.indexOf(pending), 1);
    return pending.fault;
  }

  function takeDelay(kind: 'messages' | 'reads'): number {
    const pending = delays.find((d) => d.target === 'all' || d.target === kind);
    if (!pending) return 0;
    pending.remaining -= 1;
    if (pending.remaining <= 0) delays.splice(delays.indexOf(pending), 1);
    return pending.ms;
  }

  let statusTarget: { url: string; appSecret: string } | undefined;
  let chaos: Parameters<WhatsAppSandbox['chaos']>[0];
  let chaosFaults = 0;

  /** A random fault or hold for one call, when chaos is on. */
  function takeChaos(): { fault?: SandboxFault; holdMs?: number } {
    if (!chaos) return {};
    const r = chaos.random();
    if (r < chaos.failRate) {
      chaosFaults += 1;
      return {
        fault:
          chaosFaults % 2 === 0
            ? { httpStatus: 429, code: 130429, message: 'Rate limit hit' }
            : { httpStatus: 503, code: 131000, message: 'Something went wrong' },
      };
    }
    return r < chaos.failRate + chaos.slowRate ? { holdMs: chaos.slowMs } : {};
  }

  /** Meta's `sent` status for an accepted message, posted like Meta: signed, retried a few times. */
  function postSentStatus(message: SandboxSentMessage): void {
    const target = statusTarget;
    if (!target) return;
    const callback = message.payload.biz_opaque_callback_data;
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'sandbox-waba',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: {
                  display_phone_number: message.phoneNumberId,
                  phone_number_id: message.phoneNumberId,
                },
                statuses: [
                  {
                    id: message.messageId,
                    status: 'sent',
                    timestamp: String(Math.floor(message.timestampMs / 1000)),
                    recipient_id: message.waId,
                    ...(typeof callback === 'string' ? { biz_opaque_callback_data: callback } : {}),
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', target.appSecret).update(raw).digest('hex')}`;
    void (async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const res = await fetch(target.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
            body: raw,
          });
          if (res.ok) return;
        } catch {
          // The receiver is down: Meta retries, so do we.
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      }
    })();
  }

  function record(message: SandboxSentMessage): void {
    sent.push(message);
    postSentStatus(message);
    opts.onSend?.(message);
    for (const w of [...waiters]) {
      if (w.predicate(message)) {
        waiters.delete(w);
        w.resolve(message);
      }
    }
  }

  const app = new Hono();

  // Inspection API (not part of Meta's surface): for humans and the terminal chat script.
  app.get('/sandbox/messages', (c) => {
    const to = c.req.query('to');
    const after = Number(c.req.query('after') ?? 0) || 0;
    const messages = sent.filter((m) => m.seq > after && (!to || m.waId === to.replace(/\D/g, '')));
    return c.json({ messages });
  });
  app.get('/sandbox/reads', (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    return c.json({ reads: reads.filter((r) => r.seq > after) });
  });
  app.get('/sandbox/uploads', (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    return c.json({ uploads: uploads.filter((u) => u.seq > after) });
  });
  // A stored media's bytes without the token dance, for a human opening a sent document.
  app.get('/sandbox/media/:mediaId', (c) => {
    const stored = media.get(c.req.param('mediaId'));
    if (!stored) return c.text('Not Found', 404);
    const filename = stored.filename ?? c.req.param('mediaId');
    return c.body(new Uint8Array(stored.bytes), 200, {
      'content-type': stored.mimeType,
      'content-length': String(stored.bytes.length),
      'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(filename)}`,
    });
  });

  // The media URL Meta hands out (lookaside.fbsbx.com in production): bearer token required.
  app.get('/sandbox/media/:mediaId/:urlToken', (c) => {
    const mediaId = c.req.param('mediaId');
    const stored = media.get(mediaId);
    const minted = mediaUrls.get(c.req.param('urlToken'));
    let status = 200;
    if (!authorized(c)) status = 401;
    else if (!stored || !minted || minted.mediaId !== mediaId) status = 404;
    else if (minted.expired || Date.now() - minted.mintedAt > MEDIA_URL_TTL_MS) status = 404;
    downloads.push({ mediaId, httpStatus: status, timestampMs: Date.now() });
    if (status !== 200 || !stored)
      return c.text(status === 401 ? 'Unauthorized' : 'Not Found', status === 401 ? 401 : 404);
    return c.body(new Uint8Array(stored.bytes), 200, {
      'content-type': stored.mimeType,
      'content-length': String(stored.bytes.length),
    });
  });

  // GET /{version}/{media-id}: the media object with a fresh, short-lived download URL.
  app.get('/:version/:mediaId', (c) => {
    if (!versionOk(c.req.param('version'))) return unknownPath(c);
    if (!authorized(c)) return badToken(c);
    const mediaId = c.req.param('mediaId');
    const stored = media.get(mediaId);
    if (!stored) {
      return graphError(c, 400, {
        code: 100,
        subcode: 33,
        message: `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
      });
    }
    const urlToken = randomBytes(12).toString('hex');
    stored.urlsMinted += 1;
    mediaUrls.set(urlToken, {
      mediaId,
      mintedAt: Date.now(),
      expired: stored.expireFirstDownload && stored.urlsMinted === 1,
    });
    const origin = new URL(c.req.url).origin;
    return c.json({
      messaging_product: 'whatsapp',
      url: `${origin}/sandbox/media/${mediaId}/${urlToken}`,
      mime_type: stored.mimeType,
      sha256: stored.sha256,
      file_size: stored.fileSize,
      id: mediaId,
    });
  });

  // POST /{version}/{phone-number-id}/media: multipart upload (messaging_product, type, file) → {id}.
  app.post('/:version/:phoneNumberId/media', async (c) => {
    if (!versionOk(c.req.param('version'))) return unknownPath(c);
    if (!authorized(c)) return badToken(c);
    const fault = takeFault('uploads');
    if (fault) return injectFault(c, fault);
    const phoneNumberId = c.req.param('phoneNumberId');
    const largest = opts.maxUploadBytes ?? Math.max(...Object.values(UPLOAD_TYPES));
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > largest + MULTIPART_SLACK) return fileTooLarge(c, declared, largest);
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      return invalidParameter(c, 'Request body must be multipart/form-data');
    }
    if (form.get('messaging_product') !== 'whatsapp') {
      return invalidParameter(c, 'The parameter messaging_product is required.');
    }
    const type = form.get('type');
    if (typeof type !== 'string' || !type) return invalidParameter(c, 'The parameter type is required.');
    const file = form.get('file');
    if (!(file instanceof File)) return invalidParameter(c, 'The parameter file is required.');
    const typeLimit = UPLOAD_TYPES[type.toLowerCase()];
    if (typeLimit === undefined) {
      return graphError(c, 400, {
        code: 100,
        message: `Param file must be a file with one of the following types: ${Object.keys(UPLOAD_TYPES).join(', ')}.`,
      });
    }
    const limit = Math.min(typeLimit, opts.maxUploadBytes ?? Infinity);
    if (file.size > limit) return fileTooLarge(c, file.size, limit);
    if (file.size === 0) return invalidParameter(c, 'The parameter file is empty.');
    const bytes = Buffer.from(await file.arrayBuffer());
    const mediaId = newMediaId();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    media.set(mediaId, {
      bytes,
      mimeType: type,
      sha256,
      fileSize: bytes.length,
      expireFirstDownload: false,
      urlsMinted: 0,
      phoneNumberId,
      filename: file.name,
    });
    uploads.push({
      seq: ++seq,
      mediaId,
      phoneNumberId,
      mimeType: type,
      filename: file.name,
      fileSize: bytes.length,
      sha256,
      timestampMs: Date.now(),
    });
    return c.json({ id: mediaId });
  });

  // POST /{version}/{phone-number-id}/messages: sends and read receipts share the endpoint.
  app.post('/:version/:phoneNumberId/messages', async (c) => {
    if (!versionOk(c.req.param('version'))) return unknownPath(c);
    if (!authorized(c)) return badToken(c);
    const phoneNumberId = c.req.param('phoneNumberId');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return invalidParameter(c, 'Request body must be JSON');
    }
    if (!isRecord(body)) return invalidParameter(c, 'Request body must be a JSON object');
    const isRead = body.status === 'read';
    const random = takeChaos();
    const holdMs = takeDelay(isRead ? 'reads' : 'messages') || (random.holdMs ?? 0);
    const answer = async (res: Response): Promise<Response> => {
      if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
      return res;
    };

    const fault = takeFault(isRead ? 'reads' : 'messages') ?? random.fault;
    if (fault) return answer(injectFault(c, fault));

    if (body.messaging_product !== 'whatsapp') {
      return invalidParameter(c, 'The parameter messaging_product is required.');
    }
    if (isRead) {
      if (typeof body.message_id !== 'string' || !body.message_id) {
        return invalidParameter(c, 'The parameter message_id is required.');
      }
      const typing = body.typing_indicator;
      if (typing !== undefined && !(isRecord(typing) && typing.type === 'text')) {
        return invalidParameter(c, 'typing_indicator.type must be "text"');
      }
      reads.push({
        seq: ++seq,
        phoneNumberId,
        messageId: body.message_id,
        typingIndicator: typing !== undefined,
        timestampMs: Date.now(),
      });
      return answer(c.json({ success: true }));
    }

    const problem = validateMessage(body) ?? checkMediaReference(body, phoneNumberId);
    if (problem) return answer(graphError(c, 400, problem));
    const to = body.to as string;
    const type = body.type as string;
    const waId = to.replace(/\D/g, '');
    const messageId = `wamid.${randomBytes(18).toString('base64url')}`;
    const message: SandboxSentMessage = {
      seq: ++seq,
      messageId,
      phoneNumberId,
      to,
      waId,
      type,
      timestampMs: Date.now(),
      payload: body,
    };
    const content = body[type];
    if (type === 'text' && isRecord(content)) {
      message.text = { body: String(content.body), previewUrl: content.preview_url === true };
    } else if (type === 'interactive') {
      message.interactive = content;
    } else if (type === 'document' && isRecord(content)) {
      const document: NonNullable<SandboxSentMessage['document']> = {};
      for (const key of ['id', 'link', 'filename', 'caption'] as const) {
        if (typeof content[key] === 'string') document[key] = content[key];
      }
      message.document = document;
    } else if (type === 'template' && isRecord(content)) {
      const language = isRecord(content.language) ? content.language : {};
      message.template = {
        name: String(content.name),
        languageCode: String(language.code ?? ''),
        ...(Array.isArray(content.components) ? { components: content.components as unknown[] } : {}),
      };
    }
    if (isRecord(body.context) && typeof body.context.message_id === 'string') {
      message.contextMessageId = body.context.message_id;
    }
    const idempotencyKey = c.req.header('idempotency-key');
    if (idempotencyKey) message.idempotencyKey = idempotencyKey;
    record(message);
    return answer(
      c.json({
        messaging_product: 'whatsapp',
        contacts: [{ input: to, wa_id: waId }],
        messages: [{ id: messageId }],
      }),
    );
  });

  app.notFound((c) => unknownPath(c));

  /**
   * An uploaded media id must exist and belong to the sending number. (Meta may accept an unknown id
   * and fail the message later with a status webhook; refusing at once makes bugs visible sooner.)
   */
  function checkMediaReference(
    body: Record<string, unknown>,
    phoneNumberId: string,
  ): SandboxFault | undefined {
    const content = body[body.type as string];
    if (!isRecord(content) || typeof content.id !== 'string') return undefined;
    const stored = media.get(content.id);
    if (stored && (stored.phoneNumberId === undefined || stored.phoneNumberId === phoneNumberId))
      return undefined;
    return {
      httpStatus: 400,
      code: 100,
      message: 'Invalid parameter',
      details: `Media id ${content.id} does not exist or was not uploaded by this phone number`,
    };
  }

  const server = await listen(app.fetch, { port: opts.port, hostname: host, closeConnections: 'all' });

  return {
    url: server.url,
    accessToken,
    sent,
    reads,
    uploads,
    downloads,

    mediaBytes(mediaId) {
      return media.get(mediaId)?.bytes;
    },

    addMedia(bytes, mimeType, o = {}) {
      const mediaId = newMediaId();
      media.set(mediaId, {
        bytes,
        mimeType,
        sha256: o.sha256Override ?? createHash('sha256').update(bytes).digest('hex'),
        fileSize: o.fileSizeOverride ?? bytes.length,
        expireFirstDownload: o.expireFirstDownload ?? false,
        urlsMinted: 0,
      });
      return mediaId;
    },

    failNext(n, fault, o = {}) {
      if (n > 0) faults.push({ remaining: n, fault, target: o.target ?? 'messages' });
    },

    delayNext(n, ms, o = {}) {
      if (n > 0 && ms > 0) delays.push({ remaining: n, ms, target: o.target ?? 'messages' });
    },

    waitForSent(predicate, timeoutMs = 10_000) {
      const existing = sent.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m: SandboxSentMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`waitForSent: no matching message within ${timeoutMs} ms (${sent.length} sent)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    chaos(o) {
      chaos = o;
    },

    postStatusesTo(target) {
      statusTarget = target;
    },

    clearFaults() {
      faults.length = 0;
      delays.length = 0;
      chaos = undefined;
    },

    clear() {
      sent.length = 0;
      reads.length = 0;
      uploads.length = 0;
      downloads.length = 0;
      faults.length = 0;
      delays.length = 0;
      media.clear();
      mediaUrls.clear();
    },

    close: server.close,
  };
}

function validateMessage(body: Record<string, unknown>): SandboxFault | undefined {
  const invalid = (details: string, code = 100): SandboxFault => ({
    httpStatus: 400,
    code,
    message: code === 100 ? 'Invalid parameter' : 'Parameter value is not valid',
    details,
  });
  if (typeof body.to !== 'string' || !/\d/.test(body.to)) return invalid('The parameter to is required.');
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
    return invalid('recipient_type must be individual', 131009);
  }
  const type = body.type ?? 'text';
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type))
    return invalid(`Unsupported message type ${String(type)}`);
  body.type = type;
  const content = body[type];
  if (!isRecord(content)) return invalid(`The parameter ${type} is required.`);
  if (type === 'text') {
    if (typeof content.body !== 'string' || !content.body)
      return invalid('The parameter text.body is required.');
    if (content.body.length > TEXT_MAX)
      return invalid(`text.body is longer than ${TEXT_MAX} characters`, 131009);
  }
  if (type === 'interactive' && content.type === 'button') {
    const action = isRecord(content.action) ? content.action : {};
    const buttons = Array.isArray(action.buttons) ? (action.buttons as unknown[]) : [];
    if (buttons.length < 1 || buttons.length > 3) return invalid('buttons must have 1 to 3 items', 131009);
    for (const b of buttons) {
      const title = isRecord(b) && isRecord(b.reply) ? b.reply.title : undefined;
      if (typeof title !== 'string' || !title || [...title].length > 20) {
        return invalid('button title length invalid. Should be between 1 and 20 characters', 131009);
      }
    }
  }
  if (type === 'document' || type === 'image' || type === 'video') {
    if (typeof content.id !== 'string' && typeof content.link !== 'string') {
      return invalid(`The parameter ${type}['id'] or ${type}['link'] is required.`);
    }
    if (typeof content.caption === 'string' && [...content.caption].length > CAPTION_MAX) {
      return invalid(`${type}.caption is longer than ${CAPTION_MAX} characters`, 131009);
    }
  }
  if (type === 'template') {
    const language = isRecord(content.language) ? content.language : {};
    if (typeof content.name !== 'string' || !content.name)
      return invalid('The parameter template.name is required.');
    if (typeof language.code !== 'string' || !language.code) {
      return invalid('The parameter template.language.code is required.');
    }
  }
  return undefined;
}

/** Meta media ids are long decimal strings. */
function newMediaId(): string {
  return String(BigInt(`0x${randomBytes(7).toString('hex')}`) + 10n ** 15n);
}

function fbtraceId(): string {
  return randomBytes(9).toString('base64url');
}

function graphError(c: Context, httpStatus: number, fault: Omit<SandboxFault, 'httpStatus'>): Response {
  const code = fault.code ?? 1;
  const title = fault.message ?? 'An unknown error occurred';
  const error: Record<string, unknown> = {
    message: `(#${code}) ${title}`,
    type: 'OAuthException',
    code,
    error_data: { messaging_product: 'whatsapp', details: fault.details ?? title },
    fbtrace_id: fbtraceId(),
  };
  if (fault.subcode !== undefined) error.error_subcode = fault.subcode;
  return c.json({ error }, httpStatus as 400);
}

function injectFault(c: Context, fault: SandboxFault): Response {
  if (fault.code === undefined) {
    return c.text(fault.message ?? 'Service Unavailable', fault.httpStatus as 503);
  }
  return graphError(c, fault.httpStatus, fault);
}

function badToken(c: Context): Response {
  // Meta's shape for a bad/expired token: no "(#190)" prefix and no error_data.
  return c.json(
    {
      error: {
        message: 'Invalid OAuth access token - Cannot parse access token',
        type: 'OAuthException',
        code: 190,
        fbtrace_id: fbtraceId(),
      },
    },
    401,
  );
}

function fileTooLarge(c: Context, size: number, limit: number): Response {
  return graphError(c, 400, {
    code: 100,
    message: 'Invalid parameter',
    details: `File Too Large: the file is ${size} bytes, over the ${limit}-byte limit`,
  });
}

function invalidParameter(c: Context, details: string): Response {
  return graphError(c, 400, { code: 100, message: 'Invalid parameter', details });
}

function unknownPath(c: Context): Response {
  return graphError(c, 400, {
    code: 100,
    message: 'Unknown path components',
    details: new URL(c.req.url).pathname,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
