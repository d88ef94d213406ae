/**
 * The conversation's state and the pure rules over it. Everything here is plain JSON (carried
 * across continue-as-new as is) and deterministic (time comes in as an argument).
 */
import type { TicketRef } from '../../activities/helpdesk/types.js';
import type { ActionProposal } from '../../activities/tools/types.js';
import { maskPhone } from '../../domain/privacy.js';
import type {
  ConversationStatus,
  ConversationView,
  InboundMessage,
  PendingSend,
  SendFailure,
  TranscriptTurn,
} from '../definitions.js';

export const SEEN_MESSAGE_IDS_LIMIT = 1_000;
export const SEND_FAILURES_KEPT = 10;
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface TimerState {
  dueAtMs: number;
  summary: string;
}

export interface ConversationState {
  phoneNumberId: string;
  waId: string;
  status: ConversationStatus;
  customer: { displayName?: string; tier?: string; ownerAgentId?: string; lookedUp?: boolean };
  assignedAgent?: { id: string; name?: string };
  language?: string;
  sentiment?: { label: string; score: number };
  /** Sentiment scores of the last customer turns, oldest first (absent in runs before it existed). */
  sentimentTrend?: number[];
  intent?: string;
  escalated: boolean;
  unreachable: boolean;
  summary: string;
  turns: TranscriptTurn[];
  /** Bounded, oldest first: the dedupe memory that must survive continue-as-new. */
  seenMessageIds: string[];
  /** Inbound messages accepted but not yet handled. */
  pending: InboundMessage[];
  lastInboundAtMs?: number;
  /** Set when Meta said the window is closed (error 131047) before our own clock did. */
  windowClosedByMeta: boolean;
  timers: Record<string, TimerState>;
  sendFailures: SendFailure[];
  /** Sends being retried until WhatsApp takes them (absent in runs before it existed). */
  pendingSends?: PendingSend[];
  continuedAsNewCount: number;
  /** Counters that make idempotency keys for transitions and agent replies stable across runs. */
  transitionSeq: number;
  agentReplySeq: number;
  /** Parley has said it is an AI in this conversation (the first reply does). */
  aiDisclosed?: boolean;
  /** Answered turns since the model last refreshed the rolling summary. */
  turnsSinceSummary?: number;
  /** When the customer first wrote in this conversation (time to resolution). */
  openedAtMs?: number;
  /** The satisfaction survey of the last resolution, while it is due or being answered. */
  csat?: CsatState;
  /** The customer asked for no more surveys. */
  csatOptOut?: boolean;
  /** The escalation that put the conversation in the human queue (or queued its review). */
  escalation?: EscalationState;
  /** The helpdesk ticket of the current hand-off. */
  ticket?: TicketRef;
  /** An action the model proposed and the customer was asked to confirm with buttons. */
  pendingAction?: PendingAction;
  /** Numbers the confirmation buttons, so a tap on an old one is recognised as stale. */
  actionSeq?: number;
  /** Refunds this conversation started, by refund id, until they settle. */
  refundsInFlight?: string[];
  /** When Parley answered the latest turns (for the turn budget; at most the budget's size). */
  answeredTurnsAtMs?: number[];
  /** Set while the turn budget holds Parley back: an auto-responder loop is suspected. */
  loopGuard?: { sinceMs: number; suppressedTurns: number };
}

export interface PendingAction {
  seq: number;
  proposal: ActionProposal;
  askedAtMs: number;
}

export interface EscalationState {
  rule: string;
  reason: string;
  handling: 'hand_off_now' | 'next_day_review';
  atMs: number;
  routeToAgentId?: string;
  /** Next-day reviews: when the team is back. */
  reviewDueAtMs?: number;
}

export interface CsatState {
  surveyKey: string;
  resolvedBy: 'parley' | 'agent';
  agentId?: string;
  resolvedAtMs: number;
  intent?: string;
  sentAtMs?: number;
  /** A low score was given: the next text is the optional comment. */
  awaitingComment?: boolean;
}

export function initialState(phoneNumberId: string, waId: string): ConversationState {
  return {
    phoneNumberId,
    waId,
    status: 'bot',
    customer: {},
    escalated: false,
    unreachable: false,
    summary: '',
    turns: [],
    seenMessageIds: [],
    pending: [],
    windowClosedByMeta: false,
    timers: {},
    sendFailures: [],
    continuedAsNewCount: 0,
    transitionSeq: 0,
    agentReplySeq: 0,
  };
}

