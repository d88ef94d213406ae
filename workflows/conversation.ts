import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  deliveryStatusSignal,
  inboundMessageSignal,
  type DeliveryStatus,
  type InboundMessage,
} from './definitions.js';

export interface ConversationInput {
  phoneNumberId: string;
  waId: string;
}

const SEEN_IDS_LIMIT = 500;

const whatsapp = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
const messageLog = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/**
 * One long-running workflow per WhatsApp customer chat. Signal handlers only enqueue; the main loop
 * works through the queue serially so replies keep the order of the messages they answer.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const conversationId = workflowInfo().workflowId;
  const inbox: InboundMessage[] = [];
  const statuses: DeliveryStatus[] = [];
  const seenMessageIds: string[] = [];
  let displayName: string | undefined;

  setHandler(inboundMessageSignal, (message) => {
    // Meta delivers at least once and retries for days: drop what this conversation already has.
    if (seenMessageIds.includes(message.id)) return;
    seenMessageIds.push(message.id);
    if (seenMessageIds.length > SEEN_IDS_LIMIT) seenMessageIds.shift();
    inbox.push(message);
  });
  setHandler(deliveryStatusSignal, (status) => {
    statuses.push(status);
  });

  for (;;) {
    await condition(() => inbox.length > 0 || statuses.length > 0);

    for (const status of statuses.splice(0)) {
      await messageLog.recordDeliveryStatus(status);
    }

    const batch = inbox.splice(0);
    if (batch.length === 0) continue;
    displayName = batch.findLast((m) => m.displayName)?.displayName ?? displayName;
    await messageLog.recordInboundMessages(
      {
        id: conversationId,
        phoneNumberId: input.phoneNumberId,
        waId: input.waId,
        displayName,
        status: 'bot',
      },
      batch,
    );
    const last = batch[batch.length - 1]!;
    await whatsapp.markReadWithTyping(input.phoneNumberId, last.id);
    await whatsapp.sendText({
      conversationId,
      phoneNumberId: input.phoneNumberId,
      to: input.waId,
      body: 'Thanks for your message! We have received it and will get back to you shortly.',
      idempotencyKey: `reply:${last.id}`,
    });
  }
}
