import { DEMO_BUSINESS_HOURS, validateBusinessHours, type BusinessHours } from '../domain/business-hours.js';
import type { RetentionPolicy } from '../domain/retention.js';
import { DEFAULT_ESCALATION_POLICY } from '../domain/escalation-policy.js';
import { z } from 'zod';
import { parseMasterKeys } from './encryption/master-keys.js';
import { DEFAULT_INTENTS } from '../activities/understanding/types.js';
import type { ConversationSettings } from '../workflows/definitions.js';
import type { RefundSettings } from '../workflows/refund-definitions.js';

/**
 * The whole process configuration, parsed once from the environment at start. Anything below reads
 * this object, never `process.env`. Variable names are a public contract (README, Helm charts).
 */
const HOUR = 60 * 60 * 1000;
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
/** A HubSpot property's internal name (lowercase letters, digits, underscores), with a default. */
const hubspotProperty = (fallback: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9_]{1,100}$/, 'must be a HubSpot property internal name')
      .default(fallback),
  );

/** Where Temporal is: all that a Temporal-only tool (the `parley` CLI) needs from the environment. */
const temporalEnv = {
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.preprocess(emptyAsUndefined, z.string().default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyAsUndefined, z.string().default('parley-conversations')),
};

/** The Temporal frontend to use when TEMPORAL_ADDRESS is not set. */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyAsUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),

  DATABASE_URL: optionalUrl,

  ...temporalEnv,

  WHATSAPP_APP_SECRET: z.string({ error: 'is required (the Meta app secret that signs webhooks)' }).min(1),
  WHATSAPP_VERIFY_TOKEN: z
    .string({ error: 'is required (the token Meta echoes in the webhook handshake)' })
    .min(1),
  WHATSAPP_ACCESS_TOKEN: z.string({ error: 'is required (a system-user token for the Graph API)' }).min(1),
  WHATSAPP_GRAPH_URL: z.preprocess(emptyAsUndefined, z.url().default('https://graph.facebook.com')),
  WHATSAPP_API_VERSION: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^v\d+\.\d+$/, 'must look like v23.0')
      .default('v23.0'),
  ),

  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_CHAT_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini')),
  OPENAI_EMBEDDING_MODEL: z.preprocess(emptyAsUndefined, z.string().default('text-embedding-3-small')),
  OPENAI_TRANSCRIPTION_MODEL: z.preprocess(emptyAsUndefined, z.string().default('whisper-1')),
  OPENAI_VISION_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini')),

  /** How long one model request may take before it counts as failed (and is retried). */
  OPENAI_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1_000).default(30_000)),
  OPENAI_EMBEDDING_DIMENSIONS: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().optional()),

  QDRANT_URL: optionalUrl,
  QDRANT_API_KEY: optionalString,
  QDRANT_COLLECTION: z.preprocess(emptyAsUndefined, z.string().default('parley-knowledge')),

  BUSINESS_NAME: z.preprocess(emptyAsUndefined, z.string().default('Parley Home')),
  BRAND_VOICE: z.preprocess(
    emptyAsUndefined,
    z.string().default("warm, clear and concise; use the customer's first name when known; no jargon"),
  ),
  /** Extra rules for the model, separated by `|` (explanations only: limits are enforced in code). */
  BRAND_RULES: optionalString,
  AGENT_MAX_ROUNDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(8).default(4)),
  AGENT_CONFIDENCE_THRESHOLD: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(1).default(0.6)),
  SUMMARY_EVERY_TURNS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(6)),
  RETRIEVAL_MODE: z.preprocess(emptyAsUndefined, z.enum(['dense', 'hybrid', 'lexical']).default('dense')),
  KB_ANSWER_MIN_LEXICAL_SCORE: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).default(2.4)),
  KB_ANSWER_MIN_DENSE_SCORE: z.preprocess(emptyAsUndefined, z.coerce.number().min(-1).max(1).default(0.8)),

  OPERATOR_API_TOKEN: optionalString,
  /** Where people open a conversation; links in tickets and Slack. Default: this API. */
  PUBLIC_URL: optionalUrl,

  HELPDESK: z.preprocess(emptyAsUndefined, z.enum(['builtin', 'zendesk']).default('builtin')),
  ZENDESK_URL: optionalUrl,
  ZENDESK_EMAIL: optionalString,
  ZENDESK_API_TOKEN: optionalString,
  /** The signing secret of the Zendesk webhook that relays agent comments; unset: route switched off. */
  ZENDESK_WEBHOOK_SECRET: optionalString,
  /** Where the order tools read orders: the built-in demo tables or a Shopify store (Admin REST API). */
  ORDERS_SOURCE: z.preprocess(emptyAsUndefined, z.enum(['builtin', 'shopify']).default('builtin')),
  SHOPIFY_SHOP_URL: optionalUrl,
  SHOPIFY_ACCESS_TOKEN: optionalString,
  SHOPIFY_API_VERSION: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d{4}-(01|04|07|10)$/, 'must look like 2024-10')
      .default('2024-10'),
  ),
  /** Where tier, lifetime value and owner come from, and where resolution notes go. */
  CRM: z.preprocess(emptyAsUndefined, z.enum(['builtin', 'hubspot']).default('builtin')),
  HUBSPOT_API_URL: z.preprocess(emptyAsUndefined, z.url().default('https://api.hubapi.com')),
  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_TIER_PROPERTY: hubspotProperty('customer_tier'),
  HUBSPOT_LIFETIME_VALUE_PROPERTY: hubspotProperty('total_revenue'),
  HUBSPOT_OWNER_PROPERTY: hubspotProperty('hubspot_owner_id'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_API_URL: optionalUrl,
  SLACK_CHANNEL: optionalString,
  SLACK_ON_CALL_CHANNEL: optionalString,
  SLACK_ON_CALL_MENTION: optionalString,

  CONVERSATION_DEBOUNCE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(2_000)),
  CONVERSATION_MAX_BATCH_WAIT_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(0).default(8_000),
  ),
  CONVERSATION_BOT_IDLE_RESOLVE_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(2 * HOUR),
  ),
  CONVERSATION_RESOLVED_CLOSE_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(24 * HOUR),
  ),
  CONVERSATION_MAX_HISTORY_EVENTS: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(50).default(10_000),
  ),
  CONVERSATION_TRANSCRIPT_TURNS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(2).default(30)),
  WHATSAPP_REENGAGEMENT_TEMPLATE: optionalString,
  MEDIA_MAX_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().optional()),
  SENSITIVE_DOCUMENTS_TO_MODEL: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  MODEL_ATTEMPTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(10).default(3)),
  INTENTS: optionalString,
  WHATSAPP_REENGAGEMENT_TEMPLATE_LANGUAGE: z.preprocess(emptyAsUndefined, z.string().default('en')),
  /** Escalation hours as JSON (`{ timezone, weekly, holidays }`, see workflows/business-hours.ts). */
  BUSINESS_HOURS: optionalString,
  HANDOFF_PICKUP_SLA_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(15 * 60_000),
  ),
  HANDOFF_ON_CALL_AFTER_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(45 * 60_000),
  ),
  AGENT_REPLY_SLA_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(10 * 60_000),
  ),
  AUTO_APPROVE_REFUND_CENTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(5_000)),
  /** Who pays refunds: the built-in ledger (embedded default) or Stripe. */
  PAYMENTS: z.preprocess(emptyAsUndefined, z.enum(['ledger', 'stripe']).default('ledger')),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_API_URL: optionalString,
  STRIPE_API_VERSION: optionalString,
  /** A refund awaiting approval this long pages on-call; after the expiry it is declined. */
  REFUND_APPROVAL_ESCALATE_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(4 * HOUR),
  ),
  REFUND_APPROVAL_EXPIRE_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(7 * 24 * HOUR),
  ),
  CSAT_DELAY_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(HOUR)),
  /** Approved template for a survey after the 24-hour window; unset: such surveys are skipped. */
  CSAT_TEMPLATE: optionalString,
  CSAT_TEMPLATE_LANGUAGE: z.preprocess(emptyAsUndefined, z.string().default('en')),
  /**
   * Keys the conversation ids and link references (HMAC): without it nobody can tell whose
   * conversation an id is. Required in production; elsewhere a fixed development value.
   */
  CONVERSATION_ID_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  ),
  /**
   * Master keys that wrap the per-customer keys encrypting Temporal payloads: `id:base64key` pairs
   * (32 random bytes each), comma-separated, the first active. Required in production; elsewhere a
   * fixed development key.
   */
  PAYLOAD_MASTER_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** `off` stores Temporal payloads in clear: development and recorded histories only. */
  PAYLOAD_ENCRYPTION: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  /** Origins allowed to call the codec server (the Temporal Web UI's), comma-separated. */
  CODEC_CORS_ORIGINS: z.preprocess(emptyAsUndefined, z.string().default('http://localhost:8233')),
  /**
   * Development only: the codec server answers loopback requests from an allowed origin without a
   * token (the dev server's Web UI cannot send one).
   */
  CODEC_ALLOW_LOOPBACK: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  /** Retention per data class, in days (a daily run redacts or deletes what is older). */
  RETENTION_SENSITIVE_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(30)),
  RETENTION_MESSAGE_TEXT_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(365)),
  RETENTION_TURN_RECORDS_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(365)),
  RETENTION_TICKETS_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(730)),
  /** How long an erasure waits after closing a customer's conversations before its last pass. */
  ERASURE_SETTLE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(60_000)),
  /** Webhook parts that could not be understood are kept this many days (they hold customer data). */
  DEAD_LETTER_RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().min(1).max(365).default(30)),
  /** Turns Parley answers per customer in the window before it suspects an auto-responder loop. */
  CONVERSATION_TURN_BUDGET: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(20)),
  CONVERSATION_TURN_BUDGET_WINDOW_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1_000)
      .default(10 * 60_000),
  ),
});

