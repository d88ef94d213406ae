import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { findOutboundByIdempotencyKey, insertMessage } from '../db/repositories/messages.js';
import { touchConversation } from '../db/repositories/conversations.js';
import type { DocumentRenderer } from './pdf/index.js';
import type { DocumentRef } from './tools/types.js';
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

export interface SendDocumentRequest extends SendBase {
  /** What to render; rendered for the customer `to` only (someone else's document is not found). */
  document: DocumentRef;
  /** Overrides the renderer's caption (≤ 1024 characters). */
  caption?: string;
}

/** The `type` of the ApplicationFailures sendDocument throws itself (both non-retryable). */
export const DocumentErrorTypes = {
  /** The document does not exist or is not this customer's. */
  NotFound: 'DocumentNotFound',
  /** The worker was built without a document renderer. */
  RendererMissing: 'DocumentRendererMissing',
} as const;

/** A send as the message log has it: the wamid, and whether an earlier attempt had already sent it. */
export interface RecordedSend {
  messageId: string;
  alreadySent: boolean;
}

/** WhatsApp side effects: read receipts, typing indicator and sends, each recorded in the message log. */
export function createWhatsAppActivities(deps: {
  graph: GraphClient;
  db: Db;
  /** Renders the documents sendDocument sends; without it, sendDocument fails (non-retryable). */
  documents?: DocumentRenderer;
}) {
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
    send: () => Promise<{ messageId: string; body?: string | null; payload?: Record<string, unknown> }>,
  ): Promise<RecordedSend> {
    const existing = await findOutboundByIdempotencyKey(db, req.idempotencyKey);
    if (existing?.wa_message_id) return { messageId: existing.wa_message_id, alreadySent: true };

    // `send` may say what it sent when only it knows (a rendered document's name and caption).
    const sent = await send();
    const { messageId } = sent;
    const sentAt = new Date();
    const { inserted } = await insertMessage(db, {
      conversation_id: req.conversationId,
      direction: 'outbound',
      wa_message_id: messageId,
      idempotency_key: req.idempotencyKey,
      type,
      body: sent.body !== undefined ? sent.body : body,
      payload: JSON.stringify({ ...sent.payload, to: req.to }),
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

    async sendText(req: SendTextRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'text', req.body, () => graph.sendText(req.phoneNumberId, req.to, req.body));
    },

    async sendButtons(req: SendButtonsRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'interactive', req.body, () =>
        graph.sendInteractiveButtons(req.phoneNumberId, req.to, req.body, req.buttons),
      );
    },

    async sendTemplate(req: SendTemplateRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'template', `[template ${req.template.name}]`, () =>
        graph.sendTemplate(req.phoneNumberId, req.to, req.template.name, req.template.language),
      );
    },

    /**
     * Renders a document for the customer, uploads it and sends it as a document message, once per
     * idempotency key. Rendering and upload happen inside the recorded send, so a retry after the
     * send was recorded neither renders nor uploads again; a retry after a failed send uploads a
     * fresh copy (the orphaned upload expires at Meta after 30 days).
     */
    async sendDocument(req: SendDocumentRequest): Promise<RecordedSend> {
      const { documents } = deps;
      if (!documents) {
        throw ApplicationFailure.create({
          message: 'sendDocument needs a document renderer in the WhatsApp activities deps',
          type: DocumentErrorTypes.RendererMissing,
          nonRetryable: true,
        });
      }
      return sendRecorded(req, 'document', null, async () => {
        // The recipient is the customer whose documents may be sent: WhatsApp ids are digits only.
        const rendered = await documents.render(req.document, req.to.replace(/\D/g, ''));
        if (!rendered) {
          throw ApplicationFailure.create({
            message: `No ${req.document.kind} document to send for this customer`,
            type: DocumentErrorTypes.NotFound,
            nonRetryable: true,
            details: [{ document: req.document }],
          });
        }
        const caption = req.caption ?? rendered.caption;
        const { mediaId } = await graph.uploadMedia(req.phoneNumberId, {
          bytes: rendered.bytes,
          mimeType: rendered.mimeType,
          filename: rendered.filename,
        });
        const { messageId } = await graph.sendDocument(req.phoneNumberId, req.to, {
          mediaId,
          filename: rendered.filename,
          caption,
        });
        return {
          messageId,
          body: `[document ${rendered.filename}]${caption ? ` ${caption}` : ''}`,
          payload: { document: req.document, mediaId, filename: rendered.filename },
        };
      });
    },
  };
}
