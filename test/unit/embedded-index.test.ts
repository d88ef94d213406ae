import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedVectorIndex,
  textConfigFor,
  type VectorChunk,
  type VectorIndex,
} from '../../activities/knowledge/embedded-index.js';
import type { Db } from '../../db/database.js';
import { createTestDatabase } from '../support/database.js';
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

const LANGUAGES = ['en', 'fr', 'nl', 'de'];
const TAGS = ['returns', 'shipping', 'billing'];

let db: Db;
let index: VectorIndex;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  index = createEmbeddedVectorIndex(db);
});

afterAll(async () => {
  await db?.destroy();
});

async function count(source?: string): Promise<number> {
  let q = db.selectFrom('kb_chunks').select((eb) => eb.fn.countAll<string>().as('n'));
  if (source) q = q.where('source', '=', source);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

describe('embedded vector index: exact kNN', () => {
  const DIMS = 64;
  const random = rng(42);
  const corpus = Array.from({ length: 500 }, (_, i) => ({
    ...chunk(`v${String(i).padStart(3, '0')}`, {
      source: 'random.md',
      language: LANGUAGES[i % LANGUAGES.length]!,
      tags: [TAGS[i % TAGS.length]!],
    }),
    embedding: randomVector(random, DIMS),
  }));

  function reference(query: Float32Array, k: number, keep: (c: (typeof corpus)[number]) => boolean) {
    return corpus
      .filter(keep)
      .map((c) => ({ id: c.id, score: cosine(query, c.embedding) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  beforeAll(async () => {
    await index.upsert(corpus);
  });

  it('returns exactly the brute-force nearest neighbours, with cosine scores', async () => {
    for (let q = 0; q < 20; q++) {
      const query = randomVector(random, DIMS);
      const hits = await index.search(query, { k: 5 });
      const expected = reference(query, 5, () => true);
      expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
    }
  });

  it('returns the text and metadata of each hit', async () => {
    const target = corpus[7]!;
    const [hit] = await index.search(target.embedding, { k: 1 });
    expect(hit).toEqual({
      id: target.id,
      score: expect.closeTo(1, 5),
      title: target.title,
      content: target.content,
      source: 'random.md',
      language: target.language,
      tags: target.tags,
    });
  });

  it('filters by language and by tags (any of) before ranking', async () => {
    for (let q = 0; q < 5; q++) {
      const query = randomVector(random, DIMS);
      const fr = await index.search(query, { k: 5, language: 'fr' });
      expect(fr.map((h) => h.id)).toEqual(reference(query, 5, (c) => c.language === 'fr').map((e) => e.id));
      expect(fr.every((h) => h.language === 'fr')).toBe(true);

      const tagged = await index.search(query, { k: 5, tags: ['shipping', 'billing'] });
      const expected = reference(query, 5, (c) => c.tags.some((t) => t === 'shipping' || t === 'billing'));
      expect(tagged.map((h) => h.id)).toEqual(expected.map((e) => e.id));

      const both = await index.search(query, { k: 5, language: 'FR-be', tags: ['returns'] });
      expect(both.map((h) => h.id)).toEqual(
        reference(query, 5, (c) => c.language === 'fr' && c.tags.includes('returns')).map((e) => e.id),
      );
    }
  });

  it('only searches vectors of the query dimension', async () => {
    expect(await index.search(new Float32Array(32).fill(1), { k: 5 })).toEqual([]);
  });

  it('is idempotent on re-upsert and keeps an unchanged chunk’s embedding', async () => {
    const before = await count('random.md');
    await index.upsert(corpus);
    // Same content hash, no embedding given: the stored embedding stays.
    await index.upsert(corpus.slice(0, 10).map(({ embedding: _embedding, ...rest }) => rest));
    expect(await count('random.md')).toBe(before);
    const [hit] = await index.search(corpus[3]!.embedding, { k: 1 });
    expect(hit?.id).toBe(corpus[3]!.id);
    expect(hit?.score).toBeCloseTo(1, 5);
  });

  it('sees new and replaced vectors after an upsert', async () => {
    const query = randomVector(random, DIMS);
    await index.upsert([{ ...chunk('v-new', { source: 'random.md' }), embedding: query }]);
    expect((await index.search(query, { k: 1 }))[0]?.id).toBe('v-new');
    // Content changed without a new embedding: the stale embedding is dropped.
    await index.upsert([chunk('v-new', { source: 'random.md', contentHash: 'changed' })]);
    expect((await index.search(query, { k: 1 }))[0]?.id).not.toBe('v-new');
    await index.deleteMissing(
      'random.md',
      corpus.map((c) => c.id),
    );
  });
});

describe('embedded vector index: maintenance', () => {
  it('existingHashes, deleteMissing and deleteBySource work per source', async () => {
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
    expect([...(await index.existingHashes('a.md')).keys()].sort()).toEqual(['a1', 'a3']);
    const hits = await index.search(vec(2), { k: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual(['a1', 'a3', 'b1']);

    expect(await index.deleteMissing('a.md', [])).toBe(2);
    expect(await index.deleteBySource('b.md')).toBe(1);
    expect(await index.deleteBySource('b.md')).toBe(0);
    expect(await index.search(vec(2), { k: 10 })).toEqual([]);
  });
});

describe('embedded vector index: full-text search', () => {
  beforeAll(async () => {
    await index.upsert([
      chunk('en-refund', {
        source: 'lex.md',
        language: 'en',
        title: 'Refund policy',
        content: 'We refund the full amount within 14 days of receiving the parcel.',
        tags: ['returns'],
      }),
      chunk('en-shipping', {
        source: 'lex.md',
        language: 'en',
        title: 'Shipping times',
        content: 'Orders are shipped within two working days.',
        tags: ['shipping'],
      }),
      chunk('fr-refund', {
        source: 'lex.md',
        language: 'fr',
        title: 'Remboursement',
        content: 'Le remboursement est effectué sous 14 jours après réception du colis.',
        tags: ['returns'],
      }),
      chunk('fr-orders', {
        source: 'lex.md',
        language: 'fr',
        title: 'Suivi',
        content: 'Vous pouvez suivre vos commandes depuis votre espace client.',
      }),
      chunk('xx-code', {
        source: 'lex.md',
        language: 'sv',
        title: 'Returnering',
        content: 'Returkoder skickas via e-post.',
      }),
    ]);
  });

  it('maps languages to Postgres configurations', () => {
    expect(textConfigFor('fr')).toBe('french');
    expect(textConfigFor('pt-BR')).toBe('portuguese');
    expect(textConfigFor('sv')).toBe('simple');
    expect(textConfigFor(undefined)).toBe('simple');
    expect(textConfigFor('EN')).toBe('english');
  });

  it('stems English: "refunds" finds "refund"', async () => {
    const hits = await index.lexicalSearch('refunds', { k: 5, language: 'en' });
    expect(hits.map((h) => h.id)).toEqual(['en-refund']);
    expect(hits[0]!.score).toBeGreaterThan(0);
  });

  it('stems French: "remboursements" finds "remboursement", "commande" finds "commandes"', async () => {
    expect((await index.lexicalSearch('remboursements', { k: 5, language: 'fr' })).map((h) => h.id)).toEqual([
      'fr-refund',
    ]);
    expect((await index.lexicalSearch('commande', { k: 5, language: 'fr' })).map((h) => h.id)).toEqual([
      'fr-orders',
    ]);
    // The simple configuration would not have matched: stemming is what finds it.
    const simple = await sql<{
      m: boolean;
    }>`select to_tsvector('simple', 'commandes') @@ websearch_to_tsquery('simple', 'commande') as m`.execute(
      db,
    );
    expect(simple.rows[0]?.m).toBe(false);
  });

  it('filters by language: an English query does not return French chunks', async () => {
    expect(await index.lexicalSearch('remboursement', { k: 5, language: 'en' })).toEqual([]);
  });

  it('without a language, matches each chunk in its own configuration', async () => {
    const hits = await index.lexicalSearch('refunds OR remboursements OR returkoder', { k: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual(['en-refund', 'fr-refund', 'xx-code']);
  });

  it('ranks a title match above a body-only match and filters by tags', async () => {
    await index.upsert([
      chunk('en-body', {
        source: 'lex.md',
        language: 'en',
        title: 'Payments',
        content: 'A refund goes back to the original payment method.',
        tags: ['billing'],
      }),
    ]);
    const hits = await index.lexicalSearch('refund', { k: 5, language: 'en' });
    expect(hits.map((h) => h.id)).toEqual(['en-refund', 'en-body']);
    const billing = await index.lexicalSearch('refund', { k: 5, language: 'en', tags: ['billing'] });
    expect(billing.map((h) => h.id)).toEqual(['en-body']);
  });

  it('returns nothing for an empty or stop-word-only query', async () => {
    expect(await index.lexicalSearch('   ', { k: 5 })).toEqual([]);
    expect(await index.lexicalSearch('the', { k: 5, language: 'en' })).toEqual([]);
  });
});
