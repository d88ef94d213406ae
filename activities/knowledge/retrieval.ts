/**
 * Retrieval for a customer turn: dense (embedding) and lexical (full-text) search over the whole
 * knowledge base, the customer's language preferred, fused by reciprocal rank. A passage in another
 * language can still win (a Dutch customer gets the English warranty page, which the model answers
 * from in Dutch).
 */
import type { Embedder } from './embeddings.js';
import { normaliseLanguage, type VectorHit, type VectorIndex } from './embedded-index.js';

export type RetrievalMode = 'dense' | 'lexical' | 'hybrid';

export interface Passage {
  id: string;
  title: string;
  content: string;
  source: string;
  language: string | null;
  /** Fused score (reciprocal rank); only comparable within one retrieval. */
  score: number;
  /** Cosine similarity when dense search found it. */
  denseScore?: number;
  /** `ts_rank_cd` when lexical search found it. */
  lexicalScore?: number;
}

export interface RetrieveInput {
  text: string;
  language?: string;
  /** Passages wanted. Default 5. */
  k?: number;
  /** Default: the retriever's default mode (`lexical` without an embedder). */
  mode?: RetrievalMode;
}

export interface Retriever {
  readonly modes: readonly RetrievalMode[];
  retrieve(input: RetrieveInput): Promise<Passage[]>;
}

/** Rank constant of reciprocal rank fusion (the usual 60: a top rank is not worth much more than the next). */
const RRF_K = 60;
/** Candidates taken from each search before fusion. */
const CANDIDATES = 20;
/** Cosine bonus of a passage in the customer's language (see preferLanguage). */
const OWN_LANGUAGE_DENSE_BONUS = 0.03;
/** Longest query we search with: a long message is mostly noise for ranking. */
const MAX_QUERY_CHARS = 1_000;

/**
 * Customer questions are full sentences: the websearch syntax would AND every word and find nothing.
 * OR the words instead (stop words are dropped by each language's configuration) and let the rank
 * reward passages that cover more of them. Quotes and minus signs would be operators: dropped.
 */
export function toAnyWordQuery(text: string): string {
  const words = text
    .slice(0, MAX_QUERY_CHARS)
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu);
  const unique = [...new Set((words ?? []).filter((w) => w.length >= 2 && w !== 'or'))];
  return unique.slice(0, 40).join(' or ');
}

export function createRetriever(deps: {
  index: VectorIndex;
  embedder?: Embedder;
  /** Mode used when a call names none (with an embedder). Default `dense`, the best measured one. */
  defaultMode?: RetrievalMode;
}): Retriever {
  const { index, embedder } = deps;
  const preferred = deps.defaultMode ?? 'dense';
  const modes: RetrievalMode[] = embedder
    ? [preferred, ...(['dense', 'hybrid', 'lexical'] as const).filter((m) => m !== preferred)]
    : ['lexical'];

  async function search(
    mode: RetrievalMode,
    text: string,
    vector: Float32Array | undefined,
    language: string | undefined,
  ): Promise<Passage[]> {
    const opts = { k: CANDIDATES };
    const [dense, lexical] = await Promise.all([
      mode !== 'lexical' && vector ? index.search(vector, opts) : Promise.resolve([]),
      mode !== 'dense' ? index.lexicalSearch(toAnyWordQuery(text), opts) : Promise.resolve([]),
    ]);
    return fuse(
      preferLanguage(dense, language, OWN_LANGUAGE_DENSE_BONUS),
      preferLanguage(lexical, language, 0),
    );
  }

  return {
    modes,
    async retrieve(input) {
      const k = input.k ?? 5;
      const mode = input.mode ?? modes[0]!;
      if (!modes.includes(mode)) throw new Error(`retrieval mode ${mode} needs an embedding model`);
      const text = input.text.trim();
      if (!text) return [];
      const language = normaliseLanguage(input.language);
      let vector: Float32Array | undefined;
      let used = mode;
      if (mode !== 'lexical') {
        try {
          vector = (await embedder!.embed([text.slice(0, 8_000)]))[0];
        } catch {
          used = 'lexical'; // the embeddings endpoint being down must not cost the customer the text search
        }
      }
      let passages = await search(used, text, vector, language);
      // Chunks indexed before an embedding model was configured have no vectors: search their text.
      if (passages.length === 0 && used === 'dense')
        passages = await search('lexical', text, undefined, language);
      return passages.slice(0, k);
    },
  };
}

/**
 * Ranks the customer's language first unless another language's passage is clearly better: dense
 * scores of own-language hits get a small bonus (cosine similarity is comparable across languages
 * with a multilingual model); lexical scores are not (each language has its own configuration), so
 * own-language hits simply go first. A Dutch customer asking about the warranty, which only the
 * English and French pages cover, still gets the warranty page rather than the Dutch returns page.
 */
function preferLanguage(hits: VectorHit[], language: string | undefined, bonus: number): VectorHit[] {
  if (!language) return hits;
  const own = (h: VectorHit) => normaliseLanguage(h.language) === language;
  if (bonus > 0) {
    return [...hits].sort((a, b) => b.score + (own(b) ? bonus : 0) - (a.score + (own(a) ? bonus : 0)));
  }
  return [...hits.filter(own), ...hits.filter((h) => !own(h))];
}

/** Reciprocal rank fusion of the two ranked lists (either may be empty). */
export function fuse(dense: readonly VectorHit[], lexical: readonly VectorHit[]): Passage[] {
  const byId = new Map<string, Passage>();
  const add = (hits: readonly VectorHit[], key: 'denseScore' | 'lexicalScore') =>
    hits.forEach((hit, rank) => {
      const passage = byId.get(hit.id) ?? {
        id: hit.id,
        title: hit.title,
        content: hit.content,
        source: hit.source,
        language: hit.language,
        score: 0,
      };
      passage.score += 1 / (RRF_K + rank + 1);
      passage[key] = hit.score;
      byId.set(hit.id, passage);
    });
  add(dense, 'denseScore');
  add(lexical, 'lexicalScore');
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
