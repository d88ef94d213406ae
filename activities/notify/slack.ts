/**
 * Slack notifications for the human team: the Web API's `chat.postMessage` (bot token, JSON body)
 * or, for teams that only set up an incoming webhook, a POST to the webhook URL.
 *
 * Privacy: Slack is a broadcast channel, so the messages here stay short and carry no customer
 * message text. A hand-off message has the rule, the customer's tier, the MASKED phone number,
 * intent and sentiment, the model-written summary (cut to {@link SUMMARY_MAX} characters) and links
 * to the conversation and the ticket; the transcript stays in the helpdesk. No display name either.
 *
 * Failures are Temporal `ApplicationFailure`s: HTTP 429 / `ratelimited` (Retry-After honoured as
 * `nextRetryDelay`), 5xx, `internal_error`, network errors and timeouts are retryable; auth errors
 * (`not_authed`, `invalid_auth`, …), channel errors (`channel_not_found`, `not_in_channel`,
 * `is_archived`) and invalid messages are not. The token never appears in an error or a log line.
 */
import { ApplicationFailure } from '@temporalio/common';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { HandoffPackage, TicketRef } from '../helpdesk/types.js';
import { apiFailure, fetchText, isRecord, parseJson, parseRetryAfter } from '../../core/http.js';

export interface SlackNotifierOptions {
  /** A bot token (`xoxb-…`) with `chat:write`. */
  token: string;
  /** Default `https://slack.com/api`. */
  apiUrl?: string;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export interface SlackWebhookOptions {
  /** The incoming webhook URL (`https://hooks.slack.com/services/…`); it is a secret. */
  webhookUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

/** A Block Kit block, as Slack takes it (the builders below only use header/section/context). */
export type SlackBlock = Record<string, unknown> & { type: string };

/** What the builders return: the notification fallback text and the blocks. Add the channel. */
export interface SlackContent {
  text: string;
  blocks?: SlackBlock[];
}

export interface SlackMessage extends SlackContent {
  /** A channel id (`C…`) or name (`#support`). */
  channel: string;
}

export interface SlackNotifier {
  /** Posts the message; returns the channel id and the message's `ts` (to thread replies on). */
  postMessage(message: SlackMessage): Promise<{ channel: string; ts: string }>;
  /** Deletes a message the bot posted (`chat.delete`); one already gone counts as deleted. */
  deleteMessage(message: { channel: string; ts: string }): Promise<void>;
}

export interface SlackWebhookNotifier {
  /** Posts to the webhook's fixed channel. Webhooks return no message id. */
  post(content: SlackContent): Promise<void>;
}

/** The `type` of every ApplicationFailure the notifier throws. */
export const SlackErrorTypes = {
  RateLimited: 'SlackRateLimited',
  Transient: 'SlackTransientError',
  AuthError: 'SlackAuthError',
  ChannelError: 'SlackChannelError',
  InvalidMessage: 'SlackInvalidMessage',
  Permanent: 'SlackPermanentError',
} as const;

export type SlackErrorType = (typeof SlackErrorTypes)[keyof typeof SlackErrorTypes];

/** `details[0]` of every failure. */
export interface SlackErrorDetails {
  httpStatus?: number;
  /** Slack's `error` code (`channel_not_found`…), or the webhook's plain-text answer. */
  error?: string;
  /** Slack's `errors` / `response_metadata.messages` for invalid blocks. */
  messages?: string[];
  retryAfterMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_API_URL = 'https://slack.com/api';
/** How much of the summary goes to Slack. */
export const SUMMARY_MAX = 500;
const TEXT_MAX = 40_000;

const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'invalid_token',
  'action_prohibited',
]);
const CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'restricted_action',
  'no_service',
  'posting_to_general_channel_denied',
]);
const INVALID_ERRORS = new Set([
  'no_text',
  'msg_too_long',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_payload',
  'too_many_attachments',
]);

