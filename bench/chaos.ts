/**
 * `npm run chaos [-- --fuzz 10000 --messages 10000 --conversations 1000 --kill-every 30 --seed 1]`:
 * the fault and fuzz suite at full size against the real local stack (Temporal dev server,
 * embedded PostgreSQL, sandbox Graph API, the scripted OpenAI-compatible model, the API here and the
 * worker in processes of its own). Prints the figures and exits 1 when a check fails.
 *
 * Fuzz: signed deliveries mutated from real Meta shapes → no 5xx, the API healthy, no failed
 * workflow, no workflow with an activity past 5 attempts.
 * Chaos: customer messages delivered twice / out of order / poisoned while the worker is SIGKILLed
 * every 30 s, the Graph API fails 20 % and lags 10 %, the model fails 20 % → no message missing
 * from the log, no duplicate reply, every conversation answered or handed off, nothing failed or
 * stuck, and how long until the last customer was answered.
 */
import { createConversationIds } from '../core/conversation-ids.js';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../db/database.js';
import { startScriptedOpenAI } from '../test/servers/scripted-openai.js';
import { runChaos, runFuzz, spawnWorkerProcess, type ChaosTarget } from './chaos/harness.js';
import { startLocalStack } from './local-stack.js';

const { values } = parseArgs({
  options: {
    fuzz: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '10000' },
    conversations: { type: 'string', default: '1000' },
    'kill-every': { type: 'string', default: '30' },
    rate: { type: 'string', default: '40' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const seed = Number(values.seed);
const modelTimeoutMs = 5_000;

const openai = await startScriptedOpenAI();
const stack = await startLocalStack({
  worker: 'deferred',
  progress: (line) => console.error(line),
  env: {
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'chaos',
    OPENAI_TIMEOUT_MS: String(modelTimeoutMs),
    CONVERSATION_DEBOUNCE_MS: '500',
    OPERATOR_API_TOKEN: 'chaos',
  },
});
let code = 0;
try {
  stack.sandbox.postStatusesTo({ url: `${stack.apiUrl}/webhooks/whatsapp`, appSecret: stack.appSecret });
  const bundlePath = join(tmpdir(), `parley-chaos-bundle-${process.pid}.js`);
  await writeFile(bundlePath, stack.bundle.code);
  const db = createDb(stack.databaseUrl);
  const target: ChaosTarget = {
    apiUrl: stack.apiUrl,
    appSecret: stack.appSecret,
    phoneNumberId: stack.phoneNumberId,
    client: stack.client,
    db,
    sandbox: stack.sandbox,
    openai,
    taskQueue: stack.config.temporal.taskQueue,
    ids: createConversationIds(stack.config.conversationIdSecret),
    spawnWorker: () =>
      spawnWorkerProcess(
        { ...stack.env, BENCH_WORKFLOW_BUNDLE: bundlePath },
        stack.client,
        stack.config.temporal.taskQueue,
      ),
  };
  const failures: string[] = [];
  if (Number(values.fuzz) > 0) {
    const worker = await target.spawnWorker();
    console.error(`fuzz: ${values.fuzz} deliveries (seed ${seed})…`);
    const fuzz = await runFuzz(target, { deliveries: Number(values.fuzz), seed });
    console.log(JSON.stringify({ fuzz }, null, 2));
    await worker.kill();
    if (fuzz.responses5xx > 0) failures.push(`fuzz: ${fuzz.responses5xx} responses 5xx`);
    if (!fuzz.apiHealthy) failures.push('fuzz: the API is not healthy afterwards');
    if (fuzz.health.failed > 0) failures.push(`fuzz: ${fuzz.health.failed} failed workflows`);
    if (fuzz.health.retriedPast5 > 0)
      failures.push(`fuzz: ${fuzz.health.retriedPast5} retried past 5 attempts`);
  }
  if (Number(values.messages) > 0) {
    console.error(`chaos: ${values.messages} messages over ${values.conversations} conversations…`);
    const chaos = await runChaos(target, {
      messages: Number(values.messages),
      conversations: Number(values.conversations),
      seed,
      killEveryMs: Number(values['kill-every']) * 1000,
      rate: Number(values.rate),
      modelTimeoutMs,
      progress: (line) => console.error(line),
    });
    console.log(JSON.stringify({ chaos }, null, 2));
    if (chaos.missingFromLog > 0)
      failures.push(`chaos: ${chaos.missingFromLog} messages missing from the log`);
    if (chaos.duplicateReplies > 0) failures.push(`chaos: ${chaos.duplicateReplies} duplicate replies`);
    if (chaos.conversationsUnanswered > 0)
      failures.push(`chaos: ${chaos.conversationsUnanswered} conversations unanswered`);
    const { failed, stuck, retriedPast5 } = chaos.health;
    if (failed + stuck + retriedPast5 > 0)
      failures.push(`chaos: failed ${failed}, stuck ${stuck}, retried past 5 ${retriedPast5}`);
  }
  for (const f of failures) console.error(`FAILED ${f}`);
  if (failures.length) code = 1;
  await db.destroy();
} catch (err) {
  console.error('chaos run failed:', err);
  code = 1;
} finally {
  await stack.stop();
  await openai.close();
}
process.exit(code);
