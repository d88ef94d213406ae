import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../../core/logger.js';
import type { AppEnv } from '../../app-env.js';
import type { ConversationGateway } from '../../conversation-gateway.js';
import { errorBody } from '../../errors.js';
import { parseWebhook } from './normalize.js';
import { verifyWebhookSignature } from './signature.js';

// Meta's payloads are a few KB; anything near this is not from Meta.
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * Meta's webhook endpoint. The contract with Meta: answer 200 only once every message is durably
 * with its conversation workflow; answer 5xx otherwise so Meta retries (it does, for up to 7 days,
 * and workflows dedupe the repeats by message id).
 */
export function createWhatsAppWebhookRoutes(deps: {
  whatsapp: { appSecret: string; verifyToken: string };
  conversations: ConversationGateway;
  logger: Logger;
}) {
  const { whatsapp, conversations, logger } = deps;
  const app = new Hono<AppEnv>();

  app.get('/', (c) => {
    const mode = c.req.query('hub.mode');
    const token = c.req.query('hub.verify_token');
    const challenge = c.req.query('hub.challenge');
    if (mode !== 'subscribe' || token !== whatsapp.verifyToken || !challenge) {
      return c.json(errorBody(c, 'verification_failed', 'Webhook verification failed'), 403);
    }
    return c.text(challenge, 200);
  });

  app.post(
    '/',
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: (c) => c.json(errorBody(c, 'payload_too_large', 'Webhook payload too large'), 413),
    }),
    async (c) => {
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      if (!verifyWebhookSignature(rawBody, c.req.header('x-hub-signature-256'), whatsapp.appSecret)) {
        logger.warn('webhook rejected: bad or missing signature', { requestId: c.var.requestId });
        return c.json(errorBody(c, 'invalid_signature', 'Missing or invalid X-Hub-Signature-256'), 401);
      }

      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(rawBody));
      } catch {
        return c.json(errorBody(c, 'malformed_json', 'Body is not valid JSON'), 400);
      }
      const parsed = parseWebhook(json);
      if (!parsed.ok) return c.json(errorBody(c, 'invalid_payload', parsed.error), 400);

      const { messages, statuses, ignored, unknown } = parsed.value;
      const requestId = c.var.requestId;
      for (const note of ignored) logger.info('webhook item ignored', { ...note, requestId });
      for (const item of unknown)
        logger.warn('unknown WhatsApp message type, handled as unsupported', { ...item, requestId });

      try {
        await conversations.deliverMessages(messages);
        const { orphaned } = await conversations.deliverStatuses(statuses);
        if (orphaned > 0) logger.debug('statuses without a live conversation', { orphaned });
      } catch (err) {
        logger.error('webhook not handed to Temporal; asking Meta to retry', { err, requestId });
        return c.json(
          errorBody(c, 'temporarily_unavailable', 'Could not accept the webhook now, retry later'),
          503,
        );
      }
      return c.json({ received: { messages: messages.length, statuses: statuses.length } }, 200);
    },
  );
  return app;
}
