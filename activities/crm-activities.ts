/**
 * CRM side effects of a conversation: a resolution note on the customer's CRM record. The note
 * carries the summary, who resolved it and the conversation's opaque reference — computed here
 * from the conversation id (workflows cannot hash), so neither the id nor the phone number it
 * holds reaches the CRM.
 */
import type { ConversationIds } from '../core/conversation-ids.js';
import type { CrmAdapter, ResolutionNoteResult } from './integrations/crm/types.js';

export interface CrmActivityDeps {
  crm: CrmAdapter;
  ids: ConversationIds;
}

export interface RecordResolutionNoteInput {
  /** The conversation workflow id; only its opaque reference goes into the note. */
  conversationId: string;
  /** The customer's WhatsApp id: finds the CRM record, never written into the note. */
  waId: string;
  /** `parley` when the bot resolved it, else the agent's id. */
  resolvedBy: string;
  /** What the customer needed and how it was resolved (no transcript). */
  summary: string;
  /** When it was resolved (epoch ms, from the workflow clock). */
  atMs: number;
  /** Stable for this resolution (e.g. the workflow's transition key): one note however often retried. */
  idempotencyKey: string;
}

export function createCrmActivities(deps: CrmActivityDeps) {
  return {
    /** Adds the resolution note to the customer's CRM record once; `no_contact` when there is none. */
    async recordResolutionNote(input: RecordResolutionNoteInput): Promise<ResolutionNoteResult> {
      return deps.crm.addResolutionNote({
        waId: input.waId,
        conversationRef: deps.ids.refFor(input.conversationId),
        resolvedBy: input.resolvedBy,
        summary: input.summary,
        atMs: input.atMs,
        idempotencyKey: input.idempotencyKey,
      });
    },
  };
}
