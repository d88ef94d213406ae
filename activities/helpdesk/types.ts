/**
 * The helpdesk side of an escalation: the hand-off package Parley builds in one go when a rule
 * fires, and the adapter interface that delivers it to wherever the human team works (the built-in
 * Postgres queue by default, or Zendesk).
 *
 * Privacy: the package never carries the customer's raw phone number, only the masked one
 * (`maskPhone`); the transcript is the conversation as the customer and Parley wrote it (voice
 * notes as their transcripts, photos as their descriptions), which is what the agent needs.
 */

/** When the humans should act: now (live hand-off) or at the next working day (a review task). */
export type HandoffHandling = 'hand_off_now' | 'next_day_review';

/** What a ticket is in the built-in queue: a live hand-off or a next-day review task. */
export type TicketKind = 'handoff' | 'review';

/** The helpdesk-neutral status every adapter maps its own statuses to. */
export type TicketStatus = 'open' | 'pending' | 'solved' | 'closed';

export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'pending', 'solved', 'closed'];

/** One line of the transcript. Same roles as the workflow's transcript turns. */
export interface HandoffTranscriptEntry {
  role: 'customer' | 'bot' | 'agent' | 'system';
  /** Text as written; for a voice note its transcript, for a photo its description. */
  text: string;
  /** ISO 8601 timestamp. */
  at: string;
}

/** Everything the human agent needs to pick the conversation up without asking the customer again. */
export interface HandoffPackage {
  /** The conversation workflow id (keyed, see core/conversation-ids.ts: no phone number in it). */
  conversationId: string;
  customer: {
    displayName?: string;
    /** The customer's number masked with `maskPhone` (never the raw number). */
    maskedPhone: string;
    tier?: string;
    /** ISO 639-1. */
    language?: string;
  };
  /** The escalation rule that fired (e.g. `vip_complaint`, `refund_over_limit`). */
  rule: string;
  /** Why it fired, in one sentence. */
  reason: string;
  handling: HandoffHandling;
  /** The model-written summary of the conversation so far. */
  summary: string;
  transcript: HandoffTranscriptEntry[];
  understanding: { intent?: string; sentiment?: string };
  history: {
    orders: { orderNumber: string; status: string; total: string }[];
    openTickets: number;
  };
  recommendedNextAction: string;
  /** Where the agent opens the conversation (the operator UI / API). */
  conversationUrl: string;
  /** The agent this should go to (e.g. the owner of a VIP account), when routing says so. */
  routeToAgentId?: string;
}

/** A ticket in some helpdesk. `id` is that helpdesk's id, as a string. */
export interface TicketRef {
  system: 'builtin' | 'zendesk';
  id: string;
  /** Where a human opens it, when the helpdesk has a UI for it. */
  url?: string;
}

export interface TicketComment {
  author: 'customer' | 'parley' | 'agent';
  text: string;
  /** Public comments are visible to the requester (Zendesk); private ones are internal notes. */
  public: boolean;
}

export interface CreateTicketOptions {
  /**
   * Stable across retries of the same escalation (e.g. `handoff:<conversationId>:<seq>`): a retried
   * createTicket returns the ticket the first attempt created instead of creating a second one.
   * Adapters that send it to a third party send a hash of it (the conversation id holds the number).
   */
  idempotencyKey: string;
  /** For next-day reviews: when the review is due (ISO 8601). Adapters pick a default otherwise. */
  dueAt?: string;
}

export interface AddCommentOptions {
  /**
   * Stable across retries of the same comment. The built-in queue records a keyed comment once;
   * Zendesk has no de-duplication for comments, so there a retry after a lost response can repeat it.
   */
  idempotencyKey?: string;
}

/**
 * A helpdesk adapter. Implementations throw Temporal `ApplicationFailure`s (retryable or not) so
 * they can run inside activities and let the activity retry policy do the retrying.
 */
export interface Helpdesk {
  readonly system: TicketRef['system'];
  createTicket(pkg: HandoffPackage, opts: CreateTicketOptions): Promise<TicketRef>;
  addComment(ticket: TicketRef, comment: TicketComment, opts?: AddCommentOptions): Promise<void>;
  ticketStatus(ticket: TicketRef): Promise<TicketStatus>;
  /**
   * Erasure: deletes the ticket for good where the helpdesk holds it (Zendesk: delete, then
   * permanently delete); `not_held` for the built-in queue (its rows are erased with the rest).
   */
  forgetTicket(ticket: TicketRef): Promise<'deleted' | 'not_held'>;
}

/** The `type` of every ApplicationFailure the helpdesk adapters throw. */
export const HelpdeskErrorTypes = {
  /** HTTP 429 (honouring Retry-After as `nextRetryDelay`). Retryable. */
  RateLimited: 'HelpdeskRateLimited',
  /** 5xx, 408, 409, network errors and timeouts. Retryable. */
  Transient: 'HelpdeskTransientError',
  /** 401 / 403: bad credentials or missing permission. */
  AuthError: 'HelpdeskAuthError',
  /** The ticket does not exist (or was deleted). */
  TicketNotFound: 'HelpdeskTicketNotFound',
  /** The ticket is closed and can no longer be updated: open a follow-up ticket instead. */
  TicketClosed: 'HelpdeskTicketClosed',
  /** The helpdesk rejected what we sent (422), or we refused to send it. */
  InvalidRequest: 'HelpdeskInvalidRequest',
  /** The idempotency key was already used for a different conversation. */
  IdempotencyConflict: 'HelpdeskIdempotencyConflict',
  /** Any other 4xx, or a 2xx we cannot make sense of. */
  Permanent: 'HelpdeskPermanentError',
} as const;

export type HelpdeskErrorType = (typeof HelpdeskErrorTypes)[keyof typeof HelpdeskErrorTypes];
