import type { ColumnType, Generated } from 'kysely';

/** Comments on built-in queue tickets, in the order they were added. */
export interface HandoffTicketCommentsTable {
  id: Generated<string>;
  ticket_id: string;
  author: 'customer' | 'parley' | 'agent';
  text: string;
  public: boolean;
  comment_key: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}
