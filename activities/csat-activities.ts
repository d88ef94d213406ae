import type { Db } from '../db/database.js';
import { recordAnswer, recordSurvey, type CsatSurveyRecord } from '../db/repositories/csat-surveys.js';

/** Satisfaction surveys: what was sent or skipped, and the answers (the workflow decides when). */
export function createCsatActivities(deps: { db: Db }) {
  return {
    async recordCsatSurvey(record: CsatSurveyRecord): Promise<void> {
      await recordSurvey(deps.db, record);
    },
    async recordCsatAnswer(answer: {
      surveyKey: string;
      score?: number;
      comment?: string;
      atMs: number;
    }): Promise<void> {
      await recordAnswer(deps.db, answer);
    },
  };
}
