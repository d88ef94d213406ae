import type { Db } from '../db/database.js';
import { findOutboundByIdempotencyKey, insertMessage } from '../db/repositories/messages.js';
import { touchConversation } from '../db/repositories/conversations.js';
import type { GraphClient, ReplyButton } from './whatsapp/graph-client.js';

interface SendBase {
  conversationId: string;
  phoneNumberId: string;
  to: string;
  /**
   * Derived from the business request (e.g. `reply:<inbound message id>`), never from a run id:
   * a retried or replayed send with the same key is not sent again once it was recorded.
   */
  idempotencyKey: string;
}

export interface SendTextRequest extends SendBase {
  body: string;
}

export interface SendButtonsRequest extends SendBase {
  body: string;
  /** At most three, titles of at most 20 characters (WhatsApp's limits, checked by the client). */
  buttons: ReplyButton[];
}

export interface SendTemplateRequest extends SendBase {
  template: { name: string; language: string };
}

export interface SendResult {
  messageId: string;
  alreadySent: boolean;
}

/** WhatsApp side effects: read receipts, typing indicator and sends, each recorded in the message log. */
export function createWhatsAppActivities(deps: { graph: GraphClient; db: Db }) {
  const { graph, db } = deps;

  /**
   * Sends once per idempotency key. Meta's send API has no idempotency key of its own, so the key
   * is checked against the message log first; the remaining window (the send succeeded at Meta but
   * the worker died before recording it) can repeat one message — at least once, never lost.
   */
  async function sendRecorded(
    req: SendBase,
    type: string,
    body: string | null,
    send: () => Promise<{ messageId: string }>,
  ): Promise<SendResult> {
    const existing = await findOutboundByIdempotencyKey(db, req.idempotencyKey);
    if (existing?.wa_message_id) return { messageId: existing.wa_message_id, alreadySent: true };

    const { messageId } = await send();
    const sentAt = new Date();
    const { inserted } = await insertMessage(db, {
      conversation_id: req.conversationId,
      direction: 'outbound',
      wa_message_id: messageId,
      idempotency_key: req.idempotencyKey,
      type,
      body,
      payload: JSON.stringify({ to: req.to }),
      status: 'sent',
      error_code: null,
      sent_at: sentAt,
    });
    if (inserted) await touchConversation(db, req.conversationId, 'outbound', sentAt);
    return { messageId, alreadySent: false };
  }

  return {
    /** Blue ticks, plus the typing indicator when Parley is about to answer. */
    async markRead(phoneNumberId: string, messageId: string, typingIndicator: boolean): Promise<void> {
      await graph.markRead(phoneNumberId, messageId, { typingIndicator });
    },

    async sendText(req: SendTextRequest): Promise<SendResult> {
      return sendRecorded(req, 'text', req.body, () => graph.sendText(req.phoneNumberId, req.to, req.body));
    },

    async sendButtons(req: SendButtonsRequest): Promise<SendResult> {
      return sendRecorded(req, 'interactive', req.body, () =>
        graph.sendInteractiveButtons(req.phoneNumberId, req.to, req.body, req.buttons),
      );
    },

    async sendTemplate(req: SendTemplateRequest): Promise<SendResult> {
      return sendRecorded(req, 'template', `[template ${req.template.name}]`, () =>
        graph.sendTemplate(req.phoneNumberId, req.to, req.template.name, req.template.language),
      );
    },
  };
}
