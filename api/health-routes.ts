import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';

export type ReadinessProbes = Record<string, () => Promise<void>>;

/**
 * Liveness (`/healthz`: the process answers) is separate from readiness (`/readyz`: its
 * dependencies answer). Kubernetes restarts on the first and only stops routing on the second, so a
 * Temporal outage drains traffic without a restart storm.
 */
export function createHealthRoutes(probes: ReadinessProbes, timeoutMs = 2_000) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        try {
          await withTimeout(probe(), timeoutMs);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, r]) => r === 'ok');
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
