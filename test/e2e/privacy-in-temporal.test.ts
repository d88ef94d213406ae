/**
 * What anyone with access to the Temporal server (Web UI, `temporal workflow show`, the CLI)
 * sees of a conversation without Parley's codec: no phone number, no name, no message text —
 * and what a supervisor sees through the codec server: all of it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { temporalCliPath } from '../../devstack/temporal-binaries.js';
import { conversationStateQuery } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { historyText } from '../support/history-text.js';
import {
  conversationWorkflowId,
  eventually,
  startTestParley,
  TEST_OPERATOR_TOKEN,
  type TestParley,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543288';
const NAME = 'Gwendolyn Przybylski';
const TEXT = 'Where is my order? My flat is 4B, rue des Capucines';

describe('customer data in Temporal', () => {
  let parley: TestParley;
  let waId: string;
  let workflowId: string;

  beforeAll(async () => {
    parley = await startTestParley({ env: { OPERATOR_API_TOKEN: TEST_OPERATOR_TOKEN } });
    waId = `4477${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    workflowId = conversationWorkflowId(PHONE_NUMBER_ID, waId);
    const body = hooks.messageWebhook(
      {
        type: 'text',
        id: `wamid.${randomUUID()}`,
        from: waId,
        timestamp: String(Math.floor(Date.now() / 1000)),
        text: { body: TEXT },
      } as hooks.MetaMessage,
      { phoneNumberId: PHONE_NUMBER_ID, name: NAME },
    );
    expect((await parley.postWebhook(body)).status).toBe(200);
    await eventually(() => parley.sandbox.sent.find((m) => m.waId === waId && m.type === 'text'), 30_000);
  });
  afterAll(async () => {
    await parley?.close();
  });

  const secrets = () => [waId, waId.slice(-7), NAME, 'Przybylski', 'Capucines', 'Where is my order'];

  it('the workflow id, search attributes and stored history hold no number, name or text', async () => {
    expect(workflowId).toMatch(/^conv_[a-z2-7]{26}$/);
    const description = await parley.rawClient.workflow.getHandle(workflowId).describe();
    const shown = JSON.stringify(description.raw, (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
    );
    const stored = await historyText(parley.rawClient, workflowId);
    for (const secret of secrets()) {
      expect(shown).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
    // Not because the history is empty: the same history, decoded, has them.
    const decoded = await historyText(parley.rawClient, workflowId, parley.codec);
    for (const secret of [waId, NAME, 'Capucines']) expect(decoded).toContain(secret);
  });

  /** `temporal workflow show --detailed`: payloads printed as the CLI decodes them. */
  async function show(...extra: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(temporalCliPath(), [
      'workflow',
      'show',
      '--detailed',
      '--address',
      inject('temporalAddress'),
      '--workflow-id',
      workflowId,
      ...extra,
    ]);
    return stdout;
  }

  it('`temporal workflow show` without the codec prints none of it', async () => {
    const stdout = await show();
    expect(stdout).toMatch(/WorkflowExecutionStarted/);
    // (The next test shows the same command through the codec printing the text.)
    for (const secret of secrets()) expect(stdout).not.toContain(secret);
  });

  it('`temporal workflow show` through the codec server, with the operator token, shows the conversation', async () => {
    const stdout = await show(
      '--codec-endpoint',
      `${parley.api.url}/codec`,
      '--codec-auth',
      `Bearer ${TEST_OPERATOR_TOKEN}`,
    );
    expect(stdout).toContain('Capucines');
    expect(stdout).not.toContain('binary/encrypted');
    // Without the token the codec server refuses, and the CLI shows nothing decoded.
    const refused = await show('--codec-endpoint', `${parley.api.url}/codec`).catch(
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    expect(refused).not.toContain('Capucines');
  });

  it('Parley itself (the same data converter) still reads its state', async () => {
    const view = await parley.client.workflow.getHandle(workflowId).query(conversationStateQuery);
    expect(view.lastTurns.some((t) => t.text.includes('Capucines'))).toBe(true);
  });
});
