/**
 * A stand-in for HubSpot's CRM API v3, for contract tests: a real HTTP server (Hono) speaking the
 * documented shapes of the subset Parley uses:
 *
 * - `POST /crm/v3/objects/contacts/search` with `{ filterGroups: [{ filters: [{ propertyName,
 *   operator, value | values }] }], properties, limit, after }`: groups are ORed, filters in a
 *   group ANDed; at most 5 groups, 10 filters per group, 25 in all; `limit` ≤ 200. Operators EQ,
 *   NEQ, IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN; EQ on text is case-insensitive and
 *   exact. Answer `{ total, results: [{ id, properties, createdAt, updatedAt, archived }], paging? }`
 *   with the requested properties plus `hs_object_id`, `createdate` and `lastmodifieddate`.
 * - `POST /crm/v3/objects/notes` with `{ properties: { hs_timestamp (required: epoch ms or ISO),
 *   hs_note_body, hubspot_owner_id, hs_attachment_ids }, associations: [{ to: { id }, types:
 *   [{ associationCategory, associationTypeId }] }] }`: 201 with the note. A HUBSPOT_DEFINED
 *   association must be type 202 (note → contact) to an existing contact.
 * - `POST /crm/v3/objects/notes/search`: the same search over notes, where `associations.contact`
 *   filters on an associated contact id and `hs_timestamp` compares epoch milliseconds. Like
 *   HubSpot's, the index lags writes: `setSearchLag(ms)` hides notes younger than that.
 *
 * Properties are typed by a schema: contacts know HubSpot's defaults (firstname, lastname, email,
 * phone, mobilephone, hubspot_owner_id, total_revenue, …) and whatever `defineContactProperty`
 * adds (a custom `customer_tier`); filtering on, or writing, a property that does not exist is
 * HubSpot's 400 VALIDATION_ERROR (asking for one in `properties` is ignored, as HubSpot does).
 *
 * Authentication: `Authorization: Bearer <token>` on every request, else 401. Errors use HubSpot's
 * envelope `{ status: "error", message, correlationId, category }` (429 adds `errorType:
 * "RATE_LIMIT"` and `policyName`), with `X-HubSpot-Correlation-Id`. Deliberately stricter than
 * HubSpot: unknown keys in a request body are refused (400) instead of ignored.
 *
 * Faults: `failNext(n, status)` answers the next n matching requests with an error before doing
 * anything (429s carry `Retry-After: 1` and the `X-HubSpot-RateLimit-*` headers of an exhausted
 * 10-second window; `retryAfter: null` leaves Retry-After out). `loseNextResponse(n)` performs the
 * next n matching requests and then answers 502, as a proxy losing HubSpot's answer would. Every
 * request is recorded (never the token's value).
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

type Json = Record<string, unknown>;

export interface FakeHubSpotOptions {
  accessToken: string;
  port?: number;
  host?: string;
}

export interface FakeHubSpotNote {
  id: string;
  properties: Record<string, string | null>;
  /** Epoch ms of hs_timestamp. */
  timestampMs: number;
  associations: { toObjectId: string; associationCategory: string; associationTypeId: number }[];
  createdAtMs: number;
}

export interface RecordedHubSpotRequest {
  seq: number;
  method: string;
  path: string;
  body: unknown;
  authorized: boolean;
  status: number;
  injected?: number;
  lost?: boolean;
}

export interface HubSpotFaultOptions {
  /** `Retry-After` seconds; null: none (429 default '1'). */
  retryAfter?: string | null;
  body?: unknown;
  path?: string | RegExp;
}

export interface FakeHubSpot {
  url: string;
  requests: RecordedHubSpotRequest[];
  /** Adds a contact; returns its id. Properties must exist (defaults or defineContactProperty). */
  addContact(properties: Record<string, string | null>): string;
  defineContactProperty(name: string): void;
  notes(): FakeHubSpotNote[];
  setSearchLag(ms: number): void;
  failNext(n: number, status: number, opts?: HubSpotFaultOptions): void;
  loseNextResponse(n: number, opts?: { path?: string | RegExp }): void;
  /** Forgets recorded requests and pending faults (data stays). */
  reset(): void;
  close(): Promise<void>;
}

class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: Json = {},
  ) {
    super(message);
  }
}

const validation = (message: string) => new HubSpotError(400, 'VALIDATION_ERROR', message);

