/**
 * Erasing a customer end to end (real Temporal, real Postgres, the CLI through the operator API):
 * afterwards no text column of any table holds their number, name or words, their Temporal
 * histories no longer decode ("key destroyed"), their conversation is closed, the refund ledger
 * and the audit chain are intact, and the receipt is in the audit log without personal data.
 */
import { startFakeSlack, type FakeSlack } from '../servers/fake-slack.js';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataKeys } from '../../core/encryption/data-keys.js';
import { createMasterKeys } from '../../core/encryption/master-keys.js';
import { createEncryptionCodec } from '../../core/encryption/payload-codec.js';
import { verifyAuditChain } from '../../db/repositories/audit-log.js';
import type { Db } from '../../db/database.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { startFakeHubSpot, type FakeHubSpot } from '../servers/fake-hubspot.js';
import { startFakeZendesk, type FakeZendesk } from '../servers/fake-zendesk.js';
import { historyText } from '../support/history-text.js';
import {
  conversationRef,
  conversationWorkflowId,
  eventually,
  startTestParley,
  TEST_OPERATOR_TOKEN,
  type TestParley,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543299';
const NAME = 'Ottoline Vandermeersch';
const WORDS = ['Zwanenburgwal parcel', 'I want to speak to a person'];

/** Every text-like column of every table that holds `needle`, as `table.column` (n rows). */
async function findEverywhere(db: Db, needle: string): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
      and table_name not like 'kysely_%'`.execute(db);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table_name)}
      where position(${needle} in ${sql.ref(column_name)}::text) > 0`.execute(db);
    if (Number(rows[0]!.n) > 0) hits.push(`${table_name}.${column_name} (${rows[0]!.n})`);
  }
  return hits;
}

describe('erasing a customer', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({
      env: { OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN, ERASURE_SETTLE_MS: '500' },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  const cli = (...argv: string[]) => parley.cli(...argv);
  const say = (waId: string, body: string) =>
    parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body,
        name: NAME,
      }),
    );

  it('leaves nothing of them in Postgres or readable in Temporal; the audit chain stays intact', async () => {
    const waId = `3247${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const workflowId = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const ref = conversationRef(workflowId);
    expect((await say(waId, `Where is my ${WORDS[0]}?`)).status).toBe(200);
    await eventually(() => parley.sandbox.sent.find((m) => m.waId === waId), 30_000);
    expect((await say(waId, WORDS[1]!)).status).toBe(200);
    await eventually(async () => {
      const t = await parley.db
        .selectFrom('handoff_tickets')
        .select('id')
        .where('conversation_id', '=', workflowId)
        .executeTakeFirst();
      return t;
    }, 30_000);
    // A part that could not be understood, from them: kept as a dead letter (with their number).
    const broken = hooks.messageWebhook(
      {
        type: 'text',
        id: 'not-a-wamid',
        from: waId,
        timestamp: '1',
        text: { body: 'x' },
      } as hooks.MetaMessage,
      { phoneNumberId: PHONE_NUMBER_ID },
    );
    expect((await parley.postWebhook(broken)).status).toBe(200);
    // The scan finds them before: it is not blind.
    expect(await findEverywhere(parley.db, waId)).not.toEqual([]);
    expect(await findEverywhere(parley.db, NAME)).not.toEqual([]);
    expect(await historyText(parley.rawClient, workflowId, parley.codec)).toContain(NAME);
    const auditBefore = await verifyAuditChain(parley.db);

    const erased = await cli('erase', ref);
    expect(erased.output).toMatch(
      /Erased: 1 conversation\(s\), 1 payload key\(s\) shredded, 1 workflow\(s\) closed/,
    );
    expect(erased.code).toBe(0);

    for (const needle of [waId, NAME, 'Vandermeersch', ...WORDS])
      expect(await findEverywhere(parley.db, needle)).toEqual([]);

    // Any reader without the key cached (a fresh process, the codec server after its cache expires).
    const fresh = createEncryptionCodec(
      createDataKeys({
        db: parley.db,
        masterKeys: createMasterKeys(parley.config.payloadEncryption.masterKeys),
      }),
    );
    await expect(historyText(parley.rawClient, workflowId, fresh)).rejects.toThrow(/key destroyed/);
    expect((await parley.rawClient.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');

    const audit = await verifyAuditChain(parley.db);
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBeGreaterThan(auditBefore.entries);
    const receipt = await parley.db
      .selectFrom('audit_log')
      .selectAll()
      .where('kind', '=', 'erasure')
      .where('subject', '=', ref)
      .executeTakeFirstOrThrow();
    expect(receipt.actor).toBe('operator:api-token');
    expect(JSON.stringify(receipt.details)).toMatch(/"messages":[1-9]/);

    // Asking again is harmless: nothing left, another receipt.
    const again = await cli('erase', ref);
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/Erased: 0 conversation/);
  });

  const tap = (waId: string, replyId: string, title: string) =>
    parley.postWebhook(
      hooks.messageWebhook(
        hooks.buttonReplyMessage({ from: waId, id: `wamid.${randomUUID()}`, replyId, title }),
        {
          phoneNumberId: PHONE_NUMBER_ID,
        },
      ),
    );
  const sentTo = (waId: string) => parley.sandbox.sent.filter((m) => m.waId === waId);

  it('a customer who writes "Supprimez mes données" is asked with buttons, and erased on the tap', async () => {
    const waId = `3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const workflowId = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    expect((await say(waId, 'Bonjour, où est mon colis Zwanenburgwal ?')).status).toBe(200);
    await eventually(() => sentTo(waId).find((m) => m.type === 'text'), 30_000);
    expect((await say(waId, 'Supprimez mes données svp')).status).toBe(200);
    const buttons = await eventually(() => sentTo(waId).find((m) => m.type === 'interactive'), 30_000);
    expect(JSON.stringify(buttons)).toMatch(/supprimer/i);
    // Nothing is erased before the tap.
    expect(await findEverywhere(parley.db, waId)).not.toEqual([]);

    expect((await tap(waId, 'erasure:confirm', '🗑️ Supprimer')).status).toBe(200);
    await eventually(
      () => sentTo(waId).find((m) => m.type === 'text' && /en cours de suppression/.test(m.text?.body ?? '')),
      30_000,
    );
    await eventually(async () => {
      const status = (await parley.rawClient.workflow.getHandle(workflowId).describe()).status.name;
      const receipt = await parley.db
        .selectFrom('audit_log')
        .select('actor')
        .where('kind', '=', 'erasure')
        .where('subject', '=', workflowId)
        .executeTakeFirst();
      return status === 'CANCELLED' && receipt?.actor === 'customer' ? true : undefined;
    }, 30_000);
    for (const needle of [waId, NAME, 'Zwanenburgwal', 'Supprimez'])
      expect(await findEverywhere(parley.db, needle)).toEqual([]);
  });

  it('"STOP" then "Keep my data" erases nothing and the conversation goes on', async () => {
    const waId = `3162${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    expect((await say(waId, 'STOP')).status).toBe(200);
    await eventually(() => sentTo(waId).find((m) => m.type === 'interactive'), 30_000);
    expect((await tap(waId, 'erasure:keep', 'Keep my data')).status).toBe(200);
    await eventually(
      () => sentTo(waId).find((m) => m.type === 'text' && /nothing was deleted/.test(m.text?.body ?? '')),
      30_000,
    );
    const status = (
      await parley.client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId)).describe()
    ).status.name;
    expect(status).toBe('RUNNING');
    expect(await findEverywhere(parley.db, waId)).not.toEqual([]);
  });

  it('refuses an unknown reference (404) and a request without the operator token (401)', async () => {
    const unknown = await cli('erase', '0123456789abcdef0123');
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toMatch(/404/);
    const res = await fetch(`${parley.api.url}/api/erasures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationRef: '0123456789abcdef0123' }),
    });
    expect(res.status).toBe(401);
  });
});

