/**
 * `npm run bench turn`: the orchestration overhead of one conversation turn on the real stack —
 * from the webhook's 200 to the moment the sandbox Graph API receives the reply — with no model
 * work and no burst debounce (CONVERSATION_DEBOUNCE_MS=0), so what is measured is Parley +
 * Temporal: signal, workflow task, activities (log, read receipt, send), projection.
 *
 * Phase 1: C conversations (default 50) in parallel, each sending T turns (default 5) one after the
 * other, a turn starting when the previous reply arrived. Phase 2: N open conversations (default
 * 1,000), then the worker's resident memory, read from /proc for the worker's own process.
 */
import { createDb } from '../db/database.js';
import { seedDemoData } from '../devstack/demo-data.js';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  imageMessage,
  messageWebhook,
  signWebhook,
  textMessageWebhook,
} from '../test/fixtures/whatsapp-webhooks.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { latencyRows, ms, printTable, summarize } from './stats.js';

const TARGET_TEXT = 'Target: p50 ≤ 150 ms, p95 ≤ 400 ms over ≥ 200 turns across 50 concurrent conversations';
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signature,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function workerRssMb(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      conversations: { type: 'string', default: '50' },
      turns: { type: 'string', default: '5' },
      open: { type: 'string', default: '1000' },
      'think-ms': { type: 'string', default: '2000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('npm run bench turn [-- --conversations 50 --turns 5 --think-ms 2000 --open 1000]');
    return 0;
  }
  const conversations = Number(values.conversations);
  const turns = Number(values.turns);
  const open = Number(values.open);
  // A customer reads the reply and types the next message: real gaps are 5-30 s, 2 s is a fast typer.
  // --think-ms 0 turns phase 1 into a saturation (throughput) test instead.
  const thinkMs = Number(values['think-ms']);

  const stack: LocalStack = await startLocalStack({
    worker: 'child-process',
    env: { CONVERSATION_DEBOUNCE_MS: '0' },
    progress: (line) => console.error(`  ${line}`),
  });
  try {
    const webhookUrl = `${stack.apiUrl}/webhooks/whatsapp`;
    // The demo shop and its knowledge base (full-text): turns are answered from it, model-free.
    const db = createDb(stack.databaseUrl);
    await seedDemoData(db);
    await db.destroy();

    /** Questions the demo knowledge base and shop answer (none hands the conversation off). */
    const QUESTIONS = [
      'What are your opening hours?',
      'Where is my order 1042?',
      'How long do I have to return a kettle?',
      'Do you ship to Switzerland?',
      'hi',
    ];

    async function turn(waId: string, text: string): Promise<number> {
      const body = JSON.stringify(
        textMessageWebhook({
          phoneNumberId: stack.phoneNumberId,
          waId,
          id: `wamid.${randomUUID()}`,
          body: text,
        }),
      );
      const afterSeq = stack.sandbox.sent.at(-1)?.seq ?? 0;
      // The sandbox runs in this process: the waiter resolves the moment the send request arrives.
      const replied = stack.sandbox
        .waitForSent((m) => m.waId === waId && m.seq > afterSeq, 30_000)
        .then(() => performance.now());
      const status = await post(webhookUrl, body, signWebhook(body, stack.appSecret));
      const accepted = performance.now();
      if (status !== 200) throw new Error(`webhook answered ${status}`);
      return (await replied) - accepted;
    }

    // Warm-up: a few conversations end to end, not counted (worker caches, JIT, connection pools).
    await Promise.all(Array.from({ length: 5 }, (_, i) => turn(`4990000${i}`, 'warm up')));

    // Baseline: one conversation on an otherwise idle stack, the overhead without queueing.
    const baseline: number[] = [];
    for (let t = 0; t < 20; t++) baseline.push(await turn('49900099', `baseline ${t}`));
    const baselineSummary = summarize(baseline);

    console.error(`  phase 1: ${conversations} conversations × ${turns} turns`);
    const latencies: number[] = [];
    const firstTurns: number[] = [];
    const laterTurns: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: conversations }, async (_, c) => {
        const waId = `4991${String(c).padStart(6, '0')}`;
        // Stagger the starts so the conversations do not all type in lockstep.
        await sleep(Math.random() * thinkMs);
        for (let t = 0; t < turns; t++) {
          const latency = await turn(waId, QUESTIONS[(c + t) % QUESTIONS.length]!);
          latencies.push(latency);
          (t === 0 ? firstTurns : laterTurns).push(latency);
          if (t < turns - 1) await sleep(thinkMs * (0.5 + Math.random()));
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const summary = summarize(latencies);

    console.error(`  phase 2: ${open} open conversations`);
    const rssBefore = await workerRssMb(stack.worker?.pid);
    for (let i = 0; i < open; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, open - i) }, (_, j) =>
          turn(`4992${String(i + j).padStart(6, '0')}`, 'hello'),
        ),
      );
    }
    const rssAfter = await workerRssMb(stack.worker?.pid);

    // One scanned letter through the worker, so the OCR engine is loaded, then its memory again.
    const scan = await readFile(new URL('../test/fixtures/media/scan-letter.jpg', import.meta.url));
    const mediaId = stack.sandbox.addMedia(scan, 'image/jpeg');
    const scanWaId = '49930000';
    const afterSeq = stack.sandbox.sent.at(-1)?.seq ?? 0;
    const scanBody = JSON.stringify(
      messageWebhook(
        {
          ...imageMessage({
            id: `wamid.${randomUUID()}`,
            mediaId,
            sha256: createHash('sha256').update(scan).digest('hex'),
          }),
          from: scanWaId,
        },
        { phoneNumberId: stack.phoneNumberId },
      ),
    );
    await post(webhookUrl, scanBody, signWebhook(scanBody, stack.appSecret));
    await stack.sandbox.waitForSent((m) => m.waId === scanWaId && m.seq > afterSeq, 60_000);
    const rssWithOcr = await workerRssMb(stack.worker?.pid);
    const running = await stack.client.workflow.count('ExecutionStatus = "Running"');

    console.log('\nnpm run bench turn', args.join(' '));
    printTable('Turn orchestration overhead (webhook 200 → reply at the Graph API)', [
      [
        'turns measured',
        summary.count,
        `${conversations} concurrent conversations × ${turns} turns, think time ~${thinkMs} ms`,
      ],
      ...latencyRows(summary),
      ['turns per second', (summary.count / elapsedS).toFixed(1)],
      ...latencyRows(summarize(firstTurns), 'first turn (starts the workflow)').slice(0, 2),
      ...latencyRows(summarize(laterTurns), 'later turns').slice(0, 2),
      ...latencyRows(baselineSummary, 'idle baseline (1 conversation, 20 turns)'),
      ['', '', TARGET_TEXT],
    ]);
    printTable('Worker memory (its own process)', [
      ['open conversations (Running)', running.count],
      ['worker RSS before phase 2', rssBefore === undefined ? '—' : `${rssBefore.toFixed(0)} MB`],
      ['worker RSS with all open', rssAfter === undefined ? '—' : `${rssAfter.toFixed(0)} MB`],
      [
        '… and the OCR engine loaded',
        rssWithOcr === undefined ? '—' : `${rssWithOcr.toFixed(0)} MB`,
        'after one scanned photo',
      ],
    ]);
    const met = summary.p50 <= 150 && summary.p95 <= 400;
    console.log(
      `\n${met ? 'MET' : 'MISSED'}: p50 ${ms(summary.p50)}, p95 ${ms(summary.p95)} (${TARGET_TEXT})`,
    );
    return 0;
  } finally {
    agent.destroy();
    await stack.stop();
  }
}
