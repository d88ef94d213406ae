/**
 * What crosses between the conversation workflow and the agent activities. Plain JSON: it is
 * recorded in history, so it stays small (passages are trimmed, turns are the last few).
 */
import type { Passage } from '../knowledge/retrieval.js';
import type { ToolCaller, ToolOutcome } from '../tools/types.js';

export type { Passage, ToolCaller, ToolOutcome };

/** Everything the model is told about this turn (the system prompt adds brand and rules). */
export interface AgentContext {
  caller: ToolCaller;
  /** The customer's language (ISO 639-1); the reply must be in it. */
  language?: string;
  /** First reply of this conversation: the AI disclosure is added by code, the model is told so. */
  firstReply: boolean;
  customerName?: string;
  /** What the customer_profile tool knows (tier, open orders), when the customer is known. */
  profile?: unknown;
  summary: string;
  /** The last turns before this one, oldest first. */
  history: { role: 'customer' | 'bot' | 'agent' | 'system'; text: string }[];
  /** This turn: the customer's words with voice-note transcripts and photo descriptions. */
  customerText: string;
  understanding?: {
    intent?: string;
    sentiment?: string;
    urgency?: string;
    orderNumbers?: string[];
  };
  passages: Passage[];
}

/** One tool call the model asked for, as recorded in the loop. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** The JSON arguments exactly as the model sent them. */
  arguments: string;
}

/** The loop so far: what the model asked and what the tools answered, in order. */
export type LoopMessage =
  | { role: 'assistant'; toolCalls: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; outcome: ToolOutcome };

export interface ModelCost {
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** The model's final answer (its JSON schema is in answer-schema.ts). */
export interface AgentAnswer {
  reply: string;
  confidence: number;
  citedChunkIds: string[];
  intent: string;
  needsHuman: boolean;
  needsHumanReason: string | null;
}

export type AgentStepResult =
  | ({ kind: 'tool_calls'; calls: ToolCallRequest[] } & ModelCost)
  | ({ kind: 'answer'; answer: AgentAnswer } & ModelCost);

export interface AgentStepInput {
  context: AgentContext;
  loop: LoopMessage[];
  /** False on the last round: the model must answer with what it has. */
  allowTools: boolean;
  /** False: the action tools (which propose changes) are not offered. Absent: they are. */
  allowActions?: boolean;
}

export interface PreparedTurn {
  passages: Passage[];
  profile?: unknown;
  /** Whether a chat model is configured on this worker (model-free mode otherwise). */
  modelConfigured: boolean;
}

/** How the turn was answered without a model. */
export interface ModelFreeAnswer {
  mode: 'knowledge' | 'order_status' | 'clarify' | 'handoff';
  reason: string;
  /** The text to send (for `handoff`: undefined — the workflow sends its own hand-off message). */
  reply?: string;
  citedChunkIds: string[];
  toolCalls: { name: string; status: ToolOutcome['status'] }[];
}
