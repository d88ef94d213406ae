import type { Db } from '../database.js';
import type { ConversationEventKind } from '../tables/conversation-events.js';

export interface ConversationEvent {
  key: string;
  conversationId: string;
  kind: ConversationEventKind;
  messageId?: string;
  detail?: Record<string, unknown>;
  at: Date;
}

/** Records an event once per key (a retried activity writes nothing more). */
export async function recordConversationEvent(db: Db, event: ConversationEvent): Promise<void> {
  await db
    .insertInto('conversation_events')
    .values({
      event_key: event.key,
      conversation_id: event.conversationId,
      kind: event.kind,
      message_id: event.messageId ?? null,
      detail: JSON.stringify(event.detail ?? {}),
      at: event.at,
    })
    .onConflict((oc) => oc.column('event_key').doNothing())
    .execute();
}

export async function listConversationEvents(db: Db, conversationId: string) {
  return db
    .selectFrom('conversation_events')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('at')
    .execute();
}
