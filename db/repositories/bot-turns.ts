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
