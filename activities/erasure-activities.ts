/**
 * The steps of a customer's erasure (workflows/erasure.ts). Each is idempotent: the workflow retries
 * it until it is done, and running one twice erases nothing more and breaks nothing.
 *
 * What goes in and out of these activities is kept in the erasure workflow's history (under the
 * system key, which is not shredded): conversation ids (keyed hashes) and counts only — never a
 * number, a name or a text.
 */
import { slackPostsOf } from '../db/repositories/slack-posts.js';
import type { SlackNotifier } from './notify/slack.js';
import type { CrmAdapter } from './integrations/crm/types.js';
import type { Helpdesk } from './helpdesk/types.js';
import type { DataKeys } from '../core/encryption/data-keys.js';
import type { Db } from '../db/database.js';
import { appendAudit } from '../db/repositories/audit-log.js';
import {
  eraseConversations,
  findCustomerConversations,
  type ErasureCounts,
} from '../db/repositories/erasure.js';

export interface ErasureReceipt {
  /** The conversation reference the erasure was asked for. */
  subject: string;
  requestedBy: string;
  conversations: number;
  rows: ErasureCounts;
  keysShredded: number;
  workflowsClosed: number;
  /** What the helpdesk and the CRM did with their copies (`not_held`: nothing of theirs to erase). */
  external: {
    helpdeskTickets: number | 'not_held' | `failed: ${string}`;
    slackMessages: number | 'not_held' | `failed: ${string}`;
    crmContact: 'deleted' | 'no_contact' | 'not_held' | `failed: ${string}`;
  };
  finishedAt: string;
}

export function createErasureActivities(deps: {
  db: Db;
  payloadKeys: DataKeys | undefined;
  helpdesk: Helpdesk;
  crm: CrmAdapter;
  slack: SlackNotifier | undefined;
}) {
  const { db, payloadKeys, helpdesk, crm, slack } = deps;
  return {
    /** Deletes the Slack messages Parley posted about these conversations (hand-offs, reminders). */
    async forgetSlackPosts(conversationIds: string[]): Promise<number | 'not_held'> {
      if (!slack) return 'not_held';
      const posts = await slackPostsOf(db, conversationIds);
      for (const post of posts) await slack.deleteMessage(post);
      return posts.length;
    },

    /** Deletes the helpdesk's tickets about these conversations (before their links are erased). */
    async forgetHelpdeskTickets(conversationIds: string[]): Promise<number | 'not_held'> {
      if (helpdesk.system === 'builtin' || conversationIds.length === 0) return 'not_held';
      const links = await db
        .selectFrom('helpdesk_ticket_links')
        .select(['system', 'external_ticket_id'])
        .where('conversation_id', 'in', conversationIds)
        .where('system', '=', helpdesk.system)
        .execute();
      for (const link of links)
        await helpdesk.forgetTicket({ system: link.system, id: link.external_ticket_id });
      return links.length;
    },

    /** Deletes the customer's CRM record where the CRM allows it (the number never leaves here). */
    async forgetCrmContact(conversationIds: string[]): Promise<'deleted' | 'no_contact' | 'not_held'> {
      if (conversationIds.length === 0) return 'no_contact';
      const row = await db
        .selectFrom('conversations')
        .select('wa_id')
        .where('id', 'in', conversationIds)
        .executeTakeFirst();
      return row ? crm.forgetContact(row.wa_id) : 'no_contact';
    },

    /** Every conversation of the customer `refOrId` names (empty once they were erased). */
    async findErasureScope(refOrId: string): Promise<string[]> {
      return findCustomerConversations(db, refOrId);
    },

    async eraseCustomerRecords(conversationIds: string[]): Promise<ErasureCounts> {
      return eraseConversations(db, conversationIds);
    },

    /** Shreds the data keys of these conversations: their Temporal histories become unreadable. */
    async shredCustomerKeys(conversationIds: string[]): Promise<number> {
      if (!payloadKeys) return 0;
      let shredded = 0;
      for (const id of conversationIds) shredded += await payloadKeys.shred(id);
      return shredded;
    },

    /** The receipt, in the audit log: what was erased where, when and at whose request. */
    async recordErasureReceipt(receipt: ErasureReceipt): Promise<void> {
      await appendAudit(db, [
        {
          kind: 'erasure',
          actor: receipt.requestedBy,
          subject: receipt.subject,
          details: { ...receipt },
        },
      ]);
    },
  };
}
