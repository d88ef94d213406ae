/**
 * What a customer does that is not a question: a reaction (feedback when it is on one of Parley's
 * answers), an edit (the stored text changes; answered only if its message was not answered yet),
 * a deletion (the stored text is removed; not answered if it was still waiting), a system notice
 * (a number change moves the conversation to the new number). None of them is a turn: none
 * reopens a resolved conversation or cancels a survey.
 */
import { ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CustomerEvent } from '../../activities/message-log-activities.js';
import { maskPhone } from '../../domain/privacy.js';
import type { InboundMessage } from '../definitions.js';
import { describeFailure } from '../failures.js';
import { store } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';
import { initialState, recordSendFailure, type ConversationState } from './state.js';
import { transition } from './transitions.js';
import type { conversationWorkflow } from './workflow.js';

export function isCustomerEvent(message: InboundMessage): boolean {
  const kind = message.content.kind;
  return kind === 'reaction' || kind === 'edit' || kind === 'revoke' || kind === 'system';
}

/**
 * Handles the events among `messages` and returns the messages that are turns, an edit applied to
 * a message still among them and a deleted one taken out. Runs recorded before events were told
 * apart (their `patched()` is false) keep answering them as turns.
 */
export async function takeCustomerEvents(
  ctx: ConversationContext,
  messages: InboundMessage[],
): Promise<InboundMessage[]> {
  if (!messages.some(isCustomerEvent) || !patched('customer-events')) return messages;
  let turns = messages.filter((m) => !isCustomerEvent(m));
  for (const message of messages.filter(isCustomerEvent)) {
    const content = message.content;
    let event: CustomerEvent;
    if (content.kind === 'reaction') {
      event = { kind: 'reaction', targetMessageId: content.messageId, emoji: content.emoji };
    } else if (content.kind === 'edit' || content.kind === 'revoke') {
      const waiting = turns.find((m) => m.id === content.originalMessageId);
      if (content.kind === 'edit') {
        turns = turns.map((m) => (m === waiting ? withText(m, content.body) : m));
        event = {
          kind: 'edit',
          targetMessageId: content.originalMessageId,
          body: content.body,
          answered: !waiting,
        };
      } else {
        turns = turns.filter((m) => m !== waiting);
        event = { kind: 'revoke', targetMessageId: content.originalMessageId, answered: !waiting };
      }
    } else if (content.kind === 'system') {
      event = { kind: 'system', ...(content.systemType ? { systemType: content.systemType } : {}) };
    } else continue;
    await recordOrSkip(ctx, `customer ${event.kind}`, () =>
      store.recordCustomerEvent.executeWithOptions({ summary: `Record the customer's ${event.kind}` }, [
        { conversationId: ctx.conversationId, messageId: message.id, atMs: message.timestampMs, event },
      ]),
    );
    if (content.kind === 'system' && content.systemType === 'user_changed_number' && content.newWaId) {
      // What the customer wrote before the change is answered by the conversation on the new number.
      await moveToNewNumber(ctx, message, content.newWaId, turns);
      return [];
    }
  }
  return turns;
}

/** The message as edited: a text gets the new body, a media message the new caption. */
function withText(message: InboundMessage, body: string): InboundMessage {
  const content = message.content;
  if (content.kind === 'text') return { ...message, content: { ...content, body } };
  if (content.kind === 'media') return { ...message, content: { ...content, caption: body } };
  return message;
}

/**
 * The customer's WhatsApp number changed: their records follow them, the conversation goes on
 * under the new number (its own workflow, carrying summary, language and recent turns), and this
 * one closes — the old number cannot be written to any more.
 */
async function moveToNewNumber(
  ctx: ConversationContext,
  notice: InboundMessage,
  newWaId: string,
  unanswered: InboundMessage[],
): Promise<void> {
  const { state } = ctx;
  const moved = await recordOrSkip(ctx, 'number change', () =>
    store.moveCustomerNumber.executeWithOptions({ summary: 'Move the customer to the new number' }, [
      {
        conversationId: ctx.conversationId,
        messageId: notice.id,
        fromWaId: state.waId,
        toWaId: newWaId,
        atMs: notice.timestampMs,
        phoneNumberId: state.phoneNumberId,
      },
    ]),
  );
  // The new conversation's id is keyed (workflow code holds no secret): the activity says it. Runs
  // recorded before keyed ids got no id back and used the old `whatsapp:` form.
  const newConversationId = moved
    ? (moved.newConversationId ?? `whatsapp:${state.phoneNumberId}:${newWaId}`)
    : undefined;
  if (!newConversationId) {
    transition(ctx, 'closed', 'customer', 'customer changed WhatsApp number');
    return;
  }
  try {
    await startChild<typeof conversationWorkflow>('conversationWorkflow', {
      workflowId: newConversationId,
      args: [
        {
          phoneNumberId: state.phoneNumberId,
          waId: newWaId,
          carried: movedState(state, newWaId, unanswered),
        },
      ],
      // The conversation on the new number lives on after this one closes.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `WhatsApp conversation with ${maskPhone(newWaId)} (number changed)`,
    });
  } catch (err) {
    // Already there: the customer wrote from the new number first; that conversation goes on.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      recordSendFailure(state, { atMs: Date.now(), what: 'number change', ...describeFailure(err) });
  }
  transition(ctx, 'closed', 'customer', 'customer changed WhatsApp number');
}

/** What the conversation on the new number starts from. */
function movedState(state: ConversationState, waId: string, pending: InboundMessage[]): ConversationState {
  return {
    ...initialState(state.phoneNumberId, waId),
    customer: { ...state.customer, lookedUp: false },
    ...(state.language ? { language: state.language } : {}),
    summary: state.summary,
    turns: state.turns,
    seenMessageIds: state.seenMessageIds,
    pending: pending.map((m) => ({ ...m, waId })),
    ...(state.lastInboundAtMs !== undefined ? { lastInboundAtMs: state.lastInboundAtMs } : {}),
    ...(state.aiDisclosed ? { aiDisclosed: true } : {}),
  };
}
