import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { MessagesTable } from '../tables/messages.js';
import type { Insertable } from 'kysely';

export type NewMessage = Insertable<MessagesTable>;

/** Inserts a message; a second insert with the same WhatsApp id or idempotency key is a no-op. */
export async function insertMessage(db: Db, message: NewMessage): Promise<{ inserted: boolean }> {
  const result = await db
    .insertInto('messages')
    .values(message)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return { inserted: Number(result.numInsertedOrUpdatedRows ?? 0) > 0 };
}

/** The outbound message of this business request (sent, or being sent), if any. */
export async function findOutboundByIdempotencyKey(db: Db, idempotencyKey: string) {
  return db
    .selectFrom('messages')
    .select(['wa_message_id', 'status'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/**
 * An outbound send is recorded as `sending` before the request to Meta, then becomes `sent` with
 * Meta's message id, or is removed when the attempt certainly sent nothing (the log keeps what was
 * sent). A `sending` row whose attempt died is ambiguous until Meta's status webhook says more.
 */
export async function beginSend(
  db: Db,
  message: Omit<NewMessage, 'status' | 'wa_message_id'>,
): Promise<void> {
  await db
    .insertInto('messages')
    .values({ ...message, wa_message_id: null, status: 'sending' })
    .onConflict((oc) =>
      oc.column('idempotency_key').doUpdateSet({ status: 'sending', updated_at: new Date() }),
    )
    .execute();
}

export async function completeSend(
  db: Db,
  idempotencyKey: string,
  sent: { waMessageId: string; body: string | null; payload: string; sentAt: Date },
): Promise<void> {
  await db
    .updateTable('messages')
    .set({
      wa_message_id: sent.waMessageId,
      body: sent.body,
      payload: sent.payload,
      status: 'sent',
      sent_at: sent.sentAt,
      updated_at: new Date(),
    })
    .where('idempotency_key', '=', idempotencyKey)
    // Meta's status webhook may have recorded the id (and a later status) first.
    .where((eb) => eb.or([eb('wa_message_id', 'is', null), eb('wa_message_id', '=', sent.waMessageId)]))
    .where('status', '=', 'sending')
    .execute();
}

/** The attempt certainly sent nothing (Meta refused it, or it failed before asking Meta). */
export async function abandonSend(db: Db, idempotencyKey: string): Promise<void> {
  await db
    .deleteFrom('messages')
    .where('idempotency_key', '=', idempotencyKey)
    .where('direction', '=', 'outbound')
    .where('wa_message_id', 'is', null)
    .execute();
}

/**
 * Meta's status webhook names the send it is about (biz_opaque_callback_data = our idempotency
 * key): a send whose answer was lost learns its message id here.
 */
export async function acknowledgeSend(db: Db, idempotencyKey: string, waMessageId: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ wa_message_id: waMessageId, updated_at: new Date() })
    .where('idempotency_key', '=', idempotencyKey)
    .where('direction', '=', 'outbound')
    .where('wa_message_id', 'is', null)
    .execute();
}

/**
 * Applies a delivery status to an outbound message. Statuses can arrive out of order (Meta does not
 * guarantee it), so a later state never goes back: failed and read/played win over delivered/sent.
 */
export async function applyDeliveryStatus(
  db: Db,
  waMessageId: string,
  status: string,
  errorCode: number | null,
): Promise<void> {
  const rank = sql<number>`case ${sql.ref('status')} when 'pending' then 0 when 'sent' then 1 when 'delivered' then 2 when 'read' then 3 when 'played' then 4 when 'failed' then 5 else 0 end`;
  const newRank = { pending: 0, sent: 1, delivered: 2, read: 3, played: 4, failed: 5 }[status] ?? 0;
  await db
    .updateTable('messages')
    .set({ status, error_code: errorCode, updated_at: new Date() })
    .where('wa_message_id', '=', waMessageId)
    .where('direction', '=', 'outbound')
    .where(rank, '<', newRank)
    .execute();
}

/** A conversation's messages in the order the workflow handled them. */
export async function listConversationMessages(db: Db, conversationId: string) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('id')
    .execute();
}

/** The customer edited a message: its stored text becomes the new one. Whether it was logged. */
export async function applyEdit(
  db: Db,
  conversationId: string,
  waMessageId: string,
  body: string,
): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ body, edited_at: new Date(), updated_at: new Date() })
    .where('conversation_id', '=', conversationId)
    .where('wa_message_id', '=', waMessageId)
    .where('direction', '=', 'inbound')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The customer deleted a message for everyone: its text and content are removed from the log. */
export async function applyRevoke(db: Db, conversationId: string, waMessageId: string): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({
      body: null,
      payload: JSON.stringify({ deleted: true }),
      deleted_at: new Date(),
      updated_at: new Date(),
    })
    .where('conversation_id', '=', conversationId)
    .where('wa_message_id', '=', waMessageId)
    .where('direction', '=', 'inbound')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The idempotency key of an outbound message (what it answered: `reply:<inbound id>[:part]`…). */
export async function outboundKeyOf(db: Db, conversationId: string, waMessageId: string) {
  const row = await db
    .selectFrom('messages')
    .select('idempotency_key')
    .where('conversation_id', '=', conversationId)
    .where('wa_message_id', '=', waMessageId)
    .where('direction', '=', 'outbound')
    .executeTakeFirst();
  return row?.idempotency_key ?? undefined;
}

/**
 * The ids of the latest inbound messages of a conversation id since `since` (newest first): what a
 * new run of a closed conversation must not answer again when Meta redelivers it.
 */
export async function recentInboundIds(db: Db, conversationId: string, since: Date, limit: number) {
  const rows = await db
    .selectFrom('messages')
    .select('wa_message_id')
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'inbound')
    .where('created_at', '>=', since)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.flatMap((r) => (r.wa_message_id ? [r.wa_message_id] : []));
}
