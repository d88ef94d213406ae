/**
 * The answer to one customer turn: retrieve passages and the customer's profile, then let the model
 * answer — calling tools (each its own activity) for at most `maxRounds` rounds — or, without a
 * model or when it fails, answer model-free. Never throws: the worst case is an honest hand-off.
 */
import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type {
  AgentContext,
  LoopMessage,
  ModelCost,
  Passage,
  ToolCallRequest,
  ToolCaller,
  ToolOutcome,
} from '../../activities/agent/types.js';
import type { ActionProposal, DocumentRef } from '../../activities/tools/types.js';
import { failureText } from '../failures.js';

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
});
// A model round is a network call of seconds: a regular activity, visible in the Web UI with its
// input and output. Transient failures (429, 5xx, timeouts) are retried; the budget bounds the
// customer's wait before the model-free answer.
const model = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
});
// Read-only tools are idempotent reads: retried quickly a few times, then reported as unavailable
// to the model, which can still answer (or hand off) with what it has.
const readTools = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Turns before the current one that the model sees verbatim (older ones are in the summary). */
export const MODEL_HISTORY_TURNS = 8;

export interface TurnAnswerInput {
  caller: ToolCaller;
  text: string;
  language?: string;
  firstReply: boolean;
  customerName?: string;
  summary: string;
  history: AgentContext['history'];
  understanding?: AgentContext['understanding'];
  maxRounds: number;
  confidenceThreshold: number;
  /** Offer the action tools (their proposals need confirmation buttons). */
  allowActions?: boolean;
}

export interface TurnAnswer {
  mode: 'model' | 'knowledge' | 'order_status' | 'clarify' | 'handoff';
  reason: string;
  /** What to send (model-free hand-offs have none: the workflow sends its own hand-off message). */
  reply?: string;
  handOff?: { reason: string; unanswered: boolean };
  citedChunkIds: string[];
  confidence?: number;
  intent?: string;
  toolCalls: { name: string; status: ToolOutcome['status']; reason?: string; escalate?: boolean }[];
  /** The last change an action tool proposed this turn: the customer confirms it with buttons. */
  proposal?: ActionProposal;
  /** Documents a tool made ready to send (an invoice copy). */
  documents?: DocumentRef[];
  cost: { model?: string; rounds: number; promptTokens: number; completionTokens: number; latencyMs: number };
}

export async function answerTurn(input: TurnAnswerInput): Promise<TurnAnswer> {
  const cost: TurnAnswer['cost'] = { rounds: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 };
  const toolCalls: TurnAnswer['toolCalls'] = [];
  let passages: Passage[] = [];
  let why: string;
  try {
    const prepared = await local.prepareAgentTurn.executeWithOptions(
      { summary: 'Retrieve knowledge and customer profile' },
      [{ caller: input.caller, text: input.text, ...(input.language ? { language: input.language } : {}) }],
    );
    passages = prepared.passages;
    if (prepared.modelConfigured) {
      const context: AgentContext = {
        caller: input.caller,
        ...(input.language ? { language: input.language } : {}),
        firstReply: input.firstReply,
        ...(input.customerName ? { customerName: input.customerName } : {}),
        ...(prepared.profile !== undefined ? { profile: prepared.profile } : {}),
        summary: input.summary,
        history: input.history,
        customerText: input.text,
        ...(input.understanding ? { understanding: input.understanding } : {}),
        passages,
      };
      try {
        return await modelLoop(context, input, cost, toolCalls);
      } catch (err) {
        why = `model failed after its retries: ${failureText(err)}`;
      }
    } else {
      why = 'no model configured';
    }
  } catch (err) {
    why = `retrieval failed: ${failureText(err)}`;
  }

  try {
    const answer = await local.modelFreeAnswer.executeWithOptions({ summary: 'Answer without a model' }, [
      {
        caller: input.caller,
        ...(input.language ? { language: input.language } : {}),
        text: input.text,
        ...(input.understanding?.intent ? { intent: input.understanding.intent } : {}),
        orderNumbers: input.understanding?.orderNumbers ?? [],
        passages,
        why,
      },
    ]);
    toolCalls.push(...answer.toolCalls);
    return {
      mode: answer.mode,
      reason: answer.reason,
      ...(answer.reply ? { reply: answer.reply } : { handOff: { reason: answer.reason, unanswered: true } }),
      citedChunkIds: answer.citedChunkIds,
      toolCalls,
      cost,
    };
  } catch (err) {
    const reason = `${why}; model-free answer failed: ${failureText(err)}`;
    return {
      mode: 'handoff',
      reason,
      handOff: { reason, unanswered: true },
      citedChunkIds: [],
      toolCalls,
      cost,
    };
  }
}

