import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from '../core/logger.js';
import { chunkDocument, listKnowledgeFiles } from './knowledge/chunking.js';
import type { VectorIndex } from './knowledge/embedded-index.js';
import type { Embedder } from './knowledge/embeddings.js';

export interface SourceSyncResult {
  source: string;
  chunks: number;
  /** Chunks new or changed since the last sync (re-embedded when an embedder is configured). */
  changed: number;
  removed: number;
  error?: string;
}

export interface KnowledgeDeps {
  index: VectorIndex;
  /** Undefined without an embeddings endpoint: chunks are indexed for full-text search only. */
  embedder: Embedder | undefined;
  logger: Logger;
}

/**
 * Ingestion of a knowledge directory, source by source: chunk, compare content hashes with the
 * index, embed only what changed, upsert it, drop chunks that disappeared. Each source is
 * independent, so a bad file is reported and the rest still syncs.
 */
export function createKnowledgeActivities(deps: KnowledgeDeps) {
  const { index, embedder, logger } = deps;

  async function syncSource(
    dir: string,
    source: string,
    force: boolean,
    beat: () => void,
  ): Promise<SourceSyncResult> {
    const text = await readFile(join(dir, source), 'utf8');
    const chunks = chunkDocument({ source, text }) ?? [];
    // With an embedder, chunks it did not embed (indexed before a model was configured, or by
    // another model) count as changed.
    const existing = await index.existingHashes(source, embedder?.modelId);
    const changed = chunks.filter((c) => force || existing.get(c.id) !== c.contentHash);
    const vectors = embedder
      ? await embedInBatches(
          embedder,
          changed.map((c) => `${c.title}\n${c.content}`),
          beat,
        )
      : [];
    await index.upsert(
      changed.map((c, i) => ({
        ...c,
        ...(vectors[i] ? { embedding: vectors[i], embeddingModel: embedder!.modelId } : {}),
      })),
    );
    const removed = await index.deleteMissing(
      source,
      chunks.map((c) => c.id),
    );
    return { source, chunks: chunks.length, changed: changed.length, removed };
  }

  return {
    /** The supported files under `dir`, relative paths in a stable order. */
    async listKnowledgeSources(input: { dir: string }): Promise<string[]> {
      const info = await stat(input.dir).catch(() => undefined);
      if (!info?.isDirectory()) {
        throw ApplicationFailure.nonRetryable(
          `knowledge directory ${input.dir} not found`,
          'KnowledgeDirNotFound',
        );
      }
      return listKnowledgeFiles(input.dir);
    },

    /**
     * Syncs a batch of sources, heartbeating after each one; a retry resumes after the last source
     * reported done (the heartbeat details), so a large batch is not redone from the start.
     */
    async syncKnowledgeSources(input: {
      dir: string;
      sources: string[];
      force?: boolean;
    }): Promise<SourceSyncResult[]> {
      const context = Context.current();
      const resumed =
        (context.info.heartbeatDetails as { results?: SourceSyncResult[] } | undefined)?.results ?? [];
      const results = [...resumed];
      const beat = () => context.heartbeat({ results });
      for (const source of input.sources.slice(results.length)) {
        try {
          results.push(await syncSource(input.dir, source, input.force ?? false, beat));
        } catch (err) {
          // An unreadable file or a rejected chunk is this source's problem only; an embeddings or
          // database outage is everyone's: let Temporal retry the batch.
          if (isInfrastructureFailure(err)) throw err;
          const message = err instanceof Error ? err.message : String(err);
          logger.warn('knowledge source failed', { source, error: message });
          results.push({ source, chunks: 0, changed: 0, removed: 0, error: message });
        }
        beat();
      }
      return results;
    },

    /** Removes every indexed source that is not in `keep`; returns the removed sources. */
    async removeStaleKnowledgeSources(input: { keep: string[] }): Promise<string[]> {
      const keep = new Set(input.keep);
      const stale = (await index.listSources()).filter((s) => !keep.has(s));
      for (const source of stale) await index.deleteBySource(source);
      return stale;
    },
  };
}

async function embedInBatches(
  embedder: Embedder,
  texts: string[],
  beat: () => void,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  const batch = 64;
  for (let start = 0; start < texts.length; start += batch) {
    vectors.push(...(await embedder.embed(texts.slice(start, start + batch))));
    beat();
  }
  return vectors;
}

/** Model and database failures are retried by Temporal; anything else is about the file itself. */
function isInfrastructureFailure(err: unknown): boolean {
  if (err instanceof ApplicationFailure) return !err.nonRetryable;
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && /^(ECONN|ETIMEDOUT|57P|08)/.test(code);
}