/** Maps a Slack error (HTTP status + `error` code) to an ApplicationFailure. Pure. */
export function classifySlackError(
  httpStatus: number,
  error: string | undefined,
  retryAfter: string | null,
  messages: string[] = [],
): ApplicationFailure {
  const delay = parseRetryAfter(retryAfter);
  let type: SlackErrorType;
  if (httpStatus === 429 || (error && RATE_LIMIT_ERRORS.has(error))) type = SlackErrorTypes.RateLimited;
  else if (error && AUTH_ERRORS.has(error)) type = SlackErrorTypes.AuthError;
  else if (error && CHANNEL_ERRORS.has(error)) type = SlackErrorTypes.ChannelError;
  else if (error && INVALID_ERRORS.has(error)) type = SlackErrorTypes.InvalidMessage;
  else if (httpStatus >= 500 || httpStatus === 408 || (error && TRANSIENT_ERRORS.has(error)))
    type = SlackErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = SlackErrorTypes.AuthError;
  else type = SlackErrorTypes.Permanent;
  const retryable = type === SlackErrorTypes.RateLimited || type === SlackErrorTypes.Transient;
  const details: SlackErrorDetails = {
    httpStatus,
    ...(error ? { error } : {}),
    ...(messages.length > 0 ? { messages } : {}),
    ...(delay !== undefined ? { retryAfterMs: delay } : {}),
  };
  const extra = messages.length > 0 ? ` (${messages.join('; ').slice(0, 300)})` : '';
  return apiFailure(`Slack error ${error ?? 'without code'} (HTTP ${httpStatus})${extra}`, {
    type,
    retryable,
    details,
    retryAfterMs: delay,
  });
}

/** Creates a `chat.postMessage` notifier bound to one bot token. */
export function createSlackNotifier(opts: SlackNotifierOptions): SlackNotifier {
  const apiUrl = (opts.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = opts.logger ?? silentLogger;
  const redact = (s: string) => (opts.token ? s.split(opts.token).join('[redacted]') : s);

  /**
   * One Web API call (JSON body, bot token): the answer's record when Slack said ok (or answered
   * one of `tolerated` errors), else the classified failure.
   */
  async function callWebApi(
    method: string,
    body: unknown,
    tolerated: string[] = [],
  ): Promise<{ httpStatus: number; rec: Record<string, unknown> }> {
    const { res, text } = await send(
      doFetch,
      `${apiUrl}/${method}`,
      { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify(body),
      timeoutMs,
      redact,
    );
    const json = parseJson(text);
    const rec = isRecord(json) ? json : undefined;
    const error = typeof rec?.error === 'string' ? rec.error : undefined;
    if (res.status === 200 && rec && (rec.ok === true || (error && tolerated.includes(error))))
      return { httpStatus: res.status, rec };
    const failure = classifySlackError(res.status, error, res.headers.get('retry-after'), slackMessages(rec));
    log.warn(`slack ${method} failed`, { httpStatus: res.status, error, type: failure.type });
    throw failure;
  }

  return {
    async postMessage(message) {
      checkContent(message);
      if (!message.channel.trim()) throw invalidMessage('channel is required');
      const { httpStatus, rec } = await callWebApi('chat.postMessage', {
        channel: message.channel,
        text: message.text,
        ...(message.blocks && message.blocks.length > 0 ? { blocks: message.blocks } : {}),
        // Links in our messages point at Parley and the helpdesk: no previews in the channel.
        unfurl_links: false,
        unfurl_media: false,
      });
      if (typeof rec.ts !== 'string' || typeof rec.channel !== 'string') {
        throw ApplicationFailure.create({
          message: 'Slack chat.postMessage: unexpected response (no ts or channel)',
          type: SlackErrorTypes.Permanent,
          nonRetryable: true,
          details: [{ httpStatus } satisfies SlackErrorDetails],
        });
      }
      log.debug('slack message posted', { channel: rec.channel, ts: rec.ts });
      return { channel: rec.channel, ts: rec.ts };
    },

    async deleteMessage({ channel, ts }) {
      // A message already gone (an earlier attempt, or deleted by hand) is what we wanted.
      await callWebApi('chat.delete', { channel, ts }, ['message_not_found']);
    },
  };
}

/** Creates an incoming-webhook notifier (the channel is fixed by the webhook). */
export function createSlackWebhookNotifier(opts: SlackWebhookOptions): SlackWebhookNotifier {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = opts.logger ?? silentLogger;
  // The whole URL is the credential.
  const redact = (s: string) => s.split(opts.webhookUrl).join('[webhook]');
  return {
    async post(content) {
      checkContent(content);
      const body = {
        text: content.text,
        ...(content.blocks && content.blocks.length > 0 ? { blocks: content.blocks } : {}),
        unfurl_links: false,
        unfurl_media: false,
      };
      const { res, text } = await send(
        doFetch,
        opts.webhookUrl,
        { 'content-type': 'application/json; charset=utf-8' },
        JSON.stringify(body),
        timeoutMs,
        redact,
      );
      if (res.status === 200) return;
      // Webhooks answer plain-text codes: `invalid_payload`, `channel_not_found`, `no_service`…
      const code = /^[a-z_]+$/.test(text.trim()) ? text.trim() : undefined;
      const failure = classifySlackError(res.status, code, res.headers.get('retry-after'));
      log.warn('slack webhook failed', { httpStatus: res.status, error: code, type: failure.type });
      throw failure;
    },
  };
}

async function send(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  redact: (s: string) => string,
): Promise<{ res: Response; text: string }> {
  const sent = await fetchText(
    doFetch,
    url,
    { method: 'POST', headers: { accept: 'application/json', ...headers }, body },
    { timeoutMs, redact },
  );
  if ('failed' in sent) {
    throw ApplicationFailure.create({
      message: `Slack request failed: ${sent.failed}`,
      type: SlackErrorTypes.Transient,
      nonRetryable: false,
      details: [{ error: sent.failed } satisfies SlackErrorDetails],
    });
  }
  return sent;
}

function checkContent(c: SlackContent): void {
  if (!c.text.trim() && !(c.blocks && c.blocks.length > 0)) throw invalidMessage('text or blocks required');
  if (c.text.length > TEXT_MAX) throw invalidMessage(`text is over ${TEXT_MAX} characters`);
  if (c.blocks && c.blocks.length > 50) throw invalidMessage('Slack allows at most 50 blocks');
}

function invalidMessage(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: SlackErrorTypes.InvalidMessage,
    nonRetryable: true,
    details: [{ error: message } satisfies SlackErrorDetails],
  });
}

