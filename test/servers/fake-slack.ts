/**
 * A stand-in for the parts of Slack Parley posts to, for contract tests: a real HTTP server (Hono)
 * with Slack's documented shapes.
 *
 * - Web API `POST /api/chat.postMessage`, JSON (`application/json; charset=utf-8`) or form-encoded,
 *   the token as `Authorization: Bearer …` (or a `token` form field). As Slack, errors come back
 *   with HTTP 200 and `{ ok: false, error }`: `not_authed` (no token), `invalid_auth` (wrong token),
 *   `channel_not_found` (unknown or missing channel), `is_archived`, `not_in_channel`, `no_text`
 *   (neither text nor blocks), `msg_too_long` (text over 40,000 characters), `invalid_blocks` (with
 *   `errors` and `response_metadata.messages`), `invalid_arguments`. Success is
 *   `{ ok: true, channel, ts, message }`; a JSON body without a charset gets Slack's
 *   `missing_charset` warning. Rate limiting is HTTP 429 with `Retry-After` and `{ ok: false,
 *   error: "ratelimited" }`.
 * - Incoming webhooks, `POST /services/T…/B…/secret`, JSON `{ text, blocks? }`: `ok` (text/plain) or
 *   Slack's plain-text error codes (400 `invalid_payload` / `no_text`, 404 `no_service`, 410
 *   `channel_is_archived`).
 *
 * Block Kit is checked for the blocks Parley uses (header, section, context, divider, actions) with
 * Slack's limits (50 blocks; header text 150; section text 3,000; 10 fields of 2,000; 10 context
 * elements). Deliberately stricter than Slack: unknown top-level arguments are `invalid_arguments`
 * instead of being ignored.
 *
 * Every request is recorded (whether a token came and matched — never its value — the parsed body,
 * status and `error`); posted messages are kept per channel id. `failNext(n, fault)` injects an
 * `ok: false` error code or an HTTP status.
 */
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

export interface FakeSlackChannel {
  id: string;
  name: string;
  archived?: boolean;
  /** Whether the bot is a member (default true); otherwise `not_in_channel`. */
  member?: boolean;
}

export interface FakeSlackOptions {
  port?: number;
  host?: string;
  /** The bot token requests must carry. */
  token: string;
  /** Default: one channel, `C0SUPPORT` / `support`. */
  channels?: FakeSlackChannel[];
  /** Incoming webhooks: the path after `/services/` → the channel id they post to. */
  webhooks?: Record<string, string>;
}

export interface PostedSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  /** The other arguments sent (unfurl_links…). */
  args: Record<string, unknown>;
  via: 'web_api' | 'webhook';
}

export interface RecordedSlackRequest {
  seq: number;
  method: string;
  path: string;
  contentType?: string;
  hasToken: boolean;
  tokenValid: boolean;
  body: unknown;
  status: number;
  /** Slack's `error` code when the answer was an error. */
  error?: string;
  injected?: boolean;
}

/** A fault: an `ok:false` error code (HTTP 200, or 429 for `ratelimited`), or an HTTP status. */
export type SlackFault = string | { status: number; error?: string; retryAfter?: number };

export interface FakeSlack {
  /** The Web API base, for `apiUrl` (ends in `/api`). */
  apiUrl: string;
  url: string;
  /** The full URL of a configured webhook. */
  webhookUrl(path: string): string;
  requests: RecordedSlackRequest[];
  /** Messages posted to a channel (by id or name), oldest first. */
  messages(channel: string): PostedSlackMessage[];
  allMessages(): PostedSlackMessage[];
  failNext(n: number, fault: SlackFault): void;
  reset(): void;
  close(): Promise<void>;
}

const POST_MESSAGE_ARGS = [
  'channel',
  'text',
  'blocks',
  'attachments',
  'thread_ts',
  'reply_broadcast',
  'mrkdwn',
  'parse',
  'link_names',
  'unfurl_links',
  'unfurl_media',
  'username',
  'icon_emoji',
  'icon_url',
  'metadata',
  'as_user',
];
const TEXT_MAX = 40_000;

