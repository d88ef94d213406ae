/**
 * Floods and loops cannot wedge a conversation or make it answer twice: a run continues as new past
 * a hard cap even while busy (its queue travels with it), a customer's turn budget stops an
 * auto-responder loop (every message still logged), and a redelivery after the conversation closed
 * is not answered again. Real API, worker, Temporal and Postgres.
 */
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversationEvents } from '../../db/repositories/conversation-events.js';
import { listConversationMessages } from '../../db/repositories/messages.js';
import { closeUpdate, conversationStateQuery, type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';
import { answer, chatScript } from '../support/agent-script.js';
import {
  eventually,
  newWaId,
  newWamid,
  startTestParley,
  type TestParley,
  conversationWorkflowId,
} from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543244';
const customer = () => newWaId('3367');
const wamid = newWamid;

/** Talking to one business number's conversations of a running Parley. */
function conversationHelpers(get: () => TestParley) {
  const id = (waId: string) => conversationWorkflowId(PHONE_NUMBER_ID, waId);
  return {
    id,
    textsTo: (waId: string) => get().textsTo(waId),
    say: (waId: string, body: string, messageId = wamid()) =>
      get().postWebhook(
        hooks.textMessageWebhook({ phoneNumberId: PHONE_NUMBER_ID, waId, id: messageId, body }),
      ),
    view: (waId: string, until: (v: ConversationView) => boolean, timeoutMs = 30_000) =>
      eventually(async () => {
        const v = await get().client.workflow.getHandle(id(waId)).query(conversationStateQuery);
        return until(v) ? v : undefined;
      }, timeoutMs),
    inbound: async (waId: string) =>
      (await listConversationMessages(get().db, id(waId))).filter((m) => m.direction === 'inbound'),
  };
}

describe('floods and loops', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({
      env: {
        CONVERSATION_DEBOUNCE_MS: '100',
        CONVERSATION_TURN_BUDGET: '4',
        CONVERSATION_TURN_BUDGET_WINDOW_MS: '600000',
      },
    });
  });
  afterAll(async () => {
    await parley?.close();
  });

  const { id, textsTo, say, view, inbound } = conversationHelpers(() => parley);

  it('an auto-responder loop: after the turn budget Parley stops answering, records it, and logs every message', async () => {
    const waId = customer();
    // The auto-responder answers every message Parley sends, with a message of its own.
    for (let turn = 1; turn <= 7; turn++) {
      await say(waId, `Auto-reply ${turn}: what are your opening hours?`);
      if (turn <= 4) await eventually(() => (textsTo(waId).length >= turn ? true : undefined), 30_000);
      else await view(waId, (v) => (v.loopGuard?.suppressedTurns ?? 0) >= turn - 4);
    }
    expect(textsTo(waId)).toHaveLength(4);
    expect(await inbound(waId)).toHaveLength(7);
    const events = await listConversationEvents(parley.db, id(waId));
    expect(events.filter((e) => e.kind === 'turn_suppressed')).toHaveLength(1);
  });

  it('a message redelivered after the conversation closed is not answered again', async () => {
    const waId = customer();
    const first = wamid();
    await say(waId, 'What are your opening hours?', first);
    await eventually(() => (textsTo(waId).length === 1 ? true : undefined), 30_000);
    const handle = parley.client.workflow.getHandle(id(waId));
    await handle.executeUpdate(closeUpdate, { args: [{ by: 'agent-1' }] });
    await handle.result();

    // Meta redelivers the first message days later: a new run starts, sees it was answered, ends.
    expect((await say(waId, 'What are your opening hours?', first)).status).toBe(200);
    await eventually(async () =>
      (await parley.client.workflow.getHandle(id(waId)).describe()).status.name === 'COMPLETED'
        ? true
        : undefined,
    );
    const outcome = await parley.client.workflow.getHandle(id(waId)).result();
    expect(outcome).toMatchObject({ reason: 'only redeliveries of messages already answered' });
    expect(textsTo(waId)).toHaveLength(1);

    // A genuinely new message is answered as usual.
    await say(waId, 'And on Saturdays?');
    await eventually(() => (textsTo(waId).length === 2 ? true : undefined), 30_000);
  });
});

describe('a flood that keeps the conversation busy', () => {
  let parley: TestParley;
  let openai: ScriptedOpenAI;
  beforeAll(async () => {
    openai = await startScriptedOpenAI();
    parley = await startTestParley({
      env: {
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: 'test-key',
        // A short history so the hard cap (twice this) is reached by a test-sized flood.
        CONVERSATION_MAX_HISTORY_EVENTS: '50',
        CONVERSATION_DEBOUNCE_MS: '100',
        CONVERSATION_MAX_BATCH_WAIT_MS: '300',
      },
    });
  });
  afterAll(async () => {
    await parley?.close();
    await openai?.close();
  });

  const { id, say, view, inbound } = conversationHelpers(() => parley);

  /** The queue each continue-as-new of the conversation carried (decoded from the run's last event). */
  async function carriedQueues(waId: string): Promise<number[]> {
    const sizes: number[] = [];
    for await (const run of parley.client.workflow.list({ query: `WorkflowId = "${id(waId)}"` })) {
      if (run.status.name !== 'CONTINUED_AS_NEW') continue;
      const history = await parley.client.workflow.getHandle(id(waId), run.runId).fetchHistory();
      const last = history.events!.at(-1)!;
      const stored = last.workflowExecutionContinuedAsNewEventAttributes!.input!.payloads![0]!;
      // Stored encrypted: read it as the worker does.
      const [payload] = await parley.codec!.decode([stored as Payload]);
      const input = JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as {
        carried: { pending: unknown[] };
      };
      sizes.push(input.carried.pending.length);
    }
    return sizes;
  }

  it('never lets the run idle: it continues as new while busy, and no message is lost', async () => {
    const waId = customer();
    const ids: string[] = [];
    // Every model call takes 300 ms, so each turn takes longer than the gap between messages.
    const script = chatScript({ agent: () => answer('Noted.') });
    openai.onChat(async (req) => {
      await new Promise((r) => setTimeout(r, 300));
      return script(req);
    });
    // A steady stream, faster than the conversation answers, for longer than its history allows.
    for (let i = 0; i < 200; i++) {
      const messageId = wamid();
      ids.push(messageId);
      await say(waId, `flood ${i}`, messageId);
      await new Promise((r) => setTimeout(r, 20));
    }
    const rows = await eventually(async () => {
      const r = await inbound(waId);
      return r.length === ids.length ? r : undefined;
    }, 60_000);
    expect(new Set(rows.map((r) => r.wa_message_id))).toEqual(new Set(ids));
    const { continuedAsNewCount } = await view(waId, (v) => v.continuedAsNewCount > 0);
    // Visibility lags a little behind: wait until every continued run is listed.
    const carried = await eventually(async () => {
      const sizes = await carriedQueues(waId);
      return sizes.length >= continuedAsNewCount ? sizes : undefined;
    });
    console.log(`flood: ${continuedAsNewCount} continue-as-new, queues carried ${JSON.stringify(carried)}`);
    // At least one continue-as-new happened with customer messages still waiting in its queue.
    expect(Math.max(...carried)).toBeGreaterThan(0);
    const d = await parley.client.workflow.getHandle(id(waId)).describe();
    expect(d.status.name).toBe('RUNNING');
  });
});
