/**
 * `npm run bench retrieval`: retrieval quality of the production retriever
 * (activities/knowledge/retrieval.ts) on the demo knowledge base, with the labelled customer
 * questions of bench/data/retrieval-questions.json (EN, FR and a few NL). Every chunk of
 * knowledge/demo is embedded and stored in the embedded vector index of a fresh Postgres database;
 * each question then goes through `retrieve({ text, language, k, mode })` for every mode, and we
 * report recall@3 (a relevant chunk among the 3 passages the agent would get) and MRR@10 (reciprocal
 * rank of the first relevant chunk in the top 10, 0 when absent), per language and overall.
 *
 * Embeddings: `--embeddings scripted` (default) uses the scripted OpenAI stand-in's hashed
 * bag-of-words vectors (no semantics: a floor, not a model); `openai` uses OPENAI_BASE_URL,
 * OPENAI_API_KEY and OPENAI_EMBEDDING_MODEL from the environment; `local` runs multilingual-e5-small
 * on this machine (see bench/local-embeddings-server.ts; `sh scripts/fetch-bench-model.sh` first).
 * Starts its own embedded Postgres unless DATABASE_URL is set; either way it works in a fresh
 * database that it drops at the end.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import pg from 'pg';
import { loadKnowledgeDir, TITLE_SEPARATOR, type KnowledgeChunk } from '../activities/knowledge/chunking.js';
import { createEmbeddedVectorIndex } from '../activities/knowledge/embedded-index.js';
import { createEmbedder, type Embedder } from '../activities/knowledge/embeddings.js';
import { createRetriever, type Passage, type RetrievalMode } from '../activities/knowledge/retrieval.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../devstack/embedded-postgres.js';
import { ms } from './stats.js';

const KNOWLEDGE_DIR = fileURLToPath(new URL('../knowledge/demo', import.meta.url));
const QUESTIONS_FILE = fileURLToPath(new URL('./data/retrieval-questions.json', import.meta.url));
const MODES: readonly RetrievalMode[] = ['dense', 'lexical', 'hybrid'];
/** What the agent is given per turn, and what recall is measured at. */
const K = 3;
/** Depth of the ranked list MRR is computed on. */
const MRR_DEPTH = 10;
const TARGET_RECALL = 0.9;

interface Label {
  source: string;
  title: string;
}

interface Question {
  question: string;
  language: string;
  relevant: Label[];
}

/** One question's outcome in one mode. */
interface Outcome {
  question: Question;
  relevantIds: Set<string>;
  hit: boolean;
  /** 1-based rank of the first relevant passage within the top MRR_DEPTH, undefined when absent. */
  rank: number | undefined;
  top: Passage[];
}

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

async function loadQuestions(file: string): Promise<Question[]> {
  const data = JSON.parse(await readFile(file, 'utf8')) as { questions?: unknown };
  if (!Array.isArray(data.questions)) throw new Error(`${file}: expected { "questions": [...] }`);
  return data.questions.map((q: Partial<Question>, i) => {
    const ok =
      typeof q.question === 'string' &&
      typeof q.language === 'string' &&
      Array.isArray(q.relevant) &&
      q.relevant.length > 0 &&
      q.relevant.every((l) => typeof l?.source === 'string' && typeof l.title === 'string');
    if (!ok)
      throw new Error(`${file}: question ${i + 1} needs question, language and relevant[{source, title}]`);
    return q as Question;
  });
}

/**
 * The chunks a label stands for: same source and the same title — the full heading path, its last
 * heading, or (when nothing matches exactly) a prefix of the full title. Every piece of a section
 * that was split counts, so labels survive re-chunking.
 */
export function resolveLabel(label: Label, chunks: readonly KnowledgeChunk[]): KnowledgeChunk[] {
  const ofSource = chunks.filter((c) => c.source === label.source);
  const exact = ofSource.filter(
    (c) => c.title === label.title || c.title.split(TITLE_SEPARATOR).at(-1) === label.title,
  );
  return exact.length > 0 ? exact : ofSource.filter((c) => c.title.startsWith(label.title));
}

/** What a chunk is embedded from: its heading path (or FAQ question) and its content. */
function embeddingText(chunk: KnowledgeChunk): string {
  return chunk.content.startsWith(chunk.title) ? chunk.content : `${chunk.title}\n\n${chunk.content}`;
}

/** Embeds each distinct text once (every question is retrieved at two depths in three modes). */
function cached(embedder: Embedder): Embedder {
  const cache = new Map<string, Float32Array>();
  return {
    modelId: embedder.modelId,
    async embed(texts) {
      const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
      if (missing.length > 0) {
        const vectors = await embedder.embed(missing);
        missing.forEach((t, i) => cache.set(t, vectors[i]!));
      }
      return texts.map((t) => cache.get(t)!);
    },
  };
}

interface Embedders {
  description: string;
  /** Embeds the knowledge-base chunks. */
  passages: Embedder;
  /** Embeds the questions (the same as `passages` unless the model wants query/passage prefixes). */
  queries: Embedder;
  stop(): Promise<void>;
}

