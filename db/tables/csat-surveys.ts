import type { ColumnType } from 'kysely';

/** A satisfaction survey due after a resolution: sent or skipped, and the answer (see the migration). */
export interface CsatSurveysTable {
  survey_key: string;
  conversation_id: string;
  resolved_by: 'parley' | 'agent';
  agent_id: string | null;
  intent: string | null;
  language: string | null;
  resolved_at: Date;
  time_to_resolution_ms: ColumnType<string | null, number | null, number | null>;
  channel: 'buttons' | 'template' | null;
  sent_at: Date | null;
  skipped_reason: string | null;
  score: number | null;
  comment: string | null;
  answered_at: Date | null;
}