class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(v: unknown, where: string, max: number, types: readonly string[]): string[] {
  if (!isObject(v)) return [`${where} must be a text object`];
  const errs: string[] = [];
  if (typeof v.type !== 'string' || !types.includes(v.type))
    errs.push(`${where}.type must be one of ${types.join(', ')}`);
  if (typeof v.text !== 'string' || v.text.length === 0)
    errs.push(`${where}.text must be a non-empty string`);
  else if (v.text.length > max) errs.push(`${where}.text must be at most ${max} characters`);
  for (const k of Object.keys(v)) {
    if (!['type', 'text', 'emoji', 'verbatim'].includes(k)) errs.push(`${where} has unknown property ${k}`);
  }
  return errs;
}

/** Validates blocks for the block types Parley uses; returns Slack-style error strings. */
function validateBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > 50) return ['no more than 50 items allowed [json-pointer:/blocks]'];
  const errs: string[] = [];
  blocks.forEach((b, i) => {
    const at = `[json-pointer:/blocks/${i}]`;
    if (!isObject(b) || typeof b.type !== 'string') {
      errs.push(`must be a block object ${at}`);
      return;
    }
    const allowed: Record<string, string[]> = {
      header: ['type', 'text', 'block_id'],
      section: ['type', 'text', 'fields', 'accessory', 'block_id'],
      context: ['type', 'elements', 'block_id'],
      divider: ['type', 'block_id'],
      actions: ['type', 'elements', 'block_id'],
    };
    const keys = allowed[b.type];
    if (!keys) {
      errs.push(`unsupported block type ${b.type} ${at}`);
      return;
    }
    for (const k of Object.keys(b)) if (!keys.includes(k)) errs.push(`unknown property ${k} ${at}`);
    if (b.type === 'header') errs.push(...textObject(b.text, `header ${at}`, 150, ['plain_text']));
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) errs.push(`section needs text or fields ${at}`);
      if (b.text !== undefined)
        errs.push(...textObject(b.text, `section ${at}`, 3000, ['plain_text', 'mrkdwn']));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) {
          errs.push(`section fields must have 1 to 10 items ${at}`);
        } else {
          b.fields.forEach((f, j) =>
            errs.push(...textObject(f, `field ${j} ${at}`, 2000, ['plain_text', 'mrkdwn'])),
          );
        }
      }
      if (b.accessory !== undefined) errs.push(`fake-slack does not check accessories ${at}`);
    }
    if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) {
        errs.push(`context elements must have 1 to 10 items ${at}`);
      } else {
        b.elements.forEach((e, j) =>
          errs.push(...textObject(e, `element ${j} ${at}`, 3000, ['plain_text', 'mrkdwn'])),
        );
      }
    }
    if (
      b.type === 'actions' &&
      (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25)
    ) {
      errs.push(`actions elements must have 1 to 25 items ${at}`);
    }
  });
  return errs;
}

