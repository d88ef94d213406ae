/**
 * The customer's own erasure request: "STOP" / "DELETE MY DATA" (any supported language) is
 * answered with what would be deleted and two buttons; a tap on "Delete my data" says goodbye and
 * starts the customer's erasure workflow, which then closes this conversation. Nothing is erased
 * without that tap. (Operators erase through `parley erase`; both run the same workflow.)
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { InboundMessage } from '../definitions.js';
import { asksForErasure } from '../../domain/erasure-request.js';
import { customerMessage } from '../../domain/customer-messages.js';
import { erasureWorkflowId } from '../erasure-definitions.js';
import type { erasureWorkflow } from '../erasure.js';
import { whatsapp } from './activities.js';
import type { ConversationContext } from './context.js';
import { sendToCustomer } from './send.js';
import { appendTurn } from './state.js';

const CONFIRM_ID = 'erasure:confirm';
const KEEP_ID = 'erasure:keep';
/** Without a setting, the erasure's last pass waits this long after closing the conversations. */
const DEFAULT_SETTLE_MS = 60_000;

export type ErasureStep = { kind: 'ask' | 'confirm' | 'keep'; message: InboundMessage };

/** The erasure request or answer in a batch, if any (a tap wins over text). */
export function erasureStep(batch: InboundMessage[]): ErasureStep | undefined {
  for (const message of batch) {
    const c = message.content;
    if (c.kind === 'reply' && (c.id === CONFIRM_ID || c.id === KEEP_ID))
      return { kind: c.id === CONFIRM_ID ? 'confirm' : 'keep', message };
  }
  const ask = batch.find((m) => m.content.kind === 'text' && asksForErasure(m.content.body));
  return ask && { kind: 'ask', message: ask };
}

export async function handleErasureStep(ctx: ConversationContext, step: ErasureStep): Promise<void> {
  const { state } = ctx;
  const key = `erasure:${step.message.id}`;
  const say = (text: string) => sendToCustomer(ctx, text, key, { role: 'bot' });
  if (step.kind === 'keep') {
    await say(customerMessage('erasure_kept', state.language));
    return;
  }
  if (step.kind === 'ask') {
    const body = customerMessage('erasure_ask', state.language);
    try {
      const sent = await whatsapp.sendButtons.executeWithOptions({ summary: 'Ask to confirm the erasure' }, [
        {
          conversationId: ctx.conversationId,
          phoneNumberId: state.phoneNumberId,
          to: state.waId,
          body,
          buttons: [
            { id: CONFIRM_ID, title: customerMessage('erasure_confirm', state.language) },
            { id: KEEP_ID, title: customerMessage('erasure_keep', state.language) },
          ],
          idempotencyKey: key,
        },
      ]);
      appendTurn(
        state,
        { role: 'bot', text: body, atMs: Date.now(), messageIds: [sent.messageId] },
        ctx.settings().transcriptTurns,
      );
    } catch {
      // Buttons could not go out (window, outage): the question in plain text still lets them ask again.
      await say(body);
    }
    return;
  }
  await say(customerMessage('erasure_started', state.language));
  try {
    await startChild<typeof erasureWorkflow>('erasureWorkflow', {
      workflowId: erasureWorkflowId(ctx.conversationId),
      args: [
        {
          subject: ctx.conversationId,
          requestedBy: 'customer',
          settleMs: ctx.settings().erasureSettleMs ?? DEFAULT_SETTLE_MS,
        },
      ],
      // The erasure closes this conversation: it must outlive it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // A tap delivered twice: the erasure is already running.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
