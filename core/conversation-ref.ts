import { createHash } from 'node:crypto';

/**
 * An opaque, stable reference to a conversation for links that leave Parley (helpdesk tickets,
 * Slack): the conversation id holds the customer's phone number, the reference does not. The
 * operator API resolves it (`/api/conversations/ref/<ref>`).
 */
export function conversationRef(conversationId: string): string {
  return createHash('sha256').update(conversationId, 'utf8').digest('hex').slice(0, CONVERSATION_REF_LENGTH);
}

export const CONVERSATION_REF_LENGTH = 20;
