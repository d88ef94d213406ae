/**
 * The Zendesk helpdesk adapter: the Tickets API over plain HTTP (no SDK), authenticated with an API
 * token (`{email}/token:{api_token}`, HTTP basic).
 *
 * - createTicket: looks for a ticket whose `external_id` is derived from the idempotency key
 *   (`GET /api/v2/tickets.json?external_id=…`; a hash, since keys contain the conversation id and
 *   so the customer's number) and returns it if found; otherwise creates one (`POST
 *   /api/v2/tickets.json`, also sending it as `Idempotency-Key`, which Zendesk honours for a while). The package becomes a private HTML comment (summary, recommended action,
 *   customer and history, rule, transcript, link to the conversation); the requester is the customer
 *   by name, never by phone number; tags `parley`, `rule_<rule>`, the handling and tier, and the
 *   optional brand tag. Next-day reviews are Zendesk tasks with a `due_at`.
 * - addComment: `PUT /api/v2/tickets/{id}.json` with the comment (public or private); a customer's
 *   message also sets the ticket back to `open` (it needs an agent again).
 * - ticketStatus: `GET /api/v2/tickets/{id}.json`, Zendesk's status mapped to the neutral one
 *   (new/open → open, pending/hold → pending, solved, closed).
 *
 * Every failure is a Temporal `ApplicationFailure`: retryable for 429 (with Retry-After as
 * `nextRetryDelay`), 409, 5xx, network errors and timeouts; non-retryable for 401/403, 404, 422 and
 * other 4xx. `details[0]` keeps Zendesk's `error`, `description` and `details`. Neither the token nor
 * the Authorization header ever appears in an error or a log line.
 */
import { escapeHtml } from '../../core/html.js';
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { silentLogger, type Logger } from '../../core/logger.js';
import {
  HelpdeskErrorTypes,
  type AddCommentOptions,
  type CreateTicketOptions,
  type HandoffPackage,
  type Helpdesk,
  type HelpdeskErrorType,
  type TicketComment,
  type TicketRef,
  type TicketStatus,
} from './types.js';
import { apiFailure, fetchText, isRecord, parseJson, parseRetryAfter } from '../../core/http.js';

export interface ZendeskHelpdeskOptions {
  /** The account's URL, e.g. `https://acme.zendesk.com`. */
  baseUrl: string;
  /** The agent or admin the API token belongs to. */
  email: string;
  apiToken: string;
  /** An extra tag on every ticket (e.g. the brand or deployment), so Zendesk views can pick them out. */
  brandTag?: string;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
  /**
   * Called with Zendesk's ticket id and the conversation id once the ticket exists: after a
   * successful create, and again when a retried create finds the ticket the first attempt made (so
   * it must be idempotent). Parley records the link there, which is how Zendesk's webhooks find
   * their conversation. A failure fails createTicket, and the activity's retry calls it again.
   */
  onTicketCreated?: (ticketId: string, conversationId: string) => Promise<void>;
}

