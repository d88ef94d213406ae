/**
 * Actions the model proposed (a return, a reschedule, a refund…): the proposal goes out with
 * Confirm/Cancel reply buttons, only the customer's tap executes it — once — and documents
 * (invoice copies, return labels) go out as document messages.
 */
import type { ActionProposal, ActionResult, DocumentRef } from '../../activities/tools/types.js';
import { customerMessage } from '../../domain/customer-messages.js';
import type { InboundMessage } from '../definitions.js';
import { describeFailure } from '../failures.js';
import type { NewRefund } from '../refund-definitions.js';
import { actionSteps, whatsapp } from './activities.js';
import type { ConversationContext } from './context.js';
import { escalateFailedAction } from './handoff.js';
import { startRefund } from './refunds.js';
import { sendToCustomer } from './send.js';
import { appendTurn, insideServiceWindow, recordSendFailure } from './state.js';
import { keepBotIdleTimer } from './transitions.js';

/** How long a proposed action waits for the customer's tap before it is dropped. */
const ACTION_CONFIRMATION_MS = 30 * 60_000;
/** Reply-button ids of a proposal: `act:<seq>:yes|no`. */
const ACTION_TAP_RE = /^act:(\d+):(yes|no)$/;

/** A tap on a confirmation button (`act:<seq>:yes|no`), if the message is one. */
export function actionTap(message: InboundMessage): { seq: number; confirm: boolean } | undefined {
  if (message.content.kind !== 'reply') return undefined;
  const match = ACTION_TAP_RE.exec(message.content.id);
  return match ? { seq: Number(match[1]), confirm: match[2] === 'yes' } : undefined;
}

/** The reply's last part with the facts being confirmed; the facts alone when both are too long. */
export function withSummary(lastPart: string, proposal: ActionProposal): string {
  const combined = lastPart ? `${lastPart}\n\n${proposal.summary}` : proposal.summary;
  return combined.length <= 1024 ? combined : proposal.summary.slice(0, 1024);
}

/** Sends the confirmation buttons and remembers the proposal until a tap or the expiry. */
export async function askConfirmation(
  ctx: ConversationContext,
  proposal: ActionProposal,
  body: string,
  key: string,
): Promise<boolean> {
  const { state } = ctx;
  // Buttons are free-form messages: only to a reachable customer inside the 24-hour window.
  if (state.unreachable || !insideServiceWindow(state, Date.now())) return false;
  const seq = (state.actionSeq ?? 0) + 1;
  state.actionSeq = seq;
  try {
    const sent = await whatsapp.sendButtons.executeWithOptions(
      { summary: `Ask to confirm: ${proposal.action}` },
      [
        {
          conversationId: ctx.conversationId,
          phoneNumberId: state.phoneNumberId,
          to: state.waId,
          body,
          buttons: [
            { id: `act:${seq}:yes`, title: customerMessage('action_confirm', state.language) },
            { id: `act:${seq}:no`, title: customerMessage('action_cancel', state.language) },
          ],
          idempotencyKey: key,
        },
      ],
    );
    appendTurn(
      state,
      { role: 'bot', text: body, atMs: Date.now(), messageIds: [sent.messageId] },
      ctx.settings().transcriptTurns,
    );
  } catch (err) {
    recordSendFailure(state, { atMs: Date.now(), what: 'confirmation', ...describeFailure(err) });
    return false;
  }
  state.pendingAction = { seq, proposal, askedAtMs: Date.now() };
  ctx.timers.arm('actionConfirmation', ACTION_CONFIRMATION_MS, `Drop the unconfirmed ${proposal.action}`);
  return true;
}

/** The customer tapped Confirm or Cancel: code executes the proposal (or drops it), once. */
export async function answerActionTap(
  ctx: ConversationContext,
  tap: { seq: number; confirm: boolean },
  key: string,
): Promise<void> {
  const { state } = ctx;
  const pending = state.pendingAction;
  const say = (text: string) => sendToCustomer(ctx, text, key, { role: 'bot' });
  if (!pending || pending.seq !== tap.seq) {
    await say(customerMessage('action_expired', state.language));
    return;
  }
  state.pendingAction = undefined;
  ctx.timers.cancel('actionConfirmation');
  keepBotIdleTimer(ctx);
  if (!tap.confirm) {
    await say(customerMessage('action_cancelled', state.language));
    return;
  }
  if (pending.proposal.action === 'refund') {
    await say(await startRefund(ctx, pending.proposal));
    return;
  }
  let result: ActionResult;
  try {
    result = await actionSteps.executeAction.executeWithOptions(
      { summary: `Execute ${pending.proposal.action}` },
      [{ proposal: pending.proposal, caller: caller(ctx) }],
    );
  } catch (err) {
    await say(customerMessage('action_failed', state.language));
    await escalateFailedAction(ctx, pending.proposal.action, err);
    return;
  }
  await say(result.summary);
  if (result.status !== 'done') return;
  if (result.document) await sendDocument(ctx, result.document, `${key}:doc`);
  // A promo code applied to a paid order: its discount goes back to the payment as a refund.
  const refundDue = (result.data as { refundDue?: Omit<NewRefund, 'conversationId' | 'requestedBy'> })
    ?.refundDue;
  if (refundDue) {
    const text = await startRefund(ctx, {
      action: 'refund',
      actionKey: refundDue.refundId,
      summary: '',
      params: { ...refundDue },
    });
    await sendToCustomer(ctx, text, `${key}:refund`, { role: 'bot' });
  }
}

/** A document (invoice copy, return label) as a WhatsApp document message; never throws. */
export async function sendDocument(
  ctx: ConversationContext,
  document: DocumentRef,
  key: string,
): Promise<void> {
  const { state } = ctx;
  if (!insideServiceWindow(state, Date.now())) return;
  try {
    const sent = await actionSteps.sendDocument.executeWithOptions(
      { summary: `Send the ${document.kind.replace('_', ' ')}` },
      [
        {
          conversationId: ctx.conversationId,
          phoneNumberId: state.phoneNumberId,
          to: state.waId,
          document,
          idempotencyKey: key,
        },
      ],
    );
    appendTurn(
      state,
      { role: 'bot', text: `[document: ${document.kind}]`, atMs: Date.now(), messageIds: [sent.messageId] },
      ctx.settings().transcriptTurns,
    );
  } catch (err) {
    await sendToCustomer(ctx, customerMessage('action_failed', state.language), `${key}:failed`, {
      role: 'bot',
    });
    await escalateFailedAction(ctx, `document ${document.kind}`, err);
  }
}

/** Who the action tools act for: the conversation's customer, never what the model says. */
function caller(ctx: ConversationContext) {
  const { state } = ctx;
  return {
    conversationId: ctx.conversationId,
    waId: state.waId,
    ...(state.language ? { language: state.language } : {}),
  };
}
