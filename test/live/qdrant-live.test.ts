/**
 * The Qdrant vector index against a real Qdrant, when one is reachable: `QDRANT_URL` (and
 * `QDRANT_API_KEY` when it needs one). Skipped otherwise: the contract tests against fake-qdrant
 * (test/unit/qdrant-index.test.ts) are the proof; this suite checks that fake and real agree on the
 * scenarios that matter. Each run uses its own collections and deletes them afterwards.
 */
import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VectorChunk } from '../../activities/knowledge/embedded-index.js';
import {
  createQdrantVectorIndex,
  pointIdFor,
  QdrantIndexError,
  type QdrantVectorIndex,
} from '../../activities/knowledge/qdrant-index.js';

const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const DIMS = 4;

function unit(axis: number, sign = 1): Float32Array {
  const v = new Float32Array(DIMS);
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

describe.skipIf(!url)('qdrant index against a live Qdrant', () => {
  const prefix = `parley-test-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const created: string[] = [];
  let client: QdrantClient;

  function newIndex(
    name: string,
    extra: { scrollPage?: number; facetPage?: number } = {},
  ): QdrantVectorIndex {
    const collection = `${prefix}-${name}`;
    created.push(collection);
    return createQdrantVectorIndex({ client, collection, dims: DIMS, ...extra });
  }

  beforeAll(() => {
    client = new QdrantClient({ url: url!, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  });

  afterAll(async () => {
    for (const collection of created) await client?.deleteCollection(collection).catch(() => undefined);
  });

  it('creates the collection with both vectors and the keyword indexes, and refuses another size', async () => {
    const index = newIndex('setup');
    await index.ensureCollection();
    const info = await client.getCollection(index.collection);
    expect(info.config.params.vectors).toMatchObject({ dense: { size: DIMS, distance: 'Cosine' } });
    expect(info.config.params.sparse_vectors).toMatchObject({ lexical: { modifier: 'idf' } });
    expect(Object.keys(info.payload_schema).sort()).toEqual(['chunk_id', 'language', 'source', 'tags']);
    // A second index object finds it ready.
    await createQdrantVectorIndex({ client, collection: index.collection, dims: DIMS }).ensureCollection();
    await expect(
      createQdrantVectorIndex({ client, collection: index.collection, dims: 8 }).ensureCollection(),
    ).rejects.toThrow(/holds 4-dimensional vectors but the embedding model produces 8-dimensional ones/);
  });

  it('upserts idempotently, keeps an unchanged vector, drops a stale one', async () => {
    const index = newIndex('upsert');
    const query = Float32Array.from([0.2, 0.9, 0.1, 0.3]);
    const original = { ...chunk('k', { language: 'en' }), embedding: query, embeddingModel: 'm1' };
    await index.upsert([original, { ...chunk('other'), embedding: unit(3) }]);
    await index.upsert([original, { ...chunk('other'), embedding: unit(3) }]);
    expect((await client.count(index.collection, { exact: true })).count).toBe(2);
    const [point] = await client.retrieve(index.collection, { ids: [pointIdFor('k')], with_payload: true });
    expect(point?.payload).toMatchObject({ chunk_id: 'k', language: 'en', embedding_model: 'm1' });

    const { embedding: _embedding, embeddingModel: _model, ...withoutEmbedding } = original;
    await index.upsert([withoutEmbedding]);
    const [hit] = await index.search(query, { k: 1 });
    expect(hit?.id).toBe('k');
    expect(hit?.score).toBeCloseTo(1, 4);

    await index.upsert([
      { ...withoutEmbedding, contentHash: 'changed', content: 'A new warranty paragraph' },
    ]);
    expect((await index.search(query, { k: 5 })).map((h) => h.id)).toEqual(['other']);
    expect((await index.lexicalSearch('warranty', { k: 5 })).map((h) => h.id)).toEqual(['k']);
  });

  it('lists sources, pages through hashes, deletes per source with counts', async () => {
    const index = newIndex('maintenance', { scrollPage: 5, facetPage: 2 });
    const many = Array.from({ length: 12 }, (_, i) => chunk(`m${i}`, { source: 'many.md' }));
    await index.upsert([...many, chunk('a1', { source: 'a.md' }), chunk('b1', { source: 'b.md' })]);
    expect(await index.existingHashes('many.md')).toEqual(new Map(many.map((c) => [c.id, c.contentHash])));
    expect(await index.listSources()).toEqual(['a.md', 'b.md', 'many.md']);
    expect(
      await index.deleteMissing(
        'many.md',
        many.slice(0, 4).map((c) => c.id),
      ),
    ).toBe(8);
    expect([...(await index.existingHashes('many.md')).keys()].sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(await index.deleteMissing('many.md', [])).toBe(4);
    expect(await index.deleteBySource('a.md')).toBe(1);
    expect(await index.deleteBySource('a.md')).toBe(0);
    expect(await index.listSources()).toEqual(['b.md']);
  });

  it('searches with filters, lexically across accents, and hybrid with fusion', async () => {
    const index = newIndex('search');
    await index.upsert([
      {
        ...chunk('dense-only', { content: 'Opening hours of the shop', language: 'en', tags: ['store'] }),
        embedding: unit(0),
      },
      {
        ...chunk('both', {
          content: 'Warranty repair for broken screens',
          language: 'en',
          tags: ['repairs'],
        }),
        embedding: Float32Array.from([1, 1, 0, 0]),
      },
      { ...chunk('lexical', { content: 'Warranty terms', language: 'en' }), embedding: unit(2) },
      {
        ...chunk('fr-refund', {
          title: 'Remboursement',
          content: 'Le remboursement est effectué sous 14 jours après réception du colis.',
          language: 'fr',
        }),
        embedding: unit(0, -1),
      },
    ]);
    expect((await index.search(unit(0), { k: 2 })).map((h) => h.id)).toEqual(['dense-only', 'both']);
    expect((await index.search(unit(0), { k: 2, tags: ['repairs'] })).map((h) => h.id)).toEqual(['both']);
    expect((await index.search(unit(0), { k: 5, language: 'fr' })).map((h) => h.id)).toEqual(['fr-refund']);
    expect((await index.lexicalSearch('reception colis', { k: 5 })).map((h) => h.id)).toEqual(['fr-refund']);
    const hybrid = await index.hybridSearch(unit(0), 'warranty repair', { k: 3, language: 'en' });
    expect(hybrid[0]?.id).toBe('both');
    expect(hybrid.map((h) => h.id).sort()).toEqual(['both', 'dense-only', 'lexical']);
  });

  it('reports a missing collection with Qdrant’s status and message', async () => {
    const index = newIndex('gone');
    await index.ensureCollection();
    await client.deleteCollection(index.collection);
    const err = await index.existingHashes('faq.md').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QdrantIndexError);
    expect((err as QdrantIndexError).status).toBe(404);
    expect((err as Error).message).toMatch(/^Qdrant scroll on collection ".*" failed: HTTP 404: Not found: /);
    if (apiKey) expect((err as Error).message).not.toContain(apiKey);
  });
});
