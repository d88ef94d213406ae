import type { ColumnType, Generated } from 'kysely';

/** Escalations delivered to the built-in helpdesk queue (see the handoff_queue migration). */
export interface HandoffTicketsTable {
  /** bigserial: pg returns int8 as a string. */
  id: Generated<string>;
  idempotency_key: string;
  conversation_id: string;
  kind: 'handoff' | 'review';
  status: ColumnType<
    'open' | 'pending' | 'solved' | 'closed',
    'open' | 'pending' | 'solved' | 'closed' | undefined,
    'open' | 'pending' | 'solved' | 'closed'
  >;
  rule: string;
  reason: string;
  handling: 'hand_off_now' | 'next_day_review';
  /** The HandoffPackage; written as a JSON string, read back parsed. */
  package: ColumnType<unknown, string, string>;
  assigned_agent_id: string | null;
  due_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
