import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { classifyActivityFailures } from './activity-failures.js';

/** The workflow sources, whether we run from TypeScript (tsx, vitest) or from compiled output. */
export function workflowsPath(): string {
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`../workflows/index${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('workflows/index not found next to the worker');
}

/**
 * The Parley worker: conversation workflows plus every activity, on one task queue. Tests pass a
 * pre-built `workflowBundle` so the workflow code is bundled once per test run, not per worker.
 */
export async function createParleyWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  workflowBundle?: WorkflowBundle;
  identity?: string;
  /** Parley's data converter (core/encryption/data-converter.ts): payloads encrypted per customer. */
  dataConverter: DataConverter;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    dataConverter: opts.dataConverter,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: workflowsPath() }),
    ...(opts.identity ? { identity: opts.identity } : {}),
    interceptors: { activity: [classifyActivityFailures] },
    // Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds (default 30 s): let running
    // activities finish inside that window instead of abandoning them to a timeout.
    shutdownGraceTime: '25s',
  });
}
