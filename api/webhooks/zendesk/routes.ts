import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { mapZendeskStatus } from '../../../activities/helpdesk/zendesk.js';
import type { Logger } from '../../../core/logger.js';
import type { Db } from '../../../db/database.js';
import {
  claimZendeskComment,
  findLinkedConversationId,
  finishZendeskComment,
  releaseZendeskComment,
} from '../../../db/repositories/helpdesk-links.js';
import type { ZendeskCommentOutcome } from '../../../db/tables/zendesk-processed-comments.js';
import { agentReplyUpdate, assignAgentUpdate, resolveUpdate } from '../../../workflows/definitions.js';
import type { AppEnv } from '../../app-env.js';
import type { ConversationGateway } from '../../conversation-gateway.js';
import { ApiError, errorBody } from '../../errors.js';
import { zendeskWebhookPayloadSchema, type ZendeskWebhookPayload } from './payload-schema.js';
import { SIGNATURE_PROBLEMS, verifyZendeskSignature } from './signature.js';

/**
 * Zendesk → Parley: agents answer in Zendesk, the customer reads it on WhatsApp.
 *
 * Set up in Zendesk (Admin Center):
 * 1. A webhook (Apps and integrations → Webhooks), endpoint `POST <PUBLIC_URL>/webhooks/zendesk`,
 *    request format JSON, "trigger or automation" connection. Its signing secret goes in
 *    ZENDESK_WEBHOOK_SECRET (without it this route answers 404).
 * 2. A ticket trigger, conditions: "Ticket is Updated", "Comment is Public", "Current user is
 *    (agent)", "Tags contain at least one of: parley" (Parley tags its tickets `parley`); action:
 *    "Notify by webhook" with the body shown in `payload-schema.ts`.
 *
 * What happens: a public comment by an agent or admin goes to the customer as that agent,
 * `zendesk:<author id>` — the conversation is first assigned to them unless they already own it
 * (`human` with that agent); `solved` (or `closed`) resolves the conversation. Private notes, end
 * users' comments and empty comments are ignored (200). Each comment id is claimed in
 * `zendesk_processed_comments` before it is sent, so Zendesk's retries (and racing duplicate
 * deliveries) send nothing twice; a send that fails gives the claim back for the retry, and only a
 * claim left by a process that died mid-send is taken over, after two minutes.
 *
 * Answers: 200 with what was done; 401 for a missing, wrong or stale signature (more than five
 * minutes off); 400 for a body that is not the payload of `payload-schema.ts`; 503 (with Retry-After) when the
 * conversation could not be reached, so Zendesk retries.
 */
