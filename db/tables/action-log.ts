import type { ColumnType, Generated } from 'kysely';

export type ActionLogEvent = 'proposed' | 'refused' | 'executed' | 'execution_refused';

/** The audit trail of every action proposal, refusal and execution. No phone numbers, no free text. */
export interface ActionLogTable {
  id: Generated<string>;
  action_key: string | null;
  action: string;
  conversation_id: string;
  customer_id: string | null;
  event: ActionLogEvent;
  /** Written as a JSON string, read back parsed. */
  detail: ColumnType<unknown, string, string>;
  at: ColumnType<Date, Date | undefined, never>;
}
