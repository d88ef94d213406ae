/**
 * `parley audit …`: the tamper-evident audit log, through the operator API (`/api/audit`).
 */
import { parseArgs } from 'node:util';
import { apiError, callApi, type ApiSettings, loadApiSettings, type Output } from './operator-api.js';

export const AUDIT_USAGE = `Audit log (through the operator API: PARLEY_API_URL, OPERATOR_API_TOKEN):
  parley audit export [--from <ISO time>] [--to <ISO time>]
      Entries in order as JSON Lines on stdout, each with its hash and its predecessor's.
  parley audit verify
      Recompute the whole hash chain; exit 1 and name the first broken entry if one was altered,
      removed or inserted.`;

export async function runAuditCommand(
  command: string | undefined,
  args: string[],
  env: Record<string, string | undefined>,
  io: Output,
): Promise<number> {
  const api = loadApiSettings(env);
  switch (command) {
    case 'export': {
      const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
      const query = new URLSearchParams();
      if (values.from) query.set('from', new Date(values.from).toISOString());
      if (values.to) query.set('to', new Date(values.to).toISOString());
      await exportLines(api, `/api/audit/export?${query}`, io);
      return 0;
    }
    case 'verify': {
      parseArgs({ args, options: {} });
      const { status, json } = await callApi(api, 'GET', '/api/audit/verify');
      if (status !== 200) throw apiError(status, json);
      if (json.ok) {
        io.out(`Audit chain intact: ${json.entries} entries, last hash ${json.lastHash}.`);
        return 0;
      }
      io.out(
        `Audit chain BROKEN at entry ${json.firstBrokenSeq}: ${json.problem} (${json.entries} entries verified before it).`,
      );
      return 1;
    }
    default:
      io.err(AUDIT_USAGE);
      return 2;
  }
}

/** Streams JSON Lines through to stdout, line by line. */
async function exportLines(api: ApiSettings, path: string, io: Output): Promise<void> {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` } });
  if (!res.ok || !res.body)
    throw apiError(res.status, (await res.json().catch(() => ({}))) as Record<string, unknown>);
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of res.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line) io.out(line);
  }
  if (pending) io.out(pending);
}
