#!/usr/bin/env node
/**
 * `parley`: operations on a running Parley through Temporal. Needs only TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE (same defaults as the worker), no WhatsApp secrets.
 * `npm run parley -- <command>` in a checkout, `node dist/cli/parley.js <command>` in the image.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { connectTemporal, type TemporalConnection } from '../core/temporal-client.js';
import { loadTemporalSettings, type TemporalSettings } from '../core/config.js';
import {
  formatInterval,
  formatReport,
  knowledgeSyncResult,
  KNOWLEDGE_SYNC_SCHEDULE_ID,
  KnowledgeSyncError,
  parseInterval,
  scheduleKnowledgeSync,
  startKnowledgeSync,
  unscheduleKnowledgeSync,
} from './kb-commands.js';
import { AUDIT_USAGE, runAuditCommand } from './audit-commands.js';
import { ERASE_USAGE, runEraseCommand } from './erase-command.js';
import { DEAD_LETTERS_USAGE, runDeadLetterCommand } from './deadletter-commands.js';
import { CliUsageError, loadApiSettings, type ApiSettings } from './operator-api.js';
import { parleyDataConverter } from '../core/encryption/data-converter.js';
import { createRemoteCodec } from '../core/encryption/remote-codec.js';
import { REFUNDS_USAGE, runRefundCommand } from './refund-commands.js';

export const USAGE = `Usage: parley <command>

Knowledge base:
  parley kb sync <dir> [--force] [--allow-empty] [--no-wait] [--json]
      Sync the knowledge directory into the index now (workflow "knowledge-sync") and print the
      report. Joins the sync already running, if any. Unchanged documents are not re-embedded.
        --force        re-embed every chunk (after changing the embedding model)
        --allow-empty  let a directory without documents empty the index
        --no-wait      return once the sync has started
        --json         print the report as JSON
  parley kb schedule <dir> [--every 6h] [--force] [--allow-empty]
      Create or update the schedule "${KNOWLEDGE_SYNC_SCHEDULE_ID}" that syncs <dir> periodically
      (--every: 30m, 6h, 1d…; overlapping runs are skipped).
  parley kb unschedule
      Delete that schedule.

${REFUNDS_USAGE}

${DEAD_LETTERS_USAGE}

${AUDIT_USAGE}

${ERASE_USAGE}

  parley help
      This text.

<dir> is the path as the worker sees it (e.g. its mounted volume); relative paths are resolved
against the current directory. With \`npm run dev\` the worker shares this machine's filesystem.

Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default), and
TEMPORAL_TASK_QUEUE (parley-conversations): where the Parley worker polls (kb commands);
PARLEY_API_URL (default http://localhost:3000) and OPERATOR_API_TOKEN (every command: kb commands
encrypt and decrypt Temporal payloads through the API's codec server).
Exit codes: 0 done, 1 failed (including a sync with failed documents), 2 usage error.`;

class UsageError extends Error {}

type Output = { out: (line: string) => void; err: (line: string) => void };

/** Runs one command; resolves to the process exit code. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: Output = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  try {
    const [group, command, ...rest] = argv;
    if (group === undefined || ['help', '--help', '-h'].includes(group)) {
      io.out(USAGE);
      return 2;
    }
    if (group === 'refunds') return await runRefundCommand(command, rest, env, io);
    if (group === 'deadletters') return await runDeadLetterCommand(command, rest, env, io);
    if (group === 'audit') return await runAuditCommand(command, rest, env, io);
    if (group === 'erase') return await runEraseCommand(argv.slice(1), env, io);
    if (group !== 'kb') throw new UsageError(`unknown command: ${group}`);
    if (command === undefined || ['help', '--help', '-h'].includes(command)) {
      io.out(USAGE);
      return 2;
    }
    const run = KB_COMMANDS[command];
    if (!run) throw new UsageError(`unknown command: kb ${command}`);
    const settings = { ...loadTemporalSettings(env), api: loadApiSettings(env) };
    return await run(rest, settings, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof CliUsageError || isParseArgsError(err)) {
      io.err(`parley: ${(err as Error).message}\n`);
      io.err(USAGE);
      return 2;
    }
    io.err(`parley: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** Where Temporal is, and the API whose codec server encrypts and decrypts its payloads. */
