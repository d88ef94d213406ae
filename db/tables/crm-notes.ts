import type { ColumnType } from 'kysely';

export type CrmNoteSystem = 'builtin' | 'hubspot';
export type CrmNoteState = 'sending' | 'uncertain' | 'written';

/** Resolution notes (built-in CRM) and the record of notes sent to HubSpot (see the migration). */
export interface CrmNotesTable {
  system: CrmNoteSystem;
  /** `noteKeyHash(idempotencyKey)`: never the key itself (it holds the conversation id). */
  key_hash: string;
  /** The built-in customer id, or HubSpot's contact id. */
  contact_ref: string;
  conversation_ref: string;
  resolved_by: string;
  /** The note itself for the built-in CRM; null for HubSpot (the note lives there). */
  body: string | null;
  note_at: Date;
  state: CrmNoteState;
  external_note_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  claimed_at: ColumnType<Date, Date | undefined, Date>;
  written_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}
