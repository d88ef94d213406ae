import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKnowledgeDir } from '../../activities/knowledge/chunking.js';
import {
  formatInterval,
  KNOWLEDGE_SYNC_SCHEDULE_ID,
  KnowledgeSyncError,
  knowledgeSyncResult,
  parseInterval,
  scheduleKnowledgeSync,
  startKnowledgeSync,
  syncKnowledge,
  unscheduleKnowledgeSync,
} from '../../cli/kb-commands.js';
import { loadConfig, loadTemporalSettings } from '../../core/config.js';
import { DEMO_KNOWLEDGE_DIR } from '../../devstack/demo-data.js';
import { KNOWLEDGE_SYNC_WORKFLOW_ID, type KnowledgeSyncReport } from '../../workflows/knowledge-sync.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';
import { startTestParley, TEST_OPERATOR_TOKEN, type TestParley } from '../support/parley.js';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const RETURNS_EN = 'en/returns-refunds.md';
const RETURNS_FR = 'fr/retours-remboursements.md';
const FAQ = 'faq.csv';
const TEST_SECRETS = { WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v', WHATSAPP_ACCESS_TOKEN: 'a' };

let openai: ScriptedOpenAI;
let parley: TestParley;
let dir: string;
let emptyDir: string;

beforeAll(async () => {
  openai = await startScriptedOpenAI();
  parley = await startTestParley({
    demoData: false,
    env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'k', OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN },
  });
  const root = await mkdtemp(join(tmpdir(), 'parley-kb-'));
  dir = join(root, 'knowledge');
  emptyDir = join(root, 'empty');
  await mkdir(emptyDir);
  for (const source of [RETURNS_EN, RETURNS_FR, FAQ]) {
    await cp(join(DEMO_KNOWLEDGE_DIR, source), join(dir, source), { recursive: true });
  }
});

afterAll(async () => {
  if (parley) {
    await unscheduleKnowledgeSync(parley.client).catch(() => {});
    await parley.close();
  }
  await openai?.close();
  if (dir) await rm(join(dir, '..'), { recursive: true, force: true });
});

const options = (over: { dir?: string; force?: boolean; allowEmpty?: boolean } = {}) => ({
  taskQueue: parley.config.temporal.taskQueue,
  dir,
  ...over,
});

async function sync(over: Parameters<typeof options>[0] = {}): Promise<KnowledgeSyncReport> {
  openai.reset();
  const outcome = await syncKnowledge(parley.client, options(over));
  expect(outcome.attached).toBe(false);
  expect(outcome.workflowId).toBe(KNOWLEDGE_SYNC_WORKFLOW_ID);
  return outcome.report;
}

/** Every text sent to /v1/embeddings since the last reset. */
const embeddedTexts = () => openai.embeddingsRequests.flatMap((r) => r.input);

function chunkRows() {
  return parley.db
    .selectFrom('kb_chunks')
    .select(['id', 'source', 'content', 'content_hash', 'dims', 'embedding_model'])
    .select(sql<number | null>`octet_length(embedding)`.as('bytes'))
    .orderBy('id')
    .execute();
}

async function expectedChunks(source?: string) {
  const chunks = await loadKnowledgeDir(dir);
  return source ? chunks.filter((c) => c.source === source) : chunks;
}

