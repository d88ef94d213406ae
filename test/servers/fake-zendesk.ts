/**
 * A stand-in for Zendesk's Tickets API (Support API v2), for contract tests: a real HTTP server (Hono)
 * speaking the documented request and response shapes of the subset Parley uses:
 *
 * - `GET /api/v2/tickets.json` (optionally `?external_id=…`): `{ tickets, next_page, previous_page, count }`;
 * - `POST /api/v2/tickets.json` with `{ ticket: { subject, comment: { body | html_body, public }, requester,
 *   tags, priority, type, due_at, external_id, custom_fields, … } }`: 201 `{ ticket, audit }` and a
 *   `Location` header. An `Idempotency-Key` header replays the first answer for the same body
 *   (`x-idempotency-lookup: hit`) and refuses a different body with the same key (400);
 * - `GET /api/v2/tickets/{id}.json`: `{ ticket }`;
 * - `PUT /api/v2/tickets/{id}.json` with `{ ticket: { comment?, status?, … } }`: 200 `{ ticket, audit }`;
 * - `GET /api/v2/tickets/{id}/comments.json`: `{ comments, next_page, previous_page, count }`.
 *
 * Authentication is API-token basic auth, `{email}/token:{api_token}`, checked on every request: 401
 * `{"error":"Couldn't authenticate you"}` otherwise. Errors use Zendesk's envelope: 404
 * `{ error: "RecordNotFound", description: "Not found" }`; 422 `{ error: "RecordInvalid", description:
 * "Record validation errors", details: { field: [{ description, error }] } }` (a blank first comment, an
 * invalid priority/type/status, a due date on a non-task, any update of a closed ticket — "Status:
 * closed prevents ticket update"); 429 with `Retry-After`.
 *
 * Deliberately stricter than Zendesk in one respect: unknown fields (in the body root, the ticket, the
 * comment, the requester) and unknown query parameters are refused (400 / 501) instead of ignored, so a
 * misspelt field fails the test. Tags are normalised as Zendesk does (lowercased, split on whitespace).
 * The exact wording of some validation messages is approximate.
 *
 * Every request is recorded (method, path, query, parsed body, whether the credentials were right —
 * never their value — the Idempotency-Key, the status answered). `failNext(n, status)` makes the next n
 * requests answer an error (429s carry `Retry-After`). `setStatus` plays the agent in Zendesk's UI.
 */
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type ZendeskStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';

export interface FakeZendeskOptions {
  port?: number;
  host?: string;
  /** The API token's owner: requests must authenticate as `{email}/token:{apiToken}`. */
  email: string;
  apiToken: string;
  /** Id of the first ticket created. Default 1001. */
  firstTicketId?: number;
}

export interface FakeZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
}

export interface FakeZendeskTicket {
  id: number;
  external_id: string | null;
  subject: string;
  description: string;
  status: ZendeskStatus;
  priority: string | null;
  type: string | null;
  tags: string[];
  due_at: string | null;
  requester_id: number;
  /** The requester object as sent on creation (undefined when `requester_id` was used). */
  requester?: Record<string, unknown>;
  custom_fields: { id: number; value: unknown }[];
  comments: FakeZendeskComment[];
  created_at: string;
  updated_at: string;
}

export interface RecordedZendeskRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body (raw text when it did not parse; undefined without a body). */
  body: unknown;
  hasAuthorization: boolean;
  /** Whether the credentials matched (their value is never recorded). */
  authorized: boolean;
  idempotencyKey?: string;
  contentType?: string;
  status: number;
  injected?: number;
}

export interface ZendeskFaultOptions {
  /** Seconds for `Retry-After` (429 default 7; others none unless given). */
  retryAfter?: number;
  /** The error body (default: Zendesk-shaped for the status). */
  body?: unknown;
  path?: string | RegExp;
  method?: string;
}

