/**
 * Retention on a real Postgres and Temporal: rows backdated past their class's limit are redacted
 * or deleted by the retention workflow (as its daily Schedule starts it), recent ones are kept, the
 * run's counts are in its result and in the audit log.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionScheduleId } from '../../api/retention-schedule.js';
import type { RetentionReport } from '../../workflows/retention.js';
import { eventually, startTestParley, type TestParley } from '../support/parley.js';

const DAY = 24 * 60 * 60_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

describe('retention', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({
      env: {
        RETENTION_SENSITIVE_DAYS: '30',
        RETENTION_MESSAGE_TEXT_DAYS: '365',
        RETENTION_TURN_RECORDS_DAYS: '180',
        RETENTION_TICKETS_DAYS: '730',
      },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  async function conversation(id: string) {
    await parley.db
      .insertInto('conversations')
      .values({
        id,
        ref: randomBytes(10).toString('hex'),
        phone_number_id: '1',
        wa_id: String(Date.now()),
        display_name: null,
        status: 'closed',
        summary: '',
        created_at: daysAgo(900),
        updated_at: daysAgo(900),
      })
      .execute();
  }
  const message = (conversationId: string, type: string, body: string, age: number) =>
    parley.db
      .insertInto('messages')
      .values({
        conversation_id: conversationId,
        direction: 'inbound',
        wa_message_id: `wamid.${randomUUID()}`,
        idempotency_key: null,
        type,
        body,
        payload: JSON.stringify({ caption: body }),
        status: 'received',
        error_code: null,
        sent_at: daysAgo(age),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  const bodyOf = async (id: string) =>
    await parley.db
      .selectFrom('messages')
      .select(['body', 'payload'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('redacts and deletes what is past its limit, keeps the rest, and reports it', async () => {
    const plain = `conv_ret${randomUUID().slice(0, 8)}`;
    const regulated = `conv_reg${randomUUID().slice(0, 8)}`;
    await conversation(plain);
    await conversation(regulated);
    const oldText = await message(plain, 'text', 'old question', 400);
    const recentText = await message(plain, 'text', 'recent question', 40);
    const oldVoice = await message(plain, 'audio', 'transcript of a voice note', 40);
    const freshVoice = await message(plain, 'audio', 'a fresh voice note', 2);
    const regulatedText = await message(regulated, 'text', 'my diagnosis is…', 40);
    const ticket = (
      status: 'solved' | 'open',
      age: number,
      conversationId: string,
      rule = 'customer_asked',
    ) =>
      parley.db
        .insertInto('handoff_tickets')
        .values({
          idempotency_key: randomUUID(),
          conversation_id: conversationId,
          kind: 'handoff',
          rule,
          reason: 'r',
          handling: 'hand_off_now',
          package: '{}',
          status,
          created_at: daysAgo(age),
          updated_at: daysAgo(age),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const oldSolved = await ticket('solved', 800, plain);
    const oldOpen = await ticket('open', 800, plain);
    await ticket('solved', 10, regulated, 'regulated_topic');
    await parley.db
      .insertInto('handoff_ticket_comments')
      .values({ ticket_id: oldSolved.id, author: 'customer', text: 'old comment', public: true })
      .execute();
    const turn = (age: number) =>
      parley.db
        .insertInto('bot_turns')
        .values({
          turn_key: `reply:${randomUUID()}`,
          conversation_id: plain,
          mode: 'model',
          reason: 'r',
          language: 'en',
          intent: null,
          confidence: 0.9,
          model: 'm',
          at: daysAgo(age),
        })
        .returning('turn_key')
        .executeTakeFirstOrThrow();
    const oldTurn = await turn(200);
    const recentTurn = await turn(20);
    await parley.db
      .insertInto('dead_letters')
      .values({
        source: 'whatsapp',
        fingerprint: randomUUID(),
        reason: 'r',
        raw: '{}',
        expires_at: daysAgo(1),
      })
      .execute();

    const report = await parley.client.workflow.execute<() => Promise<RetentionReport>>('retentionWorkflow', {
      taskQueue: parley.config.temporal.taskQueue,
      workflowId: `retention-test-${randomUUID()}`,
    });

    expect(await bodyOf(oldText.id)).toEqual({ body: null, payload: {} });
    expect((await bodyOf(recentText.id)).body).toBe('recent question');
    expect((await bodyOf(oldVoice.id)).body).toBeNull(); // media-derived text: 30 days
    expect((await bodyOf(freshVoice.id)).body).toBe('a fresh voice note');
    expect((await bodyOf(regulatedText.id)).body).toBeNull(); // a regulated hand-off: 30 days
    const ticketIds = (await parley.db.selectFrom('handoff_tickets').select('id').execute()).map((t) => t.id);
    expect(ticketIds).not.toContain(oldSolved.id);
    expect(ticketIds).toContain(oldOpen.id); // not finished: kept
    const turns = (await parley.db.selectFrom('bot_turns').select('turn_key').execute()).map(
      (t) => t.turn_key,
    );
    expect(turns).not.toContain(oldTurn.turn_key);
    expect(turns).toContain(recentTurn.turn_key);
    expect(report.changed).toMatchObject({ message_text: 1, tickets: 1, turn_records: 1, dead_letters: 1 });
    expect(report.changed.sensitive_text).toBeGreaterThanOrEqual(2);
    const audit = await parley.db
      .selectFrom('audit_log')
      .select('details')
      .where('kind', '=', 'retention_run')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('the API keeps a daily Schedule that starts it', async () => {
    const schedule = await eventually(() =>
      parley.client.schedule
        .getHandle(retentionScheduleId(parley.config.temporal.taskQueue))
        .describe()
        .catch(() => undefined),
    );
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow' });
    expect(schedule.info.nextActionTimes.length).toBeGreaterThan(0);
  });
});
