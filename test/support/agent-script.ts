/**
 * Playing the model's part in end-to-end tests: the scripted OpenAI-compatible server gets two kinds
 * of chat request per turn — the understanding step and the agent rounds — and these helpers answer
 * each plausibly, so a test only scripts what it is about.
 */
import type { ChatHandler, ChatReply, ChatRequestView } from '../servers/scripted-openai.js';

export const isUnderstanding = (req: ChatRequestView) => req.responseFormat?.name === 'message_understanding';
export const isAgent = (req: ChatRequestView) => req.responseFormat?.name === 'agent_answer';

/** The customer's words of this turn in a request (not the hints, history or passages around them). */
export const customerWords = (req: ChatRequestView) =>
  /<customer_message>\n([\s\S]*)\n<\/customer_message>/.exec(req.userText)?.[1] ?? '';

/** A plausible `message_understanding` answer; order numbers are read from the message. */
export function understanding(req: ChatRequestView, o: Record<string, unknown> = {}): ChatReply {
  const words = customerWords(req);
  return {
    json: {
      language: 'en',
      languageConfidence: 0.95,
      sentiment: { score: 0, label: 'neutral' },
      intent: /order/i.test(words) ? 'order_status' : 'other',
      intentConfidence: 0.8,
      urgency: 'normal',
      entities: { orderNumbers: words.match(/\b\d{4}\b/g) ?? [], emails: [], products: [], dates: [] },
      regulatedTopic: null,
      crisis: false,
      wantsHuman: false,
      ...o,
    },
  };
}

/** The model's final `agent_answer`. */
export function answer(reply: string, o: Record<string, unknown> = {}): ChatReply {
  return {
    json: {
      reply,
      confidence: 0.9,
      citedChunkIds: [],
      intent: 'other',
      needsHuman: false,
      needsHumanReason: null,
      ...o,
    },
  };
}

/** The tool results the model was given back in this request. */
export const toolMessages = (req: ChatRequestView) => req.messages.filter((m) => m.role === 'tool');

export interface ChatScript {
  understand?: (req: ChatRequestView) => ChatReply;
  agent: (req: ChatRequestView) => ChatReply;
}

/** One chat handler for both kinds of request a turn makes (understanding, then agent rounds). */
export function chatScript(s: ChatScript): ChatHandler {
  return (req) => {
    if (isUnderstanding(req)) return (s.understand ?? understanding)(req);
    if (isAgent(req)) return s.agent(req);
    return { error: { status: 400, message: `unscripted request ${req.responseFormat?.name ?? ''}` } };
  };
}
