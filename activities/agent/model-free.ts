/**
 * Answers without a model (none configured, or it failed after its retry budget): an order number
 * gets the order's status through the same authorised tool the model would use; a question gets the
 * best knowledge-base passage when its score clears the threshold; anything else is handed off.
 * Honest by construction: nothing here invents text, it quotes the business's own content.
 */
import type { AgentTool, ToolCaller } from '../tools/types.js';
import type { Passage } from '../knowledge/retrieval.js';
import type { ModelFreeAnswer } from './types.js';
import { modelFreeText, orderStatusText } from './model-free-texts.js';

export interface ModelFreeThresholds {
  /** Minimum `ts_rank_cd` of the best lexical hit to quote it. */
  minLexicalScore: number;
  /** Minimum cosine similarity of the best dense hit to quote it. */
  minDenseScore: number;
}

export interface ModelFreeInput {
  caller: ToolCaller;
  language?: string;
  /** The turn's text (with transcripts), and the intent the understanding step found. */
  text: string;
  intent?: string;
  orderNumbers: string[];
  passages: Passage[];
  /** Why there is no model answer (kept in the turn record). */
  why: string;
}

/** The longest passage quoted: WhatsApp answers should be read in one glance. */
const MAX_QUOTE_CHARS = 900;
/** Messages this short without a matching passage are greetings or thanks, not questions. */
const GREETING_MAX_WORDS = 3;

const wordCount = (text: string) => (text.match(/[\p{L}\p{N}]+/gu) ?? []).length;

export async function answerWithoutModel(
  input: ModelFreeInput,
  deps: { tools: readonly AgentTool[]; thresholds: ModelFreeThresholds },
): Promise<ModelFreeAnswer> {
  const orderStatus = deps.tools.find((t) => t.name === 'order_status');
  const orderNumber = input.orderNumbers[0];
  if (orderStatus && orderNumber) {
    const outcome = await orderStatus.run({ orderNumber }, input.caller);
    const toolCalls = [{ name: orderStatus.name, status: outcome.status }];
    if (outcome.status === 'ok') {
      return {
        mode: 'order_status',
        reason: `${input.why}; answered order ${orderNumber} from the order status tool`,
        reply: orderStatusText(outcome.data, input.language),
        citedChunkIds: [],
        toolCalls,
      };
    }
    return {
      mode: 'order_status',
      reason: `${input.why}; order ${orderNumber}: ${outcome.status}`,
      reply: modelFreeText('order_not_found', input.language, { order: orderNumber }),
      citedChunkIds: [],
      toolCalls,
    };
  }

  if (input.intent === 'order_status' || input.intent === 'tracking') {
    // "Where is my order?" without a number: asking for it beats quoting a page about orders.
    return {
      mode: 'clarify',
      reason: `${input.why}; ${input.intent} without an order number: asked for it`,
      reply: modelFreeText('ask_order_number', input.language),
      citedChunkIds: [],
      toolCalls: [],
    };
  }

  const best = bestPassage(input.passages, deps.thresholds);
  if (best) {
    return {
      mode: 'knowledge',
      reason: `${input.why}; quoted passage ${best.id} (${scoreText(best)})`,
      reply: `${modelFreeText('knowledge_intro', input.language)}\n\n${quote(best)}`,
      citedChunkIds: [best.id],
      toolCalls: [],
    };
  }
  const top = input.passages[0];
  if (input.text.split('\n').every((line) => wordCount(line) <= GREETING_MAX_WORDS)) {
    // "Hi", "bonjour", "thanks": nothing to hand over yet; ask what the customer needs.
    return {
      mode: 'clarify',
      reason: `${input.why}; short message without a matching passage: asked how to help`,
      reply: modelFreeText('how_can_i_help', input.language),
      citedChunkIds: [],
      toolCalls: [],
    };
  }
  return {
    mode: 'handoff',
    reason: `${input.why}; no passage above the threshold${top ? ` (best ${scoreText(top)})` : ''}`,
    citedChunkIds: [],
    toolCalls: [],
  };
}

function bestPassage(passages: readonly Passage[], t: ModelFreeThresholds): Passage | undefined {
  return passages.find(
    (p) =>
      (p.lexicalScore !== undefined && p.lexicalScore >= t.minLexicalScore) ||
      (p.denseScore !== undefined && p.denseScore >= t.minDenseScore),
  );
}

function scoreText(p: Passage): string {
  return [
    p.lexicalScore !== undefined ? `lexical ${p.lexicalScore.toFixed(3)}` : '',
    p.denseScore !== undefined ? `dense ${p.denseScore.toFixed(3)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** The passage as a WhatsApp message: its title in bold, its text cut at a sentence. */
export function quote(p: Passage): string {
  const title = p.title.split(' › ').at(-1) ?? p.title;
  // FAQ chunks repeat the question as their first line.
  let body = p.content.startsWith(p.title) ? p.content.slice(p.title.length).trim() : p.content;
  body = body.replace(/^#{1,6}\s+/gm, '').replace(/\*\*(.+?)\*\*/g, '*$1*');
  if (body.length > MAX_QUOTE_CHARS) {
    const cut = body.slice(0, MAX_QUOTE_CHARS);
    const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('\n'));
    body = `${(end > MAX_QUOTE_CHARS / 2 ? cut.slice(0, end + 1) : cut).trim()} …`;
  }
  return `*${title}*\n${body}`;
}
