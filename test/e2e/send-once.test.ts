/**
 * Exactly one reply when the worker dies after Meta accepted a message but before it heard back:
 * the send is recorded as `sending` first, Meta's `sent` status webhook (carrying the send's key as
 * biz_opaque_callback_data) names the message, and the retry finds it instead of sending again.
 * The worker is a real OS process, SIGKILLed; real API, Temporal and Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { silentLogger } from '../../core/logger.js';
import { startWorker } from '../../worker/main.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import {
  eventually,
  startTestParley,
  workflowBundle,
  type TestParley,
  conversationWorkflowId,
} from '../support/parley.js';
import { startWorkerProcess, workerEnv } from '../support/worker-process.js';

const PHONE_NUMBER_ID = '109876543233';

describe('a send is never repeated because its answer was lost', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ worker: false, statusWebhooks: true });
  });
  afterAll(async () => {
    await parley?.close();
  });

  it(
    'the worker is killed while Meta holds its answer; the next worker does not send the reply again',
    { timeout: 120_000 },
    async () => {
      const waId = `3368${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      const doomed = await startWorkerProcess({ env: workerEnv(parley.config) });
      // Meta accepts the reply at once (and posts its `sent` status) but answers the request late.
      parley.sandbox.delayNext(1, 10_000);
      await parley.postWebhook(
        hooks.textMessageWebhook({
          phoneNumberId: PHONE_NUMBER_ID,
          waId,
          id: `wamid.${randomUUID()}`,
          body: 'What are your opening hours?',
        }),
      );
      const textsTo = () => parley.sandbox.sent.filter((m) => m.waId === waId && m.type === 'text');
      await eventually(() => (textsTo().length === 1 ? true : undefined), 30_000);
      await doomed.kill('SIGKILL');

      const survivor = await startWorker(parley.config, silentLogger, {
        workflowBundle: await workflowBundle(),
      });
      try {
        const outbound = await eventually(async () => {
          const rows = (
            await listConversationMessages(parley.db, conversationWorkflowId(PHONE_NUMBER_ID, waId))
          ).filter((m) => m.direction === 'outbound');
          return rows.length === 1 && rows[0]!.status !== 'sending' ? rows : undefined;
        }, 60_000);
        expect(outbound[0]!.wa_message_id).toBe(textsTo()[0]!.messageId);
        await new Promise((r) => setTimeout(r, 2_000));
        expect(textsTo()).toHaveLength(1);
        expect(textsTo()[0]!.payload.biz_opaque_callback_data).toMatch(/^reply:/);
      } finally {
        await survivor.shutdown();
      }
    },
  );
});