/** `details[0]` of every failure this adapter throws. */
export interface ZendeskErrorDetails {
  httpStatus?: number;
  /** Zendesk's `error` (e.g. `RecordInvalid`, `RecordNotFound`), or its message for 401s. */
  error?: string;
  description?: string;
  /** Zendesk's per-field validation errors, as sent. */
  details?: unknown;
  retryAfterMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const SUBJECT_MAX = 150;
/** Zendesk caps a comment at 64 KB; keep the rendered package well under it. */
const COMMENT_BUDGET = 60_000;
const USER_AGENT = 'parley-helpdesk/0.1';
/** One transcript entry in the ticket (a pasted e-mail, a long OCR'd document…) is cut here. */
const TRANSCRIPT_ENTRY_MAX = 4_000;

/**
 * The ticket's `external_id` for an idempotency key: a hash, because callers' keys are built from
 * the conversation id, which contains the customer's WhatsApp number.
 */
export function zendeskExternalId(idempotencyKey: string): string {
  return `parley-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** Zendesk's statuses mapped to the neutral ones. `hold` waits on a third party: pending for us. */
export function mapZendeskStatus(status: string): TicketStatus | undefined {
  switch (status) {
    case 'new':
    case 'open':
      return 'open';
    case 'pending':
    case 'hold':
      return 'pending';
    case 'solved':
      return 'solved';
    case 'closed':
      return 'closed';
    default:
      return undefined;
  }
}

/** A Zendesk tag: lowercase, no spaces (Zendesk splits tags on whitespace). */
export function zendeskTag(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_\-:]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function createZendeskHelpdesk(opts: ZendeskHelpdeskOptions): Helpdesk {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = opts.logger ?? silentLogger;
  const basic = Buffer.from(`${opts.email}/token:${opts.apiToken}`).toString('base64');
  const secrets = [opts.apiToken, basic].filter((s) => s.length > 0);
  /** Nothing we put in an error or log may contain the token. */
  const redact = (s: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);

  async function request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    op: string,
    body?: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const started = Date.now();
    const sent = await fetchText(
      doFetch,
      `${base}${path}`,
      {
        method,
        headers: {
          authorization: `Basic ${basic}`,
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...extraHeaders,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      { timeoutMs, redact },
    );
    if ('failed' in sent) {
      const reason = sent.failed;
      log.warn('zendesk request failed', { op, error: reason });
      throw ApplicationFailure.create({
        message: `Zendesk ${op} failed: ${reason}`,
        type: HelpdeskErrorTypes.Transient,
        nonRetryable: false,
        details: [{ description: reason } satisfies ZendeskErrorDetails],
      });
    }
    const { res, text } = sent;
    const parsed = parseJson(text);
    if (!res.ok) {
      const failure = classifyZendeskError(res.status, parsed ?? text, res.headers.get('retry-after'), op);
      log.warn('zendesk error', {
        op,
        httpStatus: res.status,
        type: failure.type,
        durationMs: Date.now() - started,
      });
      throw failure;
    }
    // 204 No Content (a deletion): nothing to parse.
    if (res.status === 204) return { status: 204, json: {} };
    if (!isRecord(parsed)) throw unexpected(op, res.status, 'body is not a JSON object');
    log.debug('zendesk ok', { op, httpStatus: res.status, durationMs: Date.now() - started });
    return { status: res.status, json: parsed };
  }

  function ticketRef(id: number | string): TicketRef {
    return { system: 'zendesk', id: String(id), url: `${base}/agent/tickets/${id}` };
  }

  function ticketPath(ticket: TicketRef): string {
    if (ticket.system !== 'zendesk' || !/^[1-9][0-9]{0,17}$/.test(ticket.id)) {
      throw ApplicationFailure.create({
        message: `Not a Zendesk ticket: ${ticket.system} ${ticket.id}`,
        type: HelpdeskErrorTypes.InvalidRequest,
        nonRetryable: true,
        details: [{ description: 'not a zendesk ticket ref' } satisfies ZendeskErrorDetails],
      });
    }
    return `/api/v2/tickets/${ticket.id}.json`;
  }

  async function findByExternalId(externalId: string): Promise<TicketRef | undefined> {
    const { json } = await request(
      'GET',
      `/api/v2/tickets.json?external_id=${encodeURIComponent(externalId)}`,
      'find-ticket',
    );
    if (!Array.isArray(json.tickets)) throw unexpected('find-ticket', 200, 'no tickets array');
    const ids = json.tickets
      .map((t: unknown) => (isRecord(t) && t.external_id === externalId ? t.id : undefined))
      .filter((id): id is number => typeof id === 'number');
    // Two tickets with one key can only come from outside Parley; the oldest is the original.
    return ids.length > 0 ? ticketRef(Math.min(...ids)) : undefined;
  }

  return {
    system: 'zendesk',

    async createTicket(pkg: HandoffPackage, o: CreateTicketOptions): Promise<TicketRef> {
      if (!o.idempotencyKey) throw invalidRequest('createTicket needs an idempotency key');
      const externalId = zendeskExternalId(o.idempotencyKey);
      const found = await findByExternalId(externalId);
      if (found) {
        log.info('zendesk ticket already exists', { ticketId: found.id });
        await opts.onTicketCreated?.(found.id, pkg.conversationId);
        return found;
      }
      const ticket = buildZendeskTicket(pkg, {
        externalId,
        ...(o.dueAt !== undefined ? { dueAt: o.dueAt } : {}),
        ...(opts.brandTag ? { brandTag: opts.brandTag } : {}),
      });
      const { json } = await request(
        'POST',
        '/api/v2/tickets.json',
        'create-ticket',
        { ticket },
        {
          'idempotency-key': externalId,
        },
      );
      const created = isRecord(json.ticket) ? json.ticket.id : undefined;
      if (typeof created !== 'number') throw unexpected('create-ticket', 201, 'no ticket.id');
      log.info('zendesk ticket created', { ticketId: created, rule: pkg.rule });
      const ref = ticketRef(created);
      await opts.onTicketCreated?.(ref.id, pkg.conversationId);
      return ref;
    },

    async addComment(ticket: TicketRef, comment: TicketComment, _o?: AddCommentOptions): Promise<void> {
      const path = ticketPath(ticket);
      if (!comment.text.trim()) throw invalidRequest('comment text is empty');
      const update: Record<string, unknown> = {
        comment: { html_body: renderCommentHtml(comment), public: comment.public },
      };
      if (comment.author === 'customer') update.status = 'open';
      await request('PUT', path, 'add-comment', { ticket: update });
    },

    async forgetTicket(ticket: TicketRef) {
      const gone = (err: unknown) =>
        err instanceof ApplicationFailure && err.type === HelpdeskErrorTypes.TicketNotFound;
      // Soft delete, then permanent deletion (Zendesk's GDPR path); a retry finds either step done.
      await request('DELETE', ticketPath(ticket), 'delete-ticket').catch((err: unknown) => {
        if (!gone(err)) throw err;
      });
      await request('DELETE', `/api/v2/deleted_tickets/${ticket.id}.json`, 'delete-ticket-permanently').catch(
        (err: unknown) => {
          if (!gone(err)) throw err;
        },
      );
      return 'deleted' as const;
    },

    async ticketStatus(ticket: TicketRef): Promise<TicketStatus> {
      const { json } = await request('GET', ticketPath(ticket), 'ticket-status');
      const raw = isRecord(json.ticket) ? json.ticket.status : undefined;
      const status = typeof raw === 'string' ? mapZendeskStatus(raw) : undefined;
      if (!status) throw unexpected('ticket-status', 200, `unknown status ${String(raw)}`);
      return status;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** The `ticket` object of the create request. Exported for tests and previews. */
export function buildZendeskTicket(
  pkg: HandoffPackage,
  o: { externalId: string; dueAt?: string; brandTag?: string; now?: Date },
): Record<string, unknown> {
  const review = pkg.handling === 'next_day_review';
  const who = pkg.customer.displayName?.trim() || `WhatsApp customer ${pkg.customer.maskedPhone}`;
  const subject = truncate(`${review ? 'Review' : 'Hand-off'}: ${pkg.rule} – ${who}`, SUBJECT_MAX);
  const tags = [
    'parley',
    `rule_${zendeskTag(pkg.rule)}`,
    review ? 'parley_review' : 'parley_handoff',
    ...(pkg.customer.tier ? [`tier_${zendeskTag(pkg.customer.tier)}`] : []),
    ...(o.brandTag ? [zendeskTag(o.brandTag)] : []),
  ].filter((t, i, all) => t.length > 0 && all.indexOf(t) === i);
  const vip = pkg.customer.tier === 'vip' || pkg.customer.tier === 'enterprise';
  const ticket: Record<string, unknown> = {
    subject,
    // The package is for the agents: an internal note, never e-mailed to anyone.
    comment: { html_body: renderPackageHtml(pkg), public: false },
    requester: { name: truncate(who, 255) },
    tags,
    priority: review ? 'normal' : vip ? 'urgent' : 'high',
    external_id: o.externalId,
  };
  if (review) {
    // Zendesk only accepts a due date on tasks.
    const due = o.dueAt ?? new Date((o.now ?? new Date()).getTime() + 24 * 60 * 60 * 1000).toISOString();
    ticket.type = 'task';
    ticket.due_at = due;
  }
  return ticket;
}

const ROLE_LABELS: Record<HandoffPackage['transcript'][number]['role'], string> = {
  customer: 'Customer',
  bot: 'Parley',
  agent: 'Agent',
  system: 'System',
};

/**
 * The package as the ticket's first (private) comment, in the subset of HTML Zendesk keeps. Long
 * transcripts lose their oldest lines first (with a note saying how many), to stay under Zendesk's
 * comment size limit.
 */
export function renderPackageHtml(pkg: HandoffPackage): string {
  const c = pkg.customer;
  const head: string[] = [];
  head.push(
    `<p><strong>${pkg.handling === 'next_day_review' ? 'Next-day review' : 'Hand-off to a human'}</strong>` +
      ` — rule <code>${escapeHtml(pkg.rule)}</code>: ${escapeHtml(pkg.reason)}</p>`,
  );
  head.push(`<h3>Summary</h3><p>${multiline(pkg.summary || '(no summary)')}</p>`);
  head.push(`<h3>Recommended next action</h3><p>${multiline(pkg.recommendedNextAction)}</p>`);
  const customer = [
    ['Name', c.displayName],
    ['Phone', c.maskedPhone],
    ['Tier', c.tier],
    ['Language', c.language],
    ['Intent', pkg.understanding.intent],
    ['Sentiment', pkg.understanding.sentiment],
  ].filter((row): row is [string, string] => typeof row[1] === 'string' && row[1].length > 0);
  head.push(
    `<h3>Customer</h3><ul>${customer.map(([k, v]) => `<li><strong>${k}:</strong> ${escapeHtml(v)}</li>`).join('')}</ul>`,
  );
  const orders = pkg.history.orders.map(
    (o) => `<li>#${escapeHtml(o.orderNumber)} — ${escapeHtml(o.status)} — ${escapeHtml(o.total)}</li>`,
  );
  head.push(
    `<h3>History</h3><p>Open tickets: ${pkg.history.openTickets}</p>` +
      (orders.length > 0 ? `<ul>${orders.join('')}</ul>` : '<p>No orders on file.</p>'),
  );
  const link = safeUrl(pkg.conversationUrl);
  const foot = link ? `<p><a href="${escapeHtml(link)}">Open the conversation in Parley</a></p>` : '';

