import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import {
  beginSend,
  completeSend,
  abandonSend,
  findOutboundByIdempotencyKey,
} from '../db/repositories/messages.js';
import { touchConversation } from '../db/repositories/conversations.js';
import type { DocumentRenderer } from './pdf/index.js';
import type { DocumentRef } from './tools/types.js';
import {
  WhatsAppErrorTypes,
  type GraphClient,
  type GraphErrorDetails,
  type ReplyButton,
} from './whatsapp/graph-client.js';

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
/**
 * How long a retried send waits for Meta's status webhook to name a message an earlier attempt
 * may have sent. Meta posts `sent` within seconds of accepting a message.
 */
const ACKNOWLEDGEMENT_WAIT_MS = 8_000;

/**
 * Whether a failed attempt may still have sent the message: it got no answer from Meta (a network
 * failure, a timeout). A Graph error answer, or a failure before Meta was asked (a document that
 * could not be rendered), sent nothing.
 */
function mayHaveReachedMeta(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return true;
  const details = err.details?.[0] as GraphErrorDetails | undefined;
  return (
    err.type === WhatsAppErrorTypes.Transient &&
    details?.httpStatus === undefined &&
    details?.code === undefined
  );
}

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
   * Sends once per idempotency key. Meta's send API has no idempotency key of its own, so the send
   * is recorded as `sending` before Meta is asked, and the key goes along as
   * biz_opaque_callback_data, which Meta echoes in the message's status webhooks. An attempt that
   * died without Meta's answer (a worker killed mid-request, a timeout) leaves the record `sending`:
   * the next attempt first waits a few seconds for that status webhook to name the message, and
   * sends only when none comes — a duplicate needs both the answer and the webhook lost.
   */
  async function sendRecorded(
    req: SendBase,
    type: string,
    body: string | null,
    send: () => Promise<{ messageId: string; body?: string | null; payload?: Record<string, unknown> }>,
  ): Promise<RecordedSend> {
    const key = req.idempotencyKey;
    const existing = await findOutboundByIdempotencyKey(db, key);
    if (existing?.wa_message_id) return { messageId: existing.wa_message_id, alreadySent: true };
    if (existing?.status === 'sending') {
      const acknowledged = await waitForAcknowledgement(key);
      if (acknowledged) return { messageId: acknowledged, alreadySent: true };
    }
    await beginSend(db, {
      conversation_id: req.conversationId,
      direction: 'outbound',
      idempotency_key: key,
      type,
      body,
      payload: JSON.stringify({ to: req.to }),
      error_code: null,
      sent_at: new Date(),
    });
    let sent: Awaited<ReturnType<typeof send>>;
    try {
      sent = await send();
    } catch (err) {
      // Unless the request may have reached Meta, nothing went out: the next attempt need not wait.
      if (!mayHaveReachedMeta(err)) await abandonSend(db, key);
      throw err;
    }
    const sentAt = new Date();
    await completeSend(db, key, {
      waMessageId: sent.messageId,
      // `send` may say what it sent when only it knows (a rendered document's name and caption).
      body: sent.body !== undefined ? sent.body : body,
      payload: JSON.stringify({ ...sent.payload, to: req.to }),
      sentAt,
    });
    await touchConversation(db, req.conversationId, 'outbound', sentAt);
    return { messageId: sent.messageId, alreadySent: false };
  }

  /** The message id Meta's status webhook attached to a `sending` record, if one comes in time. */
  async function waitForAcknowledgement(key: string): Promise<string | undefined> {
    const deadline = Date.now() + ACKNOWLEDGEMENT_WAIT_MS;
    for (;;) {
      const row = await findOutboundByIdempotencyKey(db, key);
      if (row?.wa_message_id) return row.wa_message_id;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  return {
    /** Blue ticks, plus the typing indicator when Parley is about to answer. */
    async markRead(phoneNumberId: string, messageId: string, typingIndicator: boolean): Promise<void> {
      await graph.markRead(phoneNumberId, messageId, { typingIndicator });
    },

    async sendText(req: SendTextRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'text', req.body, () =>
        graph.sendText(req.phoneNumberId, req.to, req.body, { idempotencyKey: req.idempotencyKey }),
      );
    },

    async sendButtons(req: SendButtonsRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'interactive', req.body, () =>
        graph.sendInteractiveButtons(req.phoneNumberId, req.to, req.body, req.buttons, {
          idempotencyKey: req.idempotencyKey,
        }),
      );
    },

    async sendTemplate(req: SendTemplateRequest): Promise<RecordedSend> {
      return sendRecorded(req, 'template', `[template ${req.template.name}]`, () =>
        graph.sendTemplate(req.phoneNumberId, req.to, req.template.name, req.template.language, undefined, {
          idempotencyKey: req.idempotencyKey,
        }),
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
        const { messageId } = await graph.sendDocument(
          req.phoneNumberId,
          req.to,
          { mediaId, filename: rendered.filename, caption },
          { idempotencyKey: req.idempotencyKey },
        );
        return {
          messageId,
          body: `[document ${rendered.filename}]${caption ? ` ${caption}` : ''}`,
          payload: { document: req.document, mediaId, filename: rendered.filename },
        };
      });
    },
  };
}
