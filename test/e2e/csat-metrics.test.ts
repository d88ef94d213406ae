import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAnswer, recordSurvey } from '../../db/repositories/csat-surveys.js';
import { startTestParley, type TestParley } from '../support/parley.js';

describe('CSAT metrics (operator API over the survey records)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ worker: false, demoData: false });
    const now = Date.now();
    const survey = (key: string, resolvedBy: 'parley' | 'agent', sent: boolean) =>
      recordSurvey(parley.db, {
        surveyKey: key,
        conversationId: `whatsapp:1:${key}`,
        resolvedBy,
        resolvedAtMs: now - 60_000,
        ...(sent ? { channel: 'buttons' as const, sentAtMs: now } : { skippedReason: 'opted out' }),
      });
    await survey('p1', 'parley', true);
    await survey('p2', 'parley', true);
    await survey('p3', 'parley', true);
    await survey('p4', 'parley', false);
    await survey('a1', 'agent', true);
    await survey('a2', 'agent', true);
    await recordAnswer(parley.db, { surveyKey: 'p1', score: 3, atMs: now });
    await recordAnswer(parley.db, { surveyKey: 'p2', score: 1, atMs: now });
    await recordAnswer(parley.db, { surveyKey: 'p2', score: 3, atMs: now }); // a double tap: first vote stays
    await recordAnswer(parley.db, { surveyKey: 'p2', comment: 'slow', atMs: now });
    await recordAnswer(parley.db, { surveyKey: 'a1', score: 3, atMs: now });
    // Outside the window asked for.
    await recordSurvey(parley.db, {
      surveyKey: 'old',
      conversationId: 'whatsapp:1:old',
      resolvedBy: 'agent',
      resolvedAtMs: now - 40 * 24 * 60 * 60 * 1000,
      channel: 'buttons',
      sentAtMs: now,
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  it('reports CSAT and response rate by resolver', async () => {
    const res = await parley.operator('GET', '/metrics/csat?days=30');
    expect(res.status).toBe(200);
    const body = res.body as { byResolver: Record<string, unknown>[] };
    expect(body.byResolver).toEqual([
      { resolvedBy: 'agent', due: 2, sent: 2, answered: 1, responseRate: 0.5, csat: 1, averageScore: 3 },
      { resolvedBy: 'parley', due: 4, sent: 3, answered: 2, responseRate: 2 / 3, csat: 0.5, averageScore: 2 },
    ]);
    const comment = await parley.db
      .selectFrom('csat_surveys')
      .select(['score', 'comment'])
      .where('survey_key', '=', 'p2')
      .executeTakeFirstOrThrow();
    expect(comment).toEqual({ score: 1, comment: 'slow' });
  });

  it('refuses a bad window and an unauthenticated caller', async () => {
    expect((await parley.operator('GET', '/metrics/csat?days=0')).status).toBe(400);
    expect((await parley.operator('GET', '/metrics/csat', undefined, null)).status).toBe(401);
  });
});
