/**
 * Contract tests of the Qdrant vector index: the adapter talks through the real
 * `@qdrant/js-client-rest` client to fake-qdrant, a real HTTP server that validates requests against
 * Qdrant's documented shapes (so a request Qdrant would reject fails here) and implements enough of
 * its semantics (filters, cosine, sparse × IDF, scroll, RRF) for the answers to mean something.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VectorChunk } from '../../activities/knowledge/embedded-index.js';
import {
  BM25,
  createQdrantVectorIndex,
  documentSparseVector,
  pointIdFor,
  QdrantIndexError,
  querySparseVector,
  termIndex,
  tokenize,
  uuidV5,
  type QdrantVectorIndex,
} from '../../activities/knowledge/qdrant-index.js';
import { startFakeQdrant, type FakeQdrant, type RecordedQdrantRequest } from '../servers/fake-qdrant.js';
import { rng } from '../support/rng.js';

function randomVector(random: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = random() * 2 - 1;
  return v;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function unit(dims: number, axis: number, sign = 1): Float32Array {
  const v = new Float32Array(dims);
  v[axis] = sign;
  return v;
}

function chunk(id: string, over: Partial<VectorChunk> = {}): VectorChunk {
  return {
    id,
    source: 'faq.md',
    title: `Title ${id}`,
    tags: [],
    content: `Content of ${id}`,
    contentHash: `hash-${id}`,
    ...over,
  };
}

let fake: FakeQdrant;
let client: QdrantClient;
let collections = 0;

/** A fresh collection name per test, so tests do not see each other's points. */
function newIndex(
  dims: number,
  extra: { upsertBatch?: number; scrollPage?: number } = {},
): QdrantVectorIndex {
  return createQdrantVectorIndex({ client, collection: `kb-${++collections}`, dims, ...extra });
}

function requestsTo(index: QdrantVectorIndex, suffix = ''): RecordedQdrantRequest[] {
  return fake.requests.filter((r) => r.path === `/collections/${index.collection}${suffix}`);
}

beforeAll(async () => {
  fake = await startFakeQdrant();
  client = new QdrantClient({ url: fake.url, checkCompatibility: false });
});

afterAll(async () => {
  await fake?.close();
});

