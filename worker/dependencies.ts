import { QdrantClient } from '@qdrant/js-client-rest';
import { createPayloadKeys } from '../core/encryption/data-converter.js';
import type { DataKeys } from '../core/encryption/data-keys.js';
import type { ActivityDeps } from '../activities/index.js';
import {
  createActionExecutor,
  createActionTools,
  loadReturnLabel,
  returnLabelForPdf,
} from '../activities/actions/index.js';
import { createDocumentRenderer } from '../activities/pdf/index.js';
import { createEmbeddedVectorIndex, type VectorIndex } from '../activities/knowledge/embedded-index.js';
import { createEmbedder } from '../activities/knowledge/embeddings.js';
import { createQdrantVectorIndex } from '../activities/knowledge/qdrant-index.js';
import { createRetriever } from '../activities/knowledge/retrieval.js';
import { createBuiltinQueue } from '../activities/helpdesk/builtin-queue.js';
import type { Helpdesk } from '../activities/helpdesk/types.js';
import { createZendeskHelpdesk } from '../activities/helpdesk/zendesk.js';
import { createBuiltinCrm } from '../activities/integrations/crm/builtin.js';
import { createHubSpotCrm } from '../activities/integrations/crm/hubspot.js';
import type { CrmAdapter } from '../activities/integrations/crm/types.js';
import { createBuiltinOrderSource } from '../activities/integrations/orders/builtin.js';
import { createShopifyOrderSource } from '../activities/integrations/orders/shopify.js';
import type { OrderSource } from '../activities/integrations/orders/types.js';
import { createSlackNotifier, type SlackNotifier } from '../activities/notify/slack.js';
import { createLedgerProvider } from '../activities/payments/ledger.js';
import { createStripeProvider } from '../activities/payments/stripe.js';
import type { PaymentProvider } from '../activities/payments/types.js';
import { createReadOnlyTools, DEMO_BUSINESS } from '../activities/tools/index.js';
import type { ModelClient } from '../activities/understanding/model-client.js';
import type { Ocr } from '../activities/understanding/ocr.js';
import type { GraphClient } from '../activities/whatsapp/graph-client.js';
import type { Config } from '../core/config.js';
import { createConversationIds } from '../core/conversation-ids.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import { linkHelpdeskTicket } from '../db/repositories/helpdesk-links.js';

/** Output sizes of the usual embedding models, when OPENAI_EMBEDDING_DIMENSIONS is not set. */
const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * Config → the dependencies of every activity: the knowledge store (Qdrant when QDRANT_URL is set,
 * the embedded Postgres index otherwise), the embedder and model (none without OPENAI_BASE_URL:
 * model-free mode), the tools. One place, shared by the worker, the tests and the benchmarks.
 */
export function createActivityDeps(
  config: Config,
  clients: {
    db: Db;
    graph: GraphClient;
    model: ModelClient | undefined;
    ocr: Ocr;
    logger: Logger;
    /** The worker's data keys (its codec's): shredding through them also empties their cache. */
    payloadKeys?: DataKeys | undefined;
  },
): ActivityDeps {
  const { db, graph, model, ocr, logger } = clients;
  const embedder = model
    ? createEmbedder({
        openai: model.openai,
        model: config.openai.embeddingModel,
        ...(config.openai.embeddingDimensions ? { dimensions: config.openai.embeddingDimensions } : {}),
        ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
      })
    : undefined;
  const index = createVectorIndex(config, db, logger);
  const orders = createOrderSource(config, db, logger);
  const crm = createCrm(config, db, logger);
  const actionDeps = { db, autoApproveRefundCents: config.refunds.autoApproveRefundCents };
  // Read-only tools answer; action tools only propose (the customer confirms, code executes). The
  // action tools work on the built-in shop tables: with Shopify orders they are not offered.
  const tools = [
    ...createReadOnlyTools({ db, business: DEMO_BUSINESS, orders }),
    ...(orders.kind === 'builtin' ? createActionTools(actionDeps) : []),
  ];
  const slack: SlackNotifier | undefined = config.slack.token
    ? createSlackNotifier({
        token: config.slack.token,
        ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
        logger,
      })
    : undefined;
  const channels = {
    ...(config.slack.channel ? { team: config.slack.channel } : {}),
    ...(config.slack.onCallChannel ? { onCall: config.slack.onCallChannel } : {}),
    ...(config.slack.onCallMention ? { onCallMention: config.slack.onCallMention } : {}),
  };
  return {
    ids: createConversationIds(config.conversationIdSecret),
    retention: config.retention,
    payloadKeys: 'payloadKeys' in clients ? clients.payloadKeys : createPayloadKeys(config, db),
    db,
    graph,
    conversationSettings: config.conversation,
    understanding: { ...config.understanding, model, ocr },
    agent: {
      model,
      retriever: createRetriever({
        index,
        ...(embedder ? { embedder } : {}),
        defaultMode: config.retrievalMode,
      }),
      tools,
      brand: config.brand,
      thresholds: config.knowledgeAnswerThresholds,
      ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
    },
    knowledge: { index, embedder, logger },
    handoff: {
      db,
      helpdesk: createHelpdesk(config, db, logger),
      slack,
      channels,
      conversationUrlBase: `${config.publicUrl}/api/conversations`,
      crm,
      orders,
      logger,
    },
    actions: createActionExecutor(actionDeps),
    documents: createDocumentRenderer({
      db,
      loadReturnLabel: async (waId, returnId) => {
        const label = await loadReturnLabel(db, waId, returnId);
        return label && returnLabelForPdf(label);
      },
    }),
    refunds: {
      payments: createPaymentProvider(config, db, logger),
      settings: config.refunds,
      slack,
      channels,
      operatorUrl: config.publicUrl,
    },
    crm,
  };
}

