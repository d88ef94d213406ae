/**
 * One round of the agent loop: the model sees the turn's context and the tool results so far, and
 * either asks for tools or gives its final, structured answer. Tools are offered as strict function
 * tools; the final answer is constrained by a JSON schema and validated again here.
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import {
  classifyModelError,
  parseStructuredAnswer,
  toResponseSchema,
  type ModelClient,
} from '../understanding/model-client.js';
import type { AgentTool } from '../tools/types.js';
import { chatMessages, type BrandSettings } from './prompt.js';
import type { AgentAnswer, AgentStepInput, AgentStepResult, ToolCallRequest } from './types.js';

export const agentAnswerSchema = z.object({
  reply: z.string().describe("The message to send to the customer, in the customer's language."),
  confidence: z.number().min(0).max(1),
  citedChunkIds: z.array(z.string()).describe('Ids of the knowledge passages the reply relies on.'),
  intent: z.string(),
  needsHuman: z.boolean(),
  needsHumanReason: z.string().nullable(),
}) satisfies z.ZodType<AgentAnswer>;

/** More calls in one round than this are cut: a model asking for twenty lookups is looping. */
const MAX_CALLS_PER_ROUND = 4;

export interface AgentStepDeps {
  model: ModelClient;
  tools: readonly AgentTool[];
  brand: BrandSettings;
  /** Secret to scrub from error messages. */
  apiKey?: string;
}

export function createAgentStep(deps: AgentStepDeps) {
  const { schema, strict } = toResponseSchema(agentAnswerSchema);
  const asParam = (t: AgentTool): OpenAI.Chat.ChatCompletionTool => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters, strict: true },
  });
  const allTools = deps.tools.map(asParam);
  const readTools = deps.tools.filter((t) => !t.proposesChanges).map(asParam);
  const redact = (s: string) => (deps.apiKey ? s.split(deps.apiKey).join('[redacted]') : s);

  return async function agentStep(input: AgentStepInput): Promise<AgentStepResult> {
    const toolParams = input.allowActions === false ? readTools : allTools;
    const model = deps.model.models.chat;
    const operation = 'agent';
    const started = performance.now();
    let completion: OpenAI.Chat.ChatCompletion;
    try {
      completion = await deps.model.openai.chat.completions.create({
        model,
        messages: chatMessages(deps.brand, input.context, input.loop),
        response_format: { type: 'json_schema', json_schema: { name: 'agent_answer', schema, strict } },
        ...(toolParams.length > 0
          ? { tools: toolParams, tool_choice: input.allowTools ? 'auto' : 'none' }
          : {}),
      });
    } catch (err) {
      throw classifyModelError(err, { operation, model }, redact);
    }
    const cost = {
      model,
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      latencyMs: Math.round(performance.now() - started),
    };
    const message = completion.choices[0]?.message;
    const calls: ToolCallRequest[] = (message?.tool_calls ?? []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
    );
    if (calls.length > 0 && input.allowTools) {
      return { kind: 'tool_calls', calls: calls.slice(0, MAX_CALLS_PER_ROUND), ...cost };
    }
    const answer = parseStructuredAnswer(completion, agentAnswerSchema, {
      operation,
      model,
      schemaName: 'agent_answer',
    });
    return { kind: 'answer', answer, ...cost };
  };
}
