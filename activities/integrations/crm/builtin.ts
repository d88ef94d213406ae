/**
 * The built-in CRM: the demo shop's customers (`shop_customers`, found by their WhatsApp id) and a
 * notes table (`crm_notes`), where a note is written once per idempotency key by the table's
 * primary key (a retried write changes nothing).
 */
import type { Db } from '../../../db/database.js';
import { insertBuiltinNote } from '../../../db/repositories/crm-notes.js';
import { findCustomerByWaId } from '../../../db/repositories/shop.js';
import { isWaId } from '../orders/types.js';
import {
  noteKeyHash,
  renderResolutionNote,
  resolutionNoteText,
  type CrmAdapter,
  type CrmContact,
} from './types.js';

export function createBuiltinCrm(db: Db): CrmAdapter {
  async function customer(waId: string) {
    if (!isWaId(waId)) return undefined;
    return findCustomerByWaId(db, waId);
  }

  return {
    kind: 'builtin',

    async forgetContact() {
      return 'not_held' as const;
    },

    async findContact(waId): Promise<CrmContact | undefined> {
      const c = await customer(waId);
      if (!c) return undefined;
      return {
        tier: c.tier,
        lifetimeValueCents: c.lifetime_value_cents,
        ...(c.owner_agent_id ? { ownerAgentId: c.owner_agent_id } : {}),
        name: c.name,
      };
    },

    async addResolutionNote(input) {
      const c = await customer(input.waId);
      if (!c) return { status: 'no_contact' };
      const note = renderResolutionNote(input);
      const keyHash = noteKeyHash(input.idempotencyKey);
      const wrote = await insertBuiltinNote(db, {
        system: 'builtin',
        keyHash,
        contactRef: c.id,
        conversationRef: note.conversationRef,
        resolvedBy: input.resolvedBy,
        noteAt: new Date(input.atMs),
        body: resolutionNoteText(note),
      });
      return { status: wrote ? 'written' : 'already_written', noteId: keyHash };
    },
  };
}
