/**
 * The tamper-evident audit log on a real Postgres, through the operator API and the CLI: the
 * database refuses changes, and an entry altered or removed behind its back (as a superuser who
 * switched the triggers off) is found by `parley audit verify`.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../../db/repositories/audit-log.js';
import { startTestParley, TEST_OPERATOR_TOKEN, type TestParley } from '../support/parley.js';

describe('the audit log', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ worker: false, env: { OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN } });
  });
  afterAll(async () => {
    await parley?.close();
  });

  const cli = (...argv: string[]) => parley.cli(...argv);
  /** Runs `change` with the append-only triggers off, as only a database superuser could. */
  const behindItsBack = (change: string) =>
    parley.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger user`.execute(trx);
      await sql.raw(change).execute(trx);
      await sql`alter table audit_log enable trigger user`.execute(trx);
    });

  it('chains entries, exports them as JSON Lines and verifies', async () => {
    const before = await verifyAuditChain(parley.db);
    const seqs = await appendAudit(parley.db, [
      {
        kind: 'ai_reply',
        actor: 'parley',
        subject: 'ref-a',
        details: { model: 'm', passages: ['kb/returns.md#2'] },
      },
      {
        kind: 'handoff',
        actor: 'parley',
        subject: 'ref-a',
        details: { rule: 'asked_for_human', queue: 'support' },
      },
      {
        kind: 'operator_command',
        actor: 'operator:bootstrap-token',
        details: { route: 'POST /api/refunds/:id/retry' },
      },
    ]);
    expect(seqs).toHaveLength(3);
    // Concurrent appends still make one chain.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(parley.db, [{ kind: 'test', actor: 'system:test', details: { i } }]),
      ),
    );
    const { code, output } = await cli('audit', 'verify');
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`intact: ${before.entries + 23} entries`));

    const exported = await cli('audit', 'export', '--from', new Date(Date.now() - 60_000).toISOString());
    expect(exported.code).toBe(0);
    const entries = exported.lines.map(
      (l) => JSON.parse(l) as { seq: number; hash: string; prevHash: string; kind: string },
    );
    expect(entries.map((e) => e.kind).slice(0, 3)).toEqual(['ai_reply', 'handoff', 'operator_command']);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await appendAudit(parley.db, [{ kind: 'test', actor: 'system:test' }]);
    await expect(sql`update audit_log set actor = 'someone else'`.execute(parley.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log`.execute(parley.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(parley.db)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(parley.db)).ok).toBe(true);
  });

  it('finds one entry altered directly in Postgres', async () => {
    const [seq] = await appendAudit(parley.db, [
      {
        kind: 'refund_decision',
        actor: 'parley',
        subject: 'refund:o-9:1:damaged',
        details: { amountCents: 1_999 },
      },
    ]);
    await appendAudit(parley.db, [{ kind: 'test', actor: 'system:test' }]);
    await behindItsBack(`update audit_log set details = '{"amountCents": 19999}' where seq = ${seq}`);
    const { code, output } = await cli('audit', 'verify');
    expect(code).toBe(1);
    expect(output).toContain(`BROKEN at entry ${seq}: content does not match its hash`);
    await behindItsBack(`update audit_log set details = '{"amountCents": 1999}' where seq = ${seq}`);
    expect((await verifyAuditChain(parley.db)).ok).toBe(true);
  });

  it('finds an entry removed, or one rewritten with a recomputed hash', async () => {
    const [a, b] = await appendAudit(parley.db, [
      { kind: 'test', actor: 'system:test', details: { n: 1 } },
      { kind: 'test', actor: 'system:test', details: { n: 2 } },
      { kind: 'test', actor: 'system:test', details: { n: 3 } },
    ]);
    // Rewriting one entry and its own hash still breaks the link to the next.
    await behindItsBack(`update audit_log set actor = 'forged', hash = repeat('a', 64) where seq = ${a}`);
    expect(await verifyAuditChain(parley.db)).toMatchObject({ ok: false, firstBrokenSeq: a });
    await behindItsBack(`delete from audit_log where seq = ${b}`);
    const result = await verifyAuditChain(parley.db);
    expect(result.ok).toBe(false);
  });
});
