/**
 * What every part of a conversation run works on: its identity, its state (carried across
 * continue-as-new), the patch decisions of this run, the settings, the named timers and the
 * per-run work queues that handlers fill and the main loop drains. Modules are plain functions
 * over this context, called by the main loop (workflow.ts).
 */
import type { RecordResolutionNoteInput } from '../../activities/crm-activities.js';
import type { TransitionRecord } from '../../activities/message-log-activities.js';
import type { CsatSurveyRecord } from '../../db/repositories/csat-surveys.js';
import type {
  AgentReplyInput,
  AgentReplyResult,
  ConversationSettings,
  DeliveryStatus,
} from '../definitions.js';
import type { RefundSettled } from '../refund-definitions.js';
import type { ConversationState } from './state.js';
import type { NamedTimers } from './timers.js';

export interface ConversationInput {
  phoneNumberId: string;
  waId: string;
  /** Present when this run continues an earlier one (continue-as-new). */
  carried?: ConversationState;
  /** Set when the customer wrote while the previous conversation was closing. */
  reopened?: boolean;
}

export interface ConversationOutcome {
  closedBy: string;
  reason?: string;
}

/** The `patched()` decisions taken once per run, before its first command (see the README's ledger). */
export interface RunPatches {
  surveys: boolean;
  handoffs: boolean;
  actions: boolean;
  crmNotes: boolean;
}

export interface PendingAgentReply {
  input: AgentReplyInput;
  result?: AgentReplyResult;
}

/** Transient, per-run work: empty at every continue-as-new by construction. */
export interface WorkQueues {
  statuses: DeliveryStatus[];
  firedTimers: string[];
  agentReplies: PendingAgentReply[];
  transitions: TransitionRecord[];
  surveyRecords: CsatSurveyRecord[];
  refundNotices: RefundSettled[];
  resolutionNotes: RecordResolutionNoteInput[];
}

export interface ConversationContext {
  /** The workflow id: a keyed hash of the business number and the customer (core/conversation-ids.ts). */
  readonly conversationId: string;
  /** The first run's id: stable across continue-as-new, the base of this conversation's keys. */
  readonly firstRunId: string;
  readonly input: ConversationInput;
  readonly state: ConversationState;
  readonly patches: RunPatches;
  readonly timers: NamedTimers;
  readonly queues: WorkQueues;
  /** The settings loaded at the start of the run (the first activity). */
  settings(): ConversationSettings;
  /** Per-run bookkeeping that is not part of the carried state. */
  run: {
    lastArrivalMs: number;
    /** Signals this run received (Temporal caps a run at 10,000). */
    signals: number;
    lastUpsertedAttributes: string;
    lastUnderstandingAttributes: string;
    closedBy?: ConversationOutcome;
    /** A next-day review still owed when the conversation closes: filed at the close. */
    reviewOnClose?: number;
  };
}