function slackMessages(rec: Record<string, unknown> | undefined): string[] {
  if (!rec) return [];
  const out: string[] = [];
  if (Array.isArray(rec.errors)) out.push(...rec.errors.filter((e): e is string => typeof e === 'string'));
  const meta = rec.response_metadata;
  if (isRecord(meta) && Array.isArray(meta.messages)) {
    out.push(...meta.messages.filter((m): m is string => typeof m === 'string'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Message builders

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mrkdwn link; http(s) URLs only (anything else is dropped). */
function slackLink(url: string | undefined, label: string): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return `<${u.toString().replace(/[|>]/g, encodeURIComponent)}|${slackEscape(label)}>`;
  } catch {
    return undefined;
  }
}

/** Inline code: a masked number's asterisks would otherwise read as mrkdwn bold markers. */
function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function field(label: string, value: string | undefined): Record<string, unknown> {
  return { type: 'mrkdwn', text: `*${label}*\n${slackEscape(cut(value || '—', 200))}` };
}

function ticketLabel(ticket: TicketRef): string {
  return ticket.system === 'zendesk' ? `Zendesk #${ticket.id}` : `Queue #${ticket.id}`;
}

function linksLine(conversationUrl: string, ticket: TicketRef): string {
  return [
    slackLink(conversationUrl, 'Open conversation'),
    slackLink(ticket.url, `Open ticket (${ticketLabel(ticket)})`) ?? ticketLabel(ticket),
  ]
    .filter(Boolean)
    .join('  ·  ');
}

/** The hand-off notification: short text for the notification, blocks for the channel. */
export function handoffMessage(pkg: HandoffPackage, ticket: TicketRef): SlackContent {
  const review = pkg.handling === 'next_day_review';
  const title = review ? 'Next-day review' : 'Hand-off to a human';
  const tier = pkg.customer.tier ? ` (${pkg.customer.tier})` : '';
  const text = cut(
    `${review ? ':memo:' : ':rotating_light:'} ${title}: ${pkg.rule} — customer ${code(pkg.customer.maskedPhone)}${tier} — ${ticketLabel(ticket)}`,
    300,
  );
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${title}: ${pkg.rule}`, 150), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: slackEscape(cut(pkg.reason || pkg.rule, 500)) },
      fields: [
        field('Rule', pkg.rule),
        field('Customer tier', pkg.customer.tier),
        field('Customer', code(pkg.customer.maskedPhone)),
        field('Intent', pkg.understanding.intent),
        field('Sentiment', pkg.understanding.sentiment),
        field('Ticket', ticketLabel(ticket)),
      ],
    },
  ];
  if (pkg.summary.trim()) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Summary*\n${slackEscape(cut(pkg.summary.trim(), SUMMARY_MAX))}` },
    });
  }
  if (pkg.recommendedNextAction.trim()) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Next action*\n${slackEscape(cut(pkg.recommendedNextAction.trim(), 300))}`,
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: linksLine(pkg.conversationUrl, ticket) }],
  });
  return { text, blocks };
}

export interface SlaReminderInput {
  ticket: TicketRef;
  rule: string;
  maskedPhone: string;
  tier?: string;
  conversationUrl: string;
  /** When the hand-off was created (ISO 8601). */
  waitingSince: string;
  /** The first-response target that was missed, in minutes. */
  slaMinutes: number;
  now?: Date;
}

/** A nudge when a hand-off waits past its first-response target without an agent. */
export function slaReminderMessage(input: SlaReminderInput): SlackContent {
  const since = Date.parse(input.waitingSince);
  const now = (input.now ?? new Date()).getTime();
  const waited = Number.isNaN(since) ? undefined : Math.max(0, Math.floor((now - since) / 60_000));
  const waitedText = waited === undefined ? 'a while' : `${waited} min`;
  const tier = input.tier ? ` (${input.tier})` : '';
  const text = cut(
    `:hourglass: ${ticketLabel(input.ticket)} has waited ${waitedText} without an agent (target ${input.slaMinutes} min): ${input.rule}, customer ${code(input.maskedPhone)}${tier}`,
    300,
  );
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: linksLine(input.conversationUrl, input.ticket) }],
      },
    ],
  };
}

export interface OnCallInput {
  ticket: TicketRef;
  rule: string;
  reason: string;
  maskedPhone: string;
  tier?: string;
  conversationUrl: string;
  /** Who to page: a user id (`U…`/`W…`), a user-group id (`S…`), or `here` / `channel`. */
  mention?: string;
}

/** Pages the on-call person for an urgent hand-off outside staffed hours. */
export function onCallMessage(input: OnCallInput): SlackContent {
  const mention = formatMention(input.mention);
  const tier = input.tier ? ` (${input.tier})` : '';
  const text = cut(
    `:pager: Urgent hand-off outside staffed hours: ${input.rule}, customer ${code(input.maskedPhone)}${tier} — ${ticketLabel(input.ticket)}`,
    300,
  );
  return {
    text: mention ? `${mention} ${text}` : text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${mention ? `${mention} ` : ''}${slackEscape(text)}\n${slackEscape(cut(input.reason, 500))}`,
        },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: linksLine(input.conversationUrl, input.ticket) }],
      },
    ],
  };
}

function formatMention(mention: string | undefined): string | undefined {
  if (!mention) return undefined;
  if (mention === 'here' || mention === 'channel') return `<!${mention}>`;
  if (/^[UW][A-Z0-9]{2,}$/.test(mention)) return `<@${mention}>`;
  if (/^S[A-Z0-9]{2,}$/.test(mention)) return `<!subteam^${mention}>`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers
