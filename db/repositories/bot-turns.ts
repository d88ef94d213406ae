import type { Insertable } from 'kysely';
import type { Db } from '../database.js';
import type { BotTurnsTable } from '../tables/bot-turns.js';

export type NewBotTurn = Insertable<BotTurnsTable>;

/** Records a composed answer; a second insert with the same turn key (a retried activity) is a no-op. */
export async function insertBotTurn(db: Db, turn: NewBotTurn): Promise<void> {
  await db
    .insertInto('bot_turns')
    .values(turn)
    .onConflict((oc) => oc.column('turn_key').doNothing())
    .execute();
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
