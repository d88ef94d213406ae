/**
 * `parley erase <conversation ref>`: erase a customer (every conversation of theirs) through the
 * operator API (`/api/erasures`), wait for it and print the receipt.
 */
import { parseArgs } from 'node:util';
import { apiError, callApi, CliUsageError, loadApiSettings, type Output } from './operator-api.js';

export const ERASE_USAGE = `Erasure (through the operator API: PARLEY_API_URL, OPERATOR_API_TOKEN):
  parley erase <conversation ref> [--no-wait] [--json]
      Erase the customer of that conversation: their conversations are closed, their rows deleted
      (the refund ledger kept, pseudonymised), their Temporal payload keys shredded; the receipt goes
      to the audit log. Safe to repeat.`;

const POLL_MS = 1_000;

export async function runEraseCommand(
  args: string[],
  env: Record<string, string | undefined>,
  io: Output,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'no-wait': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const [ref] = positionals;
  if (!ref || positionals.length !== 1) throw new CliUsageError('usage: parley erase <conversation ref>');
  const api = loadApiSettings(env);
  const started = await callApi(api, 'POST', '/api/erasures', { conversationRef: ref });
  if (started.status !== 202) throw apiError(started.status, started.json);
  if (values['no-wait']) {
    io.out(`Erasure ${started.json.workflowId} started.`);
    return 0;
  }
  for (;;) {
    const { status, json } = await callApi(api, 'GET', `/api/erasures/${encodeURIComponent(ref)}`);
    if (status !== 200) throw apiError(status, json);
    if (json.status === 'completed') {
      const r = json.receipt;
      if (values.json) io.out(JSON.stringify(r, null, 2));
      else {
        io.out(
          `Erased: ${r.conversations} conversation(s), ${r.keysShredded} payload key(s) shredded, ${r.workflowsClosed} workflow(s) closed.`,
        );
        for (const [table, n] of Object.entries(r.rows as Record<string, number>)) io.out(`  ${table}: ${n}`);
      }
      return 0;
    }
    if (json.status !== 'running') {
      io.err(`Erasure ended ${json.status}.`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
