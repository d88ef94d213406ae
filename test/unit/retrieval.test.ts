/**
 * Retrieval: the any-word full-text query, reciprocal rank fusion, and the retriever against a real
 * migrated database seeded with the demo knowledge base — lexical only, then with embeddings from
 * the scripted OpenAI server through the real `openai` client (dense and hybrid).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeDir } from '../../activities/knowledge/chunking.js';
import {
  createEmbeddedVectorIndex,
  type VectorHit,
  type VectorIndex,
} from '../../activities/knowledge/embedded-index.js';
import { createEmbedder, type Embedder } from '../../activities/knowledge/embeddings.js';
import {
  createRetriever,
  fuse,
  toAnyWordQuery,
  type Passage,
  type Retriever,
} from '../../activities/knowledge/retrieval.js';
import type { Db } from '../../db/database.js';
import { DEMO_KNOWLEDGE_DIR, seedDemoData } from '../../devstack/demo-data.js';
import { createTestDatabase } from '../support/database.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';

const words = (query: string) => (query ? query.split(' or ') : []);

describe('toAnyWordQuery', () => {
  it('ORs the words of a question, lower-cased, without one-letter words', () => {
    const query = toAnyWordQuery('How long do I have to return a product?');
    expect(words(query)).toEqual(['how', 'long', 'do', 'have', 'to', 'return', 'product']);
    expect(query).toBe('how or long or do or have or to or return or product');
  });

  it('keeps each word once, in first-seen order', () => {
    expect(words(toAnyWordQuery('Return RETURN return? Refund, return & refund'))).toEqual([
      'return',
      'refund',
    ]);
  });

  it('drops the word "or" (in any case), which would be an operator', () => {
    expect(words(toAnyWordQuery('tea or coffee OR milk Or cocoa'))).toEqual([
      'tea',
      'coffee',
      'milk',
      'cocoa',
    ]);
    // Words merely containing "or" are kept.
    expect(words(toAnyWordQuery('order for more'))).toEqual(['order', 'for', 'more']);
  });

  it('strips quotes, minus signs and other operators, leaving only words', () => {
    const query = toAnyWordQuery(`"free shipping" -express --fast <-> (kettle|toaster) & !vacuum 'promo'`);
    expect(words(query)).toEqual([
      'free',
      'shipping',
      'express',
      'fast',
      'kettle',
      'toaster',
      'vacuum',
      'promo',
    ]);
    expect(query).toMatch(/^[\p{L}\p{N}]+( or [\p{L}\p{N}]+)*$/u);
  });

  it('keeps letters of every script and numbers', () => {
    expect(words(toAnyWordQuery('Où est ma commande 1042 ? Größe ß'))).toEqual([
      'où',
      'est',
      'ma',
      'commande',
      '1042',
      'größe',
    ]);
  });

  it('answers an empty query for text without words', () => {
    expect(toAnyWordQuery('')).toBe('');
    expect(toAnyWordQuery(' ?! - " a I x 7 or OR ')).toBe('');
  });

  it('caps the number of words and ignores whatever follows a long message', () => {
    const many = Array.from({ length: 100 }, (_, i) => `word${i}`);
    const capped = words(toAnyWordQuery(many.join(' ')));
    expect(capped.length).toBeLessThan(100);
    expect(capped.length).toBeGreaterThan(10);
    // The first words are the ones kept.
    expect(capped).toEqual(many.slice(0, capped.length));

    const long = `${'warranty '.repeat(1_000)}needle`;
    const query = toAnyWordQuery(long);
    expect(query).toBe('warranty');
    expect(query.length).toBeLessThan(long.length);
  });
});

describe('fuse (reciprocal rank fusion)', () => {
  const hit = (id: string, score: number): VectorHit => ({
    id,
    score,
    title: `Title ${id}`,
    content: `Content ${id}`,
    source: `${id}.md`,
    language: 'en',
    tags: [],
  });

  it('ranks a passage found by both searches above passages found by one', () => {
    const dense = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.7)];
    const lexical = [hit('d', 9), hit('c', 3), hit('e', 1)];
    const fused = fuse(dense, lexical);
    expect(fused[0]!.id).toBe('c');
    expect(new Set(fused.map((p) => p.id))).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
    // Within one list, rank order is kept.
    const pos = (id: string) => fused.findIndex((p) => p.id === id);
    expect(pos('a')).toBeLessThan(pos('b'));
    expect(pos('d')).toBeLessThan(pos('e'));
    // Scores are descending.
    for (let i = 1; i < fused.length; i++)
      expect(fused[i - 1]!.score).toBeGreaterThanOrEqual(fused[i]!.score);
  });

  it('records each source score on the passage that search found', () => {
    const fused = fuse([hit('a', 0.91), hit('b', 0.42)], [hit('b', 7.5), hit('c', 1.25)]);
    const byId = new Map(fused.map((p) => [p.id, p]));
    expect(byId.get('a')).toMatchObject({ denseScore: 0.91 });
    expect(byId.get('a')!.lexicalScore).toBeUndefined();
    expect(byId.get('b')).toMatchObject({ denseScore: 0.42, lexicalScore: 7.5 });
    expect(byId.get('c')).toMatchObject({ lexicalScore: 1.25 });
    expect(byId.get('c')!.denseScore).toBeUndefined();
    // The passage carries the chunk's text and metadata.
    expect(byId.get('c')).toMatchObject({
      title: 'Title c',
      content: 'Content c',
      source: 'c.md',
      language: 'en',
    });
  });

  it('fuses by rank, not by raw score', () => {
    // A huge lexical score does not beat a passage ranked first by both.
    const fused = fuse([hit('x', 0.1), hit('y', 0.05)], [hit('x', 0.01), hit('y', 1_000)]);
    expect(fused.map((p) => p.id)).toEqual(['x', 'y']);
  });

  it('orders ties the same way whatever the input order', () => {
    // "m" first in dense and "k" first in lexical: the same fused score.
    const one = fuse([hit('m', 0.5)], [hit('k', 2)]);
    const two = fuse([hit('k', 0.5)], [hit('m', 2)]);
    expect(one[0]!.score).toBe(one[1]!.score);
    expect(one.map((p) => p.id)).toEqual(two.map((p) => p.id));
    // Three-way tie across both lists.
    const three = fuse([hit('q', 0.5), hit('z', 0.4)], [hit('p', 2), hit('r', 1)]);
    const threeSwapped = fuse([hit('p', 0.5), hit('r', 0.4)], [hit('q', 2), hit('z', 1)]);
    expect(three.map((p) => p.id)).toEqual(threeSwapped.map((p) => p.id));
  });

  it('handles empty lists', () => {
    expect(fuse([], [])).toEqual([]);
    expect(fuse([hit('a', 0.3)], []).map((p) => [p.id, p.denseScore])).toEqual([['a', 0.3]]);
    expect(fuse([], [hit('a', 3)]).map((p) => [p.id, p.lexicalScore])).toEqual([['a', 3]]);
  });
});

describe('createRetriever on the seeded demo knowledge base', () => {
  let db: Db;
  let index: VectorIndex;
  let server: ScriptedOpenAI;
  let embedder: Embedder;
  const DIMS = 256;

  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    await seedDemoData(db);
    index = createEmbeddedVectorIndex(db);
    server = await startScriptedOpenAI();
    embedder = createEmbedder({
      openai: new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0 }),
      model: 'text-embedding-3-small',
      dimensions: DIMS,
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  describe('lexical (no embedder)', () => {
    let retriever: Retriever;
    beforeAll(() => {
      retriever = createRetriever({ index });
    });

    it('offers only the lexical mode', () => {
      expect(retriever.modes).toEqual(['lexical']);
    });

    it('finds the returns policy for an English returns question', async () => {
      const passages = await retriever.retrieve({
        text: 'How long do I have to return a product?',
        language: 'en',
      });
      expect(passages.length).toBeGreaterThan(0);
      expect(passages.length).toBeLessThanOrEqual(5);
      const top3 = passages.slice(0, 3);
      expect(
        top3.some((p) => /return/i.test(p.title) && /30 days/.test(p.content)),
        top3.map((p) => p.title).join(' | '),
      ).toBe(true);
      for (const p of passages) {
        expect(p.lexicalScore).toBeGreaterThan(0);
        expect(p.denseScore).toBeUndefined();
      }
    });

    it('puts French passages first for a French question', async () => {
      const passages = await retriever.retrieve({
        text: 'Combien de temps ai-je pour retourner un produit ?',
        language: 'fr',
      });
      expect(passages[0]?.language).toBe('fr');
      expect(passages[0]!.content).toMatch(/retour/i);
      const firstOther = passages.findIndex((p) => p.language !== 'fr');
      if (firstOther >= 0) expect(passages.slice(firstOther).every((p) => p.language !== 'fr')).toBe(true);
    });

    it('reads a regional language tag as its base language', async () => {
      const passages = await retriever.retrieve({ text: 'Quels sont vos horaires ?', language: 'fr-BE' });
      expect(passages[0]?.language).toBe('fr');
    });

    it('answers a Dutch question only other languages cover with their passages', async () => {
      // No Dutch page is about the warranty; the French ones are.
      const passages = await retriever.retrieve({ text: 'Hoe lang is de garantie?', language: 'nl' });
      expect(passages.length).toBeGreaterThan(0);
      expect(passages.every((p) => p.language !== 'nl')).toBe(true);
      expect(passages[0]!.title).toMatch(/garantie/i);
    });

    it('fills the places Dutch passages leave with other languages', async () => {
      const passages = await retriever.retrieve({
        text: 'Welke betaalmethoden accepteren jullie, PayPal of Klarna?',
        language: 'nl',
      });
      const dutch = passages.filter((p) => p.language === 'nl');
      const others = passages.filter((p) => p.language !== 'nl');
      expect(dutch.length).toBeGreaterThan(0);
      expect(others.length).toBeGreaterThan(0);
      // Own language first, then the payment pages of the other languages.
      expect(passages.slice(0, dutch.length).every((p) => p.language === 'nl')).toBe(true);
      expect(others.some((p) => /paypal/i.test(p.content))).toBe(true);
    });

    it('honours k and returns nothing for an empty question', async () => {
      const two = await retriever.retrieve({ text: 'What are your opening hours?', language: 'en', k: 2 });
      expect(two).toHaveLength(2);
      expect(await retriever.retrieve({ text: '   ', language: 'en' })).toEqual([]);
      expect(await retriever.retrieve({ text: 'flurb wizzle quantum', language: 'en' })).toEqual([]);
    });

    it('refuses dense and hybrid retrieval without an embedding model', async () => {
      await expect(retriever.retrieve({ text: 'warranty', mode: 'dense' })).rejects.toThrow(
        /dense.*embedding model/,
      );
      await expect(retriever.retrieve({ text: 'warranty', mode: 'hybrid' })).rejects.toThrow(
        /hybrid.*embedding model/,
      );
    });
  });

  describe('with an embedder over the scripted OpenAI server', () => {
    /** Chunk id → its embedding. */
    const vectors = new Map<string, Float32Array>();
    let retriever: Retriever;

    const cosine = (a: Float32Array, b: Float32Array) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! * a[i]!;
        nb += b[i]! * b[i]!;
      }
      return dot / Math.sqrt(na * nb);
    };

    it('offers every mode, the configured default first', () => {
      const modes = createRetriever({ index, embedder }).modes;
      expect([...modes].sort()).toEqual(['dense', 'hybrid', 'lexical']);
      expect(createRetriever({ index, embedder, defaultMode: 'hybrid' }).modes[0]).toBe('hybrid');
    });

    it('falls back to full-text search in dense mode while no chunk has a vector yet', async () => {
      const passages = await createRetriever({ index, embedder }).retrieve({
        text: 'How long do I have to return a product?',
        language: 'en',
        mode: 'dense',
      });
      expect(passages.length).toBeGreaterThan(0);
      expect(passages[0]!.lexicalScore).toBeGreaterThan(0);
    });

    describe('after embedding the knowledge base', () => {
      beforeAll(async () => {
        const chunks = await loadKnowledgeDir(DEMO_KNOWLEDGE_DIR);
        const embedded = await embedder.embed(chunks.map((c) => `${c.title}\n${c.content}`));
        chunks.forEach((c, i) => vectors.set(c.id, embedded[i]!));
        await index.upsert(
          chunks.map((c, i) => ({ ...c, embedding: embedded[i]!, embeddingModel: embedder.modelId })),
        );
        retriever = createRetriever({ index, embedder });
      });

      async function queryVector(text: string): Promise<Float32Array> {
        return (await embedder.embed([text]))[0]!;
      }

      it('hybrid: a passage both searches found carries both scores, each the right one', async () => {
        const text = 'How long do I have to return a product?';
        const passages = await retriever.retrieve({ text, language: 'en', mode: 'hybrid' });
        expect(passages.length).toBeGreaterThan(0);
        const q = await queryVector(text);
        const lexical = new Map(
          (await index.lexicalSearch(toAnyWordQuery(text), { k: 1_000 })).map((h) => [h.id, h.score]),
        );
        for (const p of passages) {
          expect(p.denseScore !== undefined || p.lexicalScore !== undefined).toBe(true);
          if (p.denseScore !== undefined) expect(p.denseScore).toBeCloseTo(cosine(q, vectors.get(p.id)!), 5);
          if (p.lexicalScore !== undefined) expect(p.lexicalScore).toBeCloseTo(lexical.get(p.id)!, 6);
        }
        // Passages among the best five of both searches were found by both.
        const denseTop = new Set((await index.search(q, { k: 5 })).map((h) => h.id));
        const lexicalTop = new Set(
          (await index.lexicalSearch(toAnyWordQuery(text), { k: 5 })).map((h) => h.id),
        );
        const both = passages.filter((p) => denseTop.has(p.id) && lexicalTop.has(p.id));
        expect(both.length).toBeGreaterThan(0);
        for (const p of both) {
          expect(p.denseScore, p.title).toBeDefined();
          expect(p.lexicalScore, p.title).toBeDefined();
        }
        // The FAQ entry asking exactly this question is the best passage.
        expect(passages[0]!.title).toBe(text);
        expect(passages[0]!.denseScore).toBeDefined();
        expect(passages[0]!.lexicalScore).toBeDefined();
      });

      it('dense: only cosine scores, best first, without a language preference', async () => {
        const text = 'Is limescale damage covered by the warranty?';
        const passages = await retriever.retrieve({ text, mode: 'dense' });
        expect(passages.length).toBe(5);
        for (const p of passages) {
          expect(p.lexicalScore).toBeUndefined();
          expect(p.denseScore).toBeDefined();
        }
        const scores = passages.map((p) => p.denseScore!);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        expect(passages[0]!.title).toBe(text);
      });

      it('hybrid in French still puts a French passage first', async () => {
        const passages = await retriever.retrieve({
          text: 'Combien de temps ai-je pour retourner un produit ?',
          language: 'fr',
          mode: 'hybrid',
        });
        expect(passages[0]?.language).toBe('fr');
      });

      it('lexical mode does not call the embeddings endpoint', async () => {
        const before = server.embeddingsRequests.length;
        const passages: Passage[] = await retriever.retrieve({
          text: 'Which payment methods do you accept?',
          language: 'en',
          mode: 'lexical',
        });
        expect(server.embeddingsRequests.length).toBe(before);
        expect(passages.length).toBeGreaterThan(0);
        expect(passages.every((p) => p.denseScore === undefined)).toBe(true);
      });

      it('embeds the question once per retrieval, with the configured dimensions', async () => {
        const before = server.embeddingsRequests.length;
        await retriever.retrieve({ text: 'Where is my parcel?', language: 'en', mode: 'hybrid' });
        const sent = server.embeddingsRequests.slice(before);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ input: ['Where is my parcel?'], dimensions: DIMS });
      });
    });
  });
});