describe('knowledge sync through the workflow', () => {
  it('indexes and embeds a knowledge directory', async () => {
    const report = await sync();
    const expected = await expectedChunks();
    expect(report).toMatchObject({
      dir,
      sources: 3,
      chunks: expected.length,
      changed: expected.length,
      removedChunks: 0,
      removedSources: [],
      failed: [],
    });
    expect(report.chunks).toBeGreaterThan(3);

    const rows = await chunkRows();
    expect(rows).toHaveLength(expected.length);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set([RETURNS_EN, RETURNS_FR, FAQ]));
    for (const row of rows) {
      expect(row.dims).toBe(1536);
      expect(row.bytes).toBe(1536 * 4);
      expect(row.embedding_model).toBe('text-embedding-3-small');
    }
    expect(openai.embeddingsRequests.length).toBeGreaterThan(0);
    expect(embeddedTexts()).toHaveLength(expected.length);
  });

  it('embeds nothing when nothing changed', async () => {
    const before = await chunkRows();
    const report = await sync();
    expect(report).toMatchObject({ sources: 3, chunks: before.length, changed: 0, removedChunks: 0 });
    expect(report.removedSources).toEqual([]);
    expect(openai.embeddingsRequests).toHaveLength(0);
    expect(await chunkRows()).toEqual(before);
  });

  it('embeds chunks indexed before an embedding model was configured', async () => {
    // As if the French page had been synced full-text only (no OPENAI_BASE_URL at the time).
    await parley.db
      .updateTable('kb_chunks')
      .set({ embedding: null, embedding_model: null, dims: null })
      .where('source', '=', RETURNS_FR)
      .execute();
    const french = await expectedChunks(RETURNS_FR);
    const report = await sync();
    expect(report).toMatchObject({ sources: 3, changed: french.length, removedChunks: 0 });
    expect(embeddedTexts()).toHaveLength(french.length);
    const rows = (await chunkRows()).filter((r) => r.source === RETURNS_FR);
    for (const row of rows) expect(row.embedding_model).toBe('text-embedding-3-small');
  });

  it('re-embeds only the edited section of an edited document', async () => {
    const before = await chunkRows();
    const path = join(dir, RETURNS_EN);
    const original = await readFile(path, 'utf8');
    const edited = original
      .replace('within **5 to 10 business days**', 'within **3 to 7 business days**')
      // The last section goes: its chunk must go too.
      .replace(/\n## Exchanges\n[\s\S]*$/, '\n');
    expect(edited).not.toBe(original);
    await writeFile(path, edited);

    const report = await sync();
    const expected = await expectedChunks();
    expect(report).toMatchObject({ sources: 3, chunks: expected.length, changed: 1, removedChunks: 1 });
    expect(report.chunks).toBe(before.length - 1);

    const texts = embeddedTexts();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('3 to 7 business days');
    expect(texts[0]).not.toContain('Exchanges');
    // Nothing from the unchanged files (nor the unchanged sections) was sent again.
    const unchanged = before.filter((r) => r.source !== RETURNS_EN).map((r) => r.content);
    for (const content of unchanged) expect(texts[0]).not.toContain(content);

    const rows = await chunkRows();
    expect(rows).toHaveLength(expected.length);
    expect(rows.filter((r) => r.source === RETURNS_EN)).toHaveLength(
      (await expectedChunks(RETURNS_EN)).length,
    );
    expect(rows.some((r) => r.content.includes('3 to 7 business days'))).toBe(true);
    expect(rows.some((r) => r.content.includes('We do not exchange products directly'))).toBe(false);
    expect(rows.every((r) => r.bytes === 1536 * 4)).toBe(true);
    // The other documents' rows are exactly as they were.
    const others = (list: typeof rows) => list.filter((r) => r.source !== RETURNS_EN);
    expect(others(rows)).toEqual(others(before));
  });

  it('removes the chunks of a deleted document', async () => {
    const frChunks = (await chunkRows()).filter((r) => r.source === RETURNS_FR).length;
    expect(frChunks).toBeGreaterThan(0);
    const before = await chunkRows();
    await rm(join(dir, RETURNS_FR));

    const report = await sync();
    expect(report).toMatchObject({ sources: 2, changed: 0, removedSources: [RETURNS_FR] });
    expect(openai.embeddingsRequests).toHaveLength(0);
    const rows = await chunkRows();
    expect(rows.filter((r) => r.source === RETURNS_FR)).toEqual([]);
    expect(rows).toHaveLength(before.length - frChunks);
    expect(report.chunks).toBe(rows.length);
  });

  it('refuses to empty the index from an empty or missing directory', async () => {
    const before = await chunkRows();
    openai.reset();
    const empty = syncKnowledge(parley.client, options({ dir: emptyDir }));
    await expect(empty).rejects.toBeInstanceOf(KnowledgeSyncError);
    await expect(empty).rejects.toMatchObject({ type: 'KnowledgeDirEmpty' });
    await expect(
      syncKnowledge(parley.client, options({ dir: join(emptyDir, 'not-there') })),
    ).rejects.toMatchObject({ type: 'KnowledgeDirNotFound' });
    expect(await chunkRows()).toEqual(before);
    expect(openai.embeddingsRequests).toHaveLength(0);
  });

  it('joins the sync already running instead of starting a second one', async () => {
    openai.reset();
    // Slow embeddings keep the first sync running while the second request comes in.
    openai.delayNext(1, 1_500, { target: 'embeddings' });
    const first = await startKnowledgeSync(parley.client, options({ force: true }));
    expect(first.attached).toBe(false);
    const second = await syncKnowledge(parley.client, options({ force: true }));
    expect(second.attached).toBe(true);
    expect(second.runId).toBe(first.runId);
    const firstOutcome = await knowledgeSyncResult(first);
    expect(second.report).toEqual(firstOutcome.report);
    // One sync, so every chunk was embedded once.
    expect(embeddedTexts()).toHaveLength(firstOutcome.report.chunks);
  });
});

