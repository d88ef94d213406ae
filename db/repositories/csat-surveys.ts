import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface CsatSurveyRecord {
  surveyKey: string;
  conversationId: string;
  resolvedBy: 'parley' | 'agent';
  agentId?: string;
  intent?: string;
  language?: string;
  resolvedAtMs: number;
  timeToResolutionMs?: number;
  /** Sent through this channel, or skipped for `skippedReason`. */
  channel?: 'buttons' | 'template';
  sentAtMs?: number;
  skippedReason?: string;
}

/** Records a survey sent or skipped; a retry with the same key changes nothing. */
export async function recordSurvey(db: Db, s: CsatSurveyRecord): Promise<void> {
  await db
    .insertInto('csat_surveys')
    .values({
      survey_key: s.surveyKey,
      conversation_id: s.conversationId,
      resolved_by: s.resolvedBy,
      agent_id: s.agentId ?? null,
      intent: s.intent ?? null,
      language: s.language ?? null,
      resolved_at: new Date(s.resolvedAtMs),
      time_to_resolution_ms: s.timeToResolutionMs ?? null,
      channel: s.channel ?? null,
      sent_at: s.sentAtMs !== undefined ? new Date(s.sentAtMs) : null,
      skipped_reason: s.skippedReason ?? null,
    })
    .onConflict((oc) => oc.column('survey_key').doNothing())
    .execute();
}

/** The customer's score (1–3) and/or comment; the first score wins (a double tap is not a second vote). */
export async function recordAnswer(
  db: Db,
  a: { surveyKey: string; score?: number; comment?: string; atMs: number },
): Promise<void> {
  await db
    .updateTable('csat_surveys')
    .set({
      ...(a.score !== undefined ? { score: sql<number>`coalesce(score, ${a.score})` } : {}),
      ...(a.comment !== undefined ? { comment: a.comment.slice(0, 2_000) } : {}),
      answered_at: sql<Date>`coalesce(answered_at, ${new Date(a.atMs)})`,
    })
    .where('survey_key', '=', a.surveyKey)
    .execute();
}

export interface CsatByResolver {
  resolvedBy: 'parley' | 'agent';
  /** Resolutions due a survey (sent + skipped). */
  due: number;
  sent: number;
  answered: number;
  /** answered / sent. */
  responseRate: number | null;
  /** Share of answers with the top score (3): the usual CSAT %. */
  csat: number | null;
  averageScore: number | null;
}

/** CSAT and response rate by resolver, for resolutions since `sinceMs`. */
export async function csatByResolver(db: Db, sinceMs: number): Promise<CsatByResolver[]> {
  const rows = await db
    .selectFrom('csat_surveys')
    .select((eb) => [
      'resolved_by',
      eb.fn.countAll<string>().as('due'),
      eb.fn.count<string>('sent_at').as('sent'),
      eb.fn.count<string>('score').as('answered'),
      sql<string | null>`avg(score)`.as('average'),
      sql<string>`count(*) filter (where score = 3)`.as('top'),
    ])
    .where('resolved_at', '>=', new Date(sinceMs))
    .groupBy('resolved_by')
    .orderBy('resolved_by')
    .execute();
  return rows.map((r) => {
    const sent = Number(r.sent);
    const answered = Number(r.answered);
    return {
      resolvedBy: r.resolved_by,
      due: Number(r.due),
      sent,
      answered,
      responseRate: sent > 0 ? answered / sent : null,
      csat: answered > 0 ? Number(r.top) / answered : null,
      averageScore: r.average !== null ? Number(r.average) : null,
    };
  });
}