async function startEmbedders(kind: string, dimensions: number | undefined): Promise<Embedders> {
  const dims = dimensions ? { dimensions } : {};
  switch (kind) {
    case 'scripted': {
      const { startScriptedOpenAI } = await import('../test/servers/scripted-openai.js');
      const server = await startScriptedOpenAI({ apiKey: 'bench' });
      const openai = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
      const embedder = createEmbedder({ openai, model: 'text-embedding-3-small', ...dims });
      return {
        description: `scripted stand-in (${dimensions ?? 1536} dims): hashed bag-of-words, not a semantic model`,
        passages: embedder,
        queries: embedder,
        stop: () => server.close(),
      };
    }
    case 'openai': {
      const apiKey = process.env.OPENAI_API_KEY;
      if (!apiKey)
        throw usageError('--embeddings openai needs OPENAI_API_KEY (and optionally OPENAI_BASE_URL)');
      const model = process.env.OPENAI_EMBEDDING_MODEL || 'text-embedding-3-small';
      const baseURL = process.env.OPENAI_BASE_URL || undefined;
      const openai = new OpenAI({ apiKey, ...(baseURL ? { baseURL } : {}) });
      const embedder = createEmbedder({ openai, model, apiKey, ...dims });
      return {
        description: `${embedder.modelId} via ${baseURL ?? 'api.openai.com'}`,
        passages: embedder,
        queries: embedder,
        stop: async () => {},
      };
    }
    case 'local': {
      const { startLocalEmbeddingsServer } = await import('./local-embeddings-server.js');
      const server = await startLocalEmbeddingsServer();
      const openai = new OpenAI({ baseURL: server.url, apiKey: 'local', maxRetries: 0 });
      return {
        description: `${server.description}; "passage: " prefix for chunks, "query: " for questions`,
        passages: createEmbedder({ openai, model: server.passageModel, batchSize: 16 }),
        queries: createEmbedder({ openai, model: server.queryModel }),
        stop: server.stop,
      };
    }
    default:
      throw usageError(`--embeddings takes scripted, openai or local (got "${kind}")`);
  }
}

const LANGUAGE_GROUPS = ['en', 'fr', 'nl'];

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '—';
}

function shortTitle(p: { source: string; title: string }): string {
  return `${p.source} › ${p.title.split(TITLE_SEPARATOR).at(-1)}`;
}

