import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../devstack/embedded-postgres.js';
import { startTemporalDevServer } from '../../devstack/temporal-dev-server.js';
import { temporalTestServerPath } from '../../devstack/temporal-binaries.js';
import { bundleParleyWorkflows } from '../../devstack/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresUrl: string;
    workflowBundlePath: string;
    temporalTestServerPath: string;
  }
}

/**
 * Starts the real infrastructure once per `npm test`: a Temporal dev server and a PostgreSQL
 * cluster on free ports, and the workflow bundle built once and shared by every worker.
 * Each test file then takes its own database and task queue, so files run in parallel safely.
 */
export default async function setup(project: TestProject) {
  const [temporal, postgres, bundle] = await Promise.all([
    startTemporalDevServer({ headless: true }),
    startEmbeddedPostgres(),
    bundleParleyWorkflows(),
  ]);
  const bundleDir = await mkdtemp(join(tmpdir(), 'parley-bundle-'));
  const workflowBundlePath = join(bundleDir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('postgresUrl', postgres.url);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('temporalTestServerPath', temporalTestServerPath());

  return async () => {
    await Promise.allSettled([temporal.stop(), postgres.stop()]);
  };
}