/** The built-in shop tables by default; Shopify when ORDERS_SOURCE=shopify. */
function createOrderSource(config: Config, db: Db, logger: Logger): OrderSource {
  if (config.orders.kind === 'shopify') {
    const { shopUrl, accessToken, apiVersion } = config.orders;
    // Two requests at most per tool call, inside the read-only tools' 15 s start-to-close.
    return createShopifyOrderSource({ shopUrl, accessToken, apiVersion, timeoutMs: 6_000, logger });
  }
  return createBuiltinOrderSource(db);
}

/** The built-in customers table by default; HubSpot when CRM=hubspot. */
function createCrm(config: Config, db: Db, logger: Logger): CrmAdapter {
  if (config.crm.kind === 'hubspot') {
    const { apiUrl, accessToken, properties } = config.crm;
    // Below lookupCustomer's 10 s start-to-close (a local activity on the conversation's path).
    return createHubSpotCrm({ apiUrl, accessToken, properties, db, timeoutMs: 6_000, logger });
  }
  return createBuiltinCrm(db);
}

/** The built-in ledger by default; Stripe when PAYMENTS=stripe. */
function createPaymentProvider(config: Config, db: Db, logger: Logger): PaymentProvider {
  if (config.payments.kind === 'stripe') {
    const { secretKey, apiUrl, apiVersion } = config.payments;
    return createStripeProvider({
      secretKey,
      ...(apiUrl ? { apiUrl } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      // Below the payment activity's 20 s start-to-close, so a slow Stripe is a retryable timeout.
      timeoutMs: 10_000,
      logger,
    });
  }
  // What was paid for a payment is the total of the shop order it paid.
  return createLedgerProvider({ db });
}

/** The built-in Postgres queue by default; Zendesk when HELPDESK=zendesk. */
function createHelpdesk(config: Config, db: Db, logger: Logger): Helpdesk {
  if (config.helpdesk.kind === 'zendesk') {
    const { url, email, apiToken } = config.helpdesk;
    return createZendeskHelpdesk({
      baseUrl: url,
      email,
      apiToken,
      logger,
      // Zendesk's comment webhook finds the conversation through this link.
      onTicketCreated: (ticketId, conversationId) =>
        linkHelpdeskTicket(db, { system: 'zendesk', externalTicketId: ticketId, conversationId }),
    });
  }
  return createBuiltinQueue({
    db,
    ticketUrl: (id) => `${config.publicUrl}/api/tickets/${encodeURIComponent(id)}`,
  });
}

function createVectorIndex(config: Config, db: Db, logger: Logger): VectorIndex {
  if (!config.qdrant.url) return createEmbeddedVectorIndex(db);
  const dims = config.openai.embeddingDimensions ?? KNOWN_DIMENSIONS[config.openai.embeddingModel];
  if (!dims) {
    throw new Error(
      `set OPENAI_EMBEDDING_DIMENSIONS: the size of ${config.openai.embeddingModel} vectors is needed to create the Qdrant collection`,
    );
  }
  const client = new QdrantClient({
    url: config.qdrant.url,
    ...(config.qdrant.apiKey ? { apiKey: config.qdrant.apiKey } : {}),
  });
  return createQdrantVectorIndex({ client, collection: config.qdrant.collection, dims, logger });
}
