import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SourceSyncResult } from '../activities/knowledge-activities.js';

export interface KnowledgeSyncInput {
  /** The knowledge directory as the worker sees it (a mounted volume in Kubernetes). */
  dir: string;
  /** Re-embed every chunk (after changing the embedding model). */
  force?: boolean;
  /** Allow a sync that finds no documents to empty the index (off: an unmounted volume must not wipe it). */
  allowEmpty?: boolean;
}

export interface KnowledgeSyncReport {
  dir: string;
  sources: number;
  chunks: number;
  changed: number;
  /** Chunks dropped from documents that are still there (edited documents). */
  removedChunks: number;
  removedSources: string[];
  failed: { source: string; error: string }[];
}

/** The id of the one sync that runs at a time (CLI and schedule share it). */
export const KNOWLEDGE_SYNC_WORKFLOW_ID = 'knowledge-sync';

const list = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 5 } });
const sync = proxyActivities<Activities>({
  // A batch embeds up to a few thousand chunks; the heartbeat (after every source and embedding
  // request) detects a dead worker long before the start-to-close timeout.
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
});

/** Sources per activity: one activity per file would make a large knowledge base's history huge. */
const BATCH = 25;

/**
 * Brings the index in line with a knowledge directory: new and changed chunks embedded and upserted,
 * unchanged ones left alone, chunks and documents that disappeared removed. Re-running it with no
 * change embeds nothing.
 */
export async function knowledgeSyncWorkflow(input: KnowledgeSyncInput): Promise<KnowledgeSyncReport> {
  const sources = await list.listKnowledgeSources.executeWithOptions({ summary: `List ${input.dir}` }, [
    { dir: input.dir },
  ]);
  if (sources.length === 0 && !input.allowEmpty) {
    throw ApplicationFailure.nonRetryable(
      `no documents found in ${input.dir}: refusing to empty the knowledge base (set allowEmpty to do it)`,
      'KnowledgeDirEmpty',
    );
  }
  const results: SourceSyncResult[] = [];
  for (let start = 0; start < sources.length; start += BATCH) {
    const batch = sources.slice(start, start + BATCH);
    results.push(
      ...(await sync.syncKnowledgeSources.executeWithOptions(
        { summary: `Sync ${start + 1}–${start + batch.length} of ${sources.length}` },
        [{ dir: input.dir, sources: batch, force: input.force ?? false }],
      )),
    );
  }
  const removedSources = await list.removeStaleKnowledgeSources.executeWithOptions(
    { summary: 'Remove documents no longer in the directory' },
    [{ keep: sources }],
  );
  return {
    dir: input.dir,
    sources: sources.length,
    chunks: results.reduce((n, r) => n + r.chunks, 0),
    changed: results.reduce((n, r) => n + r.changed, 0),
    removedChunks: results.reduce((n, r) => n + r.removed, 0),
    removedSources,
    failed: results.flatMap((r) => (r.error ? [{ source: r.source, error: r.error }] : [])),
  };
}
