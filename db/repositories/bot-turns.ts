import type { Insertable } from 'kysely';
import { appendAudit, conversationSubject } from './audit-log.js';
import type { Db } from '../database.js';
import type { BotTurnsTable } from '../tables/bot-turns.js';

export type NewBotTurn = Insertable<BotTurnsTable>;

/**
 * Records a composed answer, and in the audit log what the AI answered with (mode, model, passages
 * cited); a second insert with the same turn key (a retried activity) is a no-op.
 */
export async function insertBotTurn(db: Db, turn: NewBotTurn): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('bot_turns')
      .values(turn)
      .onConflict((oc) => oc.column('turn_key').doNothing())
      .returning('turn_key')
      .executeTakeFirst();
    if (!inserted) return;
    await appendAudit(trx, [
      {
        kind: 'ai_reply',
        actor: 'parley',
        subject: conversationSubject(turn.conversation_id),
        details: {
          turnKey: turn.turn_key,
          mode: turn.mode,
          model: turn.model ?? null,
          citedChunkIds: turn.cited_chunk_ids ?? [],
          confidence: turn.confidence ?? null,
          needsHuman: turn.needs_human ?? false,
        },
      },
    ]);
  });
}

/**
 * A customer's reaction on an answer Parley sent under `sendKey` — the reply (`reply:<id>`), one of
 * its parts (`reply:<id>:<n>`) or its confirmation buttons (`reply:<id>:confirm`) — kept on that
 * turn's record. Whether there was such a turn.
 */
export async function recordTurnFeedback(db: Db, sendKey: string, emoji: string, at: Date): Promise<boolean> {
  const turnKey = sendKey.replace(/:(\d+|confirm|confirm:text)$/, '');
  const result = await db
    .updateTable('bot_turns')
    .set({ feedback: emoji, feedback_at: at })
    .where('turn_key', '=', turnKey)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
