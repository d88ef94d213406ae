import type { ColumnType } from 'kysely';

/** Human support agents who can take over conversations. */
export interface AgentsTable {
  id: string;
  name: string;
  email: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
}