async function modelLoop(
  context: AgentContext,
  input: TurnAnswerInput,
  cost: TurnAnswer['cost'],
  toolCalls: TurnAnswer['toolCalls'],
): Promise<TurnAnswer> {
  const loop: LoopMessage[] = [];
  const actions: { proposal?: ActionProposal; documents: DocumentRef[] } = { documents: [] };
  for (let round = 1; round <= input.maxRounds; round++) {
    const allowTools = round < input.maxRounds;
    const step = await model.agentStep.executeWithOptions(
      { summary: round === 1 ? 'Compose the reply' : `Compose the reply (round ${round})` },
      [{ context, loop, allowTools, ...(input.allowActions ? {} : { allowActions: false }) }],
    );
    addCost(cost, step);
    if (step.kind === 'answer') {
      const a = step.answer;
      // Only passages the model was given can be cited: anything else is dropped, not trusted.
      const known = new Set(context.passages.map((p) => p.id));
      const cited = a.citedChunkIds.filter((id) => known.has(id));
      const unsure = a.confidence < input.confidenceThreshold;
      const reason = a.needsHuman
        ? `model asked for a person: ${a.needsHumanReason ?? 'no reason given'}`
        : unsure
          ? `model confidence ${a.confidence} below ${input.confidenceThreshold}`
          : !a.reply.trim()
            ? 'model gave an empty reply'
            : `model answered in ${cost.rounds} round(s)`;
      const handOff = a.needsHuman || unsure || !a.reply.trim();
      return {
        mode: 'model',
        reason,
        // The reply is kept even when handing off: the escalation policy may still send it.
        ...(a.reply.trim() ? { reply: a.reply } : {}),
        ...(handOff ? { handOff: { reason, unanswered: !a.needsHuman } } : {}),
        citedChunkIds: cited,
        confidence: a.confidence,
        intent: a.intent,
        toolCalls,
        ...(actions.proposal ? { proposal: actions.proposal } : {}),
        ...(actions.documents.length ? { documents: actions.documents } : {}),
        cost,
      };
    }
    loop.push({ role: 'assistant', toolCalls: step.calls });
    for (const call of step.calls) {
      const outcome = await runTool(call, context.caller);
      toolCalls.push({
        name: call.name,
        status: outcome.status,
        ...(outcome.status === 'refused' ? { reason: outcome.reason.slice(0, 300) } : {}),
        ...(outcome.status === 'refused' && outcome.escalate ? { escalate: true } : {}),
      });
      if (outcome.status === 'needs_confirmation') actions.proposal = outcome.proposal;
      const document = documentOf(outcome);
      if (document) actions.documents.push(document);
      loop.push({ role: 'tool', toolCallId: call.id, outcome });
    }
  }
  throw ApplicationFailure.nonRetryable('the model did not answer within its rounds', 'AgentRoundsExhausted');
}

async function runTool(call: ToolCallRequest, caller: ToolCaller): Promise<ToolOutcome> {
  try {
    return await readTools.callTool.executeWithOptions({ summary: `Tool: ${call.name.slice(0, 60)}` }, [
      { name: call.name, arguments: call.arguments, caller },
    ]);
  } catch {
    return { status: 'unavailable', reason: `the ${call.name} tool is unavailable right now` };
  }
}

/** A document a tool made ready (`data.document`, e.g. send_invoice_copy). */
function documentOf(outcome: ToolOutcome): DocumentRef | undefined {
  if (outcome.status !== 'ok' || typeof outcome.data !== 'object' || outcome.data === null) return undefined;
  const doc = (outcome.data as { document?: DocumentRef }).document;
  return doc && (doc.kind === 'invoice' || doc.kind === 'return_label') ? doc : undefined;
}

function addCost(total: TurnAnswer['cost'], step: ModelCost): void {
  total.model = step.model;
  total.rounds += 1;
  total.promptTokens += step.promptTokens;
  total.completionTokens += step.completionTokens;
  total.latencyMs += step.latencyMs;
}

/** Folds the recent turns into the rolling summary; on any failure the old summary stays. */
export async function refreshSummary(previousSummary: string, turns: { role: string; text: string }[]) {
  try {
    const result = await model.summariseConversation.executeWithOptions({ summary: 'Refresh the summary' }, [
      { previousSummary, turns },
    ]);
    return result.summary;
  } catch {
    return undefined;
  }
}