export function createZendeskWebhookRoutes(deps: {
  secret: string | undefined;
  conversations: ConversationGateway;
  db: Db;
  logger: Logger;
  now?: () => number;
}) {
  const { secret, conversations, db, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AppEnv>();
  // Switched off: the app's not-found handler answers (404), as for any unknown route.
  if (!secret) return app;

  app.post(
    '/',
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: (c) => c.json(errorBody(c, 'payload_too_large', 'Webhook payload too large'), 413),
    }),
    async (c) => {
      const requestId = c.var.requestId;
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      const check = verifyZendeskSignature({
        rawBody,
        signature: c.req.header('x-zendesk-webhook-signature'),
        timestamp: c.req.header('x-zendesk-webhook-signature-timestamp'),
        secret,
        nowMs: now(),
      });
      if (check !== 'ok') {
        logger.warn('zendesk webhook rejected', { reason: check, requestId });
        return c.json(errorBody(c, 'invalid_signature', SIGNATURE_PROBLEMS[check]), 401);
      }

      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(rawBody));
      } catch {
        return c.json(errorBody(c, 'malformed_json', 'Body is not valid JSON'), 400);
      }
      const parsed = zendeskWebhookPayloadSchema.safeParse(json);
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
          .join('; ');
        return c.json(errorBody(c, 'invalid_payload', problems), 400);
      }
      const payload = parsed.data;

      const conversationId = await findLinkedConversationId(db, 'zendesk', payload.ticket_id);
      if (!conversationId) {
        logger.info('zendesk webhook for a ticket Parley did not create', {
          ticketId: payload.ticket_id,
          requestId,
        });
        return c.json({ ticketId: payload.ticket_id, ignored: 'unknown_ticket' });
      }

      try {
        const comment = payload.comment
          ? await relayComment(conversationId, payload.ticket_id, payload.comment)
          : undefined;
        const status = mapZendeskStatus(payload.status ?? '');
        const resolution =
          status === 'solved' || status === 'closed'
            ? await resolve(conversationId, resolverOf(payload.comment))
            : undefined;
        return c.json({
          ticketId: payload.ticket_id,
          ...(comment ? { comment } : {}),
          ...(resolution ? { conversation: resolution } : {}),
        });
      } catch (err) {
        logger.error('zendesk webhook not processed; asking Zendesk to retry', {
          err,
          ticketId: payload.ticket_id,
          requestId,
        });
        c.header('retry-after', String(RETRY_AFTER_SECONDS));
        return c.json(
          errorBody(c, 'temporarily_unavailable', 'Could not process the webhook now, retry later'),
          503,
        );
      }
    },
  );

  type Comment = NonNullable<ZendeskWebhookPayload['comment']>;

  /** The comment to the customer, once. Throws only for failures worth a retry. */
  async function relayComment(
    conversationId: string,
    ticketId: string,
    comment: Comment,
  ): Promise<{ id: string; outcome: ZendeskCommentOutcome | 'duplicate' | 'ignored'; detail?: string }> {
    const ignored = (detail: string) => ({ id: comment.id, outcome: 'ignored' as const, detail });
    if (!comment.public) return ignored('private comment');
    if (!AGENT_ROLES.has(comment.author.role))
      return ignored(`author is ${comment.author.role || 'unknown'}`);
    const text = comment.body.trim();
    if (!text) return ignored('empty comment');

    if (!(await claimZendeskComment(db, { commentId: comment.id, externalTicketId: ticketId }))) {
      return { id: comment.id, outcome: 'duplicate' };
    }
    let result: { outcome: Exclude<ZendeskCommentOutcome, 'processing'>; detail?: string };
    try {
      result = await sendAsAgent(conversationId, comment, text);
    } catch (err) {
      // Not sent: give the claim back so Zendesk's retry can send it.
      await releaseZendeskComment(db, comment.id).catch((releaseErr: unknown) =>
        logger.warn('could not release a zendesk comment claim', { err: releaseErr, commentId: comment.id }),
      );
      throw err;
    }
    // Sent (or final) whatever happens next: a failure to record it must not make Zendesk retry.
    await finishZendeskComment(db, comment.id, result.outcome, result.detail).catch((err: unknown) =>
      logger.error('could not record a relayed zendesk comment', { err, commentId: comment.id }),
    );
    if (result.outcome !== 'sent') {
      logger.warn('zendesk comment not delivered to the customer', {
        ticketId,
        commentId: comment.id,
        outcome: result.outcome,
        detail: result.detail,
      });
    }
    return { id: comment.id, ...result };
  }

  async function sendAsAgent(
    conversationId: string,
    comment: Comment,
    text: string,
  ): Promise<{ outcome: Exclude<ZendeskCommentOutcome, 'processing'>; detail?: string }> {
    const agentId = agentIdOf(comment.author);
    try {
      const view = await conversations.getState(conversationId);
      if (view.status !== 'human' || view.assignedAgent?.id !== agentId) {
        await conversations.command(conversationId, assignAgentUpdate, {
          agentId,
          agentName: agentNameOf(comment.author),
        });
      }
      const reply = await conversations.command(conversationId, agentReplyUpdate, {
        agentId,
        text: truncate(text, MAX_WHATSAPP_TEXT),
      });
      return reply.delivered
        ? { outcome: 'sent', ...(reply.messageId ? { detail: reply.messageId } : {}) }
        : { outcome: 'not_delivered', ...(reply.reason ? { detail: reply.reason } : {}) };
    } catch (err) {
      // A refusal (closed conversation…) or an ended conversation will not change on a retry.
      const final = refusal(err);
      if (final) return { outcome: 'rejected', detail: final };
      throw err;
    }
  }

  async function resolve(conversationId: string, by: string): Promise<{ status: string; changed: boolean }> {
    try {
      const view = await conversations.command(conversationId, resolveUpdate, {
        by,
        reason: 'Zendesk ticket solved',
      });
      return { status: view.status, changed: true };
    } catch (err) {
      // Already resolved or closed (a retry, or the agent closed it in Parley): nothing to do.
      const final = refusal(err);
      if (final) return { status: final, changed: false };
      throw err;
    }
  }

  return app;
}

const AGENT_ROLES = new Set(['agent', 'admin']);
const MAX_WEBHOOK_BYTES = 1024 * 1024;
const MAX_WHATSAPP_TEXT = 4096;
const RETRY_AFTER_SECONDS = 10;

/** The Parley agent id of a Zendesk user. */
export function zendeskAgentId(zendeskUserId: string): string {
  return `zendesk:${zendeskUserId}`;
}

function agentIdOf(author: { id: string }): string {
  return zendeskAgentId(author.id);
}

/** Who solved it: the commenting agent when there is one, else Zendesk itself. */
function resolverOf(comment: ZendeskWebhookPayload['comment']): string {
  return comment && AGENT_ROLES.has(comment.author.role) ? agentIdOf(comment.author) : 'zendesk';
}

function agentNameOf(author: { id: string; name?: string | undefined }): string {
  return author.name?.trim() || `Zendesk agent ${author.id}`;
}

/**
 * The gateway's final answers: a workflow refusal (409, its reason) or a conversation whose
 * workflow has ended (404, whose message names the conversation id: not passed on).
 */
function refusal(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.status === 404) return 'ended';
  if (err.status === 409) {
    return /that is (resolved|closed)\b/.exec(err.message)?.[1] ?? err.message;
  }
  return undefined;
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
