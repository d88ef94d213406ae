/**
 * `parley deadletters …`: the parts of WhatsApp deliveries Parley could not understand or route,
 * through the operator API (`/api/dead-letters`): look at them, and replay them after a fix.
 */
import { parseArgs } from 'node:util';
import { apiError, callApi, CliUsageError, defaultBy, loadApiSettings, type Output } from './operator-api.js';

export const DEAD_LETTERS_USAGE = `Dead letters (through the operator API: PARLEY_API_URL, OPERATOR_API_TOKEN):
  parley deadletters list [--status new|replayed] [--limit <n>] [--json]
      Webhook parts Parley could not understand or route, newest first, with the reason.
  parley deadletters show <id> [--json]
      One dead letter with its raw part (customer data).
  parley deadletters replay <id>… [--by <who>]
      Run the parts through today's parser and delivery again (after a fix). Safe to repeat:
      conversations ignore messages they already have. Exit 1 if one still does not fit.`;

export async function runDeadLetterCommand(
  command: string | undefined,
  args: string[],
  env: Record<string, string | undefined>,
  io: Output,
): Promise<number> {
  const api = () => loadApiSettings(env);
  const path = (suffix = '') => `/api/dead-letters${suffix}`;
  switch (command) {
    case 'list': {
      const { values } = parseArgs({
        args,
        options: { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      });
      const query = new URLSearchParams();
      if (values.status) query.set('status', values.status);
      if (values.limit) query.set('limit', values.limit);
      const { status, json } = await callApi(api(), 'GET', path(`?${query}`));
      if (status !== 200) throw apiError(status, json);
      const letters = json.deadLetters as any[];
      if (values.json) io.out(JSON.stringify(letters, null, 2));
      else if (letters.length === 0) io.out('No dead letters.');
      else
        for (const d of letters)
          io.out(`${d.id}  ${d.status.padEnd(8)} ×${d.deliveries}  ${d.received_at}  ${d.reason}`);
      return 0;
    }
    case 'show': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean' } },
      });
      const [id] = positionals;
      if (!id || positionals.length !== 1) throw new CliUsageError('usage: parley deadletters show <id>');
      const { status, json } = await callApi(api(), 'GET', path(`/${encodeURIComponent(id)}`));
      if (status !== 200) throw apiError(status, json);
      if (values.json) io.out(JSON.stringify(json, null, 2));
      else {
        io.out(
          `${json.id}: ${json.status}, received ${json.received_at} (×${json.deliveries}), request ${json.request_id}`,
        );
        io.out(`reason: ${json.reason}`);
        if (json.last_replay_error) io.out(`last replay: ${json.last_replay_error}`);
        io.out(JSON.stringify(JSON.parse(json.raw), null, 2));
      }
      return 0;
    }
    case 'replay': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { by: { type: 'string' } },
      });
      if (positionals.length === 0) throw new CliUsageError('usage: parley deadletters replay <id>…');
      let failed = 0;
      for (const id of positionals) {
        const { status, json } = await callApi(api(), 'POST', path(`/${encodeURIComponent(id)}/replay`), {
          by: values.by ?? defaultBy(),
        });
        if (status === 200)
          io.out(
            `${id}: replayed (${json.replayed.messages} message(s), ${json.replayed.statuses} status(es))`,
          );
        else {
          failed++;
          io.out(`${id}: ${json.error?.code ?? status} — ${json.error?.message ?? ''}`);
        }
      }
      return failed > 0 ? 1 : 0;
    }
    default:
      throw new CliUsageError(`unknown command: deadletters ${command ?? ''}`.trim());
  }
}
