/**
 * The steps of a retention run (workflows/retention.ts): the policy from config, one class applied
 * in bounded batches per call (the workflow calls again while there is more), and the run's report
 * in the audit log.
 */
import type { Db } from '../db/database.js';
import { appendAudit } from '../db/repositories/audit-log.js';
import { applyRetentionBatch } from '../db/repositories/retention.js';
import type { RetentionClass, RetentionPolicy } from '../domain/retention.js';

const BATCH = 1_000;
const BATCHES_PER_CALL = 20;

export function createRetentionActivities(deps: { db: Db; retention: RetentionPolicy }) {
  const { db } = deps;
  return {
    async retentionPolicy(): Promise<RetentionPolicy> {
      return deps.retention;
    },

    /** Up to 20,000 rows of `cls` older than `cutoffIso`; `more` when there may be others. */
    async applyRetention(
      cls: RetentionClass,
      cutoffIso: string,
    ): Promise<{ changed: number; more: boolean }> {
      let changed = 0;
      for (let i = 0; i < BATCHES_PER_CALL; i++) {
        const n = await applyRetentionBatch(db, cls, new Date(cutoffIso), BATCH);
        changed += n;
        if (n < BATCH) return { changed, more: false };
      }
      return { changed, more: true };
    },

    async recordRetentionRun(report: { cutoffs: Record<string, string>; changed: Record<string, number> }) {
      await appendAudit(db, [{ kind: 'retention_run', actor: 'system:retention', details: report }]);
    },
  };
}
