/**
 * The steps of a customer's erasure (workflows/erasure.ts). Each is idempotent: the workflow retries
 * it until it is done, and running one twice erases nothing more and breaks nothing.
 *
 * What goes in and out of these activities is kept in the erasure workflow's history (under the
 * system key, which is not shredded): conversation ids (keyed hashes) and counts only — never a
 * number, a name or a text.
 */
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
  finishedAt: string;
}

export function createErasureActivities(deps: { db: Db; payloadKeys: DataKeys | undefined }) {
  const { db, payloadKeys } = deps;
  return {
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
