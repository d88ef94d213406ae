import type { ColumnType } from 'kysely';

/** Knowledge-base chunks: text for full-text search, embedding for exact nearest-neighbour search. */
export interface KbChunksTable {
  /** Deterministic chunk id from the chunker. */
  id: string;
  /** Source file of the chunk, relative to the knowledge directory. */
  source: string;
  title: string;
  /** ISO 639-1 code, when known. */
  language: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  content: string;
  /** sha256 (hex) of the normalised content: unchanged hash, nothing to re-embed. */
  content_hash: string;
  updated_at: Date | null;
  /** Float32 little-endian, `dims` values; null until embedded. */
  embedding: Buffer | null;
  embedding_model: string | null;
  dims: number | null;
  /** Postgres text search configuration of the chunk (english, french, …, simple). */
  text_config: ColumnType<string, string | undefined, string>;
  /** Computed on insert from title (weight A) and content (weight B) with `text_config`. */
  tsv: ColumnType<string, unknown, unknown>;
  created_at: ColumnType<Date, Date | undefined, never>;
}
