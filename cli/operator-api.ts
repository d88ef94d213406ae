/**
 * The CLI's way to the operator API (PARLEY_API_URL, OPERATOR_API_TOKEN): ops commands go through
 * the same routes as the API's other clients, so there is one implementation of each operation and
 * the CLI needs no database or Temporal credentials.
 */
import { hostname, userInfo } from 'node:os';

export interface ApiSettings {
  url: string;
  token: string;
}

export class CliUsageError extends Error {}

export type Output = { out: (line: string) => void; err: (line: string) => void };

export function loadApiSettings(env: Record<string, string | undefined>): ApiSettings {
  const token = env.OPERATOR_API_TOKEN;
  if (!token) throw new Error('set OPERATOR_API_TOKEN (the operator API token) for this command');
  return { url: (env.PARLEY_API_URL ?? 'http://localhost:3000').replace(/\/+$/, ''), token };
}

/** One request; the answer's status and JSON body (an unparsable body reads as `{}`). */
export async function callApi(
  api: ApiSettings,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, any> }> {
  let res: Response;
  try {
    res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A refund retry waits for the payment: generous, but never forever.
      signal: AbortSignal.timeout(10 * 60_000),
    });
  } catch (err) {
    throw new Error(`cannot reach the Parley API at ${api.url} (set PARLEY_API_URL): ${String(err)}`, {
      cause: err,
    });
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, any>;
  return { status: res.status, json };
}

export function apiError(status: number, json: Record<string, any>): Error {
  return new Error(`API answered ${status}: ${json.error?.message ?? JSON.stringify(json)}`);
}

/** Who runs the command, for the audit trail when --by is not given. */
export const defaultBy = () => `${userInfo().username}@${hostname()}`;