export interface FakeZendesk {
  url: string;
  requests: RecordedZendeskRequest[];
  tickets(): FakeZendeskTicket[];
  ticket(id: number | string): FakeZendeskTicket | undefined;
  /** What an agent does in Zendesk's UI. */
  setStatus(id: number | string, status: ZendeskStatus): void;
  failNext(n: number, status: number, opts?: ZendeskFaultOptions): void;
  /** Forgets recorded requests and pending faults (tickets stay). */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors and validation

type Json = Record<string, unknown>;

class ZendeskError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(typeof body.description === 'string' ? body.description : String(body.error));
  }
}

const badRequest = (description: string) => new ZendeskError(400, { error: 'BadRequest', description });
const notImplemented = (what: string) =>
  new ZendeskError(501, { error: 'NotImplemented', description: `fake-zendesk does not implement ${what}` });
const notFound = () => new ZendeskError(404, { error: 'RecordNotFound', description: 'Not found' });
function recordInvalid(field: string, description: string, error = 'InvalidValue'): ZendeskError {
  return new ZendeskError(422, {
    error: 'RecordInvalid',
    description: 'Record validation errors',
    details: { [field]: [{ description, error }] },
  });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw badRequest(`Unknown field \`${key}\` in ${where}`);
  }
}

const TICKET_FIELDS = [
  'subject',
  'raw_subject',
  'comment',
  'requester',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'group_id',
  'organization_id',
  'collaborator_ids',
  'follower_ids',
  'tags',
  'priority',
  'type',
  'status',
  'due_at',
  'external_id',
  'custom_fields',
  'brand_id',
  'ticket_form_id',
];
const COMMENT_FIELDS = ['body', 'html_body', 'public', 'author_id', 'uploads'];
const REQUESTER_FIELDS = ['name', 'email', 'phone', 'locale_id'];
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const TYPES = ['problem', 'incident', 'question', 'task'];
const STATUSES: ZendeskStatus[] = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];

interface ParsedComment {
  body?: string;
  htmlBody?: string;
  public: boolean;
  authorId?: number;
}

function parseComment(v: unknown): ParsedComment {
  if (!isObject(v)) throw badRequest('`comment` must be an object');
  onlyKeys(v, COMMENT_FIELDS, 'comment');
  const body = v.body;
  const html = v.html_body;
  if (body !== undefined && typeof body !== 'string') throw badRequest('`comment.body` must be a string');
  if (html !== undefined && typeof html !== 'string')
    throw badRequest('`comment.html_body` must be a string');
  if (body !== undefined && html !== undefined)
    throw badRequest('send either `comment.body` or `comment.html_body`');
  const text = (body ?? html ?? '').trim();
  if (!text) throw recordInvalid('description', 'Description: cannot be blank', 'BlankValue');
  if (v.public !== undefined && typeof v.public !== 'boolean')
    throw badRequest('`comment.public` must be a boolean');
  if (v.author_id !== undefined && typeof v.author_id !== 'number')
    throw badRequest('`comment.author_id` must be a number');
  if (v.uploads !== undefined) throw notImplemented('comment uploads');
  return {
    ...(body !== undefined ? { body } : {}),
    ...(html !== undefined ? { htmlBody: html } : {}),
    public: v.public ?? true,
    ...(typeof v.author_id === 'number' ? { authorId: v.author_id } : {}),
  };
}

function parseTags(v: unknown): string[] {
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string'))
    throw badRequest('`tags` must be an array of strings');
  const out: string[] = [];
  for (const tag of (v as string[]).flatMap((t) => t.toLowerCase().split(/\s+/))) {
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

function enumField(v: unknown, allowed: readonly string[], field: string, label: string): string {
  if (typeof v !== 'string' || !allowed.includes(v)) throw recordInvalid(field, `${label}: is invalid`);
  return v;
}

function isoDate(v: unknown, field: string): string {
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}/.test(v)) {
    throw recordInvalid(field, `${field}: is not a valid date`);
  }
  return new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|h\d|ul)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---------------------------------------------------------------------------------------------
// Server

interface Fault {
  remaining: number;
  status: number;
  retryAfter?: number;
  body?: unknown;
  path?: string | RegExp;
  method?: string;
}

