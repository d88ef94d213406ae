import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Every inbound and outbound WhatsApp message. */
export interface MessagesTable {
  id: Generated<string>;
  conversation_id: string;
  direction: 'inbound' | 'outbound';
  /** Meta's message id (wamid…). Unique: the same inbound delivered twice is stored once. */
  wa_message_id: string | null;
  /** For outbound sends: the business request this send fulfils, so a retried send is not sent twice. */
  idempotency_key: string | null;
  /** text, image, audio, interactive, template, … */
  type: string;
  body: string | null;
  payload: JSONColumnType<Record<string, unknown>>;
  /** Delivery state for outbound messages (sent, delivered, read, failed …), `received` for inbound. */
  status: string;
  error_code: number | null;
  sent_at: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** The customer edited the message (its body is the new text) or deleted it (body removed). */
  edited_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
