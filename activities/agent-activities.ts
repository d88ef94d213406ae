import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { insertBotTurn } from '../db/repositories/bot-turns.js';
import { createAgentStep } from './agent/agent-step.js';
import { answerWithoutModel, type ModelFreeInput, type ModelFreeThresholds } from './agent/model-free.js';
import type { BrandSettings } from './agent/prompt.js';
import { summarise, type SummariseInput } from './agent/summary.js';
import type {
  AgentStepInput,
  AgentStepResult,
  ModelFreeAnswer,
  PreparedTurn,
  ToolCaller,
  ToolOutcome,
} from './agent/types.js';
import type { Retriever } from './knowledge/retrieval.js';
import { toolsByName } from './tools/index.js';
import type { AgentTool } from './tools/types.js';
import type { ModelClient } from './understanding/model-client.js';

export interface AgentDeps {
  db: Db;
  /** Undefined when no OpenAI-compatible endpoint is configured: model-free mode. */
  model: ModelClient | undefined;
  retriever: Retriever;
  tools: readonly AgentTool[];
  brand: BrandSettings;
  thresholds: ModelFreeThresholds;
  apiKey?: string;
}

export interface BotTurnRecord {
  turnKey: string;
  conversationId: string;
  mode: 'model' | 'knowledge' | 'order_status' | 'clarify' | 'handoff' | 'media';
  reason: string;
  language?: string;
  intent?: string;
  confidence?: number;
  needsHuman: boolean;
  citedChunkIds: string[];
  toolCalls: { name: string; status: string }[];
  model?: string;
  modelRounds: number;
  promptTokens: number;
  completionTokens: number;
  modelLatencyMs: number;
  atMs: number;
}

/** Passages kept in history and given to the model: the best few, text trimmed. */
const PASSAGES = 5;

/**
 * The agent loop's activities. Each is small and separately retried by the workflow: retrieval and
 * bookkeeping locally, each model round and each tool call as its own activity (visible in the Web
 * UI with its input and output).
 */
export function createAgentActivities(deps: AgentDeps) {
  const tools = toolsByName(deps.tools);
  const agentStep = deps.model
    ? createAgentStep({ model: deps.model, tools: deps.tools, brand: deps.brand, apiKey: deps.apiKey })
    : undefined;

  async function callTool(input: {
    name: string;
    arguments: string;
    caller: ToolCaller;
  }): Promise<ToolOutcome> {
    const tool = tools.get(input.name);
    if (!tool) return { status: 'invalid_arguments', reason: `there is no tool named ${input.name}` };
    let args: unknown;
    try {
      args = JSON.parse(input.arguments || '{}');
    } catch {
      return { status: 'invalid_arguments', reason: 'the arguments are not valid JSON' };
    }
    return tool.run(args, input.caller);
  }

  return {
    async prepareAgentTurn(input: {
      caller: ToolCaller;
      text: string;
      language?: string;
    }): Promise<PreparedTurn> {
      const [passages, profile] = await Promise.all([
        deps.retriever.retrieve({ text: input.text, language: input.language, k: PASSAGES }),
        tools.get('customer_profile')?.run({}, input.caller),
      ]);
      return {
        passages,
        ...(profile?.status === 'ok' ? { profile: profile.data } : {}),
        modelConfigured: agentStep !== undefined,
      };
    },

    async agentStep(input: AgentStepInput): Promise<AgentStepResult> {
      if (!agentStep)
        throw ApplicationFailure.nonRetryable('no chat model is configured', 'ModelNotConfigured');
      return agentStep(input);
    },

    callTool,

    async modelFreeAnswer(input: ModelFreeInput): Promise<ModelFreeAnswer> {
      return answerWithoutModel(input, { tools: deps.tools, thresholds: deps.thresholds });
    },

    async summariseConversation(input: SummariseInput) {
      if (!deps.model)
        throw ApplicationFailure.nonRetryable('no chat model is configured', 'ModelNotConfigured');
      return summarise(deps.model, input);
    },

    async recordBotTurn(record: BotTurnRecord): Promise<void> {
      await insertBotTurn(deps.db, {
        turn_key: record.turnKey,
        conversation_id: record.conversationId,
        mode: record.mode,
        reason: record.reason.slice(0, 1_000),
        language: record.language ?? null,
        intent: record.intent ?? null,
        confidence: record.confidence ?? null,
        needs_human: record.needsHuman,
        cited_chunk_ids: record.citedChunkIds,
        tool_calls: JSON.stringify(record.toolCalls),
        model: record.model ?? null,
        model_rounds: record.modelRounds,
        prompt_tokens: record.promptTokens,
        completion_tokens: record.completionTokens,
        model_latency_ms: record.modelLatencyMs,
        at: new Date(record.atMs),
      });
    },
  };
}