const CONTACT_PROPERTIES = [
  'firstname',
  'lastname',
  'email',
  'phone',
  'mobilephone',
  'company',
  'lifecyclestage',
  'hubspot_owner_id',
  'total_revenue',
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
];
const NOTE_PROPERTIES = [
  'hs_timestamp',
  'hs_note_body',
  'hubspot_owner_id',
  'hs_attachment_ids',
  'hs_object_id',
  'hs_createdate',
  'hs_lastmodifieddate',
];
const NOTE_WRITABLE = ['hs_timestamp', 'hs_note_body', 'hubspot_owner_id', 'hs_attachment_ids'];
const OPERATORS = ['EQ', 'NEQ', 'IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN'];
const NOTE_TO_CONTACT = 202;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 10;
const MAX_FILTERS = 25;
const MAX_LIMIT = 200;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw validation(`Unknown field '${key}' in ${where}`);
  }
}

interface Fault {
  remaining: number;
  status: number;
  retryAfter?: string | null;
  body?: unknown;
  path?: string | RegExp;
}

interface Record_ {
  id: string;
  properties: Record<string, string | null>;
  createdAtMs: number;
}

type Filter = { propertyName: string; operator: string; value?: unknown; values?: unknown[] };

export async function startFakeHubSpot(opts: FakeHubSpotOptions): Promise<FakeHubSpot> {
  const contactSchema = new Set(CONTACT_PROPERTIES);
  const contacts = new Map<string, Record_>();
  const notes = new Map<string, FakeHubSpotNote>();
  const requests: RecordedHubSpotRequest[] = [];
  let faults: Fault[] = [];
  let losses: { remaining: number; path?: string | RegExp }[] = [];
  let searchLagMs = 0;
  let seq = 0;
  let nextContactId = 51;
  let nextNoteId = 30110528001;
  const expectedAuth = `Bearer ${opts.accessToken}`;

  const app = new Hono();

  const matches = (path: string, p: string | RegExp | undefined) =>
    p === undefined || (typeof p === 'string' ? path.includes(p) : p.test(path));

  function take<T extends { remaining: number; path?: string | RegExp }>(
    list: T[],
    path: string,
  ): T | undefined {
    const item = list.find((f) => f.remaining > 0 && matches(path, f.path));
    if (item) item.remaining--;
    return item;
  }

  function errorBody(
    status: number,
    category: string,
    message: string,
    correlationId: string,
    extra: Json = {},
  ) {
    return { status: 'error', message, correlationId, category, ...extra } satisfies Json;
  }

  function faultBody(status: number, correlationId: string): Json {
    switch (status) {
      case 429:
        return errorBody(status, 'RATE_LIMITS', 'You have reached your secondly limit.', correlationId, {
          errorType: 'RATE_LIMIT',
          policyName: 'SECONDLY',
        });
      case 401:
        return errorBody(
          status,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          correlationId,
        );
      case 403:
        return errorBody(
          status,
          'MISSING_SCOPES',
          "This app hasn't been granted all required scopes to make this call.",
          correlationId,
        );
      case 400:
        return errorBody(status, 'VALIDATION_ERROR', 'Invalid input JSON', correlationId);
      default:
        return errorBody(status, 'INTERNAL_ERROR', 'internal error', correlationId);
    }
  }

  // ---- search -------------------------------------------------------------------------------

  function parseSearch(raw: unknown, known: (p: string) => boolean) {
    if (!isObject(raw)) throw validation('Invalid input JSON');
    onlyKeys(raw, ['filterGroups', 'properties', 'limit', 'after', 'sorts', 'query'], 'the search request');
    if (raw.sorts !== undefined || raw.query !== undefined) {
      throw validation('fake-hubspot does not implement sorts or query');
    }
    const groups = raw.filterGroups ?? [];
    if (!Array.isArray(groups)) throw validation('filterGroups must be an array');
    if (groups.length > MAX_GROUPS) throw validation(`Too many filter groups (max ${MAX_GROUPS})`);
    let total = 0;
    const parsed: Filter[][] = groups.map((g: unknown) => {
      if (!isObject(g) || !Array.isArray(g.filters)) throw validation('each filter group needs filters');
      onlyKeys(g, ['filters'], 'a filter group');
      if (g.filters.length > MAX_FILTERS_PER_GROUP) {
        throw validation(`Too many filters in a group (max ${MAX_FILTERS_PER_GROUP})`);
      }
      total += g.filters.length;
      return g.filters.map((f: unknown) => {
        if (!isObject(f)) throw validation('a filter must be an object');
        onlyKeys(f, ['propertyName', 'operator', 'value', 'values', 'highValue'], 'a filter');
        if (typeof f.propertyName !== 'string' || typeof f.operator !== 'string') {
          throw validation('a filter needs propertyName and operator');
        }
        if (!OPERATORS.includes(f.operator)) throw validation(`Unsupported operator ${f.operator}`);
        if (!known(f.propertyName)) {
          throw validation(
            `There was a problem with the request: property '${f.propertyName}' does not exist`,
          );
        }
        if (['EQ', 'NEQ', 'CONTAINS_TOKEN'].includes(f.operator) && typeof f.value !== 'string') {
          throw validation(`filter ${f.propertyName} ${f.operator} needs a string value`);
        }
        if (f.operator === 'IN' && !Array.isArray(f.values)) throw validation('IN needs values');
        return f as Filter;
      });
    });
    if (total > MAX_FILTERS) throw validation(`Too many filters (max ${MAX_FILTERS})`);
    const properties = raw.properties ?? [];
    if (!Array.isArray(properties) || properties.some((p) => typeof p !== 'string')) {
      throw validation('properties must be an array of strings');
    }
    const limit = raw.limit ?? 10;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw validation(`limit must be between 1 and ${MAX_LIMIT}`);
    }
    const after = raw.after === undefined ? 0 : Number(raw.after);
    if (!Number.isInteger(after) || after < 0) throw validation('after must be a number');
    return { groups: parsed, properties: properties as string[], limit, after };
  }

  function test(f: Filter, value: string | null | undefined): boolean {
    const v = value ?? null;
    switch (f.operator) {
      case 'HAS_PROPERTY':
        return v !== null && v !== '';
      case 'NOT_HAS_PROPERTY':
        return v === null || v === '';
      case 'EQ':
        return v !== null && v.toLowerCase() === String(f.value).toLowerCase();
      case 'NEQ':
        return v === null || v.toLowerCase() !== String(f.value).toLowerCase();
      case 'IN':
        return v !== null && (f.values ?? []).some((x) => String(x).toLowerCase() === v.toLowerCase());
      case 'CONTAINS_TOKEN':
        return v !== null && v.toLowerCase().split(/\W+/).includes(String(f.value).toLowerCase());
      default:
        return false;
    }
  }

  function search<T extends { id: string }>(
    items: T[],
    q: ReturnType<typeof parseSearch>,
    /** The item's value for the filter's property (given the filter: associations match on its value). */
    get: (item: T, filter: Filter) => string | null | undefined,
    render: (item: T) => Json,
  ): Json {
    const hits = items
      .filter((item) => q.groups.length === 0 || q.groups.some((g) => g.every((f) => test(f, get(item, f)))))
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = hits.slice(q.after, q.after + q.limit);
    const next = q.after + q.limit < hits.length ? { next: { after: String(q.after + q.limit) } } : undefined;
    return { total: hits.length, results: page.map(render), ...(next ? { paging: next } : {}) };
  }

  const iso = (ms: number) => new Date(ms).toISOString();

  function renderContact(c: Record_, requested: string[]): Json {
    const props: Record<string, string | null> = {
      hs_object_id: c.id,
      createdate: iso(c.createdAtMs),
      lastmodifieddate: iso(c.createdAtMs),
    };
    for (const p of requested) if (contactSchema.has(p)) props[p] = c.properties[p] ?? null;
    return {
      id: c.id,
      properties: props,
      createdAt: iso(c.createdAtMs),
      updatedAt: iso(c.createdAtMs),
      archived: false,
    };
  }

  function renderNote(n: FakeHubSpotNote, requested: string[]): Json {
    const props: Record<string, string | null> = {
      hs_object_id: n.id,
      hs_createdate: iso(n.createdAtMs),
      hs_lastmodifieddate: iso(n.createdAtMs),
    };
    for (const p of requested) if (NOTE_PROPERTIES.includes(p)) props[p] = n.properties[p] ?? null;
    return {
      id: n.id,
      properties: props,
      createdAt: iso(n.createdAtMs),
      updatedAt: iso(n.createdAtMs),
      archived: false,
    };
  }

  // ---- notes --------------------------------------------------------------------------------

  function timestampMs(v: unknown): number {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)))
      return Date.parse(v);
    throw validation(`Property values were not valid: hs_timestamp '${String(v)}' is not a valid datetime`);
  }

  function createNote(raw: unknown): { status: number; json: Json } {
    if (!isObject(raw)) throw validation('Invalid input JSON');
    onlyKeys(raw, ['properties', 'associations'], 'the request body');
    if (!isObject(raw.properties)) throw validation('properties is required');
    for (const [key, value] of Object.entries(raw.properties)) {
      if (!NOTE_WRITABLE.includes(key)) {
        throw new HubSpotError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: PROPERTY_DOESNT_EXIST ${key}`,
        );
      }
      if (value !== null && typeof value !== 'string' && typeof value !== 'number') {
        throw validation(`Property values were not valid: ${key}`);
      }
    }
    if (raw.properties.hs_timestamp === undefined) {
      throw validation('Property values were not valid: hs_timestamp is required');
    }
    const ts = timestampMs(raw.properties.hs_timestamp);
    const body = raw.properties.hs_note_body;
    if (typeof body === 'string' && body.length > 65_536) {
      throw validation('Property values were not valid: hs_note_body is longer than 65536 characters');
    }
    const associations: FakeHubSpotNote['associations'] = [];
    const list = raw.associations ?? [];
    if (!Array.isArray(list)) throw validation('associations must be an array');
    for (const a of list as unknown[]) {
      if (!isObject(a) || !isObject(a.to) || typeof a.to.id !== 'string' || !Array.isArray(a.types)) {
        throw validation('an association needs to.id (a string) and types');
      }
      onlyKeys(a, ['to', 'types'], 'an association');
      onlyKeys(a.to, ['id'], 'association.to');
      for (const t of a.types as unknown[]) {
        if (
          !isObject(t) ||
          typeof t.associationCategory !== 'string' ||
          typeof t.associationTypeId !== 'number'
        ) {
          throw validation('an association type needs associationCategory and associationTypeId');
        }
        onlyKeys(t, ['associationCategory', 'associationTypeId'], 'an association type');
        if (!['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'].includes(t.associationCategory)) {
          throw validation(`Invalid associationCategory ${t.associationCategory}`);
        }
        if (t.associationCategory !== 'HUBSPOT_DEFINED' || t.associationTypeId !== NOTE_TO_CONTACT) {
          throw validation(
            `fake-hubspot only knows note-to-contact associations (HUBSPOT_DEFINED ${NOTE_TO_CONTACT})`,
          );
        }
        if (!contacts.has(a.to.id)) {
          throw validation(`One or more associations are invalid: contact ${a.to.id} does not exist`);
        }
        associations.push({
          toObjectId: a.to.id,
          associationCategory: t.associationCategory,
          associationTypeId: t.associationTypeId,
        });
      }
    }
    const id = String(nextNoteId++);
    const now = Date.now();
    const note: FakeHubSpotNote = {
      id,
      properties: {
        hs_timestamp: iso(ts),
        hs_note_body: typeof body === 'string' ? body : null,
        hubspot_owner_id:
          raw.properties.hubspot_owner_id === undefined ? null : String(raw.properties.hubspot_owner_id),
        hs_attachment_ids:
          raw.properties.hs_attachment_ids === undefined ? null : String(raw.properties.hs_attachment_ids),
      },
      timestampMs: ts,
      associations,
      createdAtMs: now,
    };
    notes.set(id, note);
    return { status: 201, json: renderNote(note, ['hs_timestamp', 'hs_note_body']) };
  }

  // ---- front --------------------------------------------------------------------------------

  async function front(
    c: Context,
    handle: (body: unknown) => { status: number; json: Json },
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const correlationId = randomUUID();
    const rec: RecordedHubSpotRequest = {
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      body: undefined,
      authorized: c.req.header('authorization') === expectedAuth,
      status: 0,
    };
    requests.push(rec);
    const text = await c.req.text();
    let body: unknown;
    let parseError = false;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
      parseError = true;
    }
    rec.body = body;
    const headers: Record<string, string> = { 'x-hubspot-correlation-id': correlationId };
    let res: Response;
    const fault = take(faults, rec.path);
    faults = faults.filter((f) => f.remaining > 0);
    if (fault) {
      rec.injected = fault.status;
      const retryAfter =
        fault.retryAfter === undefined ? (fault.status === 429 ? '1' : null) : fault.retryAfter;
      res = c.json((fault.body ?? faultBody(fault.status, correlationId)) as Json, fault.status as 400, {
        ...headers,
        ...(retryAfter !== null ? { 'retry-after': retryAfter } : {}),
        ...(fault.status === 429
          ? {
              'x-hubspot-ratelimit-interval-milliseconds': '10000',
              'x-hubspot-ratelimit-max': '100',
              'x-hubspot-ratelimit-remaining': '0',
            }
          : {}),
      });
    } else if (!rec.authorized) {
      res = c.json(faultBody(401, correlationId), 401, headers);
    } else {
      try {
        if (!(c.req.header('content-type') ?? '').includes('application/json')) {
          throw new HubSpotError(415, 'VALIDATION_ERROR', 'Content-Type must be application/json');
        }
        if (parseError || body === undefined) throw validation('Invalid input JSON');
        const out = handle(body);
        const loss = take(losses, rec.path);
        losses = losses.filter((l) => l.remaining > 0);
        if (loss) {
          rec.lost = true;
          res = c.text('<html><body>502 Bad Gateway</body></html>', 502, headers);
        } else if (out.status === 204) {
          res = c.body(null, 204, headers);
        } else {
          res = c.json(out.json, out.status as 200, headers);
        }
      } catch (err) {
        if (!(err instanceof HubSpotError)) throw err;
        res = c.json(
          errorBody(err.status, err.category, err.message, correlationId, err.extra),
          err.status as 400,
          headers,
        );
      }
    }
    rec.status = res.status;
    return res;
  }

  app.post('/crm/v3/objects/contacts/search', (c) =>
    front(c, (raw) => {
      const q = parseSearch(raw, (p) => contactSchema.has(p));
      return {
        status: 200,
        json: search(
          [...contacts.values()],
          q,
          (item, f) => (f.propertyName === 'hs_object_id' ? item.id : item.properties[f.propertyName]),
          (item) => renderContact(item, q.properties),
        ),
      };
    }),
  );

  app.post('/crm/v3/objects/notes/search', (c) =>
    front(c, (raw) => {
      const q = parseSearch(raw, (p) => NOTE_PROPERTIES.includes(p) || p === 'associations.contact');
      const visible = [...notes.values()].filter((n) => Date.now() - n.createdAtMs >= searchLagMs);
      return {
        status: 200,
        json: search(
          visible,
          q,
          (n, f) => {
            const p = f.propertyName;
            if (p === 'associations.contact') {
              // A note matches when any of its associated contacts is the one asked for.
              const want = String(f.value ?? '');
              return n.associations.some((a) => a.toObjectId === want) ? want : null;
            }
            if (p === 'hs_timestamp') return String(n.timestampMs);
            if (p === 'hs_object_id') return n.id;
            return n.properties[p];
          },
          (n) => renderNote(n, q.properties),
        ),
      };
    }),
  );

  app.post('/crm/v3/objects/notes', (c) => front(c, createNote));

  // GDPR delete (by record id, or by email with idProperty): the contact and its notes, for good.
  app.post('/crm/v3/objects/contacts/gdpr-delete', (c) =>
    front(c, (raw) => {
      const body = raw as { objectId?: unknown; idProperty?: unknown };
      if (typeof body.objectId !== 'string' || !body.objectId) throw validation('objectId is required');
      if (body.idProperty !== undefined && body.idProperty !== 'email')
        throw validation('idProperty must be email');
      const id =
        body.idProperty === 'email'
          ? [...contacts.values()].find((ct) => ct.properties.email === body.objectId)?.id
          : body.objectId;
      if (!id || !contacts.has(id)) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
      contacts.delete(id);
      for (const [noteId, n] of notes)
        if (n.associations.some((a) => a.toObjectId === id)) notes.delete(noteId);
      return { status: 204, json: {} };
    }),
  );

  app.notFound(async (c) => {
    const url = new URL(c.req.url);
    requests.push({
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      body: await c.req.text(),
      authorized: c.req.header('authorization') === expectedAuth,
      status: 404,
    });
    return c.json(
      errorBody(
        404,
        'OBJECT_NOT_FOUND',
        `fake-hubspot: no route for ${c.req.method} ${url.pathname}`,
        randomUUID(),
      ),
      404,
    );
  });

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });

  return {
    url: server.url,
    requests,
    addContact(properties) {
      for (const key of Object.keys(properties)) {
        if (!contactSchema.has(key)) throw new Error(`fake-hubspot: contact property ${key} does not exist`);
      }
      const id = String(nextContactId++);
      contacts.set(id, { id, properties: { ...properties }, createdAtMs: Date.now() });
      return id;
    },
    defineContactProperty(name) {
      contactSchema.add(name);
    },
    notes: () => [...notes.values()].map((n) => structuredClone(n)),
    setSearchLag(ms) {
      searchLagMs = ms;
    },
    failNext(n, status, faultOpts = {}) {
      faults.push({ remaining: n, status, ...faultOpts });
    },
    loseNextResponse(n, lossOpts = {}) {
      losses.push({ remaining: n, ...lossOpts });
    },
    reset() {
      requests.length = 0;
      faults = [];
      losses = [];
      searchLagMs = 0;
    },
    close: () => server.close(),
  };
}
