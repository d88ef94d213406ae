import type { ColumnType } from 'kysely';

/** External helpdesk tickets Parley created, mapped back to their conversation (see the migration). */
export interface HelpdeskTicketLinksTable {
  system: 'builtin' | 'zendesk';
  external_ticket_id: string;
  conversation_id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type ZendeskCommentOutcome = 'processing' | 'sent' | 'not_delivered' | 'rejected';

/** Zendesk agent comments already relayed to the customer, so a retried webhook sends nothing twice. */
export interface ZendeskProcessedCommentsTable {
  comment_id: string;
  external_ticket_id: string;
  outcome: ZendeskCommentOutcome;
  detail: string | null;
  claimed_at: ColumnType<Date, Date | undefined, Date>;
  processed_at: Date | null;
}
