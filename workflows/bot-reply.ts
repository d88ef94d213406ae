import type { ConversationState } from './conversation-state.js';
import type { InboundMessage } from './definitions.js';

/**
 * What Parley says to a customer turn. For now an honest acknowledgement; the understanding step
 * and the knowledge-base agent loop replace this with real answers.
 */
export function composeBotReply(turn: { batch: InboundMessage[]; state: ConversationState }): string {
  const name = turn.state.customer.displayName;
  return `Thanks${name ? ` ${name}` : ''}! We have received your message and will get back to you shortly.`;
}
