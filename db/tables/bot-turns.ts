import type { ColumnType } from 'kysely';

/** One composed answer: mode, citations, tool calls and model cost (see the migration). */
export interface BotTurnsTable {
  turn_key: string;
  conversation_id: string;
  mode: 'model' | 'knowledge' | 'order_status' | 'clarify' | 'handoff' | 'media';
  reason: string;
  language: string | null;
  intent: string | null;
  confidence: number | null;
  needs_human: ColumnType<boolean, boolean | undefined, boolean>;
  cited_chunk_ids: ColumnType<string[], string[] | undefined, string[]>;
  tool_calls: ColumnType<unknown, string | undefined, string>;
  model: string | null;
  model_rounds: ColumnType<number, number | undefined, number>;
  prompt_tokens: ColumnType<number, number | undefined, number>;
  completion_tokens: ColumnType<number, number | undefined, number>;
  model_latency_ms: ColumnType<number, number | undefined, number>;
  at: Date;
  /** The customer's reaction on this answer (👍, 👎 or another emoji; '' when removed). */
  feedback: ColumnType<string | null, string | null | undefined, string | null>;
  feedback_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
