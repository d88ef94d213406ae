import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationWorkflow } from '../../workflows/conversation.js';
import {
  conversationStateQuery,
  conversationWorkflowId,
  inboundMessageSignal,
  type InboundMessage,
} from '../../workflows/definitions.js';
import { eventually } from '../support/parley.js';
import { startTimeSkippingParley, type TimeSkippingParley } from '../support/time-skipping.js';

const PHONE_NUMBER_ID = '109876543210';

describe('probe', () => {
  let parley: TimeSkippingParley;
  beforeAll(async () => {
    parley = await startTimeSkippingParley();
  });
  afterAll(async () => {
    await parley?.close();
  });

  it('probe', async () => {
    const { taskQueue } = await parley.startWorker();
    const waId = '3361' + Math.floor(Math.random() * 1e7);
    const message: InboundMessage = {
      id: `wamid.${randomUUID()}`,
      phoneNumberId: PHONE_NUMBER_ID,
      waId,
      timestampMs: await parley.now(),
      content: { kind: 'text', body: 'hello' },
    };
    console.log('now', await parley.now(), Date.now());
    const handle = await parley.client.workflow.signalWithStart(conversationWorkflow, {
      workflowId: conversationWorkflowId(PHONE_NUMBER_ID, waId),
      taskQueue,
      args: [{ phoneNumberId: PHONE_NUMBER_ID, waId }],
      signal: inboundMessageSignal,
      signalArgs: [message],
    });
    await eventually(() => parley.sandbox.sent.find((m) => m.waId === waId), 20000).catch(async (e) => {
      const hist = await handle.fetchHistory();
      console.log(JSON.stringify(hist.events?.slice(-5), null, 1).slice(0, 5000));
      throw e;
    });
    const view = await handle.query(conversationStateQuery);
    console.log(JSON.stringify(view, null, 1));
    expect(view.status).toBe('bot');
  });
});
