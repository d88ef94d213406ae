/**
 * Embedded vector store for a single machine: chunks and their embeddings persisted in Postgres
 * (`kb_chunks`, embeddings as Float32 little-endian bytea), exact nearest-neighbour search in the
 * process, and Postgres full-text search with a per-chunk language configuration.
 *
 * Exact kNN: the embeddings of one dimension are loaded lazily into a single Float32Array of
 * normalised rows, and a query is a brute-force dot product over every row that passes the filters
 * (10,000 × 384 ≈ 3.8M multiply-adds, a few milliseconds), so recall is exactly 1. Only the top k
 * rows' text is read back from Postgres. The matrix is dropped after every upsert or delete made
 * through this index and reloaded on the next search; writes made by another process are seen after
 * `refresh()`.
 */
import { endianness } from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

export interface VectorChunk {
  id: string;
  source: string;
  title: string;
  /** ISO 639-1 code (`en`, `fr`, `pt-BR` is read as `pt`); picks the full-text configuration. */
  language?: string;
  tags: string[];
  content: string;
  contentHash: string;
  updatedAt?: string | Date;
  /**
   * Without one, an existing row with the same content hash keeps its embedding; a row whose content
   * changed loses it (it would be stale).
   */
  embedding?: Float32Array;
  /** Recorded with the embedding, e.g. `Xenova/multilingual-e5-small`. */
  embeddingModel?: string;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity for `search`, `ts_rank_cd` for `lexicalSearch`. */
  score: number;
  title: string;
  content: string;
  source: string;
  language: string | null;
  tags: string[];
}

export interface VectorSearchOptions {
  k: number;
  /** Only chunks in this language (ISO 639-1). */
  language?: string;
  /** Only chunks carrying at least one of these tags. */
  tags?: string[];
}

export interface VectorIndex {
  /** Inserts or replaces chunks by id. */
  upsert(chunks: readonly VectorChunk[]): Promise<void>;
  /** Deletes every chunk of a source; returns how many. */
  deleteBySource(source: string): Promise<number>;
  /** Deletes the chunks of a source whose id is not in `keepIds`; returns how many. */
  deleteMissing(source: string, keepIds: readonly string[]): Promise<number>;
  /** Every source that has chunks, to remove the documents that left the knowledge directory. */
  listSources(): Promise<string[]>;
  /**
   * Chunk id → content hash for one source, to skip re-embedding unchanged chunks. With
   * `embeddedWith`, a chunk not embedded by that model reports an empty hash: it needs embedding.
   */
  existingHashes(source: string, embeddedWith?: string): Promise<Map<string, string>>;
  /** Exact k nearest neighbours by cosine similarity, best first. */
  search(query: Float32Array, opts: VectorSearchOptions): Promise<VectorHit[]>;
  /** Full-text search (websearch syntax) ranked by `ts_rank_cd`, best first. */
  lexicalSearch(text: string, opts: VectorSearchOptions): Promise<VectorHit[]>;
  /** Drops the in-memory matrix (e.g. after another process changed the table). */
  refresh(): void;
}

/** ISO 639-1 → Postgres text search configuration; anything else uses `simple`. */
const TEXT_CONFIGS: Readonly<Record<string, string>> = {
  en: 'english',
  fr: 'french',
  nl: 'dutch',
  de: 'german',
  es: 'spanish',
  it: 'italian',
  pt: 'portuguese',
};
const ALL_CONFIGS = ['simple', ...new Set(Object.values(TEXT_CONFIGS))];

/** `pt-BR` → `pt`; empty → undefined. */
export function normaliseLanguage(language: string | undefined | null): string | undefined {
  const code = language?.trim().toLowerCase().split(/[-_]/)[0];
  return code ? code : undefined;
}

/** The Postgres text search configuration for a language code (`simple` when unknown or absent). */
export function textConfigFor(language: string | undefined | null): string {
  const code = normaliseLanguage(language);
  return (code && TEXT_CONFIGS[code]) ?? 'simple';
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Float32 little-endian bytes of a vector. */
export function encodeEmbedding(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const out = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) out.writeFloatLE(vector[i]!, i * 4);
  return out;
}

/** Copies Float32 little-endian bytes into `target` at `offset` (in floats). */
function decodeInto(bytes: Uint8Array, target: Float32Array, offset: number, dims: number): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(target.buffer, target.byteOffset + offset * 4, dims * 4).set(bytes.subarray(0, dims * 4));
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < dims; i++) target[offset + i] = view.getFloat32(i * 4, true);
}