export async function startFakeZendesk(opts: FakeZendeskOptions): Promise<FakeZendesk> {
  const expectedAuth = `Basic ${Buffer.from(`${opts.email}/token:${opts.apiToken}`).toString('base64')}`;
  const tickets = new Map<number, FakeZendeskTicket>();
  /** Soft-deleted tickets (Zendesk's "deleted tickets" view), until permanently deleted. */
  const deleted = new Map<number, FakeZendeskTicket>();
  const requests: RecordedZendeskRequest[] = [];
  const idempotency = new Map<string, { fingerprint: string; ticketId: number }>();
  let faults: Fault[] = [];
  let seq = 0;
  let nextTicketId = opts.firstTicketId ?? 1001;
  let nextUserId = 9_000_001;
  let nextCommentId = 5_000_001;
  let nextAuditId = 7_000_001;
  const apiUserId = 1; // the token's owner
  let baseUrl = '';

  const app = new Hono();

  function takeFault(method: string, path: string): Fault | undefined {
    const fault = faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (!fault) return undefined;
    fault.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  function faultBody(status: number): Json {
    if (status === 429)
      return {
        error: 'APIRateLimitExceeded',
        description: 'Number of allowed API requests per minute exceeded',
      };
    if (status === 401) return { error: "Couldn't authenticate you" };
    if (status === 403) return { error: 'Forbidden', description: 'You do not have access to this page.' };
    if (status === 404) return { error: 'RecordNotFound', description: 'Not found' };
    if (status === 422)
      return { error: 'RecordInvalid', description: 'Record validation errors', details: {} };
    return { error: 'InternalServerError', description: 'injected fault' };
  }

  function ticketJson(t: FakeZendeskTicket): Json {
    return {
      id: t.id,
      url: `${baseUrl}/api/v2/tickets/${t.id}.json`,
      external_id: t.external_id,
      type: t.type,
      subject: t.subject,
      raw_subject: t.subject,
      description: t.description,
      priority: t.priority,
      status: t.status,
      requester_id: t.requester_id,
      submitter_id: apiUserId,
      assignee_id: null,
      tags: [...t.tags],
      due_at: t.due_at,
      custom_fields: t.custom_fields.map((f) => ({ ...f })),
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      created_at: t.created_at,
      updated_at: t.updated_at,
    };
  }

  function audit(t: FakeZendeskTicket, events: Json[]): Json {
    return { id: nextAuditId++, ticket_id: t.id, created_at: t.updated_at, author_id: apiUserId, events };
  }

  function addComment(t: FakeZendeskTicket, c: ParsedComment, at: string): FakeZendeskComment {
    const html = c.htmlBody ?? c.body!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>');
    const plain = c.body ?? stripHtml(c.htmlBody!);
    const comment: FakeZendeskComment = {
      id: nextCommentId++,
      type: 'Comment',
      author_id: c.authorId ?? apiUserId,
      body: plain,
      html_body: `<div class="zd-comment">${html}</div>`,
      plain_body: plain,
      public: c.public,
      created_at: at,
    };
    t.comments.push(comment);
    return comment;
  }

  function ticketOf(c: Context): FakeZendeskTicket {
    const raw = c.req.param('file') ?? c.req.param('id') ?? '';
    const m = /^([0-9]+)(\.json)?$/.exec(raw);
    if (!m) throw notFound();
    const t = tickets.get(Number(m[1]));
    if (!t) throw notFound();
    return t;
  }

  /** Applies the fields a create and an update share. */
  function applyFields(t: FakeZendeskTicket, body: Json, creating: boolean): void {
    if (body.subject !== undefined) {
      if (typeof body.subject !== 'string') throw badRequest('`subject` must be a string');
      if ([...body.subject].length > 150)
        throw recordInvalid('subject', 'Subject: is too long (maximum is 150 characters)');
      t.subject = body.subject;
    }
    if (body.raw_subject !== undefined) throw notImplemented('raw_subject');
    if (body.tags !== undefined) t.tags = parseTags(body.tags);
    if (body.priority !== undefined)
      t.priority = enumField(body.priority, PRIORITIES, 'priority', 'Priority');
    if (body.type !== undefined) t.type = enumField(body.type, TYPES, 'type', 'Type');
    if (body.status !== undefined) {
      const status = enumField(body.status, STATUSES, 'status', 'Status') as ZendeskStatus;
      if (creating && status === 'closed')
        throw recordInvalid('status', 'Status: closed is not valid for a new ticket');
      t.status = status;
    }
    if (body.due_at !== undefined) t.due_at = body.due_at === null ? null : isoDate(body.due_at, 'due_at');
    if (t.due_at !== null && t.type !== 'task')
      throw recordInvalid('due_at', 'Due date: is only allowed for tasks');
    if (body.external_id !== undefined) {
      if (body.external_id !== null && typeof body.external_id !== 'string')
        throw badRequest('`external_id` must be a string');
      t.external_id = body.external_id;
    }
    if (body.custom_fields !== undefined) {
      if (!Array.isArray(body.custom_fields)) throw badRequest('`custom_fields` must be an array');
      for (const f of body.custom_fields as unknown[]) {
        if (!isObject(f) || typeof f.id !== 'number' || !('value' in f)) {
          throw badRequest('each custom field must be `{ id: number, value }`');
        }
        onlyKeys(f, ['id', 'value'], 'custom_fields[]');
        t.custom_fields = [
          ...t.custom_fields.filter((x) => x.id !== f.id),
          { id: f.id as number, value: f.value },
        ];
      }
    }
    for (const key of [
      'assignee_id',
      'group_id',
      'organization_id',
      'brand_id',
      'ticket_form_id',
      'submitter_id',
    ]) {
      if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'number') {
        throw badRequest(`\`${key}\` must be a number`);
      }
    }
    for (const key of ['collaborator_ids', 'follower_ids']) {
      if (body[key] !== undefined) throw notImplemented(key);
    }
  }

  async function front(
    c: Context,
    route: { body: boolean; params: readonly string[] },
    handle: (
      body: unknown,
      query: Record<string, string>,
    ) => { status: number; json: Json; headers?: Record<string, string> },
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const authorization = c.req.header('authorization');
    const rec: RecordedZendeskRequest = {
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      query,
      body: undefined,
      hasAuthorization: authorization !== undefined,
      authorized: authorization === expectedAuth,
      status: 0,
    };
    const key = c.req.header('idempotency-key');
    if (key !== undefined) rec.idempotencyKey = key;
    const contentType = c.req.header('content-type');
    if (contentType !== undefined) rec.contentType = contentType;
    requests.push(rec);
    const text = await c.req.text();
    let body: unknown;
    let parseError = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        parseError = true;
      }
    }
    rec.body = body;

    let res: Response;
    const fault = takeFault(rec.method, rec.path);
    if (fault) {
      rec.injected = fault.status;
      const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 7 : undefined);
      res = c.json(
        (fault.body ?? faultBody(fault.status)) as Json,
        fault.status as 400,
        retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
      );
    } else if (!rec.authorized) {
      res = c.json({ error: "Couldn't authenticate you" }, 401);
    } else {
      try {
        for (const name of Object.keys(query)) {
          if (!route.params.includes(name)) throw notImplemented(`the query parameter \`${name}\``);
        }
        if (route.body) {
          if (!(contentType ?? '').includes('application/json'))
            throw badRequest('Content-Type must be application/json');
          if (text.length === 0 || parseError) throw badRequest('The request body is not valid JSON');
        } else if (text.length > 0) {
          throw badRequest('This endpoint takes no body');
        }
        const out = handle(body, query);
        res =
          out.status === 204
            ? c.body(null, 204, out.headers ?? {})
            : c.json(out.json, out.status as 200, out.headers ?? {});
      } catch (err) {
        if (!(err instanceof ZendeskError)) throw err;
        res = c.json(err.body, err.status as 400);
      }
    }
    rec.status = res.status;
    return res;
  }

  function ticketRoot(raw: unknown): Json {
    if (!isObject(raw)) throw badRequest('The body must be a JSON object');
    onlyKeys(raw, ['ticket'], 'the request body');
    if (!isObject(raw.ticket)) throw badRequest('`ticket` must be an object');
    onlyKeys(raw.ticket, TICKET_FIELDS, 'ticket');
    return raw.ticket;
  }

  app.get('/api/v2/tickets.json', (c) =>
    front(c, { body: false, params: ['external_id', 'page', 'per_page'] }, (_b, query) => {
      let list = [...tickets.values()].sort((a, b) => a.id - b.id);
      if (query.external_id !== undefined) list = list.filter((t) => t.external_id === query.external_id);
      const perPage = Math.min(Math.max(1, Number(query.per_page ?? 100) || 100), 100);
      const page = Math.max(1, Number(query.page ?? 1) || 1);
      const slice = list.slice((page - 1) * perPage, page * perPage);
      return {
        status: 200,
        json: {
          tickets: slice.map(ticketJson),
          next_page: page * perPage < list.length ? `${baseUrl}/api/v2/tickets.json?page=${page + 1}` : null,
          previous_page: page > 1 ? `${baseUrl}/api/v2/tickets.json?page=${page - 1}` : null,
          count: list.length,
        },
      };
    }),
  );

  app.post('/api/v2/tickets.json', (c) => {
    const key = c.req.header('idempotency-key');
    return front(c, { body: true, params: [] }, (raw) => {
      const fingerprint = JSON.stringify(raw);
      if (key !== undefined) {
        const seen = idempotency.get(key);
        if (seen && seen.fingerprint !== fingerprint) {
          throw new ZendeskError(400, {
            error: 'IdempotentRequestError',
            description: 'The request parameters do not match the original request with this idempotency key',
          });
        }
        if (seen) {
          const t = tickets.get(seen.ticketId)!;
          return {
            status: 201,
            json: { ticket: ticketJson(t), audit: audit(t, []) },
            headers: { location: `${baseUrl}/api/v2/tickets/${t.id}.json`, 'x-idempotency-lookup': 'hit' },
          };
        }
      }
      const body = ticketRoot(raw);
      if (body.comment === undefined)
        throw recordInvalid('description', 'Description: cannot be blank', 'BlankValue');
      const comment = parseComment(body.comment);
      let requester: Json | undefined;
      if (body.requester !== undefined) {
        if (!isObject(body.requester)) throw badRequest('`requester` must be an object');
        onlyKeys(body.requester, REQUESTER_FIELDS, 'requester');
        if (typeof body.requester.name !== 'string' || !body.requester.name.trim()) {
          throw recordInvalid('requester', 'Requester: Name is required', 'BlankValue');
        }
        if (body.requester.email !== undefined && typeof body.requester.email !== 'string') {
          throw badRequest('`requester.email` must be a string');
        }
        requester = { ...body.requester };
      } else if (body.requester_id !== undefined && typeof body.requester_id !== 'number') {
        throw badRequest('`requester_id` must be a number');
      }
      const at = nowIso();
      const t: FakeZendeskTicket = {
        id: nextTicketId++,
        external_id: null,
        subject: '',
        description: '',
        status: body.assignee_id ? 'open' : 'new',
        priority: null,
        type: null,
        tags: [],
        due_at: null,
        requester_id:
          typeof body.requester_id === 'number' ? body.requester_id : requester ? nextUserId++ : apiUserId,
        ...(requester ? { requester } : {}),
        custom_fields: [],
        comments: [],
        created_at: at,
        updated_at: at,
      };
      applyFields(t, body, true);
      const first = addComment(t, { ...comment, authorId: comment.authorId ?? t.requester_id }, at);
      t.description = first.plain_body;
      if (!t.subject) t.subject = first.plain_body.split('\n')[0]!.slice(0, 150);
      tickets.set(t.id, t);
      if (key !== undefined) idempotency.set(key, { fingerprint, ticketId: t.id });
      return {
        status: 201,
        json: { ticket: ticketJson(t), audit: audit(t, [{ id: nextAuditId++, type: 'Create' }]) },
        headers: {
          location: `${baseUrl}/api/v2/tickets/${t.id}.json`,
          ...(key !== undefined ? { 'x-idempotency-lookup': 'miss' } : {}),
        },
      };
    });
  });

  app.get('/api/v2/tickets/:id/comments.json', (c) =>
    front(c, { body: false, params: ['sort_order'] }, (_b, query) => {
      const t = ticketOf(c);
      const list = query.sort_order === 'desc' ? [...t.comments].reverse() : t.comments;
      return {
        status: 200,
        json: {
          comments: list.map((x) => ({ ...x })),
          next_page: null,
          previous_page: null,
          count: list.length,
        },
      };
    }),
  );

  app.get('/api/v2/tickets/:file', (c) =>
    front(c, { body: false, params: [] }, () => ({ status: 200, json: { ticket: ticketJson(ticketOf(c)) } })),
  );

  app.put('/api/v2/tickets/:file', (c) =>
    front(c, { body: true, params: [] }, (raw) => {
      const t = ticketOf(c);
      const body = ticketRoot(raw);
      if (t.status === 'closed') {
        throw recordInvalid('status', 'Status: closed prevents ticket update', 'ClosedTicketUpdate');
      }
      if (body.requester !== undefined) throw notImplemented('changing the requester');
      const comment = body.comment !== undefined ? parseComment(body.comment) : undefined;
      // Validate on a copy, so a 422 leaves the ticket as it was.
      const next: FakeZendeskTicket = { ...t, tags: [...t.tags], custom_fields: [...t.custom_fields] };
      applyFields(next, body, false);
      const at = nowIso();
      next.updated_at = at;
      Object.assign(t, next);
      const events: Json[] = [];
      if (comment) {
        const added = addComment(t, comment, at);
        events.push({ id: nextAuditId++, type: 'Comment', public: added.public });
      }
      return { status: 200, json: { ticket: ticketJson(t), audit: audit(t, events) } };
    }),
  );

  // Deleting a ticket moves it to the deleted tickets; deleting it there erases it for good (the
  // real API answers that with a job status: the erasure runs in the background).
  app.delete('/api/v2/tickets/:file', (c) =>
    front(c, { body: false, params: [] }, () => {
      const t = ticketOf(c);
      tickets.delete(t.id);
      deleted.set(t.id, t);
      return { status: 204, json: {} };
    }),
  );
  app.delete('/api/v2/deleted_tickets/:file', (c) =>
    front(c, { body: false, params: [] }, () => {
      const m = /^([0-9]+)(\.json)?$/.exec(c.req.param('file') ?? '');
      if (!m || !deleted.delete(Number(m[1]))) throw notFound();
      return { status: 200, json: { job_status: { id: `job-${m[1]}`, status: 'queued' } } };
    }),
  );

  app.notFound(async (c) => {
    requests.push({
      seq: ++seq,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      query: Object.fromEntries(new URL(c.req.url).searchParams),
      body: await c.req.text(),
      hasAuthorization: c.req.header('authorization') !== undefined,
      authorized: c.req.header('authorization') === expectedAuth,
      status: 404,
    });
    return c.json(
      { error: 'InvalidEndpoint', description: `fake-zendesk: no route for ${c.req.method} ${c.req.path}` },
      404,
    );
  });

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });
  baseUrl = server.url;

  const view = (t: FakeZendeskTicket): FakeZendeskTicket => structuredClone(t);

  return {
    url: server.url,
    requests,
    tickets: () => [...tickets.values()].sort((a, b) => a.id - b.id).map(view),
    ticket(id) {
      const t = tickets.get(Number(id));
      return t ? view(t) : undefined;
    },
    setStatus(id, status) {
      const t = tickets.get(Number(id));
      if (!t) throw new Error(`fake-zendesk: no ticket ${id}`);
      t.status = status;
      t.updated_at = nowIso();
    },
    failNext(n, status, faultOpts = {}) {
      faults.push({ remaining: n, status, ...faultOpts });
    },
    reset() {
      requests.length = 0;
      faults = [];
    },
    close: () => server.close(),
  };
}
