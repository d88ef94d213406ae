/**
 * Knowledge-base operations on a running Parley, through Temporal only: sync a knowledge directory
 * now (the ingestion workflow), or schedule it. The `parley kb` commands, `npm run dev` and the tests
 * all go through these functions.
 *
 * The directory is the path as the *worker* sees it (a mounted volume in Kubernetes): the workflow
 * runs there, not here. In dev the worker and this process share a filesystem.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  KNOWLEDGE_SYNC_WORKFLOW_ID,
  type KnowledgeSyncInput,
  type KnowledgeSyncReport,
  type knowledgeSyncWorkflow,
} from '../workflows/knowledge-sync.js';

/** The one schedule that refreshes the knowledge base periodically. */
export const KNOWLEDGE_SYNC_SCHEDULE_ID = 'knowledge-sync-schedule';
const WORKFLOW_TYPE = 'knowledgeSyncWorkflow';
/** A refresh missed while Temporal was down runs if it is at most this late; older ones are dropped. */
const CATCHUP_WINDOW = '10m';

export interface KnowledgeSyncOptions {
  taskQueue: string;
  /** Resolved against the current directory; must be where the worker finds the documents. */
  dir: string;
  force?: boolean;
  allowEmpty?: boolean;
}

export interface StartedKnowledgeSync {
  handle: WorkflowHandle<typeof knowledgeSyncWorkflow>;
  /** The run this request started or joined. */
  runId: string | undefined;
  /** True when a sync was already running and this request joined it instead of starting one. */
  attached: boolean;
  /** The directory of the sync that runs (another one than asked for when attached). */
  dir: string | undefined;
}

export interface KnowledgeSyncOutcome {
  report: KnowledgeSyncReport;
  attached: boolean;
  workflowId: string;
  runId: string | undefined;
}

