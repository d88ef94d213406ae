import { Hono } from 'hono';
import { createErasureRoutes, type ErasureGateway } from './operator/erasure-routes.js';
import { createCodecRoutes, type CodecServerDeps } from './codec/codec-routes.js';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Logger } from '../core/logger.js';
import type { ConversationIds } from '../core/conversation-ids.js';
import type { Db } from '../db/database.js';
import type { AppEnv } from './app-env.js';
import type { ConversationGateway } from './conversation-gateway.js';
import { ApiError, errorBody } from './errors.js';
import { createHealthRoutes, type ReadinessProbes } from './health-routes.js';
import { createAuditRoutes } from './operator/audit-routes.js';
import { createDeadLetterRoutes } from './operator/dead-letter-routes.js';
import { createOperatorRoutes } from './operator/operator-routes.js';
import { createRefundRoutes } from './operator/refund-routes.js';
import type { RefundGateway } from './operator/refund-gateway.js';
import { createTicketRoutes } from './operator/ticket-routes.js';
import { createWhatsAppIntake } from './webhooks/whatsapp/intake.js';
import { createWhatsAppWebhookRoutes } from './webhooks/whatsapp/routes.js';
import { createZendeskWebhookRoutes } from './webhooks/zendesk/routes.js';

export interface AppDeps {
  whatsapp: { appSecret: string; verifyToken: string };
  /** Conversation ids and link references (keyed: no phone number in them). */
  ids: ConversationIds;
  conversations: ConversationGateway;
  refunds: RefundGateway;
  /** Starts and follows customer erasures; absent: `/api/erasures` is not served. */
  erasures?: ErasureGateway;
  db: Db;
  operatorApiToken: string | undefined;
  /** Zendesk's webhook signing secret; undefined: `/webhooks/zendesk` is off (404). */
  zendeskWebhookSecret?: string | undefined;
  /** How long a dead letter (a webhook part that could not be understood) is kept. */
  deadLetterRetentionMs: number;
  readiness: ReadinessProbes;
  logger: Logger;
  /** The codec server for the Temporal Web UI (`/codec`); absent: not served. */
  codec?: CodecServerDeps;
}

/** The HTTP API, built from its dependencies so tests drive it with `app.request()` or a real server. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(requestId());

  app.route('/', createHealthRoutes(deps.readiness));
  if (deps.codec) app.route('/codec', createCodecRoutes(deps.codec));
  const intake = createWhatsAppIntake(deps);
  app.route('/webhooks/whatsapp', createWhatsAppWebhookRoutes({ ...deps, intake }));
  app.route('/webhooks/zendesk', createZendeskWebhookRoutes({ ...deps, secret: deps.zendeskWebhookSecret }));
  app.route(
    '/api/tickets',
    createTicketRoutes({
      token: deps.operatorApiToken,
      conversations: deps.conversations,
      db: deps.db,
      ids: deps.ids,
    }),
  );
  app.route(
    '/api/refunds',
    createRefundRoutes({ token: deps.operatorApiToken, db: deps.db, refunds: deps.refunds }),
  );
  app.route(
    '/api/dead-letters',
    createDeadLetterRoutes({ token: deps.operatorApiToken, db: deps.db, intake }),
  );
  app.route('/api/audit', createAuditRoutes({ token: deps.operatorApiToken, db: deps.db }));
  if (deps.erasures)
    app.route(
      '/api/erasures',
      createErasureRoutes({ token: deps.operatorApiToken, db: deps.db, erasures: deps.erasures }),
    );
  app.route(
    '/api',
    createOperatorRoutes({ token: deps.operatorApiToken, conversations: deps.conversations, db: deps.db }),
  );

  app.notFound((c) => c.json(errorBody(c, 'not_found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(c, err.code, err.message), err.status);
    // Hono's own middleware (bearer auth, body limit) throws these with a ready response.
    if (err instanceof HTTPException) return err.getResponse();
    deps.logger.error('unhandled API error', { err, path: c.req.path, requestId: c.var.requestId });
    return c.json(errorBody(c, 'internal', 'Internal error'), 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
