/**
 * `parley refunds …`: ops on refunds through the operator API (`/api/refunds`), so a terminal and
 * the API behave identically — one implementation of "retry safely" (see
 * api/operator/refund-gateway.ts) — and the CLI needs no database or Temporal credentials, only
 * PARLEY_API_URL and OPERATOR_API_TOKEN.
 */
import { parseArgs } from 'node:util';
import {
  apiError,
  callApi,
  CliUsageError,
  defaultBy,
  loadApiSettings,
  type ApiSettings,
  type Output,
} from './operator-api.js';

export const REFUNDS_USAGE = `Refunds (through the operator API: PARLEY_API_URL, OPERATOR_API_TOKEN):
  parley refunds list [--failed | --status <s,…>] [--order <n>] [--limit <n>] [--json]
      The refund ledger, newest first (--failed: the ones ops may retry).
  parley refunds show <refund id> [--json]
      One refund and its audit trail (who asked what, and what came of it).
  parley refunds retry <refund id>… [--by <who>] [--json]
  parley refunds retry --all-failed [--by <who>] [--json]
      Retry failed refunds, one after another. Safe to repeat and to run from two terminals at
      once: a retry joins the one already running, the provider is asked for a refund under the
      refund's id before anything is paid, and every request is recorded with --by (default
      <user>@<host>).
  parley refunds approve|reject <refund id> [--by <who>] [--note <text>]
      Decide a refund above the auto-approve limit.`;

export class RefundUsageError extends CliUsageError {}

const call = (api: ApiSettings, method: 'GET' | 'POST', path: string, body?: unknown) =>
  callApi(api, method, `/api/refunds${path}`, body);
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

export async function runRefundCommand(
  command: string | undefined,
  args: string[],
  env: Record<string, string | undefined>,
  io: Output,
): Promise<number> {
  const api = () => loadApiSettings(env);
  switch (command) {
    case 'list': {
      const { values } = parseArgs({
        args,
        options: {
          failed: { type: 'boolean' },
          status: { type: 'string' },
          order: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
        },
      });
      if (values.failed && values.status) throw new RefundUsageError('give --failed or --status, not both');
      const query = new URLSearchParams();
      const status = values.failed ? 'failed' : values.status;
      if (status) query.set('status', status);
      if (values.order) query.set('order', values.order);
      if (values.limit) query.set('limit', values.limit);
      const { status: code, json } = await call(api(), 'GET', `?${query}`);
      if (code !== 200) throw apiError(code, json);
      const refunds = json.refunds as any[];
      if (values.json) io.out(JSON.stringify(refunds, null, 2));
      else if (refunds.length === 0) io.out('No refunds.');
      else
        for (const r of refunds)
          io.out(
            `${r.refundId}  ${r.status.padEnd(17)} ${money(r.amountCents, r.currency).padStart(12)}  order ${r.orderId}` +
              (r.failureReason ? `  — ${r.failureReason}` : ''),
          );
      return 0;
    }
    case 'show': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean' } },
      });
      const [id] = positionals;
      if (!id || positionals.length !== 1)
        throw new RefundUsageError('usage: parley refunds show <refund id>');
      const { status: code, json } = await call(api(), 'GET', `/${encodeURIComponent(id)}`);
      if (code !== 200) throw apiError(code, json);
      if (values.json) io.out(JSON.stringify(json, null, 2));
      else {
        io.out(
          `${json.refundId}: ${json.status}, ${money(json.amountCents, json.currency)}, order ${json.orderId}`,
        );
        for (const a of json.attempts as any[])
          io.out(`  ${a.at}  ${a.requested_by}: ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`);
      }
      return 0;
    }
    case 'retry': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { 'all-failed': { type: 'boolean' }, by: { type: 'string' }, json: { type: 'boolean' } },
      });
      const allFailed = values['all-failed'] ?? false;
      if (allFailed === positionals.length > 0)
        throw new RefundUsageError('usage: parley refunds retry <refund id>… | --all-failed');
      const by = values.by ?? defaultBy();
      const { status: code, json } = allFailed
        ? await call(api(), 'POST', '/retry', { by, allFailed: true })
        : positionals.length === 1
          ? await call(api(), 'POST', `/${encodeURIComponent(positionals[0]!)}/retry`, { by })
          : await call(api(), 'POST', '/retry', { by, ids: positionals });
      if (code !== 200 && code !== 409) throw apiError(code, json);
      const results: any[] = json.results ?? [json.result ?? json];
      if (values.json) io.out(JSON.stringify(results, null, 2));
      else if (results.length === 0) io.out('No failed refunds.');
      else
        for (const r of results)
          io.out(
            r.error
              ? `${r.refundId}: ${r.error}`
              : `${r.refundId}: ${r.status} (${r.handling.replace('_', ' ')})${r.reason ? ` — ${r.reason}` : ''}`,
          );
      return results.every((r) => r.status === 'succeeded') ? 0 : 1;
    }
    case 'approve':
    case 'reject': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { by: { type: 'string' }, note: { type: 'string' } },
      });
      const [id] = positionals;
      if (!id || positionals.length !== 1)
        throw new RefundUsageError(`usage: parley refunds ${command} <refund id>`);
      const { status: code, json } = await call(api(), 'POST', `/${encodeURIComponent(id)}/${command}`, {
        by: values.by ?? defaultBy(),
        ...(values.note ? { note: values.note } : {}),
      });
      if (code !== 200) throw apiError(code, json);
      io.out(`${json.refundId}: ${json.status}`);
      return 0;
    }
    default:
      throw new RefundUsageError(`unknown command: refunds ${command ?? ''}`.trim());
  }
}
