/**
 * HubSpot as the CRM: CRM API v3 over plain HTTP (no SDK), authenticated with a private app's
 * access token as a bearer token. Scopes: `crm.objects.contacts.read` and
 * `crm.objects.contacts.write` (notes are written under the contacts scopes).
 *
 * - findContact: `POST /crm/v3/objects/contacts/search`, four filter groups (OR): `phone` or
 *   `mobilephone` EQ the number with or without '+'. HubSpot compares strings, so a number stored
 *   formatted ('+33 6 12 34 56 78') is not found: store contacts' numbers in E.164. Every contact
 *   returned is checked again here (its phone or mobile phone, reduced to digits, must be the
 *   caller's WhatsApp id); of several, the oldest record (lowest id) wins. Tier, lifetime value and
 *   owner are read from configurable properties (defaults: `customer_tier`, `total_revenue`,
 *   `hubspot_owner_id`); a tier value other than vip/enterprise (any case) is standard, and the
 *   owner is the property's raw value (a HubSpot owner id unless the property holds Parley agent
 *   ids).
 * - addResolutionNote: `POST /crm/v3/objects/notes` with `hs_timestamp` (the resolution time),
 *   `hs_note_body` (HTML: who resolved it, the summary, the opaque conversation ref and a marker
 *   naming a hash of the idempotency key) and an association to the contact
 *   (HUBSPOT_DEFINED, type 202 = note → contact). No contact, no note (none is created).
 *
 * One note per idempotency key, although HubSpot has no idempotency keys: the key's hash is claimed
 * in Postgres (`crm_notes`) before the note is created and marked written with HubSpot's note id
 * after. An attempt that may have created the note without hearing back (timeout, network error,
 * 5xx) leaves the claim `uncertain`; the next attempt then searches the contact's notes at that
 * exact `hs_timestamp` for the marker (`POST /crm/v3/objects/notes/search`) before creating one. A
 * claim still `sending` (another attempt is at it) answers a retryable NoteInFlight until its
 * lease runs out. The remaining duplicate window: HubSpot's search index lags writes by a few
 * seconds, so a note created by an attempt that lost its answer can be missed by a retry that
 * searches within those seconds, and written twice.
 *
 * Failures are ApplicationFailures typed with CrmErrorTypes: 429 RateLimited (`Retry-After`, or the
 * `X-HubSpot-RateLimit-Interval-Milliseconds` window when none is left, as `nextRetryDelay`),
 * 5xx/408/423/network/timeouts Transient — retryable; 401/403 AuthError, 400/404/409/422
 * InvalidRequest, others Permanent — not retryable. `details[0]` keeps HubSpot's `category`,
 * `message`, `correlationId` and rate-limit `policyName`. Neither the token nor a phone number
 * appears in an error or a log line.
 */
import { escapeHtml } from '../../../core/html.js';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { apiFailure, fetchText, isRecord, parseJson, parseRetryAfter } from '../../../core/http.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import type { Db } from '../../../db/database.js';
import { claimNote, finishNote, releaseNote } from '../../../db/repositories/crm-notes.js';
import { isWaId, phoneDigits } from '../orders/types.js';
import {
  CrmErrorTypes,
  noteKeyHash,
  renderResolutionNote,
  type CrmAdapter,
  type CrmContact,
  type CrmErrorDetails,
  type CrmErrorType,
  type CustomerTier,
  type RenderedNote,
} from './types.js';

export interface HubSpotPropertyNames {
  /** A contact property holding the tier (vip / enterprise / anything else = standard). */
  tier: string;
  /** A number property holding the lifetime value in major units (e.g. 1234.50). */
  lifetimeValue: string;
  /** A property holding the account owner's id. */
  owner: string;
}

export const DEFAULT_HUBSPOT_PROPERTIES: HubSpotPropertyNames = {
  tier: 'customer_tier',
  lifetimeValue: 'total_revenue',
  owner: 'hubspot_owner_id',
};

export const DEFAULT_HUBSPOT_API_URL = 'https://api.hubapi.com';

/** HubSpot's association type of a note to a contact (category HUBSPOT_DEFINED). */
export const NOTE_TO_CONTACT_ASSOCIATION_TYPE = 202;

