/** Small helpers shared by the HTTP clients (Graph API, Zendesk, Slack). */

/** An error's message with its cause: undici wraps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** The JSON of a response body, or undefined when it is empty or not JSON (error pages, proxies). */
export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
