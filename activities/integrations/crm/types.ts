/**
 * The CRM side of a conversation: who the customer is for the escalation rules (tier, lifetime
 * value, named owner) and a note on their record when a conversation is resolved. The built-in
 * adapter reads `shop_customers` and keeps notes in `crm_notes`; HubSpot is the other one.
 *
 * Privacy: a note carries the summary, who resolved it and an opaque conversation reference — never
 * the transcript, and never the customer's phone number (the CRM record already has it; a note is
 * copied, exported and read by many more people). `renderResolutionNote` enforces that for every
 * adapter.
 *
 * Failures are Temporal `ApplicationFailure`s typed with {@link CrmErrorTypes}.
 */
import { createHash } from 'node:crypto';
import { maskPhone } from '../../../domain/privacy.js';
import type { CustomerTier } from '../../../db/tables/shop-customers.js';

export type { CustomerTier } from '../../../db/tables/shop-customers.js';

export interface CrmContact {
  tier: CustomerTier;
  /** In the currency's minor unit; 0 when the CRM does not say. */
  lifetimeValueCents: number;
  /** ISO 4217, when the CRM says which currency the lifetime value is in. */
  currency?: string;
  /** The account's owner (account manager), for routing a hand-off to them. */
  ownerAgentId?: string;
  name?: string;
}

export interface ResolutionNoteInput {
  /** The customer's WhatsApp id (digits only): finds the record; never written into the note. */
  waId: string;
  /** The opaque conversation reference (`core/conversation-ids.ts`), never the conversation id. */
  conversationRef: string;
  /** Who resolved it: `parley` (the bot) or the agent's id. */
  resolvedBy: string;
  /** What the customer needed and how it was resolved (the model-written summary). */
  summary: string;
  /** When it was resolved (epoch ms): the note's timestamp on the CRM timeline. */
  atMs: number;
  /** Stable across retries of the same resolution: one note per key, however often it is retried. */
  idempotencyKey: string;
}

export type ResolutionNoteResult =
  | { status: 'written'; noteId: string }
  /** A note for this idempotency key already exists (a retry): nothing new was written. */
  | { status: 'already_written'; noteId: string }
  /** No CRM record has this WhatsApp number: nothing was written (no record is created for it). */
  | { status: 'no_contact' };

export interface CrmAdapter {
  readonly kind: 'builtin' | 'hubspot';
  /** The customer whose phone number is `waId`; undefined when there is none. */
  findContact(waId: string): Promise<CrmContact | undefined>;
  /** Adds a resolution note to the customer's record, once per idempotency key. */
  addResolutionNote(input: ResolutionNoteInput): Promise<ResolutionNoteResult>;
  /**
   * Erasure: deletes the customer's record where the CRM supports it (HubSpot's GDPR delete, which
   * also removes its notes); `not_held` when the record is not the CRM's to erase (the built-in one
   * reads the shop's own customer records).
   */
  forgetContact(waId: string): Promise<'deleted' | 'no_contact' | 'not_held'>;
}

/** The `type` of every ApplicationFailure a CRM adapter throws. */
export const CrmErrorTypes = {
  /** HTTP 429 (Retry-After honoured as `nextRetryDelay`). Retryable. */
  RateLimited: 'CrmRateLimited',
  /** 5xx, 408, 423, network errors and timeouts. Retryable. */
  Transient: 'CrmTransientError',
  /** Another attempt is writing the same note right now: retry after it (nextRetryDelay). Retryable. */
  NoteInFlight: 'CrmNoteInFlight',
  /** 401 / 403: a bad token or a missing scope. Not retryable. */
  AuthError: 'CrmAuthError',
  /** The CRM rejected what we sent (400, 404 …) or we refused to send it. Not retryable. */
  InvalidRequest: 'CrmInvalidRequest',
  /** Any other 4xx, or a 2xx we cannot make sense of. Not retryable. */
  Permanent: 'CrmPermanentError',
} as const;

export type CrmErrorType = (typeof CrmErrorTypes)[keyof typeof CrmErrorTypes];

/** `details[0]` of every failure. */
export interface CrmErrorDetails {
  crm: CrmAdapter['kind'];
  httpStatus?: number;
  /** HubSpot's `category` (VALIDATION_ERROR, INVALID_AUTHENTICATION, RATE_LIMITS …). */
  category?: string;
  message?: string;
  /** HubSpot's `correlationId`, for its support. */
  correlationId?: string;
  /** HubSpot's rate-limit policy that was hit (SECONDLY, DAILY …). */
  policyName?: string;
  retryAfterMs?: number;
}

/** Summaries longer than this are cut: a note is a pointer, the conversation is the record. */
export const NOTE_SUMMARY_MAX = 2_000;

/** The part of a note that identifies its idempotency key (a hash: keys hold conversation ids). */
export function noteKeyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32);
}

/** The marker written into every note, by which a retry recognises a note it already wrote. */
export function noteMarker(idempotencyKey: string): string {
  return `parley-note:${noteKeyHash(idempotencyKey)}`;
}

export interface RenderedNote {
  resolvedLine: string;
  summary: string;
  /** The opaque conversation reference as written in the note. */
  conversationRef: string;
  marker: string;
}

/**
 * The note's content, the same for every CRM: who resolved it and when, the summary, the opaque
 * conversation reference and the idempotency marker. The customer's number is masked wherever it
 * appears in the summary (a model may have repeated it), and a conversation reference that holds
 * the number (a conversation id passed by mistake) is replaced by its opaque hash.
 */
export function renderResolutionNote(input: ResolutionNoteInput): RenderedNote {
  const who = input.resolvedBy === 'parley' ? 'Parley (automated assistant)' : `agent ${input.resolvedBy}`;
  const at = new Date(input.atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const summary = truncate(scrubNumber(input.summary.trim(), input.waId), NOTE_SUMMARY_MAX);
  const ref =
    /^[A-Za-z0-9_-]{1,64}$/.test(input.conversationRef) && !containsNumber(input.conversationRef, input.waId)
      ? input.conversationRef
      : createHash('sha256').update(input.conversationRef, 'utf8').digest('hex').slice(0, 20);
  return {
    resolvedLine: `WhatsApp conversation resolved by ${who} on ${at}.`,
    summary: summary || '(no summary)',
    conversationRef: ref,
    marker: noteMarker(input.idempotencyKey),
  };
}

/** The note as plain text (the built-in notes table). */
export function resolutionNoteText(note: RenderedNote): string {
  return [note.resolvedLine, note.summary, `Conversation ref: ${note.conversationRef} · ${note.marker}`].join(
    '\n',
  );
}

/** The customer's number, written with or without '+', '00', spaces, dots, dashes or brackets. */
function numberPattern(waId: string): RegExp | undefined {
  if (!/^\d{6,15}$/.test(waId)) return undefined;
  const digits = waId.split('').join('[\\s.()-]*');
  return new RegExp(`(?:\\+|00)?[\\s(]*${digits}`, 'g');
}

function scrubNumber(text: string, waId: string): string {
  const re = numberPattern(waId);
  return re ? text.replace(re, maskPhone(waId)) : text;
}

function containsNumber(text: string, waId: string): boolean {
  const re = numberPattern(waId);
  return re ? re.test(text) : false;
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
