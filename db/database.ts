import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type {
  ActionLogTable,
  ShopAppointmentSlotsTable,
  ShopAppointmentsTable,
  ShopPromoCodesTable,
  ShopPromoRedemptionsTable,
  ShopReturnsTable,
  ShopSubscriptionTiersTable,
  ShopSubscriptionsTable,
} from './tables/actions.js';
import type { AgentsTable } from './tables/agents.js';
import type { BotTurnsTable } from './tables/bot-turns.js';
import type { CrmNotesTable } from './tables/crm-notes.js';
import type { CsatSurveysTable } from './tables/csat-surveys.js';
import type { RefundAttemptsTable, RefundsTable } from './tables/refunds.js';
import type { ConversationTransitionsTable } from './tables/conversation-transitions.js';
import type { ConversationsTable } from './tables/conversations.js';
import type { HandoffTicketCommentsTable, HandoffTicketsTable } from './tables/handoff.js';
import type { HelpdeskTicketLinksTable, ZendeskProcessedCommentsTable } from './tables/helpdesk-links.js';
import type { KbChunksTable } from './tables/kb-chunks.js';
import type { LedgerPayoutsTable } from './tables/ledger-payouts.js';
import type { MessagesTable } from './tables/messages.js';
import type {
  ShopCustomersTable,
  ShopInvoicesTable,
  ShopOrderLinesTable,
  ShopOrdersTable,
  ShopProductsTable,
} from './tables/shop.js';

export interface Database {
  conversations: ConversationsTable;
  messages: MessagesTable;
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
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
