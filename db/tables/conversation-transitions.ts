import type { Generated } from 'kysely';

/** Every status change of every conversation, for supervisors' reports and the audit trail. */
export interface ConversationTransitionsTable {
  id: Generated<string>;
  conversation_id: string;
  from_status: string | null;
  to_status: string;
  by: string;
  reason: string | null;
  transition_key: string;
  at: Date;
}
