import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath } from '../core/encryption/data-converter.js';
import { workflowsPath } from '../worker/worker.js';

/**
 * Bundles the workflows once, for tests and benchmarks that start many workers: the bundler's
 * info output (webpack stats) is dropped, its warnings and errors kept.
 */
export function bundleParleyWorkflows(path: string = workflowsPath()): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: path,
    failureConverterPath: failureConverterPath(),
    logger: {
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: (message: string) => console.warn(message),
      error: (message: string) => console.error(message),
      log: () => {},
    },
  });
}