/** The scores behind a passage's place: cosine similarity and/or `ts_rank_cd`. */
function scores(p: Passage): string {
  const parts = [
    p.denseScore === undefined ? '' : `cosine ${p.denseScore.toFixed(3)}`,
    p.lexicalScore === undefined ? '' : `ts_rank_cd ${p.lexicalScore.toFixed(3)}`,
  ].filter(Boolean);
  return parts.length ? `  ${parts.join(', ')}` : '';
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      embeddings: { type: 'string', default: 'scripted' },
      dimensions: { type: 'string' },
      questions: { type: 'string', default: QUESTIONS_FILE },
      verbose: { type: 'boolean', short: 'v', default: false },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      [
        'options:',
        '  --embeddings scripted|openai|local  what embeds chunks and questions (default scripted: hashed bag-of-words stand-in)',
        '                                      openai: OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_EMBEDDING_MODEL from the environment',
        '                                      local: multilingual-e5-small on this CPU (sh scripts/fetch-bench-model.sh first)',
        '  --dimensions N                      embedding size to request (scripted and text-embedding-3-* only)',
        '  --questions FILE                    labelled questions (default bench/data/retrieval-questions.json)',
        '  --verbose, -v                       every miss of every mode, with what was retrieved instead',
        `  --strict                            exit 1 if the best mode's recall@${K} is below ${TARGET_RECALL}`,
      ].join('\n'),
    );
    return 0;
  }
  const dimensions = values.dimensions === undefined ? undefined : Number(values.dimensions);
  if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions <= 0)) {
    throw usageError('--dimensions takes a positive integer');
  }

  const questions = await loadQuestions(values.questions);
  const chunks = await loadKnowledgeDir(KNOWLEDGE_DIR);
  const relevantIds = questions.map((q, i) => {
    const ids = new Set<string>();
    for (const label of q.relevant) {
      const matched = resolveLabel(label, chunks);
      if (matched.length === 0) {
        throw new Error(
          `question ${i + 1} ("${q.question}"): no chunk of ${label.source} is titled "${label.title}" (knowledge base changed?)`,
        );
      }
      matched.forEach((c) => ids.add(c.id));
    }
    return ids;
  });

  console.log('\nnpm run bench retrieval', args.join(' '));
  const embedders = await startEmbedders(values.embeddings, dimensions);
  let server: EmbeddedPostgresServer | undefined;
  let admin: pg.Client | undefined;
  let db: ReturnType<typeof createDb> | undefined;
  const name = `bench_retrieval_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      server = await startEmbeddedPostgres();
      adminUrl = server.url;
    }
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    db = createDb(url.toString());
    await migrateToLatest(db);

    const embedStarted = performance.now();
    const vectors = await embedders.passages.embed(chunks.map(embeddingText));
    const embedMs = performance.now() - embedStarted;
    const index = createEmbeddedVectorIndex(db);
    await index.upsert(
      chunks.map((c, i) => ({ ...c, embedding: vectors[i]!, embeddingModel: embedders.passages.modelId })),
    );
    const retriever = createRetriever({ index, embedder: cached(embedders.queries) });

    const byLanguage = (lang: string) => questions.filter((q) => q.language === lang).length;
    console.log(`\nEmbeddings   ${embedders.description}`);
    console.log(
      `Knowledge    knowledge/demo: ${chunks.length} chunks (${['en', 'fr', 'nl'].map((l) => `${chunks.filter((c) => c.language === l).length} ${l.toUpperCase()}`).join(', ')}), embedded in ${ms(embedMs)}, ${vectors[0]?.length ?? 0} dims`,
    );
    console.log(
      `Questions    ${questions.length} (${LANGUAGE_GROUPS.map((l) => `${byLanguage(l)} ${l.toUpperCase()}`).join(', ')}) from ${values.questions}`,
    );

    const outcomes = new Map<RetrievalMode, Outcome[]>();
    for (const mode of MODES.filter((m) => retriever.modes.includes(m))) {
      const list: Outcome[] = [];
      for (const [i, question] of questions.entries()) {
        const ids = relevantIds[i]!;
        const input = { text: question.question, language: question.language, mode };
        const top = await retriever.retrieve({ ...input, k: K });
        const ranked = await retriever.retrieve({ ...input, k: MRR_DEPTH });
        const at = ranked.findIndex((p) => ids.has(p.id));
        list.push({
          question,
          relevantIds: ids,
          hit: top.some((p) => ids.has(p.id)),
          rank: at < 0 ? undefined : at + 1,
          top,
        });
      }
      outcomes.set(mode, list);
    }

    // Figures table: one row per mode, recall@K and MRR per language group and overall.
    const groups = [...LANGUAGE_GROUPS.filter((l) => byLanguage(l) > 0), 'all'];
    const select = (list: Outcome[], group: string) =>
      group === 'all' ? list : list.filter((o) => o.question.language === group);
    const recall = (list: Outcome[]) => list.filter((o) => o.hit).length / list.length;
    const mrr = (list: Outcome[]) => list.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0) / list.length;
    const cell = (v: string) => v.padStart(6);
    const header = `  ${'mode'.padEnd(8)} ${groups.map((g) => cell(g.toUpperCase())).join('')}   ${groups.map((g) => cell(g.toUpperCase())).join('')}`;
    const title = `── Retrieval quality (recall@${K} | MRR@${MRR_DEPTH}) `;
    console.log(`\n${title}${'─'.repeat(Math.max(4, header.length - title.length))}`);
    console.log(
      `  ${''.padEnd(8)} ${`recall@${K}`.padStart(6 * groups.length)}   ${`MRR@${MRR_DEPTH}`.padStart(6 * groups.length)}`,
    );
    console.log(header);
    let best: { mode: RetrievalMode; recall: number } | undefined;
    for (const [mode, list] of outcomes) {
      const r = recall(list);
      if (!best || r > best.recall) best = { mode, recall: r };
      console.log(
        `  ${mode.padEnd(8)} ${groups.map((g) => cell(fmt(recall(select(list, g))))).join('')}   ${groups.map((g) => cell(fmt(mrr(select(list, g))))).join('')}`,
      );
    }
    if (best) {
      const ok = best.recall >= TARGET_RECALL;
      console.log(
        `  best: ${best.mode}, recall@${K} ${fmt(best.recall)}   target ≥ ${TARGET_RECALL} ${ok ? '✓' : '✗'}`,
      );
    }

    // Misses: by every mode always; per mode with --verbose.
    const missedByAll = questions.filter((_, i) => [...outcomes.values()].every((list) => !list[i]!.hit));
    console.log(`\n── Missed (not in the top ${K}) by every mode: ${missedByAll.length}`);
    for (const q of missedByAll) console.log(`  [${q.language}] ${q.question}`);
    for (const [mode, list] of outcomes) {
      const misses = list.filter((o) => !o.hit);
      console.log(
        `\n── ${mode}: ${misses.length} missed${values.verbose ? '' : ' (--verbose for the list)'}`,
      );
      if (!values.verbose) continue;
      for (const o of misses) {
        console.log(
          `  [${o.question.language}] ${o.question.question}   (first relevant at ${o.rank ?? `> ${MRR_DEPTH}`})`,
        );
        console.log(`      wanted: ${o.question.relevant.map(shortTitle).join(' | ')}`);
        o.top.forEach((p, i) =>
          console.log(`      ${i + 1}. ${shortTitle(p)} [${p.language ?? '-'}]${scores(p)}`),
        );
      }
    }
    return values.strict && (!best || best.recall < TARGET_RECALL) ? 1 : 0;
  } finally {
    await db?.destroy();
    await admin?.query(`drop database if exists ${name}`).catch(() => undefined);
    await admin?.end();
    await server?.stop();
    await embedders.stop();
  }
}
