import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { ActionLogTable } from './tables/action-log.js';
import type { AuditLogTable } from './tables/audit-log.js';
import type { AgentsTable } from './tables/agents.js';
import type { BotTurnsTable } from './tables/bot-turns.js';
import type { ConversationTransitionsTable } from './tables/conversation-transitions.js';
import { StorableTextPlugin } from './storable-text-plugin.js';
import type { ConversationsTable } from './tables/conversations.js';
import type { CrmNotesTable } from './tables/crm-notes.js';
import type { CsatSurveysTable } from './tables/csat-surveys.js';
import type { HandoffTicketCommentsTable } from './tables/handoff-ticket-comments.js';
import type { HandoffTicketsTable } from './tables/handoff-tickets.js';
import type { HelpdeskTicketLinksTable } from './tables/helpdesk-ticket-links.js';
import type { ZendeskProcessedCommentsTable } from './tables/zendesk-processed-comments.js';
import type { DeadLettersTable } from './tables/dead-letters.js';
import type { ConversationEventsTable } from './tables/conversation-events.js';
import type { KbChunksTable } from './tables/kb-chunks.js';
import type { LedgerPayoutsTable } from './tables/ledger-payouts.js';
import type { MessagesTable } from './tables/messages.js';
import type { SlackPostsTable } from './tables/slack-posts.js';
import type { PayloadKeysTable } from './tables/payload-keys.js';
import type { RefundAttemptsTable } from './tables/refund-attempts.js';
import type { RefundsTable } from './tables/refunds.js';
import type { ShopAppointmentSlotsTable } from './tables/shop-appointment-slots.js';
import type { ShopAppointmentsTable } from './tables/shop-appointments.js';
import type { ShopCustomersTable } from './tables/shop-customers.js';
import type { ShopInvoicesTable } from './tables/shop-invoices.js';
import type { ShopOrderLinesTable } from './tables/shop-order-lines.js';
import type { ShopOrdersTable } from './tables/shop-orders.js';
import type { ShopProductsTable } from './tables/shop-products.js';
import type { ShopPromoCodesTable } from './tables/shop-promo-codes.js';
import type { ShopPromoRedemptionsTable } from './tables/shop-promo-redemptions.js';
import type { ShopReturnsTable } from './tables/shop-returns.js';
import type { ShopSubscriptionTiersTable } from './tables/shop-subscription-tiers.js';
import type { ShopSubscriptionsTable } from './tables/shop-subscriptions.js';

export interface Database {
  conversations: ConversationsTable;
  messages: MessagesTable;
  slack_posts: SlackPostsTable;
  audit_log: AuditLogTable;
  payload_keys: PayloadKeysTable;
  conversation_transitions: ConversationTransitionsTable;
  agents: AgentsTable;
  kb_chunks: KbChunksTable;
  bot_turns: BotTurnsTable;
  csat_surveys: CsatSurveysTable;
  refunds: RefundsTable;
  refund_attempts: RefundAttemptsTable;
  ledger_payouts: LedgerPayoutsTable;
  crm_notes: CrmNotesTable;
  shop_customers: ShopCustomersTable;
  shop_products: ShopProductsTable;
  shop_orders: ShopOrdersTable;
  shop_order_lines: ShopOrderLinesTable;
  shop_invoices: ShopInvoicesTable;
  shop_returns: ShopReturnsTable;
  shop_appointment_slots: ShopAppointmentSlotsTable;
  shop_appointments: ShopAppointmentsTable;
  shop_subscription_tiers: ShopSubscriptionTiersTable;
  shop_subscriptions: ShopSubscriptionsTable;
  shop_promo_codes: ShopPromoCodesTable;
  shop_promo_redemptions: ShopPromoRedemptionsTable;
  action_log: ActionLogTable;
  handoff_tickets: HandoffTicketsTable;
  handoff_ticket_comments: HandoffTicketCommentsTable;
  helpdesk_ticket_links: HelpdeskTicketLinksTable;
  zendesk_processed_comments: ZendeskProcessedCommentsTable;
  dead_letters: DeadLettersTable;
  conversation_events: ConversationEventsTable;
}

export type Db = Kysely<Database>;

/** A kysely instance over a pg pool. The caller owns it and calls `destroy()` at shutdown. */
export function createDb(
  databaseUrl: string,
  opts: { maxConnections?: number; onIdleClientError?: (err: Error) => void } = {},
): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.maxConnections ?? 10 });
  // An idle client dropped by the server (restart, failover) emits 'error' on the pool; unhandled,
  // that would kill the process. The pool replaces the client on the next checkout.
  pool.on('error', (err) => opts.onIdleClientError?.(err));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new StorableTextPlugin()],
  });
}

/** One round trip to Postgres (a readiness probe): throws when the database cannot answer. */
export async function checkConnection(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
