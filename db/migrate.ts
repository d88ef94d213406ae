import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m20261125_messagesAndConversations from './migrations/2026-11-25T13-30-00_messages_and_conversations.js';
import * as m20261125_projectionAndAgents from './migrations/2026-11-25T14-00-00_conversation_projection_and_agents.js';
import * as m20261125_knowledgeChunks from './migrations/2026-11-25T16-00-00_knowledge_chunks.js';
import * as m20261125_botTurns from './migrations/2026-11-25T17-00-00_bot_turns.js';
import * as m20261125_demoShop from './migrations/2026-11-25T17-10-00_demo_shop.js';
import * as m20261125_handoffQueue from './migrations/2026-11-25T18-00-00_handoff_queue.js';
import * as m20261125_csatSurveys from './migrations/2026-11-25T18-10-00_csat_surveys.js';
import * as m20261125_helpdeskLinks from './migrations/2026-11-25T18-20-00_helpdesk_links.js';
import * as m20261125_refundLedger from './migrations/2026-11-25T18-30-00_refund_ledger.js';
import * as m20261125_actions from './migrations/2026-11-25T19-00-00_actions.js';
import * as m20261125_ledgerPayouts from './migrations/2026-11-25T19-20-00_ledger_payouts.js';
import * as m20261125_refundPaymentRef from './migrations/2026-11-25T19-30-00_refund_payment_ref.js';
import * as m20261125_crmNotes from './migrations/2026-11-25T19-40-00_crm_notes.js';
import * as m20261207_deadLettersAndEvents from './migrations/2026-12-07T22-00-00_dead_letters_and_events.js';
import * as m20261208_conversationRefs from './migrations/2026-12-08T00-00-00_conversation_refs.js';
import * as m20261208_payloadKeys from './migrations/2026-12-08T01-00-00_payload_keys.js';
import * as m20261208_auditLog from './migrations/2026-12-08T02-00-00_audit_log.js';
import * as m20261208_slackPosts from './migrations/2026-12-08T03-00-00_slack_posts.js';

/**
 * Migrations listed explicitly (not read from disk) so they work the same from TypeScript sources,
 * compiled output and bundles. Names are ISO timestamps: the Migrator runs them in name order.
 */
const migrations: Record<string, Migration> = {
  '2026-11-25T13-30-00_messages_and_conversations': m20261125_messagesAndConversations,
  '2026-11-25T14-00-00_conversation_projection_and_agents': m20261125_projectionAndAgents,
  '2026-11-25T16-00-00_knowledge_chunks': m20261125_knowledgeChunks,
  '2026-11-25T17-00-00_bot_turns': m20261125_botTurns,
  '2026-11-25T17-10-00_demo_shop': m20261125_demoShop,
  '2026-11-25T18-00-00_handoff_queue': m20261125_handoffQueue,
  '2026-11-25T18-10-00_csat_surveys': m20261125_csatSurveys,
  '2026-11-25T18-20-00_helpdesk_links': m20261125_helpdeskLinks,
  '2026-11-25T18-30-00_refund_ledger': m20261125_refundLedger,
  '2026-11-25T19-00-00_actions': m20261125_actions,
  '2026-11-25T19-20-00_ledger_payouts': m20261125_ledgerPayouts,
  '2026-11-25T19-30-00_refund_payment_ref': m20261125_refundPaymentRef,
  '2026-11-25T19-40-00_crm_notes': m20261125_crmNotes,
  '2026-12-07T22-00-00_dead_letters_and_events': m20261207_deadLettersAndEvents,
  '2026-12-08T00-00-00_conversation_refs': m20261208_conversationRefs,
  '2026-12-08T01-00-00_payload_keys': m20261208_payloadKeys,
  '2026-12-08T02-00-00_audit_log': m20261208_auditLog,
  '2026-12-08T03-00-00_slack_posts': m20261208_slackPosts,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; throws (with the failing migration's name) if any step fails. */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
}
