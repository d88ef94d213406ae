import type { ConversationIds } from '../core/conversation-ids.js';
import type { Db } from '../db/database.js';
import { recordTurnFeedback } from '../db/repositories/bot-turns.js';
import { recordConversationEvent } from '../db/repositories/conversation-events.js';
import {
  applyDeliveryStatus,
  applyEdit,
  applyRevoke,
  insertMessage,
  outboundKeyOf,
  recentInboundIds,
} from '../db/repositories/messages.js';
import { moveCustomerWaId } from '../db/repositories/shop.js';
import { maskPhone } from '../domain/privacy.js';
import {
  getConversation,
  recordTransition,
  touchConversation,
  upsertConversation,
  type ConversationProjection,
} from '../db/repositories/conversations.js';
import { contentText, contentType } from '../domain/message-content.js';
import type { DeliveryStatus, InboundMessage } from '../workflows/definitions.js';

/** Meta retries an unacknowledged delivery for up to seven days. */
const META_REDELIVERY_MS = 7 * 24 * 60 * 60_000;
/** As many ids as a conversation remembers itself (workflows/conversation/state.ts). */
const SEEN_MESSAGE_IDS_LIMIT = 1_000;

export interface TransitionRecord {
  from: string | null;
  to: string;
  by: string;
  reason?: string;
  key: string;
  atMs: number;
}

/** Something the customer did that is not a turn: recorded as what it is. */
export type CustomerEvent =
  | { kind: 'reaction'; targetMessageId: string; emoji: string }
  | { kind: 'edit'; targetMessageId: string; body: string; answered: boolean }
  | { kind: 'revoke'; targetMessageId: string; answered: boolean }
  | { kind: 'system'; systemType?: string }
  /** Not the customer's doing but Parley's: it held back from answering (the turn budget). */
  | { kind: 'turn_suppressed'; turnsInWindow: number; windowMs: number };

export interface CustomerEventRecord {
  conversationId: string;
  /** The event's own WhatsApp message id: one record per event, however often this is retried. */
  messageId: string;
  atMs: number;
  event: CustomerEvent;
}

export interface PreviousConversation {
  summary: string;
  /** Inbound message ids the closed conversation already had (Meta redelivers for up to 7 days). */
  recentInboundIds?: string[];
  displayName?: string;
  language?: string;
  customerTier?: string;
}

/** Message log and conversation projection in Postgres: what must be queryable across conversations. */
export function createMessageLogActivities(deps: { db: Db; ids: ConversationIds }) {
  const { db, ids } = deps;
  return {
    /** Stores inbound messages once each (unique WhatsApp id), so a retried activity is harmless. */
    async recordInboundMessages(
      conversation: ConversationProjection,
      messages: InboundMessage[],
    ): Promise<void> {
      await upsertConversation(db, conversation, ids.refFor(conversation.id));
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
      await upsertConversation(db, conversation, ids.refFor(conversation.id));
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
      const since = new Date(Date.now() - META_REDELIVERY_MS);
      return {
        summary: row.summary,
        recentInboundIds: await recentInboundIds(db, conversationId, since, SEEN_MESSAGE_IDS_LIMIT),
        displayName: row.display_name ?? undefined,
        language: row.language ?? undefined,
        customerTier: row.customer_tier ?? undefined,
      };
    },

    /**
     * A reaction (on one of Parley's answers it is feedback on that turn), an edit (the stored text
     * becomes the new one), a deletion (the stored text is removed), a system notice: recorded as
     * what it is, never as a question.
     */
    async recordCustomerEvent(record: CustomerEventRecord): Promise<void> {
      const { conversationId, event } = record;
      const at = new Date(record.atMs);
      const detail: Record<string, unknown> = {};
      if (event.kind === 'reaction') {
        const sendKey = await outboundKeyOf(db, conversationId, event.targetMessageId);
        detail.onParleyAnswer = sendKey ? await recordTurnFeedback(db, sendKey, event.emoji, at) : false;
        detail.emoji = event.emoji;
      } else if (event.kind === 'edit') {
        detail.logged = await applyEdit(db, conversationId, event.targetMessageId, event.body);
        detail.answered = event.answered;
      } else if (event.kind === 'revoke') {
        detail.logged = await applyRevoke(db, conversationId, event.targetMessageId);
        detail.answered = event.answered;
      } else if (event.kind === 'turn_suppressed') {
        detail.turnsInWindow = event.turnsInWindow;
        detail.windowMs = event.windowMs;
      } else if (event.systemType) detail.systemType = event.systemType;
      await recordConversationEvent(db, {
        key: `${conversationId}:${record.messageId}`,
        conversationId,
        kind: event.kind,
        messageId: 'targetMessageId' in event ? event.targetMessageId : record.messageId,
        detail,
        at,
      });
    },

    /**
     * The customer changed their WhatsApp number: the built-in customer record follows them, so the
     * tools still know whose orders are theirs. Recorded (masked numbers only).
     */
    async moveCustomerNumber(input: {
      conversationId: string;
      messageId: string;
      fromWaId: string;
      toWaId: string;
      atMs: number;
      phoneNumberId: string;
    }): Promise<{ customersMoved: number; newConversationId: string }> {
      const customersMoved = await moveCustomerWaId(db, input.fromWaId, input.toWaId);
      await recordConversationEvent(db, {
        key: `${input.conversationId}:${input.messageId}:number-changed`,
        conversationId: input.conversationId,
        kind: 'number_changed',
        messageId: input.messageId,
        detail: { from: maskPhone(input.fromWaId), to: maskPhone(input.toWaId), customersMoved },
        at: new Date(input.atMs),
      });
      return { customersMoved, newConversationId: ids.idFor(input.phoneNumberId, input.toWaId) };
    },

    async recordDeliveryStatus(status: DeliveryStatus): Promise<void> {
      await applyDeliveryStatus(db, status.messageId, status.status, status.errors[0]?.code ?? null);
    },
  };
}
