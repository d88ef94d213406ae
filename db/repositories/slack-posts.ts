/** The Slack messages Parley posted about each conversation (for erasure). */
import type { Db } from '../database.js';

export async function recordSlackPost(db: Db, post: { conversationId: string; channel: string; ts: string }) {
  await db
    .insertInto('slack_posts')
    .values({ conversation_id: post.conversationId, channel: post.channel, ts: post.ts })
    .onConflict((oc) => oc.columns(['channel', 'ts']).doNothing())
    .execute();
}

export async function slackPostsOf(db: Db, conversationIds: string[]) {
  if (conversationIds.length === 0) return [];
  return db
    .selectFrom('slack_posts')
    .select(['channel', 'ts'])
    .where('conversation_id', 'in', conversationIds)
    .orderBy('id')
    .execute();
}
