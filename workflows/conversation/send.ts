/**
 * The one send path for Parley's and agents' messages, the 24-hour customer-service window and its
 * re-engagement template, and what Meta's delivery statuses tell about a send.
 */
import { patched, sleep } from '@temporalio/workflow';
import type { AgentReplyResult, DeliveryStatus, PendingSend, TranscriptTurn } from '../definitions.js';
import { describeFailure, isTransientFailure } from '../failures.js';
import { store, whatsapp, whatsappRedelivered } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';
import { appendTurn, humanDuration, insideServiceWindow, recordSendFailure } from './state.js';

/** Backoff between redelivery attempts while WhatsApp is unavailable: 15 s, doubling, at most 5 min. */
const REDELIVERY_FIRST_MS = 15_000;
const REDELIVERY_MAX_MS = 5 * 60_000;
/** A template (the window has closed) is retried this long before its failure is left to people. */
const TEMPLATE_REDELIVERY_MS = 24 * 60 * 60_000;
/** The patch that turned "give up after the activity's retries" into "retry until it can be delivered". */
const redeliveryPatched = () => patched('send-until-delivered');

/**
 * The activities that send: with redelivery, a few quick attempts (the conversation's own backoff
 * follows); runs recorded before it keep the old ten attempts, and give up after them.
 */
const sender = () => (redeliveryPatched() ? whatsappRedelivered : whatsapp);

/** Redelivery stopped because the 24-hour window closes before the next attempt: time for a template. */
class WindowClosing extends Error {}

/** Called once a send has to wait for WhatsApp (an agent's reply is answered "queued" then). */
export type OnQueued = (reason: string) => void;

/**
 * Sends a text to the customer, once per idempotency key. While WhatsApp fails transiently the
 * send is retried with capped backoff for as long as the 24-hour window allows, then goes as the
 * re-engagement template; the state query shows it pending. Never throws: a message that cannot
 * be delivered at all is recorded (the state query shows why) and the conversation carries on.
 */
export async function sendToCustomer(
  ctx: ConversationContext,
  text: string,
  idempotencyKey: string,
  who: { role: 'bot' | 'agent'; agentId?: string },
  onQueued?: OnQueued,
): Promise<AgentReplyResult> {
  const { state } = ctx;
  if (state.unreachable) {
    recordSendFailure(state, { atMs: Date.now(), what: who.role, reason: 'CustomerUnreachable' });
    return { delivered: false, reason: 'the customer is unreachable on WhatsApp (131026)' };
  }
  if (!insideServiceWindow(state, Date.now())) return sendOutsideWindow(ctx, idempotencyKey, onQueued);
  try {
    const sent = await withRedelivery(
      ctx,
      { key: idempotencyKey, what: who.role, onQueued },
      (atMs) => insideServiceWindow(state, atMs),
      () =>
        sender().sendText.executeWithOptions(
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
        ),
    );
    const turn: TranscriptTurn = { role: who.role, text, atMs: Date.now(), messageIds: [sent.messageId] };
    if (who.agentId) turn.agentId = who.agentId;
    appendTurn(state, turn, ctx.settings().transcriptTurns);
    return { delivered: true, messageId: sent.messageId };
  } catch (err) {
    if (err instanceof WindowClosing) return sendOutsideWindow(ctx, idempotencyKey, onQueued);
    const failure = describeFailure(err);
    recordSendFailure(state, { atMs: Date.now(), what: who.role, ...failure });
    if (failure.reason === 'WhatsAppOutsideWindow') {
      state.windowClosedByMeta = true;
      return sendOutsideWindow(ctx, idempotencyKey, onQueued);
    }
    if (failure.reason === 'WhatsAppUndeliverable') state.unreachable = true;
    return { delivered: false, reason: `${failure.reason}${failure.code ? ` (${failure.code})` : ''}` };
  }
}

/**
 * Runs `attempt` (an activity with retries of its own); when those run out on a transient failure,
 * waits with capped backoff — a durable timer, so a worker restart changes nothing — and tries again
 * while `canWaitUntil(next attempt)`. Rejects with a permanent failure as it is, and with
 * `WindowClosing` when waiting longer is not allowed. Runs recorded before this existed (their
 * `patched()` is false) give up at the first exhausted attempt, as they did.
 */
async function withRedelivery<T>(
  ctx: ConversationContext,
  send: { key: string; what: string; onQueued?: OnQueued | undefined },
  canWaitUntil: (atMs: number) => boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  const { state } = ctx;
  let pending: PendingSend | undefined;
  let delayMs = REDELIVERY_FIRST_MS;
  try {
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if (!isTransientFailure(err) || !redeliveryPatched()) throw err;
        const nextAttemptAtMs = Date.now() + delayMs;
        if (!canWaitUntil(nextAttemptAtMs)) throw new WindowClosing();
        const reason = describeFailure(err).reason;
        if (!pending) {
          pending = {
            key: send.key,
            what: send.what,
            firstFailedAtMs: Date.now(),
            attempts: 0,
            lastReason: reason,
            nextAttemptAtMs,
          };
          state.pendingSends = [...(state.pendingSends ?? []), pending];
          send.onQueued?.(`WhatsApp is unavailable (${reason}): retrying until it can be delivered`);
        }
        pending.attempts += 1;
        pending.lastReason = reason;
        pending.nextAttemptAtMs = nextAttemptAtMs;
        await sleep(delayMs, {
          summary: `Retry sending the ${send.what} message in ${humanDuration(delayMs)} (WhatsApp unavailable)`,
        });
        delayMs = Math.min(delayMs * 2, REDELIVERY_MAX_MS);
      }
    }
  } finally {
    if (pending) state.pendingSends = (state.pendingSends ?? []).filter((p) => p !== pending);
  }
}

/** Agents' replies go out through the same send path as Parley's, in the loop's order. */
export async function sendAgentReplies(ctx: ConversationContext): Promise<void> {
  const { state, queues } = ctx;
  for (const reply of queues.agentReplies.filter((r) => !r.result)) {
    // While WhatsApp is down the agent hears "queued" at once; the reply goes out when it can.
    const queued: OnQueued = (reason) => {
      reply.result ??= { delivered: false, queued: true, reason };
    };
    const result = await sendToCustomer(
      ctx,
      reply.input.text,
      `agent:${ctx.firstRunId}:${state.agentReplySeq++}`,
      { role: 'agent', agentId: reply.input.agentId },
      queued,
    );
    reply.result = result;
    if (result.delivered) ctx.timers.cancel('agentReplySla');
  }
  queues.agentReplies.splice(0, queues.agentReplies.length, ...queues.agentReplies.filter((r) => !r.result));
}

/** Outside the 24-hour window only an approved template may go out; without one we say why. */
async function sendOutsideWindow(
  ctx: ConversationContext,
  idempotencyKey: string,
  onQueued?: OnQueued,
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
  const giveUpAtMs = Date.now() + TEMPLATE_REDELIVERY_MS;
  try {
    const sent = await withRedelivery(
      ctx,
      { key: `${idempotencyKey}:template`, what: 'template', onQueued },
      (atMs) => atMs < giveUpAtMs,
      () =>
        sender().sendTemplate.executeWithOptions({ summary: `Send template ${template.name}` }, [
          {
            conversationId: ctx.conversationId,
            phoneNumberId: state.phoneNumberId,
            to: state.waId,
            template,
            idempotencyKey: `${idempotencyKey}:template`,
          },
        ]),
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
    const failure =
      err instanceof WindowClosing
        ? { reason: 'WhatsAppUnavailable', message: 'retried for 24 hours without WhatsApp taking it' }
        : describeFailure(err);
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
