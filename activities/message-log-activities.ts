import type { Db } from '../db/database.js';
import { applyDeliveryStatus, insertMessage } from '../db/repositories/messages.js';
import {
  getConversation,
  recordTransition,
  touchConversation,
  upsertConversation,
  type ConversationProjection,
} from '../db/repositories/conversations.js';
import { contentText, contentType } from '../domain/message-content.js';
import type { DeliveryStatus, InboundMessage } from '../workflows/definitions.js';

export interface TransitionRecord {
  from: string | null;
  to: string;
  by: string;
  reason?: string;
  key: string;
  atMs: number;
}

export interface PreviousConversation {
  summary: string;
  displayName?: string;
  language?: string;
  customerTier?: string;
}

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

    /** Writes the projection row, and the transition that caused it (once per transition key). */
    async projectConversation(
      conversation: ConversationProjection,
      transition?: TransitionRecord,
    ): Promise<void> {
      await upsertConversation(db, conversation);
      if (transition) {
        await recordTransition(db, {
          conversationId: conversation.id,
          from: transition.from,
          to: transition.to,
          by: transition.by,
          reason: transition.reason,
          key: transition.key,
          at: new Date(transition.atMs),
        });
      }
    },

    /** What the customer's previous (closed) conversation left behind, to carry into a new one. */
    async loadPreviousConversation(conversationId: string): Promise<PreviousConversation | null> {
      const row = await getConversation(db, conversationId);
      if (!row) return null;
      return {
        summary: row.summary,
        displayName: row.display_name ?? undefined,
        language: row.language ?? undefined,
        customerTier: row.customer_tier ?? undefined,
      };
    },

    async recordDeliveryStatus(status: DeliveryStatus): Promise<void> {
      await applyDeliveryStatus(db, status.messageId, status.status, status.errors[0]?.code ?? null);
    },
  };
}
