/**
 * The knowledge-base vector store on Qdrant, for deployments that outgrow the embedded Postgres index
 * (`embedded-index.ts`). Same `VectorIndex` contract, so the rest of the system picks either by config.
 *
 * One collection per knowledge base, with two named vectors per point:
 * - `dense`: the chunk's embedding (Cosine; Qdrant normalises stored vectors, scores are cosine
 *   similarity). Optional: a chunk whose content changed without a new embedding has none.
 * - `lexical`: a sparse bag of words for keyword search, BM25-style. The term-frequency half of BM25
 *   is computed here (see {@link documentSparseVector}); the IDF half is Qdrant's (`modifier: idf`),
 *   because it depends on the whole collection and changes as documents come and go.
 *
 * Point ids are UUID v5 of the chunk id (Qdrant only takes unsigned integers or UUIDs); the chunk id
 * itself is in the payload, so re-ingesting a chunk replaces its point instead of adding one.
 *
 * Every Qdrant failure surfaces as a {@link QdrantIndexError} naming the operation, the HTTP status
 * and Qdrant's own message (`status.error`), never request headers, so never the API key.
 */
import { createHash } from 'node:crypto';
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import type { Logger } from '../../core/logger.js';
import {
  normaliseLanguage,
  type VectorChunk,
  type VectorHit,
  type VectorIndex,
  type VectorSearchOptions,
} from './embedded-index.js';
import { foldText } from '../../domain/text.js';

// ---------------------------------------------------------------------------------------------------
// Public surface

export interface QdrantVectorIndex extends VectorIndex {
  readonly collection: string;
  /**
   * Creates the collection (vectors + payload indexes) when missing, checks its configuration when
   * present. Every other method calls it first; it runs once per index object (a failure is retried
   * on the next call).
   */
  ensureCollection(): Promise<void>;
  /** Dense and lexical search fused by Qdrant (reciprocal rank fusion), best first; `score` is the fused score. */
  hybridSearch(query: Float32Array, text: string, opts: VectorSearchOptions): Promise<VectorHit[]>;
}

export interface QdrantIndexOptions {
  client: QdrantClient;
  collection: string;
  /** Size of the dense vectors (the embedding model's output). */
  dims: number;
  logger?: Logger;
  /** Points per upsert request. Default 128. */
  upsertBatch?: number;
  /** Points per scroll page. Default 256. */
  scrollPage?: number;
  /** Sources per facet request of `listSources`. Default 1000. */
  facetPage?: number;
}

/** Names of the two vectors of every point. */
export const DENSE_VECTOR = 'dense';
export const LEXICAL_VECTOR = 'lexical';
/** Payload fields with a keyword index: the filters of search, deletion and scrolling. */
export const INDEXED_FIELDS = ['language', 'source', 'tags', 'chunk_id'] as const;