describe('knowledge sync schedule', () => {
  it('is created once, updated in place, and deleted', async () => {
    const handle = parley.client.schedule.getHandle(KNOWLEDGE_SYNC_SCHEDULE_ID);
    const created = await scheduleKnowledgeSync(parley.client, { ...options(), every: '6h' });
    expect(created).toMatchObject({ action: 'created', scheduleId: KNOWLEDGE_SYNC_SCHEDULE_ID });
    expect(created.everyMs).toBe(6 * 3_600_000);
    expect(created.nextRunAt).toBeInstanceOf(Date);

    const updated = await scheduleKnowledgeSync(parley.client, { ...options(), every: '2h', force: true });
    expect(updated.action).toBe('updated');

    const description = await handle.describe();
    expect(description.spec.intervals).toHaveLength(1);
    expect(description.spec.intervals?.[0]?.every).toBe(2 * 3_600_000);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.policies.catchupWindow).toBe(10 * 60_000);
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'knowledgeSyncWorkflow',
      workflowId: KNOWLEDGE_SYNC_WORKFLOW_ID,
      taskQueue: parley.config.temporal.taskQueue,
      args: [{ dir, force: true }],
    });

    expect(await unscheduleKnowledgeSync(parley.client)).toBe(true);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await unscheduleKnowledgeSync(parley.client)).toBe(false);
  });
});

describe('parley CLI', () => {
  it('reads only the Temporal settings, with the same defaults as the full config', () => {
    expect(loadTemporalSettings({})).toEqual({
      address: 'localhost:7233',
      namespace: loadConfig(TEST_SECRETS).temporal.namespace,
      taskQueue: loadConfig(TEST_SECRETS).temporal.taskQueue,
    });
    expect(loadTemporalSettings({ TEMPORAL_ADDRESS: 't:7233', TEMPORAL_TASK_QUEUE: 'q' })).toMatchObject({
      address: 't:7233',
      taskQueue: 'q',
    });
  });

  it('parses schedule intervals', () => {
    expect(parseInterval('6h')).toBe(6 * 3_600_000);
    expect(parseInterval('90m')).toBe(90 * 60_000);
    expect(formatInterval(parseInterval('1d'))).toBe('1d');
    for (const bad of ['6', 'h', '30s', '-1h', '1w']) expect(() => parseInterval(bad)).toThrow(RangeError);
  });

  /**
   * The CLI as a user runs it: the Temporal variables and the API's (its codec server encrypts and
   * decrypts the payloads), no WhatsApp secrets.
   */
  async function cli(...args: string[]) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: parley.config.temporal.taskQueue,
      PARLEY_API_URL: parley.api.url,
      OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN,
    };
    try {
      const { stdout, stderr } = await exec('npx', ['tsx', 'cli/parley.ts', ...args], { cwd: repoRoot, env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  it('prints its usage with exit code 2', async () => {
    const result = await cli('help');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('parley kb sync <dir>');
    expect(result.stdout).toContain('parley kb schedule <dir>');
  });

  it('syncs a directory and prints the report as JSON; fails clearly on an empty one', async () => {
    const ok = await cli('kb', 'sync', dir, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ dir, sources: 2, changed: 0, failed: [] });

    const empty = await cli('kb', 'sync', emptyDir);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('KnowledgeDirEmpty');
  });
});