  const lines = pkg.transcript.map(
    (t) =>
      `<li><strong>${ROLE_LABELS[t.role] ?? escapeHtml(t.role)}</strong> (${escapeHtml(t.at)}): ` +
      `${multiline(truncate(t.text, TRANSCRIPT_ENTRY_MAX))}</li>`,
  );
  const fixed = head.join('') + foot;
  let budget = COMMENT_BUDGET - fixed.length - 200;
  const kept: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.length > budget) break;
    budget -= line.length;
    kept.unshift(line);
  }
  const omitted = lines.length - kept.length;
  const transcript =
    `<h3>Transcript</h3>` +
    (omitted > 0 ? `<p><em>${omitted} earlier message(s) omitted.</em></p>` : '') +
    (kept.length > 0 ? `<ul>${kept.join('')}</ul>` : '<p>(empty)</p>');
  return head.join('') + transcript + foot;
}

const AUTHOR_LABELS: Record<TicketComment['author'], string> = {
  customer: 'Customer (WhatsApp)',
  parley: 'Parley',
  agent: 'Agent',
};

function renderCommentHtml(comment: TicketComment): string {
  return `<p><strong>${AUTHOR_LABELS[comment.author]}:</strong></p><p>${multiline(comment.text)}</p>`;
}

function multiline(s: string): string {
  return escapeHtml(s).replace(/\r?\n/g, '<br>');
}

