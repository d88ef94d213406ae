/**
 * The contract between the webhook (api/), the conversation workflow and the tests: the shape of
 * what crosses a signal, and the signal definitions themselves. Plain JSON only, so it survives
 * history serialisation and continue-as-new unchanged.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BusinessHours } from '../domain/business-hours.js';
import type { EscalationPolicyConfig } from '../domain/escalation-policy.js';

export type MediaType = 'image' | 'audio' | 'video' | 'document' | 'sticker';

/** What a customer sent, normalised from Meta's webhook message object. */
export type InboundContent =
  | { kind: 'text'; body: string }
  | {
      kind: 'media';
      mediaType: MediaType;
      mediaId: string;
      mimeType: string;
      sha256?: string;
      caption?: string;
      filename?: string;
      /** WhatsApp voice note (push-to-talk) rather than an audio file. */
      voice?: boolean;
      animated?: boolean;
    }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; contacts: { name: string; phones: string[] }[] }
  | {
      kind: 'reply';
      /** interactive button_reply / list_reply / nfm_reply, or a template quick-reply `button`. */
      replyType: 'button_reply' | 'list_reply' | 'nfm_reply' | 'button';
      id: string;
      title: string;
      description?: string;
    }
  | { kind: 'reaction'; messageId: string; emoji: string }
  | {
      kind: 'order';
      catalogId: string;
      text?: string;
      items: { productRetailerId: string; quantity: number; itemPrice: number; currency: string }[];
    }
  | { kind: 'system'; body: string; systemType?: string; newWaId?: string }
  /** The customer edited an earlier message: its new text (or caption). */
  | { kind: 'edit'; originalMessageId: string; body: string }
  /** The customer deleted an earlier message for everyone. */
  | { kind: 'revoke'; originalMessageId: string }
  | { kind: 'unsupported'; originalType: string; errors: WhatsAppError[] };

export interface WhatsAppError {
  code: number;
  title: string;
  message?: string;
  details?: string;
}

export interface InboundMessage {
  /** WhatsApp message id (wamid…), the dedupe key. */
  id: string;
  /** The business phone number id that received it. */
  phoneNumberId: string;
  /** The customer's WhatsApp id (their phone number in international format, digits only). */
  waId: string;
  /** Profile name from the webhook's `contacts`, when Meta sent one. */
  displayName?: string;
  timestampMs: number;
  /** The message this one replies to (quoted reply / button on a message we sent). */
  contextMessageId?: string;
  content: InboundContent;
}

export type DeliveryState = 'sent' | 'delivered' | 'read' | 'played' | 'failed' | 'deleted' | 'warning';

export interface DeliveryStatus {
  /** The id of the outbound message this status is about. */
  messageId: string;
  phoneNumberId: string;
  recipientId: string;
  status: DeliveryState;
  timestampMs: number;
  errors: WhatsAppError[];
  /** The idempotency key of the send this status is about (Meta echoes biz_opaque_callback_data). */
  callbackData?: string;
}

export const inboundMessageSignal = defineSignal<[InboundMessage]>('inboundMessage');
export const deliveryStatusSignal = defineSignal<[DeliveryStatus]>('deliveryStatus');

// ---------------------------------------------------------------------------------------------
// Conversation state as operators see it, and the operator/agent commands.

export type ConversationStatus = 'bot' | 'awaiting_human' | 'human' | 'resolved' | 'closed';

/** What Parley understood of a customer turn, kept with the turn for agents and supervisors. */
export interface TurnUnderstanding {
  language?: string;
  sentiment?: { label: string; score: number };
  intent?: string;
  urgency?: string;
  wantsHuman?: boolean;
  crisis?: boolean;
  regulatedTopic?: string;
  source?: 'model' | 'offline';
  fallbackReason?: string;
  entities?: { orderNumbers: string[]; emails: string[]; products: string[]; dates: string[] };
  media?: { messageId: string; kind: string; reason?: string; sensitive?: boolean; summary?: string }[];
}

export interface TranscriptTurn {
  role: 'customer' | 'bot' | 'agent' | 'system';
  text: string;
  atMs: number;
  understanding?: TurnUnderstanding;
  /** WhatsApp ids of the inbound messages this turn covers, or of the message sent. */
  messageIds?: string[];
  agentId?: string;
}

export interface PendingTimerView {
  name: string;
  summary: string;
  dueAt: string;
}

/** A message to the customer that WhatsApp could not take yet: retried until it can be delivered. */
export interface PendingSend {
  /** The send's idempotency key (`reply:<message id>`, `agent:<run>:<n>`…). */
  key: string;
  what: string;
  firstFailedAtMs: number;
  attempts: number;
  lastReason: string;
  nextAttemptAtMs: number;
}

export interface SendFailure {
  atMs: number;
  what: string;
  /** WhatsAppOutsideWindow, WhatsAppUndeliverable, … (the ApplicationFailure type). */
  reason: string;
  code?: number;
  message?: string;
}

