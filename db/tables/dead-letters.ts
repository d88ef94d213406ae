import type { ColumnType, Generated } from 'kysely';

export type DeadLetterStatus = 'new' | 'replayed';

/** Parts of signed webhook deliveries that could not be understood or routed (see the migration). */
export interface DeadLettersTable {
  id: Generated<string>;
  /** Which webhook it came from: `whatsapp`. */
  source: string;
  /** sha256 of source and raw part: Meta's retries of one delivery are one row. */
  fingerprint: string;
  /** What did not fit and where; names paths and kinds of problems, never values. */
  reason: string;
  /** A webhook body (JSON text) holding only the part, to replay through the same parser. */
  raw: string;
  raw_truncated: ColumnType<boolean, boolean | undefined, boolean>;
  request_id: string | null;
  deliveries: ColumnType<number, number | undefined, number>;
  status: ColumnType<DeadLetterStatus, DeadLetterStatus | undefined, DeadLetterStatus>;
  replay_attempts: ColumnType<number, number | undefined, number>;
  last_replay_error: string | null;
  replayed_at: Date | null;
  replayed_by: string | null;
  received_at: ColumnType<Date, Date | undefined, never>;
  last_received_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
}
