/**
 * One retention run, started daily by the `parley-retention:<task queue>` Schedule: each data class
 * is redacted or deleted past its limit (domain/retention.ts, config), in batches, and the counts
 * go to the audit log and to the run's result.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { RETENTION_CLASSES } from '../domain/retention.js';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 10 },
});

const DAY_MS = 24 * 60 * 60_000;

export interface RetentionReport {
  cutoffs: Record<string, string>;
  changed: Record<string, number>;
}

export async function retentionWorkflow(): Promise<RetentionReport> {
  const policy = await steps.retentionPolicy();
  const report: RetentionReport = { cutoffs: {}, changed: {} };
  for (const cls of RETENTION_CLASSES) {
    const cutoff = new Date(Date.now() - policy[cls] * DAY_MS).toISOString();
    report.cutoffs[cls] = cutoff;
    let changed = 0;
    for (let more = true; more;) {
      const batch = await steps.applyRetention(cls, cutoff);
      changed += batch.changed;
      more = batch.more;
    }
    report.changed[cls] = changed;
  }
  await steps.recordRetentionRun(report);
  return report;
}
