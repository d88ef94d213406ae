import type { Db } from '../db/database.js';
import { applyDeliveryStatus, insertMessage } from '../db/repositories/messages.js';
import {
  touchConversation,
  upsertConversation,
  type ConversationProjection,
} from '../db/repositories/conversations.js';
import type { DeliveryStatus, InboundContent, InboundMessage } from '../workflows/definitions.js';

/** Message log and conversation projection in Postgres: what must be queryable across conversations. */
export function createMessageLogActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** Stores inbound messages once each (unique WhatsApp id), so a retried activity is harmless. */
    async recordInboundMessages(
      conversation: ConversationProjection,
      messages: InboundMessage[],
    ): Promise<void> {
      await upsertConversation(db, conversation);
      for (const message of messages) {
        const sentAt = new Date(message.timestampMs);
        const { inserted } = await insertMessage(db, {
          conversation_id: conversation.id,
          direction: 'inbound',
          wa_message_id: message.id,
          idempotency_key: null,
          type: contentType(message.content),
          body: contentText(message.content),
          payload: JSON.stringify(message.content),
          status: 'received',
          error_code: null,
          sent_at: sentAt,
        });
        if (inserted) await touchConversation(db, conversation.id, 'inbound', sentAt);
      }
    },

    async projectConversation(conversation: ConversationProjection): Promise<void> {
      await upsertConversation(db, conversation);
    },

    async recordDeliveryStatus(status: DeliveryStatus): Promise<void> {
      await applyDeliveryStatus(db, status.messageId, status.status, status.errors[0]?.code ?? null);
    },
  };
}

function contentType(content: InboundContent): string {
  return content.kind === 'media' ? content.mediaType : content.kind;
}

/** The human-readable part of a message, for the log and transcripts. */
export function contentText(content: InboundContent): string | null {
  switch (content.kind) {
    case 'text':
      return content.body;
    case 'media':
      return content.caption ?? null;
    case 'reply':
      return content.title;
    case 'location':
      return [content.name, content.address].filter(Boolean).join(', ') || null;
    case 'order':
      return content.text ?? null;
    case 'system':
      return content.body;
    case 'reaction':
      return content.emoji || null;
    default:
      return null;
  }
}
