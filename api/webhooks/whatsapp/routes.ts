import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../../core/logger.js';
import type { AppEnv } from '../../app-env.js';
import { errorBody } from '../../errors.js';
import type { WhatsAppIntake } from './intake.js';
import { verifyWebhookSignature } from './signature.js';

// Meta's payloads are a few KB; anything near this is not from Meta.
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * Meta's webhook endpoint. The contract with Meta: a forged or unsigned delivery is refused (401)
 * and a body that is not JSON is a 400; anything else signed is answered 200 once every part is
 * durably with its conversation workflow or kept as a dead letter — never refused for its content,
 * because Meta retries a refusal for days and then disables the webhook. 503 only while Temporal or
 * Postgres is unavailable: Meta retries, workflows dedupe by message id.
 */
export function createWhatsAppWebhookRoutes(deps: {
  whatsapp: { appSecret: string; verifyToken: string };
  intake: WhatsAppIntake;
  logger: Logger;
}) {
  const { whatsapp, intake, logger } = deps;
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
      let result;
      try {
        result = await intake.accept(json, { requestId: c.var.requestId });
      } catch (err) {
        logger.error('webhook not handed to Temporal; asking Meta to retry', {
          err,
          requestId: c.var.requestId,
        });
        return c.json(
          errorBody(c, 'temporarily_unavailable', 'Could not accept the webhook now, retry later'),
          503,
        );
      }
      const { messages, statuses, deadLetters } = result;
      return c.json({ received: { messages, statuses, deadLetters } }, 200);
    },
  );
  return app;
}
