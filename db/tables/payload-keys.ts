import type { ColumnType, Generated } from 'kysely';

/** Data keys that encrypt Temporal payloads, wrapped by a master key (see the migration). */
export interface PayloadKeysTable {
  id: Generated<string>;
  /** A conversation's workflow id, or `system`. */
  scope: string;
  master_key_id: string;
  /** Null once shredded. */
  wrapped_key: Buffer | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  destroyed_at: Date | null;
}