/** Outside production only: conversation ids stay stable across restarts of a development stack. */
export const DEVELOPMENT_CONVERSATION_ID_SECRET =
  'parley-development-conversation-id-secret-not-for-production';
/** Outside production only: 32 fixed bytes, so a development stack reads its own histories. */
const DEVELOPMENT_PAYLOAD_MASTER_KEYS = `dev:${Buffer.alloc(32, 'parley-dev-master-key').toString('base64')}`;

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  port: number;
  databaseUrl: string | undefined;
  temporal: { address: string | undefined; namespace: string; taskQueue: string };
  whatsapp: {
    appSecret: string;
    verifyToken: string;
    accessToken: string;
    graphUrl: string;
    apiVersion: string;
  };
  openai: {
    baseUrl: string | undefined;
    apiKey: string | undefined;
    chatModel: string;
    embeddingModel: string;
    embeddingDimensions: number | undefined;
    transcriptionModel: string;
    visionModel: string;
    timeoutMs: number;
  };
  qdrant: { url: string | undefined; apiKey: string | undefined; collection: string };
  brand: { businessName: string; voice: string; rules: string[] };
  /** Model-free answers quote a knowledge passage only above these scores. */
  knowledgeAnswerThresholds: { minLexicalScore: number; minDenseScore: number };
  /** How passages are found when an embedding model is configured (lexical only without one). */
  retrievalMode: 'dense' | 'hybrid' | 'lexical';
  operatorApiToken: string | undefined;
  /** Keys conversation ids and references (see core/conversation-ids.ts). */
  conversationIdSecret: string;
  erasureSettleMs: number;
  retention: RetentionPolicy;
  payloadEncryption: { enabled: boolean; masterKeys: { id: string; key: Buffer }[] };
  codecServer: { corsOrigins: string[]; allowLoopback: boolean };
  deadLetterRetentionMs: number;
  publicUrl: string;
  helpdesk: { kind: 'builtin' } | { kind: 'zendesk'; url: string; email: string; apiToken: string };
  orders: { kind: 'builtin' } | { kind: 'shopify'; shopUrl: string; accessToken: string; apiVersion: string };
  crm:
    | { kind: 'builtin' }
    | {
        kind: 'hubspot';
        apiUrl: string;
        accessToken: string;
        properties: { tier: string; lifetimeValue: string; owner: string };
      };
  payments: { kind: 'ledger' } | { kind: 'stripe'; secretKey: string; apiUrl?: string; apiVersion?: string };
  refunds: RefundSettings;
  /** Verifies Zendesk's webhook (agent comments → WhatsApp); undefined: `/webhooks/zendesk` is off. */
  zendeskWebhookSecret: string | undefined;
  slack: {
    token?: string;
    apiUrl?: string;
    channel?: string;
    onCallChannel?: string;
    onCallMention?: string;
  };
  conversation: ConversationSettings;
  understanding: {
    intents: readonly string[];
    mediaMaxBytes: number | undefined;
    sensitiveToModel: boolean;
    modelAttempts: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` with `schema`; throws a ConfigError naming every bad or missing variable. */
function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** Only the Temporal connection settings (no WhatsApp secrets required), with the same defaults. */
export function loadTemporalSettings(
  env: Record<string, string | undefined> = process.env,
): TemporalSettings {
  const e = parseEnv(z.object(temporalEnv), env);
  return {
    address: e.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
  };
}

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = parseEnv(envSchema, env);
  const production = e.NODE_ENV === 'production';
  const problems = [
    production && !e.CONVERSATION_ID_SECRET
      ? 'CONVERSATION_ID_SECRET: is required in production (32+ random characters; it keys conversation ids, so keep it for good)'
      : undefined,
    production && !e.PAYLOAD_MASTER_KEYS
      ? 'PAYLOAD_MASTER_KEYS: is required in production (id:base64 of 32 random bytes, e.g. `k1:$(openssl rand -base64 32)`)'
      : undefined,
    production && e.PAYLOAD_ENCRYPTION === 'off'
      ? 'PAYLOAD_ENCRYPTION: cannot be off in production'
      : undefined,
    production && e.CODEC_ALLOW_LOOPBACK === 'true'
      ? 'CODEC_ALLOW_LOOPBACK: is for development only'
      : undefined,
  ].filter((p): p is string => p !== undefined);
  let masterKeys: { id: string; key: Buffer }[] = [];
  try {
    masterKeys = parseMasterKeys(e.PAYLOAD_MASTER_KEYS ?? DEVELOPMENT_PAYLOAD_MASTER_KEYS);
    if (masterKeys.length === 0) problems.push('PAYLOAD_MASTER_KEYS: no key given');
  } catch (err) {
    problems.push(`PAYLOAD_MASTER_KEYS: ${(err as Error).message}`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
    },
    whatsapp: {
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      graphUrl: e.WHATSAPP_GRAPH_URL.replace(/\/+$/, ''),
      apiVersion: e.WHATSAPP_API_VERSION,
    },
    openai: {
      baseUrl: e.OPENAI_BASE_URL,
      apiKey: e.OPENAI_API_KEY,
      chatModel: e.OPENAI_CHAT_MODEL,
      embeddingModel: e.OPENAI_EMBEDDING_MODEL,
      embeddingDimensions: e.OPENAI_EMBEDDING_DIMENSIONS,
      transcriptionModel: e.OPENAI_TRANSCRIPTION_MODEL,
      visionModel: e.OPENAI_VISION_MODEL,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
    },
    qdrant: { url: e.QDRANT_URL, apiKey: e.QDRANT_API_KEY, collection: e.QDRANT_COLLECTION },
    brand: {
      businessName: e.BUSINESS_NAME,
      voice: e.BRAND_VOICE,
      rules: (e.BRAND_RULES ?? '')
        .split('|')
        .map((r) => r.trim())
        .filter(Boolean),
    },
    retrievalMode: e.RETRIEVAL_MODE,
    knowledgeAnswerThresholds: {
      minLexicalScore: e.KB_ANSWER_MIN_LEXICAL_SCORE,
      minDenseScore: e.KB_ANSWER_MIN_DENSE_SCORE,
    },
    operatorApiToken: e.OPERATOR_API_TOKEN,
    conversationIdSecret: e.CONVERSATION_ID_SECRET ?? DEVELOPMENT_CONVERSATION_ID_SECRET,
    payloadEncryption: { enabled: e.PAYLOAD_ENCRYPTION === 'on', masterKeys },
    codecServer: {
      corsOrigins: e.CODEC_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      allowLoopback: e.CODEC_ALLOW_LOOPBACK === 'true',
    },
    deadLetterRetentionMs: e.DEAD_LETTER_RETENTION_DAYS * 24 * 60 * 60_000,
    erasureSettleMs: e.ERASURE_SETTLE_MS,
    retention: {
      sensitive_text: e.RETENTION_SENSITIVE_DAYS,
      message_text: e.RETENTION_MESSAGE_TEXT_DAYS,
      turn_records: e.RETENTION_TURN_RECORDS_DAYS,
      tickets: e.RETENTION_TICKETS_DAYS,
      dead_letters: 0,
    },
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    helpdesk: helpdeskConfig(e),
    orders: ordersConfig(e),
    crm: crmConfig(e),
    payments: paymentsConfig(e),
    refunds: {
      autoApproveRefundCents: e.AUTO_APPROVE_REFUND_CENTS,
      approvalEscalateMs: e.REFUND_APPROVAL_ESCALATE_MS,
      approvalExpireMs: Math.max(e.REFUND_APPROVAL_EXPIRE_MS, e.REFUND_APPROVAL_ESCALATE_MS),
    },
    zendeskWebhookSecret: e.ZENDESK_WEBHOOK_SECRET,
    slack: {
      ...(e.SLACK_BOT_TOKEN ? { token: e.SLACK_BOT_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      ...(e.SLACK_CHANNEL ? { channel: e.SLACK_CHANNEL } : {}),
      ...(e.SLACK_ON_CALL_CHANNEL ? { onCallChannel: e.SLACK_ON_CALL_CHANNEL } : {}),
      ...(e.SLACK_ON_CALL_MENTION ? { onCallMention: e.SLACK_ON_CALL_MENTION } : {}),
    },
    understanding: {
      intents: e.INTENTS
        ? e.INTENTS.split(',')
            .map((i) => i.trim())
            .filter(Boolean)
        : DEFAULT_INTENTS,
      mediaMaxBytes: e.MEDIA_MAX_BYTES,
      sensitiveToModel: e.SENSITIVE_DOCUMENTS_TO_MODEL === 'true',
      modelAttempts: e.MODEL_ATTEMPTS,
    },
    conversation: {
      modelConfigured: Boolean(e.OPENAI_BASE_URL),
      debounceMs: e.CONVERSATION_DEBOUNCE_MS,
      maxBatchWaitMs: e.CONVERSATION_MAX_BATCH_WAIT_MS,
      botIdleResolveMs: e.CONVERSATION_BOT_IDLE_RESOLVE_MS,
      resolvedCloseMs: e.CONVERSATION_RESOLVED_CLOSE_MS,
      maxHistoryEvents: e.CONVERSATION_MAX_HISTORY_EVENTS,
      transcriptTurns: e.CONVERSATION_TRANSCRIPT_TURNS,
      erasureSettleMs: e.ERASURE_SETTLE_MS,
      agentMaxRounds: e.AGENT_MAX_ROUNDS,
      confidenceThreshold: e.AGENT_CONFIDENCE_THRESHOLD,
      summaryEveryTurns: e.SUMMARY_EVERY_TURNS,
      csatDelayMs: e.CSAT_DELAY_MS,
      businessHours: parseBusinessHours(e.BUSINESS_HOURS),
      pickupSlaMs: e.HANDOFF_PICKUP_SLA_MS,
      onCallAfterMs: e.HANDOFF_ON_CALL_AFTER_MS,
      agentReplySlaMs: e.AGENT_REPLY_SLA_MS,
      turnBudget: { turns: e.CONVERSATION_TURN_BUDGET, windowMs: e.CONVERSATION_TURN_BUDGET_WINDOW_MS },
      escalation: {
        ...DEFAULT_ESCALATION_POLICY,
        confidenceThreshold: e.AGENT_CONFIDENCE_THRESHOLD,
        outOfHoursConfidenceThreshold: Math.min(
          e.AGENT_CONFIDENCE_THRESHOLD,
          DEFAULT_ESCALATION_POLICY.outOfHoursConfidenceThreshold,
        ),
        autoApproveRefundCents: e.AUTO_APPROVE_REFUND_CENTS,
      },
      ...(e.CSAT_TEMPLATE
        ? { csatTemplate: { name: e.CSAT_TEMPLATE, language: e.CSAT_TEMPLATE_LANGUAGE } }
        : {}),
      reengagementTemplate: e.WHATSAPP_REENGAGEMENT_TEMPLATE
        ? { name: e.WHATSAPP_REENGAGEMENT_TEMPLATE, language: e.WHATSAPP_REENGAGEMENT_TEMPLATE_LANGUAGE }
        : undefined,
    },
  };
}

/** BUSINESS_HOURS (JSON) checked once at start; unset: the demo shop's hours (Europe/Paris). */
function parseBusinessHours(json: string | undefined): BusinessHours {
  if (!json) return DEMO_BUSINESS_HOURS;
  let hours: BusinessHours;
  try {
    hours = JSON.parse(json) as BusinessHours;
  } catch {
    throw new ConfigError('Invalid configuration:\n  BUSINESS_HOURS: is not valid JSON');
  }
  const problems = validateBusinessHours(hours);
  if (problems.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${problems.map((p) => `  BUSINESS_HOURS: ${p}`).join('\n')}`,
    );
  }
  return hours;
}