describe('erasing a customer whose tickets live in Zendesk, whose record lives in HubSpot, and whom the team discussed in Slack', () => {
  const ZENDESK = { email: 'parley@example.com', apiToken: 'zd-token' };
  const HUBSPOT_TOKEN = 'hs-token';
  let zendesk: FakeZendesk;
  let hubspot: FakeHubSpot;
  let slack: FakeSlack;
  let parley: TestParley;
  beforeAll(async () => {
    zendesk = await startFakeZendesk(ZENDESK);
    hubspot = await startFakeHubSpot({ accessToken: HUBSPOT_TOKEN });
    slack = await startFakeSlack({ token: 'xoxb-erasure', channels: [{ id: 'C0SUPPORT', name: 'support' }] });
    parley = await startTestParley({
      env: {
        OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN,
        ERASURE_SETTLE_MS: '200',
        HELPDESK: 'zendesk',
        ZENDESK_URL: zendesk.url,
        ZENDESK_EMAIL: ZENDESK.email,
        ZENDESK_API_TOKEN: ZENDESK.apiToken,
        CRM: 'hubspot',
        HUBSPOT_API_URL: hubspot.url,
        HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
        SLACK_BOT_TOKEN: 'xoxb-erasure',
        SLACK_API_URL: slack.apiUrl,
        SLACK_CHANNEL: 'C0SUPPORT',
      },
    });
  });
  afterAll(async () => {
    await parley?.close();
    await zendesk?.close();
    await hubspot?.close();
    await slack?.close();
  });

  it('deletes the Zendesk ticket for good, the HubSpot contact (GDPR delete) and the Slack posts, and says so in the receipt', async () => {
    const waId = `4915${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const contactId = hubspot.addContact({
      firstname: 'Ottoline',
      lastname: 'Vandermeersch',
      phone: `+${waId}`,
    });
    const workflowId = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const say = (body: string) =>
      parley.postWebhook(
        hooks.textMessageWebhook({
          phoneNumberId: PHONE_NUMBER_ID,
          waId,
          id: `wamid.${randomUUID()}`,
          body,
          name: NAME,
        }),
      );
    expect((await say('I want to speak to a person')).status).toBe(200);
    // This fake Zendesk serves this test alone: its one ticket is this hand-off's.
    const ticket = await eventually(() => zendesk.tickets()[0], 30_000);
    await eventually(() => slack.messages('C0SUPPORT')[0], 30_000);

    const run = await parley.cli('erase', conversationRef(workflowId), '--json');
    const erased = { code: run.code, receipt: JSON.parse(run.output) as { external: unknown } };
    expect(erased.code).toBe(0);
    expect(erased.receipt.external).toEqual({ helpdeskTickets: 1, crmContact: 'deleted', slackMessages: 1 });
    expect(slack.messages('C0SUPPORT')).toEqual([]);
    expect(zendesk.ticket(ticket.id)).toBeUndefined();
    expect(zendesk.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `DELETE /api/v2/deleted_tickets/${ticket.id}.json`,
    );
    expect(
      hubspot.requests.some(
        (r) =>
          r.path === '/crm/v3/objects/contacts/gdpr-delete' && JSON.stringify(r.body).includes(contactId),
      ),
    ).toBe(true);
    expect(await findEverywhere(parley.db, waId)).toEqual([]);
  });
});
