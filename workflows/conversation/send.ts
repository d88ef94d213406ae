/**
 * The one send path for Parley's and agents' messages, the 24-hour customer-service window and its
 * re-engagement template, and what Meta's delivery statuses tell about a send.
 */
import type { AgentReplyResult, DeliveryStatus, TranscriptTurn } from '../definitions.js';
import { describeFailure } from '../failures.js';
import { store, whatsapp } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';
import { appendTurn, insideServiceWindow, recordSendFailure } from './state.js';

/**
 * Sends a text to the customer, once per idempotency key. Never throws: a message that cannot be
 * sent is recorded (the state query shows why) and the conversation carries on.
 */
export async function sendToCustomer(
  ctx: ConversationContext,
  text: string,
  idempotencyKey: string,
  who: { role: 'bot' | 'agent'; agentId?: string },
): Promise<AgentReplyResult> {
  const { state } = ctx;
  if (state.unreachable) {
    recordSendFailure(state, { atMs: Date.now(), what: who.role, reason: 'CustomerUnreachable' });
    return { delivered: false, reason: 'the customer is unreachable on WhatsApp (131026)' };
  }
  if (!insideServiceWindow(state, Date.now())) return sendOutsideWindow(ctx, idempotencyKey);
  try {
    const sent = await whatsapp.sendText.executeWithOptions(
      { summary: who.role === 'agent' ? `Send agent reply (${who.agentId})` : 'Send reply' },
      [
        {
          conversationId: ctx.conversationId,
          phoneNumberId: state.phoneNumberId,
          to: state.waId,
          body: text,
          idempotencyKey,
        },
      ],
    );
    const turn: TranscriptTurn = { role: who.role, text, atMs: Date.now(), messageIds: [sent.messageId] };
    if (who.agentId) turn.agentId = who.agentId;
    appendTurn(state, turn, ctx.settings().transcriptTurns);
    return { delivered: true, messageId: sent.messageId };
  } catch (err) {
    const failure = describeFailure(err);
    recordSendFailure(state, { atMs: Date.now(), what: who.role, ...failure });
    if (failure.reason === 'WhatsAppOutsideWindow') {
      state.windowClosedByMeta = true;
      return sendOutsideWindow(ctx, idempotencyKey);
    }
    if (failure.reason === 'WhatsAppUndeliverable') state.unreachable = true;
    return { delivered: false, reason: `${failure.reason}${failure.code ? ` (${failure.code})` : ''}` };
  }
}

/** Agents' replies go out through the same send path as Parley's, in the loop's order. */
export async function sendAgentReplies(ctx: ConversationContext): Promise<void> {
  const { state, queues } = ctx;
  for (const reply of queues.agentReplies.filter((r) => !r.result)) {
    reply.result = await sendToCustomer(
      ctx,
      reply.input.text,
      `agent:${ctx.firstRunId}:${state.agentReplySeq++}`,
      {
        role: 'agent',
        agentId: reply.input.agentId,
      },
    );
    if (reply.result.delivered) ctx.timers.cancel('agentReplySla');
  }
  queues.agentReplies.splice(0, queues.agentReplies.length, ...queues.agentReplies.filter((r) => !r.result));
}

/** Outside the 24-hour window only an approved template may go out; without one we say why. */
async function sendOutsideWindow(
  ctx: ConversationContext,
  idempotencyKey: string,
): Promise<AgentReplyResult> {
  const { state } = ctx;
  const template = ctx.settings().reengagementTemplate;
  if (!template) {
    recordSendFailure(state, {
      atMs: Date.now(),
      what: 'send',
      reason: 'OutsideServiceWindow',
      message: 'the 24-hour window is closed and no re-engagement template is configured',
    });
    return {
      delivered: false,
      reason: 'outside the 24-hour window and no approved template is configured',
    };
  }
  try {
    const sent = await whatsapp.sendTemplate.executeWithOptions(
      { summary: `Send template ${template.name}` },
      [
        {
          conversationId: ctx.conversationId,
          phoneNumberId: state.phoneNumberId,
          to: state.waId,
          template,
          idempotencyKey: `${idempotencyKey}:template`,
        },
      ],
    );
    appendTurn(
      state,
      {
        role: 'system',
        text: `[template ${template.name} sent: 24-hour window closed]`,
        atMs: Date.now(),
        messageIds: [sent.messageId],
      },
      ctx.settings().transcriptTurns,
    );
    return {
      delivered: true,
      messageId: sent.messageId,
      reason: `outside the 24-hour window: sent template ${template.name}`,
    };
  } catch (err) {
    const failure = describeFailure(err);
    recordSendFailure(state, { atMs: Date.now(), what: 'template', ...failure });
    return { delivered: false, reason: failure.reason };
  }
}

/** Meta's news about a message we sent: recorded; a failure may close the window or the number. */
export async function handleStatus(ctx: ConversationContext, status: DeliveryStatus): Promise<void> {
  const { state } = ctx;
  await recordOrSkip(ctx, 'delivery status', () =>
    store.recordDeliveryStatus.executeWithOptions({ summary: `Delivery status: ${status.status}` }, [status]),
  );
  if (status.status !== 'failed') return;
  const error = status.errors[0];
  recordSendFailure(state, {
    atMs: Date.now(),
    what: `message ${status.messageId}`,
    reason: 'DeliveryFailed',
    code: error?.code,
    message: error?.title,
  });
  if (error?.code === 131026) state.unreachable = true;
  if (error?.code === 131047) {
    state.windowClosedByMeta = true;
    await sendOutsideWindow(ctx, `reengage:${status.messageId}`);
  }
}