/** Scales `v[offset … offset+dims)` to unit length in place (a zero vector stays zero). */
function normaliseRow(v: Float32Array | Float64Array, offset: number, dims: number): void {
  let sum = 0;
  for (let i = offset; i < offset + dims; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return;
  const inv = 1 / Math.sqrt(sum);
  for (let i = offset; i < offset + dims; i++) v[i] = v[i]! * inv;
}

/**
 * The k rows of `matrix` with the largest dot product with `q` (among the rows `accept` keeps), best
 * first. Synchronous and free of closures in the hot loop, so V8 optimises it as one tight loop; the
 * top k are kept sorted in small arrays (k is small: insertion beats a heap).
 */
function nearest(
  matrix: Float32Array,
  count: number,
  dims: number,
  q: Float64Array,
  k: number,
  accept: ((row: number) => boolean) | undefined,
): { topRows: number[]; topScores: number[] } {
  const topScores: number[] = [];
  const topRows: number[] = [];
  for (let row = 0; row < count; row++) {
    if (accept && !accept(row)) continue;
    const offset = row * dims;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (const end = dims - 3; i < end; i += 4) {
      const o = offset + i;
      s0 += matrix[o]! * q[i]!;
      s1 += matrix[o + 1]! * q[i + 1]!;
      s2 += matrix[o + 2]! * q[i + 2]!;
      s3 += matrix[o + 3]! * q[i + 3]!;
    }
    for (; i < dims; i++) s0 += matrix[offset + i]! * q[i]!;
    const dot = s0 + s1 + s2 + s3;
    if (topScores.length === k && dot <= topScores[k - 1]!) continue;
    let at = topScores.length === k ? k - 1 : topScores.length;
    while (at > 0 && topScores[at - 1]! < dot) {
      topScores[at] = topScores[at - 1]!;
      topRows[at] = topRows[at - 1]!;
      at--;
    }
    topScores[at] = dot;
    topRows[at] = row;
  }
  return { topRows, topScores };
}

/** All the embeddings of one dimension, as unit rows of one matrix, with what the filters need. */
interface Snapshot {
  dims: number;
  count: number;
  matrix: Float32Array;
  ids: string[];
  languages: (string | undefined)[];
  tags: string[][];
}

const UPSERT_BATCH = 500;
const LOAD_PAGE = 5000;

export function createEmbeddedVectorIndex(db: Db): VectorIndex {
  /** dims → snapshot being loaded or loaded. Replaced (not cleared) on invalidation, so a load in flight cannot repopulate it. */
  let snapshots = new Map<number, Promise<Snapshot>>();
  const invalidate = () => {
    snapshots = new Map();
  };

  async function loadSnapshot(dims: number): Promise<Snapshot> {
    const { n } = await db
      .selectFrom('kb_chunks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('dims', '=', dims)
      .where('embedding', 'is not', null)
      .executeTakeFirstOrThrow();
    const capacity = Number(n);
    const matrix = new Float32Array(capacity * dims);
    const ids: string[] = [];
    const languages: (string | undefined)[] = [];
    const tags: string[][] = [];
    let after: string | undefined;
    // Keyset pages keep the transient bytea buffers bounded however large the table is.
    while (ids.length < capacity) {
      let q = db
        .selectFrom('kb_chunks')
        .select(['id', 'language', 'tags', 'embedding'])
        .where('dims', '=', dims)
        .where('embedding', 'is not', null)
        .orderBy('id')
        .limit(Math.min(LOAD_PAGE, capacity - ids.length));
      if (after !== undefined) q = q.where('id', '>', after);
      const rows = await q.execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const offset = ids.length * dims;
        decodeInto(row.embedding!, matrix, offset, dims);
        normaliseRow(matrix, offset, dims);
        ids.push(row.id);
        languages.push(normaliseLanguage(row.language));
        tags.push(row.tags);
      }
      after = rows[rows.length - 1]!.id;
    }
    return { dims, count: ids.length, matrix, ids, languages, tags };
  }

  function snapshotFor(dims: number): Promise<Snapshot> {
    let snapshot = snapshots.get(dims);
    if (!snapshot) {
      const current = snapshots;
      snapshot = loadSnapshot(dims);
      current.set(dims, snapshot);
      // A failed load is not cached: the next search retries.
      snapshot.catch(() => {
        if (current.get(dims) === snapshot) current.delete(dims);
      });
    }
    return snapshot;
  }

  /** Title, content, source… of the hits, in the order of `scored`; rows deleted since are dropped. */
  async function hydrate(scored: { id: string; score: number }[]): Promise<VectorHit[]> {
    if (scored.length === 0) return [];
    const rows = await db
      .selectFrom('kb_chunks')
      .select(['id', 'title', 'content', 'source', 'language', 'tags'])
      .where(
        'id',
        'in',
        scored.map((s) => s.id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return scored.flatMap(({ id, score }) => {
      const row = byId.get(id);
      return row
        ? [
            {
              id,
              score,
              title: row.title,
              content: row.content,
              source: row.source,
              language: row.language,
              tags: row.tags,
            },
          ]
        : [];
    });
  }

  return {
    async upsert(chunks) {
      for (let start = 0; start < chunks.length; start += UPSERT_BATCH) {
        const batch = chunks.slice(start, start + UPSERT_BATCH);
        const rows = batch.map((c) => {
          const language = normaliseLanguage(c.language) ?? null;
          const config = textConfigFor(language);
          return {
            id: c.id,
            source: c.source,
            title: c.title,
            language,
            tags: [...c.tags],
            content: c.content,
            content_hash: c.contentHash,
            updated_at: c.updatedAt === undefined ? null : new Date(c.updatedAt),
            embedding: c.embedding ? encodeEmbedding(c.embedding) : null,
            embedding_model: c.embedding ? (c.embeddingModel ?? null) : null,
            dims: c.embedding ? c.embedding.length : null,
            text_config: config,
            tsv: sql`setweight(to_tsvector(${config}::regconfig, ${c.title}), 'A') || setweight(to_tsvector(${config}::regconfig, ${c.content}), 'B')`,
          };
        });
        // Without a new embedding, an unchanged chunk keeps the one it has.
        const keep = <T>(column: 'embedding' | 'embedding_model' | 'dims') =>
          sql<T>`case when excluded.embedding is null and kb_chunks.content_hash = excluded.content_hash
                then kb_chunks.${sql.ref(column)} else excluded.${sql.ref(column)} end`;
        await db
          .insertInto('kb_chunks')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              source: eb.ref('excluded.source'),
              title: eb.ref('excluded.title'),
              language: eb.ref('excluded.language'),
              tags: eb.ref('excluded.tags'),
              content: eb.ref('excluded.content'),
              content_hash: eb.ref('excluded.content_hash'),
              updated_at: eb.ref('excluded.updated_at'),
              text_config: eb.ref('excluded.text_config'),
              tsv: eb.ref('excluded.tsv'),
              embedding: keep<Buffer | null>('embedding'),
              embedding_model: keep<string | null>('embedding_model'),
              dims: keep<number | null>('dims'),
            })),
          )
          .execute();
      }
      if (chunks.length > 0) invalidate();
    },

    async deleteBySource(source) {
      const result = await db.deleteFrom('kb_chunks').where('source', '=', source).executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      if (deleted > 0) invalidate();
      return deleted;
    },

    async deleteMissing(source, keepIds) {
      const result = await db
        .deleteFrom('kb_chunks')
        .where('source', '=', source)
        .where(sql<boolean>`id <> all(${[...keepIds]}::text[])`)
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      if (deleted > 0) invalidate();
      return deleted;
    },

    async listSources() {
      const rows = await db.selectFrom('kb_chunks').select('source').distinct().orderBy('source').execute();
      return rows.map((r) => r.source);
    },

    async existingHashes(source, embeddedWith) {
      const rows = await db
        .selectFrom('kb_chunks')
        .select(['id', 'content_hash', 'embedding_model'])
        .where('source', '=', source)
        .execute();
      return new Map(
        rows.map((r) => [r.id, embeddedWith && r.embedding_model !== embeddedWith ? '' : r.content_hash]),
      );
    },

    async search(query, opts) {
      const k = Math.floor(opts.k);
      if (k <= 0 || query.length === 0) return [];
      const snapshot = await snapshotFor(query.length);
      const { dims, count, matrix, languages } = snapshot;
      const q = Float64Array.from(query);
      normaliseRow(q, 0, dims);
      const language = normaliseLanguage(opts.language);
      const wantedTags = opts.tags?.length ? new Set(opts.tags) : undefined;

      const accept =
        language === undefined && !wantedTags
          ? undefined
          : (row: number) =>
              (language === undefined || languages[row] === language) &&
              (!wantedTags || snapshot.tags[row]!.some((t) => wantedTags.has(t)));
      const { topRows, topScores } = nearest(matrix, count, dims, q, k, accept);
      return hydrate(topRows.map((row, i) => ({ id: snapshot.ids[row]!, score: topScores[i]! })));
    },

    async lexicalSearch(text, opts) {
      const k = Math.floor(opts.k);
      if (k <= 0 || !text.trim()) return [];
      const language = normaliseLanguage(opts.language);
      let score;
      let match;
      if (language !== undefined) {
        // The chunks of one language share its configuration: one query, the GIN index applies.
        const tsquery = sql`websearch_to_tsquery(${textConfigFor(language)}::regconfig, ${text})`;
        score = sql<number>`ts_rank_cd(tsv, ${tsquery})`;
        match = sql<boolean>`language = ${language} and tsv @@ ${tsquery}`;
      } else {
        // Each chunk matched with the query parsed in its own configuration: one indexable branch per
        // configuration (a per-row cast in the match would defeat the GIN index).
        score = sql<number>`ts_rank_cd(tsv, websearch_to_tsquery(text_config::regconfig, ${text}))`;
        match = sql<boolean>`(${sql.join(
          ALL_CONFIGS.map(
            (config) =>
              sql`(text_config = ${config} and tsv @@ websearch_to_tsquery(${config}::regconfig, ${text}))`,
          ),
          sql` or `,
        )})`;
      }
      let q = db
        .selectFrom('kb_chunks')
        .select(['id', 'title', 'content', 'source', 'language', 'tags'])
        .select(score.as('score'))
        .where(match)
        .orderBy('score', 'desc')
        .orderBy('id')
        .limit(k);
      if (opts.tags?.length) q = q.where(sql<boolean>`tags && ${[...opts.tags]}::text[]`);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        score: Number(r.score),
        title: r.title,
        content: r.content,
        source: r.source,
        language: r.language,
        tags: r.tags,
      }));
    },

    refresh: invalidate,
  };
}
