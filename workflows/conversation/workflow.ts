/**
 * One long-running workflow per WhatsApp customer chat (its id a keyed hash of the business
 * number and the customer's WhatsApp id): the entity's main loop. Handlers only change state and enqueue (handlers.ts); the loop works the
 * queues serially, so replies keep the order of the messages they answer. Timers are named sleeps
 * whose due times live in state (timers.ts), so they survive continue-as-new. Nothing a customer
 * sends is dropped: the pending queue and the dedupe memory travel with the state.
 *
 * Where things happen: inbound.ts (a customer's messages), turn.ts (Parley's answer),
 * escalation.ts / handoff.ts (people take over), actions.ts / refunds.ts (changes the customer
 * confirms), survey.ts, send.ts (the one send path), projection.ts (Postgres and the Web UI),
 * transitions.ts (the status machine).
 */
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import type { ConversationSettings } from '../definitions.js';
import { local } from './activities.js';
import type { ConversationContext, ConversationInput, ConversationOutcome } from './context.js';
import { fileReview, notifyTeam } from './handoff.js';
import { registerHandlers } from './handlers.js';
import { handleInbound } from './inbound.js';
import {
  closeRun,
  continueAsNewBusy,
  continueAsNewWhenIdle,
  hasWork,
  mustContinueAsNew,
  shouldContinueAsNew,
  startRun,
} from './lifecycle.js';
import { project } from './projection.js';
import { tellRefundOutcome } from './refunds.js';
import { handleStatus, sendAgentReplies } from './send.js';
import { humanDuration, initialState, type ConversationState } from './state.js';
import { sendSurvey } from './survey.js';
import { createTimers } from './timers.js';
import { armStatusTimers, transition } from './transitions.js';

export type { ConversationInput, ConversationOutcome } from './context.js';

export async function conversationWorkflow(input: ConversationInput): Promise<ConversationOutcome> {
  const info = workflowInfo();
  const state: ConversationState = input.carried ?? initialState(input.phoneNumberId, input.waId);
  // Runs recorded before these existed replay without them (one decision per run, before any
  // command; see the patch ledger in the README).
  const patches = {
    surveys: patched('csat-survey'),
    handoffs: patched('escalation-handoff'),
    actions: patched('actions'),
    crmNotes: patched('crm-resolution-note'),
  };
  const loaded: { settings?: ConversationSettings } = {};
  const queues: ConversationContext['queues'] = {
    statuses: [],
    firedTimers: [],
    agentReplies: [],
    transitions: [],
    surveyRecords: [],
    refundNotices: [],
    resolutionNotes: [],
  };
  const ctx: ConversationContext = {
    conversationId: info.workflowId,
    firstRunId: info.firstExecutionRunId,
    input,
    state,
    patches,
    queues,
    timers: createTimers(state, queues.firedTimers),
    settings: () => {
      if (!loaded.settings) throw new Error('conversation settings used before they were loaded');
      return loaded.settings;
    },
    run: { lastArrivalMs: 0, signals: 0, lastUpsertedAttributes: '', lastUnderstandingAttributes: '' },
  };

  registerHandlers(ctx);
  // Re-arm the timers a previous run left due.
  for (const name of Object.keys(state.timers)) ctx.timers.start(name);

  loaded.settings = await local.conversationSettings.executeWithOptions(
    { summary: 'Load conversation settings' },
    [],
  );
  const { onlyRedeliveries } = await startRun(ctx);
  if (onlyRedeliveries && state.pending.length === 0) {
    // Meta redelivered what a closed conversation had already answered: nothing to start.
    return { closedBy: 'parley', reason: 'only redeliveries of messages already answered' };
  }
  await project(ctx);

  for (;;) {
    await condition(() => hasWork(ctx));

    await workQueues(ctx);
    if (state.pending.length > 0 && state.status !== 'closed') await handleInbound(ctx);
    armStatusTimers(ctx);
    await project(ctx);

    if (state.status === 'closed') return closeRun(ctx);
    if (shouldContinueAsNew(ctx)) await continueAsNewWhenIdle(ctx);
    else if (mustContinueAsNew(ctx))
      await continueAsNewBusy(ctx, async () => {
        await workQueues(ctx);
        armStatusTimers(ctx);
        await project(ctx);
      });
  }
}

/** Everything but the customer's messages: statuses, agents' replies, fired timers, refund news. */
async function workQueues(ctx: ConversationContext): Promise<void> {
  const { queues } = ctx;
  for (const status of queues.statuses.splice(0)) await handleStatus(ctx, status);
  await sendAgentReplies(ctx);
  for (const name of queues.firedTimers.splice(0)) await handleTimer(ctx, name);
  for (const notice of queues.refundNotices.splice(0)) await tellRefundOutcome(ctx, notice);
}

/** What each named timer means when it fires (in the status it was meant for). */
async function handleTimer(ctx: ConversationContext, name: string): Promise<void> {
  const { state } = ctx;
  if (name === 'botIdleResolve' && state.status === 'bot')
    transition(ctx, 'resolved', 'parley', 'customer went quiet');
  else if (name === 'resolvedClose' && state.status === 'resolved') {
    // A refund still settling (waiting for approval, say) must be able to tell the customer.
    if (ctx.patches.actions && state.refundsInFlight?.length) {
      const { resolvedCloseMs } = ctx.settings();
      ctx.timers.arm(
        'resolvedClose',
        resolvedCloseMs,
        `Close once the refunds settle (${humanDuration(resolvedCloseMs)})`,
      );
    } else transition(ctx, 'closed', 'parley', 'inactive after resolution');
  } else if (name === 'csatSurvey' && state.status === 'resolved') await sendSurvey(ctx);
  else if (name === 'pickupSla' && state.status === 'awaiting_human')
    await notifyTeam(ctx, 'pickup_reminder');
  else if (name === 'pickupOnCall' && state.status === 'awaiting_human') await notifyTeam(ctx, 'on_call');
  else if (name === 'agentReplySla' && state.status === 'human') await notifyTeam(ctx, 'agent_reply');
  else if (name === 'nextDayReview') await fileReview(ctx, state.escalation?.reviewDueAtMs ?? Date.now());
  else if (name === 'actionConfirmation') state.pendingAction = undefined;
}