/** Only http(s) links make it into the HTML. */
function safeUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Parses Retry-After (delta-seconds or an HTTP date) into milliseconds; undefined when absent or
 * unparsable. At least one second, so a `0` does not turn into a hot loop.
 */

/** Maps a Zendesk error response to an ApplicationFailure. Pure. */
export function classifyZendeskError(
  httpStatus: number,
  body: unknown,
  retryAfter: string | null,
  op = 'request',
): ApplicationFailure {
  const details: ZendeskErrorDetails = { httpStatus };
  if (isRecord(body)) {
    if (typeof body.error === 'string') details.error = body.error;
    else if (isRecord(body.error) && typeof body.error.title === 'string') details.error = body.error.title;
    if (typeof body.description === 'string') details.description = body.description;
    if (body.details !== undefined) details.details = body.details;
  } else if (typeof body === 'string' && body.trim()) {
    details.description = body.trim().slice(0, 200);
  }
  const delay = parseRetryAfter(retryAfter);
  if (delay !== undefined) details.retryAfterMs = delay;

  let type: HelpdeskErrorType;
  if (httpStatus === 429) type = HelpdeskErrorTypes.RateLimited;
  else if (httpStatus >= 500 || httpStatus === 408 || httpStatus === 409) type = HelpdeskErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = HelpdeskErrorTypes.AuthError;
  else if (httpStatus === 404) type = HelpdeskErrorTypes.TicketNotFound;
  else if (httpStatus === 422)
    type = mentionsClosed(details.details)
      ? HelpdeskErrorTypes.TicketClosed
      : HelpdeskErrorTypes.InvalidRequest;
  else type = HelpdeskErrorTypes.Permanent;

  const retryable = type === HelpdeskErrorTypes.RateLimited || type === HelpdeskErrorTypes.Transient;
  const what = [details.error, details.description, describeValidation(details.details)]
    .filter(Boolean)
    .join(': ');
  return apiFailure(`Zendesk ${op} failed (HTTP ${httpStatus})${what ? `: ${what}` : ''}`, {
    type,
    retryable,
    details,
    retryAfterMs: delay,
  });
}

