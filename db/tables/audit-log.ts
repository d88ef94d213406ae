import type { ColumnType } from 'kysely';

/** The tamper-evident audit trail (see the migration): insert only. */
export interface AuditLogTable {
  seq: ColumnType<string, number | string, never>;
  at: ColumnType<Date, Date, never>;
  kind: ColumnType<string, string, never>;
  /** Who: `parley` (the AI), `operator:<identity>`, `system:<job>`. */
  actor: ColumnType<string, string, never>;
  /** What it is about: a conversation reference, a refund id; never a phone number or a name. */
  subject: ColumnType<string | null, string | null | undefined, never>;
  details: ColumnType<unknown, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}
