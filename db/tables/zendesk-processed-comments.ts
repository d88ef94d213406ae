import type { ColumnType } from 'kysely';

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