/** Accepts a message unless it was seen before; returns whether it was new. */
export function acceptInbound(state: ConversationState, message: InboundMessage): boolean {
  if (state.seenMessageIds.includes(message.id)) return false;
  state.seenMessageIds.push(message.id);
  if (state.seenMessageIds.length > SEEN_MESSAGE_IDS_LIMIT) state.seenMessageIds.shift();
  state.pending.push(message);
  return true;
}

export function appendTurn(state: ConversationState, turn: TranscriptTurn, keep: number): void {
  state.turns.push(turn);
  if (state.turns.length > keep) state.turns.splice(0, state.turns.length - keep);
}

export function recordSendFailure(state: ConversationState, failure: SendFailure): void {
  state.sendFailures.push(failure);
  if (state.sendFailures.length > SEND_FAILURES_KEPT) state.sendFailures.shift();
}

export function windowExpiresAtMs(state: ConversationState): number | undefined {
  return state.lastInboundAtMs === undefined ? undefined : state.lastInboundAtMs + CUSTOMER_SERVICE_WINDOW_MS;
}

/** Free-form messages may only be sent inside the 24-hour customer-service window. */
export function insideServiceWindow(state: ConversationState, nowMs: number): boolean {
  const expires = windowExpiresAtMs(state);
  return !state.windowClosedByMeta && expires !== undefined && nowMs < expires;
}

/** Which operator commands are allowed from which status; the update validators use this. */
const allowedFrom: Record<'assign' | 'handBack' | 'resolve' | 'close', ConversationStatus[]> = {
  assign: ['bot', 'awaiting_human', 'human', 'resolved'],
  handBack: ['awaiting_human', 'human'],
  resolve: ['bot', 'awaiting_human', 'human'],
  close: ['bot', 'awaiting_human', 'human', 'resolved'],
};

/** Returns why a command is not allowed now, or undefined when it is. */
export function commandRefusal(
  state: ConversationState,
  command: keyof typeof allowedFrom,
): string | undefined {
  if (allowedFrom[command].includes(state.status)) return undefined;
  return `cannot ${command} a conversation that is ${state.status}`;
}

export function toView(
  state: ConversationState,
  conversationId: string,
  lastTurns: number,
): ConversationView {
  const expires = windowExpiresAtMs(state);
  return {
    conversationId,
    status: state.status,
    assignedAgent: state.assignedAgent,
    customer: { ...state.customer, maskedNumber: maskPhone(state.waId) },
    language: state.language,
    sentiment: state.sentiment,
    sentimentTrend: state.sentimentTrend ?? [],
    intent: state.intent,
    escalated: state.escalated,
    unreachable: state.unreachable,
    summary: state.summary,
    lastTurns: state.turns.slice(-lastTurns),
    windowExpiresAt: expires === undefined ? undefined : new Date(expires).toISOString(),
    pendingTimers: Object.entries(state.timers)
      .sort(([, a], [, b]) => a.dueAtMs - b.dueAtMs)
      .map(([name, t]) => ({ name, summary: t.summary, dueAt: new Date(t.dueAtMs).toISOString() })),
    queuedMessages: state.pending.length,
    recentSendFailures: state.sendFailures,
    pendingSends: state.pendingSends ?? [],
    continuedAsNewCount: state.continuedAsNewCount,
    ...(state.pendingAction
      ? {
          pendingAction: {
            action: state.pendingAction.proposal.action,
            summary: state.pendingAction.proposal.summary,
            askedAt: new Date(state.pendingAction.askedAtMs).toISOString(),
          },
        }
      : {}),
    ...(state.refundsInFlight?.length ? { refundsInFlight: state.refundsInFlight } : {}),
    ...(state.loopGuard
      ? {
          loopGuard: {
            since: new Date(state.loopGuard.sinceMs).toISOString(),
            suppressedTurns: state.loopGuard.suppressedTurns,
          },
        }
      : {}),
  };
}

/** The state a new conversation starts from when the customer writes right after a close. */
export function reopenedAfterClose(closed: ConversationState): ConversationState {
  const fresh = initialState(closed.phoneNumberId, closed.waId);
  return {
    ...fresh,
    customer: closed.customer,
    language: closed.language,
    summary: closed.summary,
    seenMessageIds: closed.seenMessageIds,
    pending: closed.pending,
    lastInboundAtMs: closed.lastInboundAtMs,
    transitionSeq: closed.transitionSeq,
    agentReplySeq: closed.agentReplySeq,
  };
}

/** Human-readable duration for timer summaries in the Web UI: "15 min", "2 h", "1 d 3 h". */
export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const restMin = minutes % 60;
  if (hours < 48) return restMin ? `${hours} h ${restMin} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  const restH = hours % 24;
  return restH ? `${days} d ${restH} h` : `${days} d`;
}