export async function startFakeSlack(opts: FakeSlackOptions): Promise<FakeSlack> {
  const channels = opts.channels ?? [{ id: 'C0SUPPORT', name: 'support' }];
  const webhooks = opts.webhooks ?? {};
  const requests: RecordedSlackRequest[] = [];
  const posted: PostedSlackMessage[] = [];
  let faults: { remaining: number; fault: SlackFault }[] = [];
  let seq = 0;
  let tsCounter = 0;

  function resolveChannel(ref: string): FakeSlackChannel | undefined {
    const name = ref.replace(/^#/, '');
    return channels.find((c) => c.id === ref || c.name === name);
  }

  function nextTs(): string {
    tsCounter++;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  }

  function takeFault(): SlackFault | undefined {
    const f = faults.find((x) => x.remaining > 0);
    if (!f) return undefined;
    f.remaining--;
    faults = faults.filter((x) => x.remaining > 0);
    return f.fault;
  }

  async function readBody(
    c: Context,
    rec: RecordedSlackRequest,
  ): Promise<{ args: Json; formToken?: string }> {
    const text = await c.req.text();
    const type = rec.contentType ?? '';
    if (type.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        rec.body = text;
        throw new SlackError('invalid_json');
      }
      rec.body = parsed;
      if (!isObject(parsed)) throw new SlackError('invalid_json');
      return { args: parsed };
    }
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const form = Object.fromEntries(new URLSearchParams(text));
      const { token, ...rest } = form;
      const args: Json = { ...rest };
      if (typeof rest.blocks === 'string') {
        try {
          args.blocks = JSON.parse(rest.blocks);
        } catch {
          throw new SlackError('invalid_blocks_format');
        }
      }
      rec.body = args;
      return token !== undefined ? { args, formToken: token } : { args };
    }
    rec.body = text;
    throw new SlackError('invalid_form_data');
  }

  const app = new Hono();

  /** Records a Web API call (its bearer token judged) before it is answered. */
  function recordWebApiRequest(c: Context): RecordedSlackRequest {
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const rec: RecordedSlackRequest = {
      seq: ++seq,
      method: c.req.method,
      path: c.req.path,
      hasToken: bearer !== undefined,
      tokenValid: bearer === opts.token,
      body: undefined,
      status: 0,
    };
    const contentType = c.req.header('content-type');
    if (contentType !== undefined) rec.contentType = contentType;
    requests.push(rec);
    return rec;
  }

  app.post('/api/chat.postMessage', async (c) => {
    const rec = recordWebApiRequest(c);
    const answer = (status: number, json: Json, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (json.ok === false && typeof json.error === 'string') rec.error = json.error;
      return c.json(json, status as 200, headers);
    };
    try {
      const { args, formToken } = await readBody(c, rec);
      if (!rec.hasToken && formToken !== undefined) {
        rec.hasToken = true;
        rec.tokenValid = formToken === opts.token;
      }
      const fault = takeFault();
      if (fault !== undefined) {
        rec.injected = true;
        if (typeof fault === 'string') {
          if (fault === 'ratelimited')
            return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '3' });
          return answer(200, { ok: false, error: fault });
        }
        const headers: Record<string, string> =
          fault.retryAfter !== undefined || fault.status === 429
            ? { 'retry-after': String(fault.retryAfter ?? 3) }
            : {};
        return answer(
          fault.status,
          { ok: false, error: fault.error ?? (fault.status === 429 ? 'ratelimited' : 'internal_error') },
          headers,
        );
      }
      if (!rec.hasToken) throw new SlackError('not_authed');
      if (!rec.tokenValid) throw new SlackError('invalid_auth');
      for (const k of Object.keys(args)) {
        if (!POST_MESSAGE_ARGS.includes(k))
          throw new SlackError('invalid_arguments', {
            response_metadata: { messages: [`[ERROR] unknown argument ${k}`] },
          });
      }
      if (typeof args.channel !== 'string' || !args.channel) throw new SlackError('channel_not_found');
      const channel = resolveChannel(args.channel);
      if (!channel) throw new SlackError('channel_not_found');
      if (channel.archived) throw new SlackError('is_archived');
      if (channel.member === false) throw new SlackError('not_in_channel');
      const text = args.text;
      if (text !== undefined && typeof text !== 'string') throw new SlackError('invalid_arguments');
      const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
      if ((!text || !text.trim()) && !hasBlocks) throw new SlackError('no_text');
      if (typeof text === 'string' && text.length > TEXT_MAX) throw new SlackError('msg_too_long');
      if (args.blocks !== undefined) {
        const errors = validateBlocks(args.blocks);
        if (errors.length > 0) {
          throw new SlackError('invalid_blocks', {
            errors,
            response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
          });
        }
      }
      const warnings: string[] = [];
      if (
        (rec.contentType ?? '').startsWith('application/json') &&
        !/charset=/i.test(rec.contentType ?? '')
      ) {
        warnings.push('missing_charset');
      }
      if (hasBlocks && !text) warnings.push('missing_text_or_fallback_or_attachments');
      const ts = nextTs();
      const { channel: _c, text: _t, blocks, ...rest } = args;
      const message: PostedSlackMessage = {
        channel: channel.id,
        ts,
        text: typeof text === 'string' ? text : '',
        ...(hasBlocks ? { blocks: blocks as unknown[] } : {}),
        args: rest,
        via: 'web_api',
      };
      posted.push(message);
      return answer(200, {
        ok: true,
        channel: channel.id,
        ts,
        message: {
          type: 'message',
          subtype: 'bot_message',
          bot_id: 'B0FAKESLACK',
          text: message.text,
          ts,
          ...(hasBlocks ? { blocks } : {}),
        },
        ...(warnings.length > 0 ? { warning: warnings.join(','), response_metadata: { warnings } } : {}),
      });
    } catch (err) {
      if (!(err instanceof SlackError)) throw err;
      return answer(200, { ok: false, error: err.error, ...err.extra });
    }
  });

  // chat.delete: a message the bot posted, by channel and ts (as the real API: ok, or an error code).
  app.post('/api/chat.delete', async (c) => {
    const rec = recordWebApiRequest(c);
    rec.status = 200;
    const fail = (error: string) => {
      rec.error = error;
      return c.json({ ok: false, error });
    };
    let args: Json;
    try {
      ({ args } = await readBody(c, rec));
    } catch (err) {
      if (err instanceof SlackError) return fail(err.error);
      throw err;
    }
    if (!rec.hasToken) return fail('not_authed');
    if (!rec.tokenValid) return fail('invalid_auth');
    const channel = typeof args.channel === 'string' ? resolveChannel(args.channel) : undefined;
    if (!channel) return fail('channel_not_found');
    const at = posted.findIndex((m) => m.channel === channel.id && m.ts === args.ts);
    if (at < 0) return fail('message_not_found');
    posted.splice(at, 1);
    return c.json({ ok: true, channel: channel.id, ts: args.ts });
  });

  app.post('/services/*', async (c) => {
    const path = c.req.path.slice('/services/'.length);
    const rec: RecordedSlackRequest = {
      seq: ++seq,
      method: c.req.method,
      path: c.req.path,
      hasToken: true,
      tokenValid: path in webhooks,
      body: undefined,
      status: 0,
    };
    const contentType = c.req.header('content-type');
    if (contentType !== undefined) rec.contentType = contentType;
    requests.push(rec);
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (text !== 'ok') rec.error = text;
      return c.text(text, status as 200, headers);
    };
    const raw = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    rec.body = body;
    const fault = takeFault();
    if (fault !== undefined) {
      rec.injected = true;
      if (typeof fault === 'string')
        return answer(fault === 'ratelimited' ? 429 : 400, fault, { 'retry-after': '3' });
      return answer(
        fault.status,
        fault.error ?? 'internal_error',
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
      );
    }
    const channelId = webhooks[path];
    if (channelId === undefined) return answer(404, 'no_service');
    const channel = resolveChannel(channelId);
    if (!channel) return answer(404, 'channel_not_found');
    if (channel.archived) return answer(410, 'channel_is_archived');
    if (!isObject(body) || !(contentType ?? '').startsWith('application/json'))
      return answer(400, 'invalid_payload');
    const { text, blocks, ...rest } = body;
    for (const k of Object.keys(rest)) {
      if (!['unfurl_links', 'unfurl_media', 'mrkdwn', 'thread_ts', 'attachments'].includes(k))
        return answer(400, 'invalid_payload');
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    if ((typeof text !== 'string' || !text.trim()) && !hasBlocks) return answer(400, 'no_text');
    if (blocks !== undefined && validateBlocks(blocks).length > 0) return answer(400, 'invalid_blocks');
    posted.push({
      channel: channel.id,
      ts: nextTs(),
      text: typeof text === 'string' ? text : '',
      ...(hasBlocks ? { blocks: blocks as unknown[] } : {}),
      args: rest,
      via: 'webhook',
    });
    return answer(200, 'ok');
  });

  app.notFound((c) => c.json({ ok: false, error: 'unknown_method' }, 404));

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });

  return {
    apiUrl: `${server.url}/api`,
    url: server.url,
    webhookUrl: (path) => `${server.url}/services/${path}`,
    requests,
    messages(ref) {
      const channel = resolveChannel(ref);
      return posted.filter((m) => m.channel === (channel?.id ?? ref)).map((m) => structuredClone(m));
    },
    allMessages: () => posted.map((m) => structuredClone(m)),
    failNext(n, fault) {
      faults.push({ remaining: n, fault });
    },
    reset() {
      requests.length = 0;
      posted.length = 0;
      faults = [];
    },
    close: () => server.close(),
  };
}