/** A Qdrant call that failed. `status` is the HTTP status when Qdrant answered. */
export class QdrantIndexError extends Error {
  override readonly name = 'QdrantIndexError';
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------
// Point ids

/** Namespace of Parley's chunk-id → point-id UUIDs (fixed forever: changing it re-keys every point). */
export const CHUNK_ID_NAMESPACE = 'b36b434a-f6d7-4baa-96c3-800cdcae88a5';

/** RFC 4122 UUID version 5 (SHA-1 of namespace + name), lowercase and hyphenated as Qdrant returns ids. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`invalid namespace UUID: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Qdrant point id of a chunk. */
export function pointIdFor(chunkId: string): string {
  return uuidV5(chunkId, CHUNK_ID_NAMESPACE);
}

// ---------------------------------------------------------------------------------------------------
// Lexical vectors

/**
 * Stop words of the languages the knowledge base is mostly written in (EN, FR, NL), accent-stripped
 * like the tokens. Words that are also content words in another of these languages ("car", "son",
 * "door", "plus") are left out: a missed stop word costs a little ranking noise (and IDF damps it),
 * a wrong one makes a word unsearchable.
 */
const STOP_WORDS = new Set(
  [
    // English
    'the an and or of to in on for is are was were be been being it its this that these those with as at by',
    'from but not no do does did can could will would should may might my your our their his her we you',
    'they he she me us them if so than then there what which who whom how when where why about into have',
    'has had am also any all some just only very',
    // French
    'le la les un une des du de et ou au aux en dans sur pour par avec sans est sont ce cet cette ces que',
    'qui quoi ne pas se sa ses mon ma mes ta tes vos votre nos notre leur leurs il elle ils elles je tu',
    'nous vous on lui te qu etre avoir ai avez avons ont etes sommes suis mais donc si comme tout tous',
    'toute toutes ca cela ceci aussi tres',
    // Dutch
    'het een van op te dat die dit deze zijn waren met voor naar aan bij om als maar niet geen ook er hij',
    'zij ze wij jij je uw ik mijn ons onze hun haar zich wordt worden werd kan kunnen heeft hebben tot uit',
    'over dan nog wel al wat wie hoe waar',
  ]
    .join(' ')
    .split(' '),
);

/** Longest text tokenised for a query: a long message is mostly noise for ranking. */
const MAX_QUERY_CHARS = 2_000;

/**
 * Lowercase words with accents stripped (NFKD, combining marks dropped: "Réception" → "reception"),
 * split on anything that is not a letter or digit, without one-character tokens and stop words.
 * No stemming: "remboursements" does not meet "remboursement" (dense search covers paraphrase).
 */
export function tokenize(text: string): string[] {
  return foldText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

/** FNV-1a (32 bit) of the term's UTF-8 bytes: a stable sparse-vector index. Collisions merge two terms. */
export function termIndex(term: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(term, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * BM25 parameters. `avgdl` should be the collection's mean document length, which no single writer
 * knows: a constant close to a typical chunk stands in (a 1,200-character chunk is ~180 words, ~120
 * after stop words, plus its title counted twice). Its only effect is how much long chunks are damped.
 */
export const BM25 = { k1: 1.2, b: 0.75, avgdl: 120 } as const;
/** Title words count this many times: a match in the heading says more than one in the body. */
const TITLE_WEIGHT = 2;

export interface SparseVector {
  indices: number[];
  values: number[];
}

/**
 * A chunk's lexical vector: per term, BM25's saturated term frequency
 * `tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`. Qdrant multiplies by the term's IDF at query time.
 */
export function documentSparseVector(title: string, content: string): SparseVector {
  const counts = new Map<number, number>();
  let length = 0;
  const add = (tokens: string[], weight: number) => {
    for (const t of tokens) {
      const i = termIndex(t);
      counts.set(i, (counts.get(i) ?? 0) + weight);
      length += weight;
    }
  };
  add(tokenize(title), TITLE_WEIGHT);
  add(tokenize(content), 1);
  const { k1, b, avgdl } = BM25;
  const norm = k1 * (1 - b + (b * length) / avgdl);
  const indices = [...counts.keys()].sort((x, y) => x - y);
  return { indices, values: indices.map((i) => (counts.get(i)! * (k1 + 1)) / (counts.get(i)! + norm)) };
}

/** A query's lexical vector: every distinct term once, weight 1 (so a point's score is Σ idf·tf-part). */
export function querySparseVector(text: string): SparseVector {
  const indices = [...new Set(tokenize(text.slice(0, MAX_QUERY_CHARS)).map(termIndex))].sort((x, y) => x - y);
  return { indices, values: indices.map(() => 1) };
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** Turns whatever the client threw into a QdrantIndexError (status + Qdrant's message, nothing else). */
function describeFailure(operation: string, collection: string, err: unknown): QdrantIndexError {
  const where = `Qdrant ${operation} on collection "${collection}" failed`;
  if (typeof err !== 'object' || err === null) {
    return new QdrantIndexError(operation, undefined, `${where}: ${String(err)}`);
  }
  const e = err as {
    name?: unknown;
    message?: unknown;
    status?: unknown;
    data?: unknown;
    retry_after?: unknown;
    cause?: unknown;
  };
  if (typeof e.retry_after === 'number') {
    return new QdrantIndexError(
      operation,
      429,
      `${where}: HTTP 429: rate limited, retry after ${e.retry_after}s`,
    );
  }
  if (typeof e.status === 'number') {
    // ApiError of the generated client: `data` is the parsed body, Qdrant's envelope when it answered.
    const data = e.data as { status?: { error?: unknown } } | string | undefined;
    const detail =
      typeof data === 'object' && data !== null && typeof data.status?.error === 'string'
        ? data.status.error
        : typeof data === 'string' && data.trim()
          ? data.trim().slice(0, 300)
          : typeof e.message === 'string' && e.message
            ? e.message
            : 'no error message';
    return new QdrantIndexError(operation, e.status, `${where}: HTTP ${e.status}: ${detail}`);
  }
  if (e.name === 'QdrantClientTimeoutError') {
    return new QdrantIndexError(operation, undefined, `${where}: timed out`);
  }
  // A network failure ("fetch failed"): the useful part is the cause's code (ECONNREFUSED, ENOTFOUND…).
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  const causeText =
    typeof cause?.code === 'string'
      ? ` (${cause.code})`
      : typeof cause?.message === 'string'
        ? ` (${cause.message})`
        : '';
  return new QdrantIndexError(
    operation,
    undefined,
    `${where}: ${String(e.message ?? 'unknown error')}${causeText}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// The index

type Filter = Schemas['Filter'];
type Condition = Schemas['Condition'];
type ScoredPoint = Schemas['ScoredPoint'];

/** The payload fields a hit needs (not the hash, dates or model). */
const HIT_FIELDS = ['chunk_id', 'title', 'content', 'source', 'language', 'tags'];

interface Existing {
  contentHash: unknown;
  dense?: number[];
  embeddingModel: string | null;
}

export function createQdrantVectorIndex(opts: QdrantIndexOptions): QdrantVectorIndex {
  const { client, collection, dims, logger } = opts;
  const upsertBatch = opts.upsertBatch ?? 128;
  const scrollPage = opts.scrollPage ?? 256;
  const facetPage = opts.facetPage ?? 1000;
  if (!Number.isInteger(dims) || dims <= 0) throw new Error(`dims must be a positive integer, got ${dims}`);

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const failure = describeFailure(operation, collection, err);
      // The collection went away (deleted by hand, a fresh Qdrant volume): set it up again next time.
      if (failure.status === 404) ready = undefined;
      throw failure;
    }
  }

  let ready: Promise<void> | undefined;
  function ensureCollection(): Promise<void> {
    if (!ready) {
      const attempt = setUpCollection();
      ready = attempt;
      // Not cached when it fails: the next call tries again (Qdrant may have been restarting).
      attempt.catch(() => {
        if (ready === attempt) ready = undefined;
      });
    }
    return ready;
  }

  async function setUpCollection(): Promise<void> {
    const { exists } = await call('collection-exists', () => client.collectionExists(collection));
    let indexed: Set<string> = new Set();
    let created = false;
    if (!exists) {
      try {
        await call('create-collection', () =>
          client.createCollection(collection, {
            vectors: { [DENSE_VECTOR]: { size: dims, distance: 'Cosine' } },
            sparse_vectors: { [LEXICAL_VECTOR]: { modifier: 'idf' } },
          }),
        );
        created = true;
        logger?.info('qdrant collection created', { collection, dims });
      } catch (err) {
        // Another process created it between our check and our create: check what it created.
        if (!(err instanceof QdrantIndexError && err.status === 409)) throw err;
      }
    }
    if (!created) {
      const info = await call('get-collection', () => client.getCollection(collection));
      checkConfig(info);
      indexed = new Set(Object.keys(info.payload_schema ?? {}));
    }
    for (const field of INDEXED_FIELDS) {
      if (indexed.has(field)) continue;
      await call(`create-payload-index(${field})`, () =>
        client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true }),
      );
    }
  }

  /** An existing collection must have been made for these embeddings; anything else would fail later, obscurely. */
  function checkConfig(info: Schemas['CollectionInfo']): void {
    const vectors = info.config.params.vectors;
    const dense =
      vectors && !('size' in vectors)
        ? (vectors as Record<string, Schemas['VectorParams'] | undefined>)[DENSE_VECTOR]
        : undefined;
    if (!dense) {
      throw new Error(
        `Qdrant collection "${collection}" has no dense vector named "${DENSE_VECTOR}": it was not created by Parley; use another collection name`,
      );
    }
    if (dense.size !== dims) {
      throw new Error(
        `Qdrant collection "${collection}" holds ${dense.size}-dimensional vectors but the embedding model produces ${dims}-dimensional ones: use another collection name, or delete the collection and re-ingest`,
      );
    }
    if (dense.distance !== 'Cosine') {
      throw new Error(
        `Qdrant collection "${collection}" uses ${dense.distance} distance for "${DENSE_VECTOR}", expected Cosine`,
      );
    }
    const lexical = info.config.params.sparse_vectors?.[LEXICAL_VECTOR];
    if (!lexical) {
      throw new Error(
        `Qdrant collection "${collection}" has no sparse vector named "${LEXICAL_VECTOR}": it was not created by Parley`,
      );
    }
    if (lexical.modifier !== 'idf') {
      logger?.warn('qdrant lexical vector without the idf modifier: keyword ranking ignores term rarity', {
        collection,
      });
    }
  }

  /** The stored hash, dense vector and model of the points that exist among `ids`. */
  async function readExisting(ids: string[]): Promise<Map<string, Existing>> {
    const records = await call('retrieve', () =>
      client.retrieve(collection, {
        ids,
        with_payload: ['content_hash', 'embedding_model'],
        with_vector: [DENSE_VECTOR],
      }),
    );
    const out = new Map<string, Existing>();
    for (const r of records) {
      const vector = r.vector;
      const stored =
        vector && !Array.isArray(vector) ? (vector as Record<string, unknown>)[DENSE_VECTOR] : undefined;
      const dense = Array.isArray(stored) && typeof stored[0] === 'number' ? (stored as number[]) : undefined;
      const model = r.payload?.embedding_model;
      out.set(String(r.id), {
        contentHash: r.payload?.content_hash,
        ...(dense ? { dense } : {}),
        embeddingModel: typeof model === 'string' ? model : null,
      });
    }
    return out;
  }

  function toPoint(c: VectorChunk, existing: Existing | undefined): Schemas['PointStruct'] {
    const vector: Record<string, number[] | SparseVector> = {};
    const lexical = documentSparseVector(c.title, c.content);
    // A chunk without a single searchable word has no lexical vector (rather than an empty one).
    if (lexical.indices.length > 0) vector[LEXICAL_VECTOR] = lexical;
    let embeddingModel: string | null = null;
    if (c.embedding) {
      vector[DENSE_VECTOR] = Array.from(c.embedding);
      embeddingModel = c.embeddingModel ?? null;
    } else if (existing?.dense && existing.contentHash === c.contentHash) {
      // Unchanged content and no new embedding: keep the one it has (an upsert replaces the whole point).
      vector[DENSE_VECTOR] = existing.dense;
      embeddingModel = existing.embeddingModel;
    }
    return {
      id: pointIdFor(c.id),
      vector,
      payload: {
        chunk_id: c.id,
        source: c.source,
        title: c.title,
        language: normaliseLanguage(c.language) ?? null,
        tags: [...c.tags],
        content: c.content,
        content_hash: c.contentHash,
        updated_at: toIsoDate(c.updatedAt),
        embedding_model: embeddingModel,
      },
    };
  }

  /** Deletes what `filter` selects; the count comes from exact counts before and after. */
  async function deleteWhere(operation: string, filter: Filter): Promise<number> {
    await ensureCollection();
    const before = await call(`${operation} (count)`, () =>
      client.count(collection, { filter, exact: true }),
    );
    if (before.count === 0) return 0;
    await call(operation, () => client.delete(collection, { wait: true, filter }));
    const after = await call(`${operation} (count)`, () => client.count(collection, { filter, exact: true }));
    return Math.max(0, before.count - after.count);
  }

  async function query(
    operation: string,
    request: Parameters<QdrantClient['query']>[1],
  ): Promise<VectorHit[]> {
    const { points } = await call(operation, () =>
      client.query(collection, { ...request, with_payload: HIT_FIELDS }),
    );
    return points.map(toHit);
  }

  return {
    collection,
    ensureCollection,

    async upsert(chunks) {
      if (chunks.length === 0) return;
      for (const c of chunks) {
        if (c.embedding && c.embedding.length !== dims) {
          throw new Error(
            `chunk ${c.id} has a ${c.embedding.length}-dimensional embedding; Qdrant collection "${collection}" takes ${dims}`,
          );
        }
      }
      await ensureCollection();
      for (let start = 0; start < chunks.length; start += upsertBatch) {
        const batch = chunks.slice(start, start + upsertBatch);
        const withoutEmbedding = batch.filter((c) => !c.embedding).map((c) => pointIdFor(c.id));
        const existing = withoutEmbedding.length
          ? await readExisting(withoutEmbedding)
          : new Map<string, Existing>();
        const points = batch.map((c) => toPoint(c, existing.get(pointIdFor(c.id))));
        await call('upsert', () => client.upsert(collection, { wait: true, points }));
      }
    },

    deleteBySource(source) {
      return deleteWhere('delete-by-source', { must: [matchValue('source', source)] });
    },

    deleteMissing(source, keepIds) {
      const filter: Filter = { must: [matchValue('source', source)] };
      // An empty `any` list is avoided: with nothing to keep, every chunk of the source goes.
      if (keepIds.length > 0) filter.must_not = [{ key: 'chunk_id', match: { any: [...keepIds] } }];
      return deleteWhere('delete-missing', filter);
    },

    async listSources() {
      await ensureCollection();
      // The facet API counts the values of the indexed `source` field without reading the points. It
      // has no offset: the next page excludes the sources already seen.
      const sources = new Set<string>();
      for (;;) {
        const seen = [...sources];
        const { hits } = await call('list-sources', () =>
          client.facet(collection, {
            key: 'source',
            limit: facetPage,
            exact: true,
            ...(seen.length ? { filter: { must_not: [{ key: 'source', match: { any: seen } }] } } : {}),
          }),
        );
        for (const hit of hits) if (typeof hit.value === 'string') sources.add(hit.value);
        if (hits.length < facetPage || sources.size === seen.length) break;
      }
      return [...sources].sort();
    },

    async existingHashes(source, embeddedWith) {
      await ensureCollection();
      const hashes = new Map<string, string>();
      let offset: Schemas['ExtendedPointId'] | undefined;
      do {
        const page = await call('scroll', () =>
          client.scroll(collection, {
            filter: { must: [matchValue('source', source)] },
            limit: scrollPage,
            with_payload: ['chunk_id', 'content_hash', 'embedding_model'],
            with_vector: false,
            ...(offset !== undefined ? { offset } : {}),
          }),
        );
        for (const p of page.points) {
          const id = p.payload?.chunk_id;
          const hash = p.payload?.content_hash;
          const stale = embeddedWith !== undefined && p.payload?.embedding_model !== embeddedWith;
          if (typeof id === 'string' && typeof hash === 'string') hashes.set(id, stale ? '' : hash);
        }
        const next = page.next_page_offset;
        offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
      } while (offset !== undefined);
      return hashes;
    },

    async search(vector, searchOpts) {
      const k = Math.floor(searchOpts.k);
      if (k <= 0 || vector.length === 0) return [];
      if (vector.length !== dims) {
        // As the embedded index: vectors of another dimension are simply not there.
        logger?.warn('qdrant search with a vector of the wrong dimension', {
          collection,
          dims,
          got: vector.length,
        });
        return [];
      }
      await ensureCollection();
      const filter = filterFor(searchOpts);
      return query('search', {
        query: Array.from(vector),
        using: DENSE_VECTOR,
        limit: k,
        ...(filter ? { filter } : {}),
      });
    },

    async lexicalSearch(text, searchOpts) {
      const k = Math.floor(searchOpts.k);
      const sparse = querySparseVector(text);
      if (k <= 0 || sparse.indices.length === 0) return [];
      await ensureCollection();
      const filter = filterFor(searchOpts);
      const hits = await query('lexical-search', {
        query: sparse,
        using: LEXICAL_VECTOR,
        limit: k,
        ...(filter ? { filter } : {}),
      });
      // Only points sharing a term with the query are matches, whatever the engine scores the rest.
      return hits.filter((h) => h.score > 0);
    },

    async hybridSearch(vector, text, searchOpts) {
      const k = Math.floor(searchOpts.k);
      if (k <= 0) return [];
      const filter = filterFor(searchOpts);
      const candidates = Math.max(4 * k, 20);
      const prefetch: Schemas['Prefetch'][] = [];
      if (vector.length === dims) {
        prefetch.push({
          query: Array.from(vector),
          using: DENSE_VECTOR,
          limit: candidates,
          ...(filter ? { filter } : {}),
        });
      } else if (vector.length > 0) {
        logger?.warn('qdrant hybrid search with a vector of the wrong dimension', {
          collection,
          dims,
          got: vector.length,
        });
      }
      const sparse = querySparseVector(text);
      if (sparse.indices.length > 0) {
        prefetch.push({
          query: sparse,
          using: LEXICAL_VECTOR,
          limit: candidates,
          ...(filter ? { filter } : {}),
        });
      }
      if (prefetch.length === 0) return [];
      await ensureCollection();
      return query('hybrid-search', { prefetch, query: { fusion: 'rrf' }, limit: k });
    },

    // Qdrant is the source of truth and nothing is cached here.
    refresh() {},
  };
}

function matchValue(key: string, value: string): Condition {
  return { key, match: { value } };
}

/** The payload filter of a search: language (normalised) and any of the tags. */
function filterFor(opts: VectorSearchOptions): Filter | undefined {
  const must: Condition[] = [];
  const language = normaliseLanguage(opts.language);
  if (language !== undefined) must.push(matchValue('language', language));
  if (opts.tags?.length) must.push({ key: 'tags', match: { any: [...opts.tags] } });
  return must.length ? { must } : undefined;
}

function toIsoDate(value: string | Date | undefined): string | null {
  if (value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : null;
  return date.toISOString();
}

function toHit(p: ScoredPoint): VectorHit {
  const payload = p.payload ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    id: typeof payload.chunk_id === 'string' ? payload.chunk_id : String(p.id),
    score: p.score,
    title: str(payload.title),
    content: str(payload.content),
    source: str(payload.source),
    language: typeof payload.language === 'string' ? payload.language : null,
    tags: Array.isArray(payload.tags) ? payload.tags.filter((t): t is string => typeof t === 'string') : [],
  };
}
