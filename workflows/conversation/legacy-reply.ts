import type { ConversationState } from './state.js';
import type { InboundMessage } from '../definitions.js';

/**
 * The reply of conversations recorded before the understanding step (`patched('understand-turn')`
 * is false on their replay): kept so those histories replay unchanged. New turns answer in the
 * customer's language (customer-messages.ts) and, with the agent loop, from the knowledge base.
 */
export function composeBotReply(turn: { batch: InboundMessage[]; state: ConversationState }): string {
  const name = turn.state.customer.displayName;
  return `Thanks${name ? ` ${name}` : ''}! We have received your message and will get back to you shortly.`;
}