type CliSettings = TemporalSettings & { api: ApiSettings };
type Command = (args: string[], settings: CliSettings, io: Output) => Promise<number>;

const KB_COMMANDS: Record<string, Command> = {
  async sync(args, settings, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        force: { type: 'boolean' },
        'allow-empty': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const dir = onePositional(positionals, 'kb sync <dir>');
    return withClient(settings, async (client) => {
      const started = await startKnowledgeSync(client, {
        taskQueue: settings.taskQueue,
        dir,
        force: values.force ?? false,
        allowEmpty: values['allow-empty'] ?? false,
      });
      const { workflowId } = started.handle;
      // Progress goes to stderr with --json, so stdout is the report and nothing else.
      const note = values.json ? io.err : io.out;
      if (started.attached) {
        note(
          `A knowledge sync is already running (${workflowId}${started.dir ? `, of ${started.dir}` : ''}): waiting for it instead of starting another.`,
        );
      } else note(`Started knowledge sync ${workflowId} (run ${started.runId ?? '?'}).`);
      if (values['no-wait']) return 0;
      let outcome;
      try {
        outcome = await knowledgeSyncResult(started);
      } catch (err) {
        if (!(err instanceof KnowledgeSyncError)) throw err;
        io.err(`parley: ${err.message}`);
        if (err.type === 'KnowledgeDirEmpty' || err.type === 'KnowledgeDirNotFound') {
          io.err('The directory is read by the worker: check that it is this path on the worker side.');
        }
        return 1;
      }
      if (values.json) io.out(JSON.stringify(outcome.report, null, 2));
      else formatReport(outcome.report).forEach((line) => io.out(line));
      if (outcome.report.failed.length) {
        io.err(`parley: ${outcome.report.failed.length} document(s) could not be synced`);
        return 1;
      }
      return 0;
    });
  },

  async schedule(args, settings, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        every: { type: 'string', default: '6h' },
        force: { type: 'boolean' },
        'allow-empty': { type: 'boolean' },
      },
    });
    const dir = onePositional(positionals, 'kb schedule <dir>');
    try {
      parseInterval(values.every);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return withClient(settings, async (client) => {
      const result = await scheduleKnowledgeSync(client, {
        taskQueue: settings.taskQueue,
        dir,
        every: values.every,
        force: values.force ?? false,
        allowEmpty: values['allow-empty'] ?? false,
      });
      io.out(
        `${result.action === 'created' ? 'Created' : 'Updated'} schedule ${result.scheduleId}: sync every ${formatInterval(result.everyMs)}` +
          (result.nextRunAt ? `, next run ${result.nextRunAt.toISOString()}` : ' (paused: no next run)'),
      );
      return 0;
    });
  },

  async unschedule(args, settings, io) {
    parseArgs({ args, options: {} });
    return withClient(settings, async (client) => {
      const deleted = await unscheduleKnowledgeSync(client);
      io.out(
        deleted
          ? `Deleted schedule ${KNOWLEDGE_SYNC_SCHEDULE_ID}.`
          : `No schedule ${KNOWLEDGE_SYNC_SCHEDULE_ID}: nothing to delete.`,
      );
      return 0;
    });
  },
};

function onePositional(positionals: string[], usage: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`usage: parley ${usage}`);
  return positionals[0];
}

async function withClient<T>(settings: CliSettings, fn: (client: Client) => Promise<T>): Promise<T> {
  let temporal: TemporalConnection;
  try {
    temporal = await connectTemporal({ address: settings.address });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${settings.address} (set TEMPORAL_ADDRESS): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  try {
    // Payloads are encrypted: the CLI encodes and decodes them through the API's codec server.
    const dataConverter = {
      ...parleyDataConverter(undefined),
      payloadCodecs: [createRemoteCodec(settings.api)],
    };
    return await fn(
      new Client({ connection: temporal.connection, namespace: settings.namespace, dataConverter }),
    );
  } finally {
    await temporal.close();
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

// Run as a program (also through the npm bin symlink), not when imported.
const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