/** PAYMENTS=stripe needs its secret key; the built-in ledger needs nothing. */
function paymentsConfig(e: Env): Config['payments'] {
  if (e.PAYMENTS === 'ledger') return { kind: 'ledger' };
  if (!e.STRIPE_SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY: is required when PAYMENTS=stripe');
  }
  return {
    kind: 'stripe',
    secretKey: e.STRIPE_SECRET_KEY,
    ...(e.STRIPE_API_URL ? { apiUrl: e.STRIPE_API_URL } : {}),
    ...(e.STRIPE_API_VERSION ? { apiVersion: e.STRIPE_API_VERSION } : {}),
  };
}

/** ORDERS_SOURCE=shopify needs the shop's URL and an Admin API token; the built-in tables need nothing. */
function ordersConfig(e: Env): Config['orders'] {
  if (e.ORDERS_SOURCE === 'builtin') return { kind: 'builtin' };
  const missing = (['SHOPIFY_SHOP_URL', 'SHOPIFY_ACCESS_TOKEN'] as const).filter((k) => !e[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${missing.map((k) => `  ${k}: is required when ORDERS_SOURCE=shopify`).join('\n')}`,
    );
  }
  return {
    kind: 'shopify',
    shopUrl: e.SHOPIFY_SHOP_URL!.replace(/\/+$/, ''),
    accessToken: e.SHOPIFY_ACCESS_TOKEN!,
    apiVersion: e.SHOPIFY_API_VERSION,
  };
}

/** CRM=hubspot needs a private app token; the built-in customers table needs nothing. */
function crmConfig(e: Env): Config['crm'] {
  if (e.CRM === 'builtin') return { kind: 'builtin' };
  if (!e.HUBSPOT_ACCESS_TOKEN) {
    throw new ConfigError('Invalid configuration:\n  HUBSPOT_ACCESS_TOKEN: is required when CRM=hubspot');
  }
  return {
    kind: 'hubspot',
    apiUrl: e.HUBSPOT_API_URL.replace(/\/+$/, ''),
    accessToken: e.HUBSPOT_ACCESS_TOKEN,
    properties: {
      tier: e.HUBSPOT_TIER_PROPERTY,
      lifetimeValue: e.HUBSPOT_LIFETIME_VALUE_PROPERTY,
      owner: e.HUBSPOT_OWNER_PROPERTY,
    },
  };
}

/** HELPDESK=zendesk needs its three variables; the built-in queue needs nothing. */
function helpdeskConfig(e: Env): Config['helpdesk'] {
  if (e.HELPDESK === 'builtin') return { kind: 'builtin' };
  const missing = (['ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN'] as const).filter((k) => !e[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${missing.map((k) => `  ${k}: is required when HELPDESK=zendesk`).join('\n')}`,
    );
  }
  return { kind: 'zendesk', url: e.ZENDESK_URL!, email: e.ZENDESK_EMAIL!, apiToken: e.ZENDESK_API_TOKEN! };
}