/** What the `conversationState` query returns: everything a supervisor needs at a glance. */
export interface ConversationView {
  conversationId: string;
  status: ConversationStatus;
  assignedAgent?: { id: string; name?: string };
  customer: { displayName?: string; maskedNumber: string; tier?: string };
  language?: string;
  sentiment?: { label: string; score: number };
  /** Sentiment scores of the last customer turns, oldest first (the escalation policy reads it). */
  sentimentTrend: number[];
  intent?: string;
  escalated: boolean;
  unreachable: boolean;
  summary: string;
  lastTurns: TranscriptTurn[];
  /** The 24-hour customer-service window: free-form messages only before this instant. */
  windowExpiresAt?: string;
  pendingTimers: PendingTimerView[];
  queuedMessages: number;
  recentSendFailures: SendFailure[];
  /** Messages waiting for WhatsApp to come back (each retried until it can be delivered). */
  pendingSends: PendingSend[];
  continuedAsNewCount: number;
  /** An action waiting for the customer's confirmation (what a supervisor needs to know of it). */
  pendingAction?: { action: string; summary: string; askedAt: string };
  /** Refunds started from this conversation that have not settled yet (refund ids). */
  refundsInFlight?: string[];
  /** Parley stopped answering: more turns than the budget allows (an auto-responder loop?). */
  loopGuard?: { since: string; suppressedTurns: number };
}

export interface AssignAgentInput {
  agentId: string;
  agentName?: string;
}
export interface AgentReplyInput {
  agentId: string;
  text: string;
}
export interface OperatorInput {
  /** Who asked: an agent id, `operator`, `parley` … kept in the transcript and the audit. */
  by: string;
  reason?: string;
}
export interface AgentReplyResult {
  delivered: boolean;
  /** Not delivered yet: WhatsApp is unavailable and the message is being retried (see pendingSends). */
  queued?: boolean;
  messageId?: string;
  /** Why it was not delivered (outside the 24-hour window without a template, unreachable, …). */
  reason?: string;
}

export const assignAgentUpdate = defineUpdate<ConversationView, [AssignAgentInput]>('assignAgent');
export const agentReplyUpdate = defineUpdate<AgentReplyResult, [AgentReplyInput]>('agentReply');
export const handBackUpdate = defineUpdate<ConversationView, [OperatorInput]>('handBack');
export const resolveUpdate = defineUpdate<ConversationView, [OperatorInput]>('resolve');
export const closeUpdate = defineUpdate<ConversationView, [OperatorInput]>('close');
export const conversationStateQuery = defineQuery<ConversationView>('conversationState');

/** Tunables of the conversation loop, read by the worker from its config at the start of each run. */
export interface ConversationSettings {
  /** Whether a chat model is configured (absent in settings recorded before this field existed). */
  modelConfigured?: boolean;
  /** Quiet time after the last message before a burst is answered as one turn. */
  debounceMs: number;
  /** A burst is answered at the latest this long after its first message. */
  maxBatchWaitMs: number;
  /** A bot conversation whose customer stops answering resolves after this long. */
  botIdleResolveMs: number;
  /** A resolved conversation closes after this long without a new message. */
  resolvedCloseMs: number;
  /** Continue-as-new once the run's history passes this many events (Temporal may suggest earlier). */
  maxHistoryEvents: number;
  /** Transcript turns kept in workflow state (older ones live in Postgres and the rolling summary). */
  transcriptTurns: number;
  /** How long a customer's erasure waits after closing their conversations (absent: 60 s). */
  erasureSettleMs?: number;
  /** Model rounds per turn (each may call tools); the last one must answer. */
  agentMaxRounds: number;
  /** A model answer below this confidence is not sent: the conversation goes to a person. */
  confidenceThreshold: number;
  /** The model refreshes the rolling summary after this many answered turns. */
  summaryEveryTurns: number;
  /** When a person is there to take a hand-off now; outside them, cases wait for the next opening. */
  businessHours: BusinessHours;
  /** Business time until an unassigned hand-off reminds the team channel. */
  pickupSlaMs: number;
  /** Business time until an unassigned hand-off goes to the on-call channel. */
  onCallAfterMs: number;
  /** Time an assigned agent has to answer the customer's message before a reminder. */
  agentReplySlaMs: number;
  escalation: EscalationPolicyConfig;
  /** The satisfaction survey goes out this long after a resolution (a new message first cancels it). */
  csatDelayMs: number;
  /** Approved survey template for after the 24-hour window; none → the survey is skipped, with why. */
  csatTemplate?: { name: string; language: string };
  /** Approved template used when the 24-hour window has closed; none configured → skip and record. */
  reengagementTemplate?: { name: string; language: string };
  /**
   * Turns Parley answers per customer in a window before it suspects an auto-responder loop and
   * stops answering (absent in settings recorded before the loop guard: no guard for those runs).
   */
  turnBudget?: { turns: number; windowMs: number };
}