describe('qdrant index: collection set-up', () => {
  it('creates the collection once, with a dense and an IDF sparse vector and keyword payload indexes', async () => {
    const index = newIndex(8);
    await Promise.all([index.ensureCollection(), index.ensureCollection()]);
    await index.upsert([{ ...chunk('a'), embedding: unit(8, 0) }]);
    await index.search(unit(8, 0), { k: 1 });

    const creates = requestsTo(index).filter((r) => r.method === 'PUT');
    expect(creates).toHaveLength(1);
    expect(creates[0]!.status).toBe(200);
    expect(creates[0]!.body).toEqual({
      vectors: { dense: { size: 8, distance: 'Cosine' } },
      sparse_vectors: { lexical: { modifier: 'idf' } },
    });
    const indexes = requestsTo(index, '/index');
    expect(indexes.map((r) => r.body)).toEqual(
      ['language', 'source', 'tags', 'chunk_id'].map((field) => ({
        field_name: field,
        field_schema: 'keyword',
      })),
    );
    expect(indexes.every((r) => r.query.wait === 'true' && r.status === 200)).toBe(true);

    const info = await client.getCollection(index.collection);
    expect(Object.keys(info.payload_schema).sort()).toEqual(['chunk_id', 'language', 'source', 'tags']);
    expect(Object.values(info.payload_schema).every((s) => s?.data_type === 'keyword')).toBe(true);
    expect(info.config.params.sparse_vectors).toEqual({ lexical: { modifier: 'idf' } });

    // Another process (another index object) finds it ready: it only reads, never re-creates.
    const before = fake.requests.length;
    const again = createQdrantVectorIndex({ client, collection: index.collection, dims: 8 });
    await again.ensureCollection();
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /collections/${index.collection}/exists`,
      `GET /collections/${index.collection}`,
    ]);
  });

  it('adds payload indexes missing from an existing collection', async () => {
    const name = `kb-${++collections}`;
    await client.createCollection(name, {
      vectors: { dense: { size: 4, distance: 'Cosine' } },
      sparse_vectors: { lexical: { modifier: 'idf' } },
    });
    await client.createPayloadIndex(name, { field_name: 'source', field_schema: 'keyword', wait: true });
    const index = createQdrantVectorIndex({ client, collection: name, dims: 4 });
    await index.ensureCollection();
    const created = fake.requests.filter((r) => r.path === `/collections/${name}/index`).map((r) => r.body);
    expect(created.map((b) => (b as { field_name: string }).field_name)).toEqual([
      'source',
      'language',
      'tags',
      'chunk_id',
    ]);
  });

  it('refuses a collection whose dense size differs, naming both sizes', async () => {
    const index = newIndex(8);
    await index.ensureCollection();
    const other = createQdrantVectorIndex({ client, collection: index.collection, dims: 16 });
    await expect(other.ensureCollection()).rejects.toThrow(
      `Qdrant collection "${index.collection}" holds 8-dimensional vectors but the embedding model produces 16-dimensional ones`,
    );
    // Every operation goes through the same check (and nothing is written).
    await expect(other.upsert([{ ...chunk('x'), embedding: unit(16, 0) }])).rejects.toThrow(/8-dimensional/);
    expect(fake.points(index.collection)).toEqual([]);
  });

  it('refuses an embedding of the wrong size before sending anything', async () => {
    const index = newIndex(8);
    await expect(index.upsert([{ ...chunk('x'), embedding: unit(4, 0) }])).rejects.toThrow(
      `chunk x has a 4-dimensional embedding; Qdrant collection "${index.collection}" takes 8`,
    );
    expect(requestsTo(index, '/points')).toEqual([]);
  });
});

describe('qdrant index: point ids and upserts', () => {
  it('derives RFC 4122 version-5 UUIDs from chunk ids', () => {
    // The RFC's own example: the DNS namespace and "www.example.com".
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    const id = pointIdFor('faq.md#refunds/0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointIdFor('faq.md#refunds/0')).toBe(id);
    expect(pointIdFor('faq.md#refunds/1')).not.toBe(id);
  });

  it('stores one point per chunk, with the chunk in the payload; re-upserting replaces it', async () => {
    const index = newIndex(4, { upsertBatch: 2 });
    const chunks = [
      {
        ...chunk('c1', { language: 'FR-be', tags: ['returns'], updatedAt: '2024-05-01' }),
        embedding: unit(4, 0),
        embeddingModel: 'test-model',
      },
      { ...chunk('c2'), embedding: unit(4, 1) },
      { ...chunk('c3'), embedding: unit(4, 2) },
    ];
    await index.upsert(chunks);
    await index.upsert(chunks);
    expect((await client.count(index.collection, { exact: true })).count).toBe(3);

    const upserts = requestsTo(index, '/points').filter((r) => r.method === 'PUT');
    // Batches of 2, twice; always waiting for the write to be applied.
    expect(upserts.map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([2, 1, 2, 1]);
    expect(upserts.every((r) => r.query.wait === 'true' && r.status === 200)).toBe(true);

    const points = fake.points(index.collection)!;
    expect(points.map((p) => p.id).sort()).toEqual(chunks.map((c) => pointIdFor(c.id)).sort());
    const c1 = points.find((p) => p.id === pointIdFor('c1'))!;
    expect(c1.payload).toEqual({
      chunk_id: 'c1',
      source: 'faq.md',
      title: 'Title c1',
      language: 'fr',
      tags: ['returns'],
      content: 'Content of c1',
      content_hash: 'hash-c1',
      updated_at: '2024-05-01T00:00:00.000Z',
      embedding_model: 'test-model',
    });
    expect(c1.vectors.dense).toEqual([1, 0, 0, 0]);
    expect(c1.vectors.lexical).toEqual(documentSparseVector('Title c1', 'Content of c1'));
  });

  it('keeps the vector of an unchanged chunk upserted without one, drops it when the content changed', async () => {
    const index = newIndex(4);
    const query = Float32Array.from([0.2, 0.9, 0.1, 0.3]);
    const original = { ...chunk('k'), embedding: query, embeddingModel: 'm1' };
    await index.upsert([original, { ...chunk('other'), embedding: unit(4, 3) }]);
    const { embedding: _embedding, embeddingModel: _model, ...withoutEmbedding } = original;

    await index.upsert([withoutEmbedding]);
    // It read the stored vector back before writing.
    const retrieve = requestsTo(index, '/points').filter((r) => r.method === 'POST');
    expect(retrieve.at(-1)!.body).toEqual({
      ids: [pointIdFor('k')],
      with_payload: ['content_hash', 'embedding_model'],
      with_vector: ['dense'],
    });
    const [hit] = await index.search(query, { k: 1 });
    expect(hit?.id).toBe('k');
    expect(hit?.score).toBeCloseTo(1, 5);
    expect(
      fake.points(index.collection)!.find((p) => p.id === pointIdFor('k'))!.payload.embedding_model,
    ).toBe('m1');

    // The content changed and no new embedding came: the old one would be stale.
    await index.upsert([
      { ...withoutEmbedding, contentHash: 'changed', content: 'A new warranty paragraph' },
    ]);
    const stored = fake.points(index.collection)!.find((p) => p.id === pointIdFor('k'))!;
    expect(stored.vectors.dense).toBeUndefined();
    expect(stored.payload.embedding_model).toBeNull();
    expect((await index.search(query, { k: 5 })).map((h) => h.id)).toEqual(['other']);
    // Still found by its words.
    expect((await index.lexicalSearch('warranty', { k: 5 })).map((h) => h.id)).toEqual(['k']);
  });
});

describe('qdrant index: maintenance', () => {
  it('existingHashes, deleteMissing and deleteBySource work per source and count what they delete', async () => {
    const index = newIndex(3);
    const vec = (x: number) => Float32Array.from([x, 1, 0]);
    await index.upsert([
      { ...chunk('a1', { source: 'a.md' }), embedding: vec(1) },
      { ...chunk('a2', { source: 'a.md' }), embedding: vec(2) },
      { ...chunk('a3', { source: 'a.md' }), embedding: vec(3) },
      { ...chunk('b1', { source: 'b.md' }), embedding: vec(4) },
    ]);
    expect(await index.existingHashes('a.md')).toEqual(
      new Map([
        ['a1', 'hash-a1'],
        ['a2', 'hash-a2'],
        ['a3', 'hash-a3'],
      ]),
    );

    expect(await index.deleteMissing('a.md', ['a1', 'a3'])).toBe(1);
    const deletes = requestsTo(index, '/points/delete');
    expect(deletes.at(-1)!.body).toEqual({
      filter: {
        must: [{ key: 'source', match: { value: 'a.md' } }],
        must_not: [{ key: 'chunk_id', match: { any: ['a1', 'a3'] } }],
      },
    });
    expect(deletes.at(-1)!.query.wait).toBe('true');
    expect([...(await index.existingHashes('a.md')).keys()].sort()).toEqual(['a1', 'a3']);
    const hits = await index.search(vec(2), { k: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual(['a1', 'a3', 'b1']);

    expect(await index.deleteMissing('a.md', [])).toBe(2);
    expect(await index.deleteBySource('b.md')).toBe(1);
    const deleteCount = requestsTo(index, '/points/delete').length;
    // Nothing to delete: counted, not sent.
    expect(await index.deleteBySource('b.md')).toBe(0);
    expect(requestsTo(index, '/points/delete')).toHaveLength(deleteCount);
    expect(await index.search(vec(2), { k: 10 })).toEqual([]);
    expect(
      requestsTo(index, '/points/count').every((r) => (r.body as { exact?: boolean }).exact === true),
    ).toBe(true);
  });

  it('lists the sources that have chunks, through the facet API, page after page', async () => {
    const index = createQdrantVectorIndex({
      client,
      collection: `kb-${++collections}`,
      dims: 2,
      facetPage: 2,
    });
    expect(await index.listSources()).toEqual([]);
    await index.upsert(
      ['c.md', 'a.md', 'b.md', 'a.md', 'd/e.md'].map((source, i) => chunk(`s${i}`, { source })),
    );
    expect(await index.listSources()).toEqual(['a.md', 'b.md', 'c.md', 'd/e.md']);
    const facets = requestsTo(index, '/facet').map((r) => r.body as { filter?: unknown });
    // Pages of 2: the later pages exclude what was seen.
    expect(facets.slice(1).map((f) => f.filter)).toEqual([
      undefined,
      { must_not: [{ key: 'source', match: { any: ['a.md', 'b.md'] } }] },
      { must_not: [{ key: 'source', match: { any: ['a.md', 'b.md', 'c.md', 'd/e.md'] } }] },
    ]);
    await index.deleteBySource('a.md');
    expect(await index.listSources()).toEqual(['b.md', 'c.md', 'd/e.md']);
  });

  it('existingHashes follows next_page_offset over several pages', async () => {
    const index = newIndex(2, { scrollPage: 5 });
    const many = Array.from({ length: 12 }, (_, i) => chunk(`m${i}`, { source: 'many.md' }));
    await index.upsert([...many, chunk('o1', { source: 'other.md' })]);
    const hashes = await index.existingHashes('many.md');
    expect(hashes).toEqual(new Map(many.map((c) => [c.id, c.contentHash])));

    const scrolls = requestsTo(index, '/points/scroll').map((r) => r.body as Record<string, unknown>);
    expect(scrolls).toHaveLength(3);
    expect(scrolls[0]).toEqual({
      filter: { must: [{ key: 'source', match: { value: 'many.md' } }] },
      limit: 5,
      with_payload: ['chunk_id', 'content_hash', 'embedding_model'],
      with_vector: false,
    });
    expect(scrolls[1]!.offset).toEqual(expect.any(String));
    expect(scrolls[2]!.offset).not.toBe(scrolls[1]!.offset);
  });
});

describe('qdrant index: dense search', () => {
  const DIMS = 16;
  const LANGUAGES = ['en', 'fr', 'nl', 'de'];
  const TAGS = ['returns', 'shipping', 'billing'];
  const random = rng(7);
  const corpus = Array.from({ length: 120 }, (_, i) => ({
    ...chunk(`v${String(i).padStart(3, '0')}`, {
      source: 'random.md',
      language: LANGUAGES[i % LANGUAGES.length]!,
      tags: [TAGS[i % TAGS.length]!],
    }),
    embedding: randomVector(random, DIMS),
  }));
  let index: QdrantVectorIndex;

  function reference(query: Float32Array, k: number, keep: (c: (typeof corpus)[number]) => boolean) {
    return corpus
      .filter(keep)
      .map((c) => ({ id: c.id, score: cosine(query, c.embedding) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  beforeAll(async () => {
    index = newIndex(DIMS);
    await index.upsert(corpus);
  });

  it('returns the nearest neighbours by cosine similarity, with the hit’s text and metadata', async () => {
    for (let q = 0; q < 5; q++) {
      const query = randomVector(random, DIMS);
      const hits = await index.search(query, { k: 5 });
      const expected = reference(query, 5, () => true);
      expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
    }
    const target = corpus[7]!;
    expect((await index.search(target.embedding, { k: 1 }))[0]).toEqual({
      id: target.id,
      score: expect.closeTo(1, 5),
      title: target.title,
      content: target.content,
      source: 'random.md',
      language: target.language,
      tags: target.tags,
    });
  });

  it('filters by language and by tags (any of) in Qdrant', async () => {
    const query = randomVector(random, DIMS);
    const fr = await index.search(query, { k: 5, language: 'fr' });
    expect(fr.map((h) => h.id)).toEqual(reference(query, 5, (c) => c.language === 'fr').map((e) => e.id));

    const tagged = await index.search(query, { k: 5, tags: ['shipping', 'billing'] });
    expect(tagged.map((h) => h.id)).toEqual(
      reference(query, 5, (c) => c.tags.some((t) => t === 'shipping' || t === 'billing')).map((e) => e.id),
    );

    const both = await index.search(query, { k: 5, language: 'FR-be', tags: ['returns'] });
    expect(both.map((h) => h.id)).toEqual(
      reference(query, 5, (c) => c.language === 'fr' && c.tags.includes('returns')).map((e) => e.id),
    );
    expect(requestsTo(index, '/points/query').at(-1)!.body).toEqual({
      query: Array.from(query),
      using: 'dense',
      limit: 5,
      filter: {
        must: [
          { key: 'language', match: { value: 'fr' } },
          { key: 'tags', match: { any: ['returns'] } },
        ],
      },
      with_payload: ['chunk_id', 'title', 'content', 'source', 'language', 'tags'],
    });
  });

  it('answers nothing for a vector of another dimension, or k = 0, without asking Qdrant', async () => {
    const before = fake.requests.length;
    expect(await index.search(new Float32Array(8).fill(1), { k: 5 })).toEqual([]);
    expect(await index.search(corpus[0]!.embedding, { k: 0 })).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });
});

describe('qdrant index: lexical search', () => {
  let index: QdrantVectorIndex;

  beforeAll(async () => {
    index = newIndex(4);
    await index.upsert([
      chunk('en-refund', {
        language: 'en',
        title: 'Refund policy',
        content: 'We refund the full amount within 14 days of receiving the parcel.',
        tags: ['returns'],
      }),
      chunk('en-body', {
        language: 'en',
        title: 'Payments',
        content: 'A refund goes back to the original payment method.',
        tags: ['billing'],
      }),
      chunk('en-shipping', {
        language: 'en',
        title: 'Shipping times',
        content: 'Orders are shipped within two working days.',
        tags: ['shipping'],
      }),
      chunk('fr-refund', {
        language: 'fr',
        title: 'Remboursement',
        content: 'Le remboursement est effectué sous 14 jours après réception du colis.',
        tags: ['returns'],
      }),
      chunk('fr-orders', {
        language: 'fr',
        title: 'Suivi',
        content: 'Vous pouvez suivre vos commandes depuis votre espace client.',
      }),
    ]);
  });

  it('tokenises without accents, case, one-letter words or stop words', () => {
    expect(tokenize("Réception du COLIS, l'été à Zürich: 14 jours")).toEqual([
      'reception',
      'colis',
      'ete',
      'zurich',
      '14',
      'jours',
    ]);
    expect(tokenize('the refund or de terugbetaling')).toEqual(['refund', 'terugbetaling']);
    expect(termIndex('colis')).toBe(termIndex('colis'));
    expect(termIndex('colis')).toBeLessThanOrEqual(0xffffffff);
    expect(querySparseVector('colis colis reception')).toEqual({
      indices: [termIndex('colis'), termIndex('reception')].sort((a, b) => a - b),
      values: [1, 1],
    });
  });

  it('weights document terms with BM25 saturation (title words count twice)', () => {
    const v = documentSparseVector('Refund', 'refund refund parcel');
    const { k1, b, avgdl } = BM25;
    const norm = k1 * (1 - b + (b * 5) / avgdl); // 2 (title) + 3 (body) tokens
    const at = (term: string) => v.values[v.indices.indexOf(termIndex(term))];
    expect(at('refund')).toBeCloseTo((4 * (k1 + 1)) / (4 + norm), 10);
    expect(at('parcel')).toBeCloseTo((1 * (k1 + 1)) / (1 + norm), 10);
  });

  it('finds a French passage with accents from an unaccented query', async () => {
    const hits = await index.lexicalSearch('reception colis', { k: 5 });
    expect(hits.map((h) => h.id)).toEqual(['fr-refund']);
    expect(hits[0]).toMatchObject({ language: 'fr', title: 'Remboursement', tags: ['returns'] });
    expect(requestsTo(index, '/points/query').at(-1)!.body).toMatchObject({
      query: querySparseVector('reception colis'),
      using: 'lexical',
    });
  });

  it('scores as Qdrant does: Σ idf × the stored BM25 weight, IDF from the collection', async () => {
    const [hit] = await index.lexicalSearch('parcel', { k: 1 });
    expect(hit?.id).toBe('en-refund');
    const n = 1;
    const total = 5;
    const idf = Math.log((total - n + 0.5) / (n + 0.5) + 1);
    const v = documentSparseVector(
      'Refund policy',
      'We refund the full amount within 14 days of receiving the parcel.',
    );
    expect(hit!.score).toBeCloseTo(idf * v.values[v.indices.indexOf(termIndex('parcel'))]!, 5);
  });

  it('ranks a title match above a body-only match, filters by language and tags', async () => {
    expect((await index.lexicalSearch('refund', { k: 5, language: 'en' })).map((h) => h.id)).toEqual([
      'en-refund',
      'en-body',
    ]);
    expect((await index.lexicalSearch('refund', { k: 5, tags: ['billing'] })).map((h) => h.id)).toEqual([
      'en-body',
    ]);
    expect(await index.lexicalSearch('remboursement', { k: 5, language: 'en' })).toEqual([]);
  });

  it('understands the retriever’s any-word query and returns nothing for stop words only', async () => {
    const hits = await index.lexicalSearch('refund or commandes', { k: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual(['en-body', 'en-refund', 'fr-orders']);
    const before = fake.requests.length;
    expect(await index.lexicalSearch('   ', { k: 5 })).toEqual([]);
    expect(await index.lexicalSearch('the', { k: 5, language: 'en' })).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });
});

describe('qdrant index: hybrid search', () => {
  it('fuses the dense and lexical rankings with Qdrant’s reciprocal rank fusion', async () => {
    const index = newIndex(4);
    const diagonal = Float32Array.from([1, 1, 0, 0]);
    await index.upsert([
      // Best dense match, no shared word.
      {
        ...chunk('dense-only', { content: 'Opening hours of the shop', language: 'en' }),
        embedding: unit(4, 0),
      },
      // Second dense, best lexical: in both lists.
      {
        ...chunk('both', { content: 'Warranty repair for broken screens', language: 'en' }),
        embedding: diagonal,
      },
      // Third dense, second lexical.
      { ...chunk('lexical', { content: 'Warranty terms', language: 'en' }), embedding: unit(4, 2) },
      // Last dense only.
      { ...chunk('far', { content: 'Gift cards', language: 'fr' }), embedding: unit(4, 0, -1) },
    ]);
    const hits = await index.hybridSearch(unit(4, 0), 'warranty repair', { k: 4 });
    expect(hits.map((h) => h.id)).toEqual(['both', 'lexical', 'dense-only', 'far']);
    // Qdrant's RRF: Σ 1 / (position + 2), positions from 0.
    expect(hits.map((h) => h.score)).toEqual([
      expect.closeTo(1 / 3 + 1 / 2, 5),
      expect.closeTo(1 / 4 + 1 / 3, 5),
      expect.closeTo(1 / 2, 5),
      expect.closeTo(1 / 5, 5),
    ]);
    expect(requestsTo(index, '/points/query').at(-1)!.body).toEqual({
      prefetch: [
        { query: [1, 0, 0, 0], using: 'dense', limit: 20 },
        { query: querySparseVector('warranty repair'), using: 'lexical', limit: 20 },
      ],
      query: { fusion: 'rrf' },
      limit: 4,
      with_payload: ['chunk_id', 'title', 'content', 'source', 'language', 'tags'],
    });

    const english = await index.hybridSearch(unit(4, 0), 'warranty repair', { k: 10, language: 'en' });
    expect(english.map((h) => h.id)).toEqual(['both', 'lexical', 'dense-only']);
    const body = requestsTo(index, '/points/query').at(-1)!.body as { prefetch: { filter: unknown }[] };
    expect(body.prefetch.map((p) => p.filter)).toEqual([
      { must: [{ key: 'language', match: { value: 'en' } }] },
      { must: [{ key: 'language', match: { value: 'en' } }] },
    ]);

    // Without searchable words it is a dense search fused with nothing.
    expect((await index.hybridSearch(unit(4, 0), 'the', { k: 1 })).map((h) => h.id)).toEqual(['dense-only']);
  });
});

describe('qdrant index: failures', () => {
  const SECRET = 'qdrant-secret-key-3f9a1c';
  let guarded: FakeQdrant;
  let keyed: QdrantClient;

  beforeAll(async () => {
    guarded = await startFakeQdrant({ apiKey: SECRET });
    // The client warns that a key travels over plain http: true, and expected in a test.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    keyed = new QdrantClient({ url: guarded.url, apiKey: SECRET, checkCompatibility: false });
    warn.mockRestore();
  });

  afterAll(async () => {
    await guarded?.close();
  });

  it('turns a Qdrant 500 into an error naming the operation, status and Qdrant’s message, not the key', async () => {
    const index = createQdrantVectorIndex({ client: keyed, collection: 'kb-errors', dims: 4 });
    await index.ensureCollection();
    guarded.failNext(1, 500, { message: 'Service internal error: No space left on device' });
    const err = await index.search(unit(4, 0), { k: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QdrantIndexError);
    expect((err as QdrantIndexError).message).toBe(
      'Qdrant search on collection "kb-errors" failed: HTTP 500: Service internal error: No space left on device',
    );
    expect((err as QdrantIndexError).status).toBe(500);
    expect((err as QdrantIndexError).operation).toBe('search');
    expect(`${(err as Error).stack} ${JSON.stringify(err)}`).not.toContain(SECRET);
    // The key did travel, in the header Qdrant reads.
    expect(guarded.requests.length).toBeGreaterThan(0);
    expect(guarded.requests.every((r) => r.hasApiKey && r.apiKeyValid)).toBe(true);
    // And the next call works again.
    expect(await index.search(unit(4, 0), { k: 3 })).toEqual([]);
  });

  it('reports a wrong API key, a missing collection and an unreachable server clearly', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const wrongKey = new QdrantClient({ url: guarded.url, apiKey: 'not-the-key', checkCompatibility: false });
    warn.mockRestore();
    const denied = createQdrantVectorIndex({ client: wrongKey, collection: 'kb-denied', dims: 4 });
    await expect(denied.ensureCollection()).rejects.toThrow(
      'Qdrant collection-exists on collection "kb-denied" failed: HTTP 401: Must provide an API key or an Authorization bearer token',
    );

    const index = createQdrantVectorIndex({ client: keyed, collection: 'kb-gone', dims: 4 });
    await index.ensureCollection();
    await keyed.deleteCollection('kb-gone');
    await expect(index.existingHashes('faq.md')).rejects.toThrow(
      'Qdrant scroll on collection "kb-gone" failed: HTTP 404: Not found: Collection `kb-gone` doesn\'t exist!',
    );
    // The next call sets the collection up again.
    expect(await index.existingHashes('faq.md')).toEqual(new Map());
    expect(guarded.collectionNames()).toContain('kb-gone');

    const closed = await startFakeQdrant();
    const url = closed.url;
    await closed.close();
    const nowhere = createQdrantVectorIndex({
      client: new QdrantClient({ url, checkCompatibility: false }),
      collection: 'kb',
      dims: 4,
    });
    await expect(nowhere.ensureCollection()).rejects.toThrow(
      /^Qdrant collection-exists on collection "kb" failed: fetch failed \(ECONNREFUSED\)$/,
    );
  });
});

describe('fake-qdrant rejects what Qdrant would reject', () => {
  const name = 'kb-strict';

  beforeAll(async () => {
    await createQdrantVectorIndex({ client, collection: name, dims: 4 }).ensureCollection();
  });

  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: { status?: number; data?: { status?: { error?: string } } }) => ({
        status: e.status,
        error: e.data?.status?.error,
      }),
    );

  it('a dense vector of the wrong size, an unknown vector name, a bad point id', async () => {
    expect(
      await rejection(client.upsert(name, { points: [{ id: 1, vector: { dense: [1, 2, 3] } }] })),
    ).toEqual({
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 4, got 3',
    });
    expect(
      await rejection(client.upsert(name, { points: [{ id: 1, vector: { embedding: [1, 2, 3, 4] } }] })),
    ).toEqual({
      status: 400,
      error: 'Wrong input: Not existing vector name error: embedding',
    });
    expect(await rejection(client.upsert(name, { points: [{ id: 'chunk-1', vector: {} }] }))).toEqual({
      status: 400,
      error:
        'Format error in JSON body: value "chunk-1" is not a valid point ID, valid values are either an unsigned integer or a UUID',
    });
    expect(
      await rejection(
        client.upsert(name, { points: [{ id: 2, vector: { lexical: { indices: [1, 2], values: [1] } } }] }),
      ),
    ).toEqual({
      status: 422,
      error: 'Validation error in JSON body: [points[0].vector.lexical: must be the same length as indices]',
    });
  });

  it('an unknown filter condition, an unknown field, a missing collection', async () => {
    expect(
      await rejection(
        client.count(name, { filter: { must: [{ key: 'source', matches: { value: 'x' } } as never] } }),
      ),
    ).toMatchObject({
      status: 400,
      error: expect.stringMatching(/^Format error in JSON body: unknown field `matches`/),
    });
    expect(await rejection(client.count(name, { filter: { must: [{ source: 'x' } as never] } }))).toEqual({
      status: 400,
      error: 'Format error in JSON body: data did not match any variant of untagged enum Condition',
    });
    expect(
      await rejection(
        client.api().scrollPoints({ collection_name: name, limit: 1, with_vectors: true } as never),
      ),
    ).toMatchObject({ status: 400, error: expect.stringMatching(/unknown field `with_vectors`/) });
    expect(await rejection(client.count('kb-nope', {}))).toEqual({
      status: 404,
      error: "Not found: Collection `kb-nope` doesn't exist!",
    });
    expect(await rejection(client.scroll(name, { limit: 0 }))).toEqual({
      status: 422,
      error: 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]',
    });
  });
});
