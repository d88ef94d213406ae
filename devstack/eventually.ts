/**
 * Polls `check` until it returns a value (not undefined) or the timeout passes; thrown errors count
 * as "not yet" and the last one is reported. A number is the timeout in milliseconds. Shared by
 * tests, benchmarks and dev scripts.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } | number = {},
): Promise<T> {
  const o = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
  }
  const what = o.what ? ` (${o.what})` : '';
  throw new Error(
    `condition not met within ${timeoutMs} ms${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
