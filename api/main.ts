import { Client } from '@temporalio/client';
import { ensureRetentionSchedule } from './retention-schedule.js';
import { createErasureGateway } from './operator/erasure-routes.js';
import { createEncryptionCodec } from '../core/encryption/payload-codec.js';
import { createPayloadKeys, parleyDataConverter } from '../core/encryption/data-converter.js';
import { createConversationIds } from '../core/conversation-ids.js';
import { connectTemporal } from '../core/temporal-client.js';
import { loadConfig, type Config } from '../core/config.js';
import { listen } from '../core/listen.js';
import { createLogger, type Logger } from '../core/logger.js';
import { checkConnection, createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createApp } from './app.js';
import { createTemporalConversationGateway } from './conversation-gateway.js';
import { createRefundGateway } from './operator/refund-gateway.js';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP API. The Temporal connection is lazy: the API comes up (and reports not-ready on
 * /readyz) while Temporal is unreachable, and webhooks answer 503 so Meta retries them.
 */
export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run the API');
  const db = createDb(config.databaseUrl, {
    onIdleClientError: (err) => logger.warn('idle Postgres connection lost', { err }),
  });
  await migrateToLatest(db);
  const temporal = await connectTemporal({
    address: config.temporal.address ?? 'localhost:7233',
    lazy: true,
  });
  const payloadKeys = createPayloadKeys(config, db);
  const client = new Client({
    connection: temporal.connection,
    namespace: config.temporal.namespace,
    dataConverter: parleyDataConverter(payloadKeys),
  });
  const ids = createConversationIds(config.conversationIdSecret);
  const conversations = createTemporalConversationGateway({
    client,
    taskQueue: config.temporal.taskQueue,
    ids,
  });
  const app = createApp({
    whatsapp: { appSecret: config.whatsapp.appSecret, verifyToken: config.whatsapp.verifyToken },
    ids,
    conversations,
    refunds: createRefundGateway({ client, taskQueue: config.temporal.taskQueue }),
    erasures: createErasureGateway({
      client,
      taskQueue: config.temporal.taskQueue,
      settleMs: config.erasureSettleMs,
    }),
    db,
    operatorApiToken: config.operatorApiToken,
    zendeskWebhookSecret: config.zendeskWebhookSecret,
    deadLetterRetentionMs: config.deadLetterRetentionMs,
    readiness: {
      temporal: () => conversations.ping(),
      postgres: () => checkConnection(db),
    },
    logger,
    codec: {
      codec: payloadKeys && createEncryptionCodec(payloadKeys),
      token: config.operatorApiToken,
      ...config.codecServer,
    },
  });
  // In the background: a Temporal that is down at start must not keep the API from serving.
  void ensureRetentionSchedule(client, config.temporal.taskQueue, logger);
  const server = await listen(app.fetch, { port: config.port, hostname: '0.0.0.0' });
  logger.info('API listening', { port: server.port });
  return {
    url: server.url,
    async close() {
      await server.close();
      await temporal.close();
      await db.destroy();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { service: 'parley-api' });
  startApi(config, logger).then(
    (api) => {
      const stop = () => void api.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      logger.error('API failed to start', { err });
      process.exit(1);
    },
  );
}
