import type { ColumnType } from 'kysely';

/** External helpdesk tickets Parley created, mapped back to their conversation (see the migration). */
export interface HelpdeskTicketLinksTable {
  system: 'builtin' | 'zendesk';
  external_ticket_id: string;
  conversation_id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}
