import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface ConversationProjection {
  id: string;
  phoneNumberId: string;
  waId: string;
  displayName?: string;
  status: string;
}

/** Creates or updates the conversation's projection row. */
export async function upsertConversation(db: Db, c: ConversationProjection): Promise<void> {
  const now = new Date();
  await db
    .insertInto('conversations')
    .values({
      id: c.id,
      phone_number_id: c.phoneNumberId,
      wa_id: c.waId,
      display_name: c.displayName ?? null,
      status: c.status,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        status: c.status,
        display_name: sql`coalesce(excluded.display_name, conversations.display_name)`,
        updated_at: now,
      }),
    )
    .execute();
}

/** Bumps the message counters and last-activity timestamps after a message was stored. */
export async function touchConversation(
  db: Db,
  id: string,
  direction: 'inbound' | 'outbound',
  at: Date,
): Promise<void> {
  await db
    .updateTable('conversations')
    .set((eb) => ({
      message_count: eb('message_count', '+', 1),
      updated_at: new Date(),
      ...(direction === 'inbound' ? { last_inbound_at: at } : { last_outbound_at: at }),
    }))
    .where('id', '=', id)
    .execute();
}

export async function getConversation(db: Db, id: string) {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}