/** Zendesk's 422 on a closed ticket: `details.status[].description` "Status: closed prevents ticket update". */
function mentionsClosed(details: unknown): boolean {
  if (!isRecord(details) || !Array.isArray(details.status)) return false;
  return details.status.some(
    (d: unknown) => isRecord(d) && typeof d.description === 'string' && /closed/i.test(d.description),
  );
}

function describeValidation(details: unknown): string | undefined {
  if (!isRecord(details)) return undefined;
  const parts: string[] = [];
  for (const [field, errors] of Object.entries(details)) {
    if (!Array.isArray(errors)) continue;
    for (const e of errors) {
      if (isRecord(e) && typeof e.description === 'string') parts.push(e.description);
      else parts.push(field);
    }
  }
  return parts.length > 0 ? parts.join('; ').slice(0, 500) : undefined;
}

function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: HelpdeskErrorTypes.InvalidRequest,
    nonRetryable: true,
    details: [{ description: message } satisfies ZendeskErrorDetails],
  });
}

function unexpected(op: string, httpStatus: number, why: string): ApplicationFailure {
  const message = `Zendesk ${op}: unexpected response (${why})`;
  return ApplicationFailure.create({
    message,
    type: HelpdeskErrorTypes.Permanent,
    nonRetryable: true,
    details: [{ httpStatus, description: message } satisfies ZendeskErrorDetails],
  });
}