/** A sync that ended in failure; `type` is the ApplicationFailure type, e.g. `KnowledgeDirEmpty`. */
export class KnowledgeSyncError extends Error {
  override name = 'KnowledgeSyncError';
  constructor(
    message: string,
    readonly type: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Starts the sync workflow, or joins the one already running: the CLI's (same workflow id, started
 * with USE_EXISTING) or the schedule's (whose runs get the scheduled time appended to their id).
 */
export async function startKnowledgeSync(
  client: Client,
  opts: KnowledgeSyncOptions,
): Promise<StartedKnowledgeSync> {
  const scheduled = await runningScheduledSync(client);
  if (scheduled) return { ...scheduled, attached: true };
  const dir = resolve(opts.dir);
  // The memo tells a run this request started from one it joined (the start response does not).
  const requestId = randomUUID();
  const input: KnowledgeSyncInput = {
    dir,
    ...(opts.force ? { force: true } : {}),
    ...(opts.allowEmpty ? { allowEmpty: true } : {}),
  };
  const handle = await client.workflow.start<typeof knowledgeSyncWorkflow>(WORKFLOW_TYPE, {
    workflowId: KNOWLEDGE_SYNC_WORKFLOW_ID,
    taskQueue: opts.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    memo: { requestId, dir },
    staticSummary: `Knowledge sync of ${dir}`,
  });
  const runId = handle.firstExecutionRunId;
  const memo = (await client.workflow.getHandle(handle.workflowId, runId).describe()).memo ?? {};
  const attached = memo.requestId !== requestId;
  return { handle, runId, attached, dir: attached ? (memo.dir as string | undefined) : dir };
}

/** Waits for a sync started (or joined) by {@link startKnowledgeSync}; a failure becomes a KnowledgeSyncError. */
export async function knowledgeSyncResult(started: StartedKnowledgeSync): Promise<KnowledgeSyncOutcome> {
  const { handle, attached, runId } = started;
  try {
    const report = await handle.result();
    return { report, attached, workflowId: handle.workflowId, runId };
  } catch (err) {
    throw asSyncError(err);
  }
}

/** Syncs a knowledge directory through the workflow and waits for its report. */
export async function syncKnowledge(
  client: Client,
  opts: KnowledgeSyncOptions,
): Promise<KnowledgeSyncOutcome> {
  return knowledgeSyncResult(await startKnowledgeSync(client, opts));
}

export interface ScheduleKnowledgeSyncOptions extends KnowledgeSyncOptions {
  /** How often, e.g. `30m`, `6h`, `1d`. Default `6h`. */
  every?: string;
}

export interface ScheduledKnowledgeSync {
  action: 'created' | 'updated';
  scheduleId: string;
  everyMs: number;
  nextRunAt: Date | undefined;
}

/**
 * Creates the refresh schedule, or updates it in place (interval, directory, options) when it exists;
 * a paused schedule stays paused. Overlapping runs are skipped.
 */
export async function scheduleKnowledgeSync(
  client: Client,
  opts: ScheduleKnowledgeSyncOptions,
): Promise<ScheduledKnowledgeSync> {
  const every = opts.every ?? '6h';
  const everyMs = parseInterval(every);
  const dir = resolve(opts.dir);
  const input: KnowledgeSyncInput = {
    dir,
    ...(opts.force ? { force: true } : {}),
    ...(opts.allowEmpty ? { allowEmpty: true } : {}),
  };
  const spec = { intervals: [{ every: everyMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW_TYPE,
    workflowId: KNOWLEDGE_SYNC_WORKFLOW_ID,
    taskQueue: opts.taskQueue,
    args: [input],
    memo: { dir },
    staticSummary: `Scheduled knowledge sync of ${dir}`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW };
  let created = true;
  try {
    await client.schedule.create({ scheduleId: KNOWLEDGE_SYNC_SCHEDULE_ID, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule
      .getHandle(KNOWLEDGE_SYNC_SCHEDULE_ID)
      .update((previous) => ({ ...previous, spec, action, policies }));
  }
  const description = await client.schedule.getHandle(KNOWLEDGE_SYNC_SCHEDULE_ID).describe();
  return {
    action: created ? 'created' : 'updated',
    scheduleId: KNOWLEDGE_SYNC_SCHEDULE_ID,
    everyMs,
    nextRunAt: description.info.nextActionTimes[0],
  };
}

/** Deletes the refresh schedule; false when there was none. A sync it started keeps running. */
export async function unscheduleKnowledgeSync(client: Client): Promise<boolean> {
  try {
    await client.schedule.getHandle(KNOWLEDGE_SYNC_SCHEDULE_ID).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** `90s`, `30m`, `6h`, `1d` → milliseconds; at least one minute. Throws on anything else. */
export function parseInterval(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match?.[2] ?? ''];
  const ms = match && unit ? Number(match[1]) * unit : NaN;
  if (!(ms >= 60_000)) {
    throw new RangeError(`invalid interval "${text}": use a number and a unit (s, m, h, d), at least 1m`);
  }
  return ms;
}

/** `21600000` → `6h`, `5400000` → `90m`. */
export function formatInterval(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

/** One line: what the sync did. */
export function summarizeReport(report: KnowledgeSyncReport): string {
  const parts = [
    `${report.sources} documents`,
    `${report.chunks} chunks`,
    `${report.changed} new or changed`,
    `${report.removedChunks} removed from edited documents`,
    `${report.removedSources.length} documents removed`,
  ];
  if (report.failed.length) parts.push(`${report.failed.length} failed`);
  return `knowledge sync of ${report.dir}: ${parts.join(', ')}`;
}

/** The report as lines for a terminal: the summary, then removed and failed documents. */
export function formatReport(report: KnowledgeSyncReport): string[] {
  return [
    summarizeReport(report),
    ...report.removedSources.map((source) => `  removed  ${source}`),
    ...report.failed.map((f) => `  failed   ${f.source}: ${f.error}`),
  ];
}

async function runningScheduledSync(
  client: Client,
): Promise<Omit<StartedKnowledgeSync, 'attached'> | undefined> {
  let running;
  try {
    running = (await client.schedule.getHandle(KNOWLEDGE_SYNC_SCHEDULE_ID).describe()).info.runningActions[0];
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
  if (!running) return undefined;
  const { workflowId, firstExecutionRunId } = running.workflow;
  const handle = client.workflow.getHandle<typeof knowledgeSyncWorkflow>(workflowId, firstExecutionRunId);
  const memo = (await handle.describe()).memo ?? {};
  return { handle, runId: firstExecutionRunId, dir: memo.dir as string | undefined };
}

/** The innermost ApplicationFailure's type and message (an activity's failure is wrapped twice). */
function asSyncError(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  let failure: unknown = err.cause;
  let application: ApplicationFailure | undefined;
  while (failure instanceof Error) {
    if (failure instanceof ApplicationFailure) application = failure;
    failure = failure.cause;
  }
  const reason = application ?? (err.cause instanceof Error ? err.cause : err);
  const type = application?.type ?? undefined;
  return new KnowledgeSyncError(`knowledge sync failed${type ? ` (${type})` : ''}: ${reason.message}`, type, {
    cause: err,
  });
}