export interface HubSpotCrmOptions {
  accessToken: string;
  /** Default `https://api.hubapi.com`. */
  apiUrl?: string;
  /** Where note claims are kept (the `crm_notes` table). */
  db: Db;
  properties?: Partial<HubSpotPropertyNames>;
  /** The currency of the lifetime value property (the HubSpot account's), when known. */
  currency?: string;
  /** How long a `sending` claim holds before another attempt may take it over. Default 60 s. */
  claimLeaseMs?: number;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_CLAIM_LEASE_MS = 60_000;
const USER_AGENT = 'parley-crm/0.1';

/** Our tier of a HubSpot property value. */
export function mapHubSpotTier(value: string | null | undefined): CustomerTier {
  const v = (value ?? '').trim().toLowerCase();
  return v === 'vip' || v === 'enterprise' ? v : 'standard';
}

const searchResultSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
});
const searchPageSchema = z.object({ results: z.array(searchResultSchema) });

export function createHubSpotCrm(opts: HubSpotCrmOptions): CrmAdapter {
  const base = (opts.apiUrl ?? DEFAULT_HUBSPOT_API_URL).replace(/\/+$/, '');
  const props = { ...DEFAULT_HUBSPOT_PROPERTIES, ...opts.properties };
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const leaseMs = opts.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const log = opts.logger ?? silentLogger;
  const secrets = [opts.accessToken].filter((s) => s.length > 0);
  const redact = (s: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);

  async function post(path: string, body: unknown, op: string): Promise<Record<string, unknown>> {
    const started = Date.now();
    const sent = await fetchText(
      doFetch,
      `${base}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${opts.accessToken}`,
          accept: 'application/json',
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
        },
        body: JSON.stringify(body),
      },
      { timeoutMs, redact },
    );
    if ('failed' in sent) {
      log.warn('hubspot request failed', { op, error: sent.failed });
      throw failure(CrmErrorTypes.Transient, `HubSpot ${op} failed: ${sent.failed}`, {
        message: sent.failed,
      });
    }
    const { res, text } = sent;
    const parsed = parseJson(text);
    if (!res.ok) {
      const err = classifyHubSpotError(res.status, parsed ?? text, res.headers, op);
      log.warn('hubspot error', {
        op,
        httpStatus: res.status,
        type: err.type,
        correlationId: (err.details?.[0] as CrmErrorDetails | undefined)?.correlationId,
        durationMs: Date.now() - started,
      });
      throw err;
    }
    // 204 No Content (the GDPR delete): nothing to parse.
    if (res.status === 204) return {};
    if (!isRecord(parsed)) throw unexpected(op, res.status, 'body is not a JSON object');
    log.debug('hubspot ok', { op, httpStatus: res.status, durationMs: Date.now() - started });
    return parsed;
  }

  async function searchContact(waId: string): Promise<{ id: string; contact: CrmContact } | undefined> {
    if (!isWaId(waId)) return undefined;
    const values = [`+${waId}`, waId];
    const json = await post(
      '/crm/v3/objects/contacts/search',
      {
        filterGroups: ['phone', 'mobilephone'].flatMap((propertyName) =>
          values.map((value) => ({ filters: [{ propertyName, operator: 'EQ', value }] })),
        ),
        properties: [
          'firstname',
          'lastname',
          'phone',
          'mobilephone',
          ...new Set([props.tier, props.lifetimeValue, props.owner]),
        ],
        limit: 10,
      },
      'search-contacts',
    );
    const page = searchPageSchema.safeParse(json);
    if (!page.success) throw unexpected('search-contacts', 200, 'no results array');
    const mine = page.data.results
      .filter(
        (c) => phoneDigits(c.properties.phone) === waId || phoneDigits(c.properties.mobilephone) === waId,
      )
      .sort((a, b) => compareIds(a.id, b.id));
    const found = mine[0];
    if (!found) return undefined;
    const p = found.properties;
    const name = [p.firstname, p.lastname].filter((s) => s && s.trim()).join(' ');
    const owner = p[props.owner]?.trim();
    return {
      id: found.id,
      contact: {
        tier: mapHubSpotTier(p[props.tier]),
        lifetimeValueCents: toCents(p[props.lifetimeValue]),
        ...(opts.currency ? { currency: opts.currency.toUpperCase() } : {}),
        ...(owner ? { ownerAgentId: owner } : {}),
        ...(name ? { name } : {}),
      },
    };
  }

  /** A note on the contact at exactly `atMs` carrying `marker`: what an earlier attempt wrote. */
  async function findWrittenNote(
    contactId: string,
    atMs: number,
    marker: string,
  ): Promise<string | undefined> {
    const json = await post(
      '/crm/v3/objects/notes/search',
      {
        filterGroups: [
          {
            filters: [
              { propertyName: 'associations.contact', operator: 'EQ', value: contactId },
              { propertyName: 'hs_timestamp', operator: 'EQ', value: String(atMs) },
            ],
          },
        ],
        properties: ['hs_note_body', 'hs_timestamp'],
        limit: 100,
      },
      'search-notes',
    );
    const page = searchPageSchema.safeParse(json);
    if (!page.success) throw unexpected('search-notes', 200, 'no results array');
    return page.data.results
      .filter((n) => (n.properties.hs_note_body ?? '').includes(marker))
      .sort((a, b) => compareIds(a.id, b.id))[0]?.id;
  }

  async function createNote(contactId: string, note: RenderedNote, atMs: number): Promise<string> {
    const json = await post(
      '/crm/v3/objects/notes',
      {
        properties: { hs_timestamp: new Date(atMs).toISOString(), hs_note_body: noteHtml(note) },
        associations: [
          {
            to: { id: contactId },
            types: [
              { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT_ASSOCIATION_TYPE },
            ],
          },
        ],
      },
      'create-note',
    );
    if (typeof json.id !== 'string' || !json.id) throw unexpected('create-note', 201, 'no note id');
    return json.id;
  }

  return {
    kind: 'hubspot',

    async findContact(waId) {
      return (await searchContact(waId))?.contact;
    },

    async forgetContact(waId) {
      const found = await searchContact(waId);
      if (!found) return 'no_contact';
      // HubSpot's GDPR delete: the contact, its history and its notes, permanently.
      await post('/crm/v3/objects/contacts/gdpr-delete', { objectId: found.id }, 'gdpr-delete-contact');
      return 'deleted';
    },

    async addResolutionNote(input) {
      if (!input.idempotencyKey) throw invalid('a resolution note needs an idempotency key');
      if (!Number.isFinite(input.atMs)) throw invalid('a resolution note needs a time');
      const found = await searchContact(input.waId);
      if (!found) return { status: 'no_contact' };
      const note = renderResolutionNote(input);
      const keyHash = noteKeyHash(input.idempotencyKey);
      const claim = await claimNote(
        opts.db,
        {
          system: 'hubspot',
          keyHash,
          contactRef: found.id,
          conversationRef: note.conversationRef,
          resolvedBy: input.resolvedBy,
          noteAt: new Date(input.atMs),
        },
        leaseMs,
      );
      switch (claim.outcome) {
        case 'written':
          return { status: 'already_written', noteId: claim.externalNoteId ?? keyHash };
        case 'busy':
          throw ApplicationFailure.create({
            message: 'HubSpot note: another attempt is writing this note',
            type: CrmErrorTypes.NoteInFlight,
            nonRetryable: false,
            nextRetryDelay: claim.retryInMs,
            details: [{ crm: 'hubspot', retryAfterMs: claim.retryInMs } satisfies CrmErrorDetails],
          });
        case 'takeover': {
          const existing = await findWrittenNote(found.id, input.atMs, note.marker).catch(async (err) => {
            await releaseNote(opts.db, 'hubspot', keyHash, { sent: 'maybe', firstAttempt: false });
            throw err;
          });
          if (existing) {
            await finishNote(opts.db, 'hubspot', keyHash, existing);
            log.info('hubspot note found from an earlier attempt', { noteId: existing });
            return { status: 'already_written', noteId: existing };
          }
          break;
        }
        case 'new':
          break;
      }
      let noteId: string;
      try {
        noteId = await createNote(found.id, note, input.atMs);
      } catch (err) {
        await releaseNote(opts.db, 'hubspot', keyHash, {
          sent: mayHaveCreated(err) ? 'maybe' : 'no',
          firstAttempt: claim.outcome === 'new',
        });
        throw err;
      }
      await finishNote(opts.db, 'hubspot', keyHash, noteId);
      log.info('hubspot note written', { noteId });
      return { status: 'written', noteId };
    },
  };
}

