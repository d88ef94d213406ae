/**
 * `npm run bench privacy`: what protecting customer data costs, on a real embedded PostgreSQL.
 *
 * - Payload codec: encode+decode per payload (AES-256-GCM, warm data-key cache) at 1 KB and 64 KB,
 *   p50/p99; and the first use of a conversation's key (a Postgres insert and an unwrap).
 * - Audit log: append rate (one entry per transaction, as the application writes them) and
 *   `verify` over N entries (default 1,000,000; `--audit-entries`).
 * - Erasure: the database pass for a customer with 1,000 messages (and a bot turn each).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { sql } from 'kysely';
import { createDataKeys } from '../core/encryption/data-keys.js';
import { createMasterKeys } from '../core/encryption/master-keys.js';
import { createEncryptionCodec } from '../core/encryption/payload-codec.js';
import { createDb, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { appendAudit, GENESIS_HASH, auditHash, verifyAuditChain } from '../db/repositories/audit-log.js';
import { eraseConversations } from '../db/repositories/erasure.js';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { latencyRows, ms, perSecond, printTable, summarize } from './stats.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'codec-rounds': { type: 'string', default: '2000' },
      'audit-entries': { type: 'string', default: '1000000' },
      'erasure-messages': { type: 'string', default: '1000' },
    },
  });
  const postgres = await startEmbeddedPostgres();
  const db = createDb(postgres.url);
  try {
    await migrateToLatest(db);
    console.log('\nnpm run bench privacy', args.join(' '));
    await codec(db, Number(values['codec-rounds']));
    await audit(db, Number(values['audit-entries']));
    await erasure(db, Number(values['erasure-messages']));
    return 0;
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

async function codec(db: Db, rounds: number) {
  const keys = createDataKeys({ db, masterKeys: createMasterKeys([{ id: 'bench', key: randomBytes(32) }]) });
  const codec = createEncryptionCodec(keys);
  const context = (id: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId: id });
  const firstUse: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await codec.encode([defaultPayloadConverter.toPayload('hello') as Payload], context(`conv_first${i}`));
    firstUse.push(performance.now() - t0);
  }
  const rows = [];
  for (const size of [1024, 64 * 1024]) {
    const payload = defaultPayloadConverter.toPayload({ text: 'x'.repeat(size - 12) }) as Payload;
    const roundTrip: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const sealed = await codec.encode([payload], context('conv_bench'));
      await codec.decode(sealed);
      roundTrip.push(performance.now() - t0);
    }
    rows.push(...latencyRows(summarize(roundTrip.slice(100)), `${size / 1024} KB encode+decode`));
  }
  printTable('Payload codec (AES-256-GCM, per payload, data key cached)', [
    ...rows,
    ...latencyRows(summarize(firstUse), "a conversation's first payload (key created)"),
  ]);
}

async function audit(db: Db, entries: number) {
  // The application's path: one entry per transaction, serialised by the chain's lock.
  const appends = 2_000;
  const t0 = performance.now();
  for (let i = 0; i < appends; i++)
    await appendAudit(db, [
      { kind: 'bench', actor: 'system:bench', details: { i, turnKey: `reply:${randomUUID()}` } },
    ]);
  const appendSeconds = (performance.now() - t0) / 1000;

  // Bulk-load the rest of the chain (computed the same way) so `verify` has `entries` to walk.
  const last = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  let seq = Number(last.seq);
  let prevHash = last.hash ?? GENESIS_HASH;
  const loadStarted = performance.now();
  while (seq < entries) {
    const batch = [];
    for (let i = 0; i < 5_000 && seq < entries; i++) {
      seq += 1;
      const e = {
        seq,
        at: new Date().toISOString(),
        kind: 'ai_reply',
        actor: 'parley',
        subject: `conv_${seq}`,
        details: {
          turnKey: `reply:${seq}`,
          mode: 'model',
          citedChunkIds: ['kb/returns.md#2'],
          confidence: 0.9,
        },
      };
      const hash = auditHash(prevHash, e);
      batch.push({ ...e, at: new Date(e.at), details: JSON.stringify(e.details), prev_hash: prevHash, hash });
      prevHash = hash;
    }
    await db.insertInto('audit_log').values(batch).execute();
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const v0 = performance.now();
  const result = await verifyAuditChain(db);
  const verifySeconds = (performance.now() - v0) / 1000;
  if (!result.ok) throw new Error(`the benchmark's own chain does not verify: ${JSON.stringify(result)}`);
  const { rows } = await sql<{
    size: string;
  }>`select pg_size_pretty(pg_total_relation_size('audit_log')) as size`.execute(db);
  printTable('Audit log (SHA-256 chain)', [
    ['appends, one per transaction', perSecond(appends / appendSeconds, 'entries/s'), `${appends} entries`],
    ['bulk load (for the verify figure)', perSecond((entries - appends) / loadSeconds, 'entries/s')],
    [
      'verify',
      `${verifySeconds.toFixed(1)} s`,
      `${result.entries.toLocaleString('en')} entries, ${perSecond(result.entries / verifySeconds, 'entries/s')}`,
    ],
    ['table size', rows[0]!.size],
  ]);
}

async function erasure(db: Db, messages: number) {
  const id = `conv_bench_erasure`;
  await db
    .insertInto('conversations')
    .values({
      id,
      ref: randomBytes(10).toString('hex'),
      phone_number_id: '1',
      wa_id: '33600000000',
      display_name: 'Bench',
      status: 'bot',
      summary: '',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .execute();
  for (let i = 0; i < messages; i += 500) {
    const n = Math.min(500, messages - i);
    const at = new Date();
    await db
      .insertInto('messages')
      .values(
        Array.from({ length: n }, (_, k) => ({
          conversation_id: id,
          direction: 'inbound' as const,
          wa_message_id: `wamid.${randomUUID()}`,
          idempotency_key: null,
          type: 'text',
          body: `message ${i + k}: where is my order?`,
          payload: JSON.stringify({}),
          status: 'received',
          error_code: null,
          sent_at: at,
        })),
      )
      .execute();
    await db
      .insertInto('bot_turns')
      .values(
        Array.from({ length: n }, (_, k) => ({
          turn_key: `reply:${i + k}`,
          conversation_id: id,
          mode: 'model' as const,
          reason: 'bench',
          language: 'en',
          intent: null,
          confidence: 0.9,
          model: 'bench',
          at,
        })),
      )
      .execute();
  }
  const t0 = performance.now();
  const counts = await eraseConversations(db, [id]);
  const erasedMs = performance.now() - t0;
  printTable('Erasure (the database pass of one customer)', [
    ['customer with', `${messages} messages`, `and ${messages} bot turns`],
    [
      'erase rows',
      ms(erasedMs),
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([t, n]) => `${t} ${n}`)
        .join(', '),
    ],
  ]);
}
