import type { Db } from '../db/database.js';
import { findOutboundByIdempotencyKey, insertMessage } from '../db/repositories/messages.js';
import { touchConversation } from '../db/repositories/conversations.js';
import type { GraphClient } from './whatsapp/graph-client.js';

export interface SendTextRequest {
  conversationId: string;
  phoneNumberId: string;
  to: string;
  body: string;
  /**
   * Derived from the business request (e.g. `reply:<inbound message id>`), never from a run id:
   * a retried or replayed send with the same key is not sent again.
   */
  idempotencyKey: string;
}

/** WhatsApp side effects: read receipts, typing indicator and sends, each recorded in the message log. */
export function createWhatsAppActivities(deps: { graph: GraphClient; db: Db }) {
  const { graph, db } = deps;
  return {
    async markReadWithTyping(phoneNumberId: string, messageId: string): Promise<void> {
      await graph.markRead(phoneNumberId, messageId, { typingIndicator: true });
    },

    async sendText(req: SendTextRequest): Promise<{ messageId: string; alreadySent: boolean }> {
      const existing = await findOutboundByIdempotencyKey(db, req.idempotencyKey);
      if (existing?.wa_message_id) return { messageId: existing.wa_message_id, alreadySent: true };

      const { messageId } = await graph.sendText(req.phoneNumberId, req.to, req.body);
      const sentAt = new Date();
      const { inserted } = await insertMessage(db, {
        conversation_id: req.conversationId,
        direction: 'outbound',
        wa_message_id: messageId,
        idempotency_key: req.idempotencyKey,
        type: 'text',
        body: req.body,
        payload: JSON.stringify({ to: req.to }),
        status: 'sent',
        error_code: null,
        sent_at: sentAt,
      });
      if (inserted) await touchConversation(db, req.conversationId, 'outbound', sentAt);
      return { messageId, alreadySent: false };
    },
  };
}