/** The note as HubSpot shows it (hs_note_body is rich text). */
export function noteHtml(note: RenderedNote): string {
  return (
    `<p><strong>${escapeHtml(note.resolvedLine)}</strong></p>` +
    `<p>${escapeHtml(note.summary).replace(/\r?\n/g, '<br>')}</p>` +
    `<p>Conversation ref: ${escapeHtml(note.conversationRef)} · ${escapeHtml(note.marker)}</p>`
  );
}

/** Whether a failed create may still have created the note: no answer, or a 5xx. */
function mayHaveCreated(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return true;
  const status = (err.details?.[0] as CrmErrorDetails | undefined)?.httpStatus;
  return status === undefined || status >= 500;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** '1234.5' (major units) → 123450; anything unreadable → 0. */
function toCents(value: string | null | undefined): number {
  const n = value === null || value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(n) ? Math.round(n * 100) : 0;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Maps a HubSpot error response to an ApplicationFailure. Pure. */
export function classifyHubSpotError(
  httpStatus: number,
  body: unknown,
  headers: Headers,
  op = 'request',
): ApplicationFailure {
  const details: CrmErrorDetails = { crm: 'hubspot', httpStatus };
  if (isRecord(body)) {
    if (typeof body.category === 'string') details.category = body.category;
    else if (typeof body.errorType === 'string') details.category = body.errorType;
    if (typeof body.message === 'string') details.message = body.message.slice(0, 500);
    if (typeof body.correlationId === 'string') details.correlationId = body.correlationId;
    if (typeof body.policyName === 'string') details.policyName = body.policyName;
  } else if (typeof body === 'string' && body.trim()) {
    details.message = body.trim().slice(0, 200);
  }
  let delay = parseRetryAfter(headers.get('retry-after'));
  if (delay === undefined && httpStatus === 429 && headers.get('x-hubspot-ratelimit-remaining') === '0') {
    const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    if (Number.isFinite(interval) && interval > 0) delay = Math.max(1000, interval);
  }
  if (delay !== undefined) details.retryAfterMs = delay;

  let type: CrmErrorType;
  if (httpStatus === 429) type = CrmErrorTypes.RateLimited;
  else if (httpStatus >= 500 || httpStatus === 408 || httpStatus === 423) type = CrmErrorTypes.Transient;
  else if (httpStatus === 401 || httpStatus === 403) type = CrmErrorTypes.AuthError;
  else if ([400, 404, 409, 422].includes(httpStatus)) type = CrmErrorTypes.InvalidRequest;
  else type = CrmErrorTypes.Permanent;
  const retryable = type === CrmErrorTypes.RateLimited || type === CrmErrorTypes.Transient;
  const what = [details.category, details.message].filter(Boolean).join(': ');
  return apiFailure(`HubSpot ${op} failed (HTTP ${httpStatus})${what ? `: ${what}` : ''}`, {
    type,
    retryable,
    details,
    retryAfterMs: delay,
  });
}

function failure(
  type: CrmErrorType,
  message: string,
  extra: Omit<CrmErrorDetails, 'crm'>,
): ApplicationFailure {
  const retryable = type === CrmErrorTypes.RateLimited || type === CrmErrorTypes.Transient;
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: !retryable,
    details: [{ crm: 'hubspot', ...extra } satisfies CrmErrorDetails],
  });
}

function invalid(message: string): ApplicationFailure {
  return failure(CrmErrorTypes.InvalidRequest, message, { message });
}

function unexpected(op: string, httpStatus: number, why: string): ApplicationFailure {
  return failure(CrmErrorTypes.Permanent, `HubSpot ${op}: unexpected response (${why})`, {
    httpStatus,
    message: why,
  });
}
