/**
 * The fault and fuzz suite, reduced to fit CI (`npm run chaos` runs it at full size): fuzzed
 * signed deliveries, then customer traffic with duplicates, reordering and poison while the worker
 * process is SIGKILLed every few seconds and the Graph API and the model fail at random. The checks
 * are the full run's.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaos, runFuzz, spawnWorkerProcess, type ChaosTarget } from '../../bench/chaos/harness.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';
import {
  startTestParley,
  TEST_APP_SECRET,
  workflowBundle,
  type TestParley,
  testConversationIds,
} from '../support/parley.js';
import { workerEnv } from '../support/worker-process.js';

const PHONE_NUMBER_ID = '109876543222';
const MODEL_TIMEOUT_MS = 2_000;

describe('fault and fuzz suite (reduced for CI)', () => {
  let parley: TestParley;
  let openai: ScriptedOpenAI;
  let target: ChaosTarget;

  beforeAll(async () => {
    openai = await startScriptedOpenAI();
    const modelEnv = {
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'chaos',
      OPENAI_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
    };
    parley = await startTestParley({ worker: false, statusWebhooks: true, env: modelEnv });
    const bundlePath = join(tmpdir(), `parley-chaos-test-${process.pid}.js`);
    await writeFile(bundlePath, (await workflowBundle()).code);
    const env = { ...workerEnv(parley.config), ...modelEnv, BENCH_WORKFLOW_BUNDLE: bundlePath };
    target = {
      apiUrl: parley.api.url,
      appSecret: TEST_APP_SECRET,
      phoneNumberId: PHONE_NUMBER_ID,
      client: parley.client,
      db: parley.db,
      sandbox: parley.sandbox,
      openai,
      taskQueue: parley.config.temporal.taskQueue,
      ids: testConversationIds,
      spawnWorker: () => spawnWorkerProcess(env, parley.client, parley.config.temporal.taskQueue),
    };
  });
  afterAll(async () => {
    await parley?.close();
    await openai?.close();
  });

  it(
    '1,000 fuzzed deliveries: no 5xx, the API healthy, no failed workflow, none retried past 5 attempts',
    { timeout: 600_000 },
    async () => {
      const worker = await target.spawnWorker();
      try {
        const fuzz = await runFuzz(target, { deliveries: 1_000, seed: 4242, customers: 100 });
        console.log(`fuzz: ${JSON.stringify(fuzz)}`);
        expect(fuzz.responses5xx).toBe(0);
        expect(fuzz.statuses['200']).toBeGreaterThan(800);
        expect(fuzz.apiHealthy).toBe(true);
        expect(fuzz.health).toEqual({ failed: 0, retriedPast5: 0, stuck: 0 });
        expect(fuzz.deadLetters).toBeGreaterThan(0);
      } finally {
        await worker.kill();
      }
    },
  );

  it(
    '500 messages with duplicates, reordering and poison, the worker killed every 10 s, the Graph API and the model failing',
    { timeout: 900_000 },
    async () => {
      const chaos = await runChaos(target, {
        messages: 500,
        conversations: 50,
        seed: 4243,
        killEveryMs: 10_000,
        rate: 25,
        modelTimeoutMs: MODEL_TIMEOUT_MS,
        settleMs: 300_000,
      });
      console.log(`chaos: ${JSON.stringify(chaos)}`);
      expect(chaos.workerKills).toBeGreaterThan(0);
      expect(chaos.duplicatesDelivered).toBeGreaterThan(0);
      expect(chaos.outOfOrder).toBeGreaterThan(0);
      expect(chaos.poison).toBeGreaterThan(0);
      expect(chaos.responses5xx).toBe(0);
      expect(chaos.missingFromLog).toBe(0);
      expect(chaos.brokenShapes).toBeGreaterThan(0);
      expect(chaos.poisonKeptAsDeadLetters).toBe(chaos.brokenShapes);
      expect(chaos.duplicateReplies).toBe(0);
      expect(chaos.conversationsUnanswered).toBe(0);
      expect(chaos.health).toEqual({ failed: 0, retriedPast5: 0, stuck: 0 });
    },
  );
});
