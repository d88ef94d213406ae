import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import type { BotTurnRecord } from '../../activities/agent-activities.js';
import type { TeamNotice } from '../../activities/handoff-activities.js';
import type { RecordResolutionNoteInput } from '../../activities/crm-activities.js';
import type { TransitionRecord } from '../../activities/message-log-activities.js';
import type { CsatSurveyRecord } from '../../db/repositories/csat-surveys.js';
import type { ActionProposal, ActionResult, DocumentRef } from '../../activities/tools/types.js';
import { refundSettledSignal, type NewRefund, type RefundSettled } from '../refund-definitions.js';
import type { refundWorkflow } from '../refund.js';
import { transcriptText } from '../../domain/message-content.js';
import {
  acceptInbound,
  appendTurn,
  commandRefusal,
  humanDuration,
  initialState,
  insideServiceWindow,
  recordSendFailure,
  toView,
  type ConversationState,
  type CsatState,
  type EscalationState,
} from './state.js';
import {
  agentReplyUpdate,
  assignAgentUpdate,
  closeUpdate,
  conversationStateQuery,
  deliveryStatusSignal,
  handBackUpdate,
  inboundMessageSignal,
  resolveUpdate,
  type AgentReplyInput,
  type AgentReplyResult,
  type ConversationSettings,
  type ConversationStatus,
  type DeliveryStatus,
  type InboundMessage,
  type TranscriptTurn,
} from '../definitions.js';
import { composeBotReply } from './legacy-reply.js';
import { customerMessage } from '../../domain/customer-messages.js';
import { formatLocalTime, formatMoney } from '../../domain/locale.js';
import { understandTurn, type UnderstoodTurn } from './understand-turn.js';
import { answerTurn, refreshSummary, type TurnAnswer } from './agent-turn.js';
import { splitForWhatsApp, toWhatsAppText } from '../../domain/whatsapp-format.js';
import { asksForNoSurveys, surveyAnswers, surveyButtons, type SurveyAnswer } from './survey-answers.js';
import { addBusinessTime, isOpen, nextOpening } from '../../domain/business-hours.js';
import {
  escalateAfterAnswer,
  escalateBeforeAnswer,
  type EscalationDecision,
  type EscalationSignals,
} from '../../domain/escalation-policy.js';
import { maskPhone } from '../../domain/privacy.js';
import { bestEffort, describeFailure } from '../failures.js';
import {
  ParleyAssignedAgent,
  ParleyBusinessNumber,
  ParleyEscalated,
  ParleyIntent,
  ParleyLanguage,
  ParleyLastInboundAt,
  ParleySentiment,
  ParleyStatus,
} from '../search-attributes.js';

export interface ConversationInput {
  phoneNumberId: string;
  waId: string;
  /** Present when this run continues an earlier one (continue-as-new). */
  carried?: ConversationState;
  /** Set when the customer wrote while the previous conversation was closing. */
  reopened?: boolean;
}

export interface ConversationOutcome {
  closedBy: string;
  reason?: string;
}

const QUERY_TURNS = 10;
/** Turns before the current one that the model sees verbatim (older ones are in the summary). */
const MODEL_HISTORY_TURNS = 8;
/** The parts of an answer that made no model call, used no tool and cited nothing. */
const nothingDone = () => ({
  citedChunkIds: [],
  toolCalls: [],
  cost: { rounds: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 },
});

// The steps of a turn run as local activities: same timeouts, retries and idempotency, but a turn
// costs one or two workflow tasks instead of a server round trip per step (the history store is
// what limits a 2-core deployment). Long backoffs become durable timers on their own.
const whatsapp = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20s',
  // Rate limits (130429, 131056) and Meta 5xx are retried with backoff; permanent Meta errors are
  // non-retryable ApplicationFailures raised by the Graph client and come back as ActivityFailure.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});
const courtesy = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});
const store = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
});
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '5s' });
// Helpdesks and Slack rate-limit and go down: regular activities (visible in the Web UI), retried
// with backoff for a while; a hand-off that still fails is recorded and the status says it all.
// Confirmed actions and documents: regular activities (visible in the Web UI), idempotent by key.
const actionSteps = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
/** How long a proposed action waits for the customer's tap before it is dropped. */
const ACTION_CONFIRMATION_MS = 30 * 60_000;
/** Reply-button ids of a proposal: `act:<seq>:yes|no`. */
const ACTION_TAP_RE = /^act:(\d+):(yes|no)$/;
const handoffSteps = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
});

/**
 * One long-running workflow per WhatsApp customer chat (id `whatsapp:<phone_number_id>:<wa_id>`).
 *
 * Signal and update handlers only change state and enqueue; the main loop works serially, so
 * replies keep the order of the messages they answer. Timers are named sleeps whose due times live
 * in state, so they survive continue-as-new. Nothing a customer sends is dropped: the pending queue
 * and the dedupe memory travel with the state.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<ConversationOutcome> {
  const info = workflowInfo();
  const conversationId = info.workflowId;
  const state: ConversationState = input.carried ?? initialState(input.phoneNumberId, input.waId);
  // Runs recorded before surveys existed replay without them (one decision per run).
  const surveysEnabled = patched('csat-survey');
  const handoffsEnabled = patched('escalation-handoff');
  const actionsEnabled = patched('actions');
  const crmNotesEnabled = patched('crm-resolution-note');

  // Transient, per-run work queues (empty at every continue-as-new by construction).
  const statuses: DeliveryStatus[] = [];
  const firedTimers: string[] = [];
  const agentReplies: { input: AgentReplyInput; result?: AgentReplyResult }[] = [];
  const transitions: TransitionRecord[] = [];
  const surveyRecords: CsatSurveyRecord[] = [];
  const refundNotices: RefundSettled[] = [];
  const resolutionNotes: RecordResolutionNoteInput[] = [];
  let lastArrivalMs = 0;
  let lastUpsertedAttributes = '';
  let lastUnderstandingAttributes = '';
  let closedBy: ConversationOutcome | undefined;
  let reviewOnClose: number | undefined;

  // ---- timers ---------------------------------------------------------------------------------
  const timerScopes = new Map<string, CancellationScope>();

  function startTimer(name: string): void {
    const timer = state.timers[name]!;
    const scope = new CancellationScope();
    timerScopes.set(name, scope);
    scope
      .run(async () => {
        // A timer pushed back while it slept (see extendTimer) sleeps again for the rest: one
        // timer per idle period instead of a cancel and a new timer on every turn.
        for (let left = timer.dueAtMs - Date.now(); left > 0; left = timer.dueAtMs - Date.now()) {
          await sleep(left, { summary: timer.summary });
        }
      })
      .then(() => {
        if (timerScopes.get(name) !== scope) return;
        timerScopes.delete(name);
        delete state.timers[name];
        firedTimers.push(name);
      })
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function armTimer(name: string, delayMs: number, summary: string): void {
    cancelTimer(name);
    state.timers[name] = { dueAtMs: Date.now() + delayMs, summary };
    startTimer(name);
  }

  /** Moves a running timer's deadline later without a new timer in history; arms it if absent. */
  function extendTimer(name: string, delayMs: number, summary: string): void {
    const running = state.timers[name];
    if (running && timerScopes.has(name)) running.dueAtMs = Date.now() + delayMs;
    else armTimer(name, delayMs, summary);
  }

  function cancelTimer(name: string): void {
    timerScopes.get(name)?.cancel();
    timerScopes.delete(name);
    delete state.timers[name];
  }

  // ---- transitions ----------------------------------------------------------------------------
  function transition(to: ConversationStatus, by: string, reason?: string): void {
    const from = state.status;
    if (from === to) return;
    state.status = to;
    state.transitionSeq += 1;
    transitions.push({
      from,
      to,
      by,
      reason,
      key: `${info.firstExecutionRunId}:${state.transitionSeq}`,
      atMs: Date.now(),
    });
    if (to !== 'bot') cancelTimer('botIdleResolve');
    if (to !== 'resolved') {
      cancelTimer('resolvedClose');
      cancelTimer('csatSurvey');
    }
    if (to === 'resolved' && surveysEnabled) planSurvey(from, by);
    if (to === 'resolved' && crmNotesEnabled) {
      resolutionNotes.push({
        conversationId,
        waId: state.waId,
        resolvedBy: by,
        summary: state.summary || `Resolved: ${reason ?? 'no reason given'}`,
        atMs: Date.now(),
        idempotencyKey: `crm:${info.firstExecutionRunId}:${state.transitionSeq}`,
      });
    }
    if (to !== 'awaiting_human') {
      cancelTimer('pickupSla');
      cancelTimer('pickupOnCall');
    }
    if (to !== 'human') cancelTimer('agentReplySla');
    if (to !== 'bot') {
      // A proposal is Parley's: once a person (or the close) takes over, its buttons are stale.
      state.pendingAction = undefined;
      cancelTimer('actionConfirmation');
    }
    if (to === 'bot' || to === 'resolved' || to === 'closed') state.ticket = undefined;
    if (to === 'awaiting_human') state.escalated = true;
    if (to === 'bot' || to === 'resolved' || to === 'closed') state.assignedAgent = undefined;
    if (to === 'closed') {
      // A review the team has not seen yet is still owed: it is filed at the close instead.
      reviewOnClose = state.timers.nextDayReview?.dueAtMs;
      for (const name of Object.keys(state.timers)) cancelTimer(name);
      closedBy = { closedBy: by, reason };
    }
  }

  // ---- handlers (set before the first await) --------------------------------------------------
  setHandler(inboundMessageSignal, (message: InboundMessage) => {
    // Meta delivers at least once and retries for days: drop what this conversation already has.
    if (acceptInbound(state, message)) lastArrivalMs = Date.now();
  });
  setHandler(deliveryStatusSignal, (status: DeliveryStatus) => {
    statuses.push(status);
  });
  setHandler(conversationStateQuery, () => toView(state, conversationId, QUERY_TURNS));
  setHandler(refundSettledSignal, (notice: RefundSettled) => {
    refundNotices.push(notice);
  });

  const invalid = (message: string) =>
    ApplicationFailure.create({ type: 'InvalidCommand', message, nonRetryable: true });
  const requireText = (value: unknown, what: string, max: number) => {
    if (typeof value !== 'string' || value.trim() === '') throw invalid(`${what} must not be empty`);
    if (value.length > max) throw invalid(`${what} must be at most ${max} characters`);
  };

  setHandler(
    assignAgentUpdate,
    ({ agentId, agentName }) => {
      state.assignedAgent = { id: agentId, name: agentName };
      transition('human', agentId, 'agent assigned');
      return toView(state, conversationId, QUERY_TURNS);
    },
    {
      validator: ({ agentId }) => {
        requireText(agentId, 'agentId', 100);
        const refusal = commandRefusal(state, 'assign');
        if (refusal) throw invalid(refusal);
      },
    },
  );
  setHandler(
    agentReplyUpdate,
    async (reply) => {
      const item: { input: AgentReplyInput; result?: AgentReplyResult } = { input: reply };
      agentReplies.push(item);
      await condition(() => item.result !== undefined);
      return item.result!;
    },
    {
      validator: ({ agentId, text }) => {
        requireText(text, 'text', 4096);
        if (state.status !== 'human' || !state.assignedAgent)
          throw invalid('no agent is assigned to this conversation');
        if (state.assignedAgent.id !== agentId)
          throw invalid(`agent ${agentId} is not assigned to this conversation`);
      },
    },
  );
  const operatorCommands = [
    { update: handBackUpdate, command: 'handBack', to: 'bot', defaultReason: 'handed back to Parley' },
    { update: resolveUpdate, command: 'resolve', to: 'resolved', defaultReason: 'resolved' },
    { update: closeUpdate, command: 'close', to: 'closed', defaultReason: 'closed' },
  ] as const;
  for (const { update, command, to, defaultReason } of operatorCommands) {
    setHandler(
      update,
      ({ by, reason }) => {
        transition(to, by, reason ?? defaultReason);
        return toView(state, conversationId, QUERY_TURNS);
      },
      { validator: (cmd) => validateOperator(cmd, command) },
    );
  }

  function validateOperator(cmd: { by: string }, command: 'handBack' | 'resolve' | 'close') {
    requireText(cmd.by, 'by', 100);
    const refusal = commandRefusal(state, command);
    if (refusal) throw invalid(refusal);
  }

  // Re-arm the timers a previous run left due.
  for (const name of Object.keys(state.timers)) startTimer(name);

  // ---- run setup ------------------------------------------------------------------------------
  const loadedSettings: ConversationSettings = await local.conversationSettings.executeWithOptions(
    { summary: 'Load conversation settings' },
    [],
  );
  const settings = () => loadedSettings;
  if (!input.carried) {
    const previous = await local.loadPreviousConversation.executeWithOptions(
      { summary: 'Load the previous conversation summary' },
      [conversationId],
    );
    if (previous) {
      state.summary = previous.summary;
      state.customer = { displayName: previous.displayName, tier: previous.customerTier };
      state.language = previous.language;
    }
    transitions.push({
      from: null,
      to: state.status,
      by: 'customer',
      reason: previous ? 'new conversation (previous one closed)' : 'new conversation',
      key: `${info.firstExecutionRunId}:0`,
      atMs: Date.now(),
    });
    upsertSearchAttributes([{ key: ParleyBusinessNumber, value: state.phoneNumberId }]);
  }
  if (input.reopened) {
    state.transitionSeq += 1;
    transitions.push({
      from: 'closed',
      to: 'bot',
      by: 'customer',
      reason: 'customer wrote as the conversation closed',
      key: `${info.firstExecutionRunId}:${state.transitionSeq}`,
      atMs: Date.now(),
    });
  }
  await project();

  // ---- main loop ------------------------------------------------------------------------------
  const hasWork = () =>
    statuses.length > 0 ||
    firedTimers.length > 0 ||
    agentReplies.some((r) => !r.result) ||
    transitions.length > 0 ||
    refundNotices.length > 0 ||
    state.pending.length > 0;

  for (;;) {
    await condition(hasWork);

    for (const status of statuses.splice(0)) await handleStatus(status);
    for (const reply of agentReplies.filter((r) => !r.result)) {
      reply.result = await sendToCustomer(
        reply.input.text,
        `agent:${info.firstExecutionRunId}:${state.agentReplySeq++}`,
        {
          role: 'agent',
          agentId: reply.input.agentId,
        },
      );
      if (reply.result.delivered) cancelTimer('agentReplySla');
    }
    agentReplies.splice(0, agentReplies.length, ...agentReplies.filter((r) => !r.result));
    for (const name of firedTimers.splice(0)) await handleTimer(name);
    for (const notice of refundNotices.splice(0)) await tellRefundOutcome(notice);
    if (state.pending.length > 0 && state.status !== 'closed') await handleInbound();
    armStatusTimers();
    await project();

    if (state.status === 'closed') {
      if (reviewOnClose !== undefined) await fileReview(reviewOnClose);
      reviewOnClose = undefined;
      for (const reply of agentReplies)
        reply.result ??= { delivered: false, reason: 'the conversation was closed' };
      await condition(allHandlersFinished);
      if (state.pending.length === 0) return closedBy ?? { closedBy: 'parley' };
      // The customer wrote while we were closing: a new conversation starts, carrying the summary.
      await continueAsNew<typeof conversationWorkflow>({
        phoneNumberId: input.phoneNumberId,
        waId: input.waId,
        carried: reopenedAfterClose(state),
        reopened: true,
      });
    }
    if (shouldContinueAsNew()) {
      // Only at an idle point: an agent reply arriving now is served first, by the next iteration.
      await condition(() => allHandlersFinished() || hasWork());
      if (!hasWork()) {
        state.continuedAsNewCount += 1;
        log.info('continuing as new', { historyLength: workflowInfo().historyLength });
        await continueAsNew<typeof conversationWorkflow>({
          phoneNumberId: input.phoneNumberId,
          waId: input.waId,
          carried: state,
        });
      }
    }
  }

  // ---- steps ----------------------------------------------------------------------------------
  function shouldContinueAsNew(): boolean {
    const now = workflowInfo();
    const idle =
      state.pending.length === 0 &&
      statuses.length === 0 &&
      firedTimers.length === 0 &&
      refundNotices.length === 0 &&
      agentReplies.length === 0;
    return idle && (now.continueAsNewSuggested || now.historyLength >= settings().maxHistoryEvents);
  }

  async function handleInbound(): Promise<void> {
    // A tap on the survey's buttons (or the comment after a low score) answers the survey; anything
    // else is a new request and reopens the conversation.
    const survey =
      surveysEnabled && state.status === 'resolved' && state.csat?.sentAtMs !== undefined
        ? surveyAnswers(state.pending, state.csat.awaitingComment ?? false)
        : undefined;
    if (state.status === 'resolved' && !survey) transition('bot', 'customer', 'customer wrote again');
    if (state.status === 'bot') await waitForBurstToEnd();
    const batch = state.pending.splice(0);
    if (batch.length === 0) return;
    const now = Date.now();
    // The window runs from the customer's message; Meta may deliver late, so never from our receipt.
    state.lastInboundAtMs = Math.min(now, Math.max(...batch.map((m) => m.timestampMs)));
    state.windowClosedByMeta = false;
    state.unreachable = false;
    state.customer.displayName =
      batch.findLast((m) => m.displayName)?.displayName ?? state.customer.displayName;
    upsertSearchAttributes([{ key: ParleyLastInboundAt, value: new Date(state.lastInboundAtMs) }]);
    const customerTurn: TranscriptTurn = {
      role: 'customer',
      text: batch.map((m) => transcriptText(m.content)).join('\n'),
      atMs: now,
      messageIds: batch.map((m) => m.id),
    };
    appendTurn(state, customerTurn, settings().transcriptTurns);
    const last = batch[batch.length - 1]!;
    const botAnswers = state.status === 'bot';
    // In parallel: the log write and the blue ticks do not depend on each other.
    await Promise.all([
      store.recordInboundMessages.executeWithOptions({ summary: `Log ${batch.length} inbound message(s)` }, [
        projection(),
        batch,
      ]),
      bestEffort('mark read', () =>
        courtesy.markRead.executeWithOptions(
          { summary: botAnswers ? 'Mark read + typing indicator' : 'Mark read' },
          [state.phoneNumberId, last.id, botAnswers],
        ),
      ),
    ]);
    if (surveysEnabled) {
      state.openedAtMs ??= now;
      if (batch.some((m) => m.content.kind === 'text' && asksForNoSurveys(m.content.body)))
        state.csatOptOut = true;
      if (survey) return answerSurvey(survey, `survey:${last.id}`);
    }
    let turnBatch = batch;
    if (actionsEnabled && state.status === 'bot') {
      // A tap on a confirmation button is the customer's decision, not a question for the model.
      const taps = batch.filter((m) => actionTap(m) !== undefined);
      for (const tap of taps) await answerActionTap(actionTap(tap)!, `action:${tap.id}`);
      turnBatch = batch.filter((m) => !taps.includes(m));
      if (turnBatch.length === 0) return;
    }
    // Turns recorded before the understanding step existed replay without it.
    const understood = patched('understand-turn')
      ? await understandTurn(turnBatch, state.language)
      : undefined;
    if (understood) applyUnderstanding(customerTurn, understood);
    if (handoffsEnabled && (state.status === 'awaiting_human' || state.status === 'human')) {
      await keepTicketInStep(customerTurn.text, last.id);
    }
    // A person owns the conversation (or took it over while this turn ran): they answer, not Parley.
    if (!botAnswers || state.status !== 'bot') return;

    if (!understood) {
      await sendToCustomer(composeBotReply({ batch, state }), `reply:${last.id}`, { role: 'bot' });
    } else if (!patched('agent-loop')) {
      // Histories recorded before the agent loop acknowledged every turn with a fixed text.
      const text = customerMessage(understood.mediaProblem ?? 'acknowledge', state.language, {
        name: state.customer.displayName,
      });
      await sendToCustomer(text, `reply:${last.id}`, { role: 'bot' });
    } else {
      await answerCustomer(understood, `reply:${last.id}`);
      return;
    }
    keepBotIdleTimer();
  }

  /** While a person owns the conversation: the customer's words on the ticket, the reply SLA running. */
  async function keepTicketInStep(text: string, messageId: string): Promise<void> {
    if (state.status === 'human' && !state.timers.agentReplySla) {
      const { agentReplySlaMs } = settings();
      armTimer(
        'agentReplySla',
        agentReplySlaMs,
        `Remind the agent to answer within ${humanDuration(agentReplySlaMs)}`,
      );
    }
    const ticket = state.ticket;
    if (!ticket) return;
    await bestEffort('comment on the ticket', () =>
      handoffSteps.addTicketComment.executeWithOptions({ summary: 'Add the message to the ticket' }, [
        { ticket, author: 'customer', text, idempotencyKey: `comment:${messageId}` },
      ]),
    );
  }

  function keepBotIdleTimer(): void {
    extendTimer(
      'botIdleResolve',
      settings().botIdleResolveMs,
      `Resolve if the customer stays quiet for ${humanDuration(settings().botIdleResolveMs)}`,
    );
  }

  /**
   * Parley's answer to a turn: a polite word about unusable media, a hand-off when an escalation rule
   * says a person must take over now, otherwise the agent loop (or the model-free answer) — with a
   * next-day review queued when the rules say so outside escalation hours. Sent in parts that fit
   * WhatsApp, recorded with its mode, citations and cost.
   */
  async function answerCustomer(understood: UnderstoodTurn, replyKey: string): Promise<void> {
    const language = state.language;
    const name = state.customer.displayName;
    const analysis = understood.analysis;
    const within = handoffsEnabled ? isOpen(settings().businessHours, Date.now()) : true;
    let decision: EscalationDecision | undefined;
    if (handoffsEnabled && !understood.mediaProblem) {
      await knowCustomer();
      decision = escalateBeforeAnswer(escalationSignals(analysis, within), settings().escalation);
    }
    const askedForPerson = handoffsEnabled ? decision?.handling === 'hand_off_now' : analysis?.wantsHuman;
    let answer: TurnAnswer;
    let mode: BotTurnRecord['mode'];
    if (understood.mediaProblem) {
      answer = { mode: 'handoff', reason: `media: ${understood.mediaProblem}`, ...nothingDone() };
      mode = 'media';
    } else if (askedForPerson) {
      const reason = decision ? `${decision.rule}: ${decision.reason}` : 'the customer asked for a person';
      answer = { mode: 'handoff', reason, handOff: { reason, unanswered: false }, ...nothingDone() };
      mode = 'handoff';
    } else {
      answer = await answerTurn({
        caller: { conversationId, waId: state.waId, ...(language ? { language } : {}) },
        text: understood.text,
        ...(language ? { language } : {}),
        firstReply: !state.aiDisclosed,
        ...(name ? { customerName: name } : {}),
        summary: state.summary,
        history: state.turns
          .slice(0, -1)
          .slice(-MODEL_HISTORY_TURNS)
          .map((t) => ({ role: t.role, text: t.text })),
        understanding: {
          ...(analysis?.intent ? { intent: analysis.intent } : {}),
          ...(analysis?.sentiment ? { sentiment: analysis.sentiment.label } : {}),
          ...(analysis?.urgency ? { urgency: analysis.urgency } : {}),
          orderNumbers: analysis?.entities.orderNumbers ?? [],
        },
        maxRounds: settings().agentMaxRounds,
        // Runs from before actions existed cannot ask for a confirmation: no action tools for them.
        allowActions: actionsEnabled,
        confidenceThreshold: settings().confidenceThreshold,
      });
      mode = answer.mode;
      if (handoffsEnabled) decision ??= escalationAfter(answer, analysis, within);
      if (actionsEnabled && handoffsEnabled) decision ??= refundRefusal(answer, within);
    }
    // A person took the conversation while the model was thinking: they answer, not Parley.
    if (state.status !== 'bot') return;

    const handOffNow = handoffsEnabled ? decision?.handling === 'hand_off_now' : answer.handOff !== undefined;
    const review = handoffsEnabled && decision?.handling === 'next_day_review' ? decision : undefined;
    // Out of hours Parley still answers when it can; an answer it does not trust waits for the team.
    const unanswered = !answer.reply || (review?.rule === 'low_confidence' && answer.mode !== 'model');
    let text: string;
    let modelReplySent = false;
    if (understood.mediaProblem) text = customerMessage(understood.mediaProblem, language, { name });
    else if (handOffNow && !handoffsEnabled)
      text = customerMessage(answer.handOff?.unanswered ? 'handoff_unanswered' : 'handoff', language);
    else if (handOffNow)
      text = handoffText(answer.handOff ? answer.handOff.unanswered : decision?.rule === 'low_confidence');
    else if (review && (unanswered || review.rule === 'low_confidence')) text = handoffText(true);
    else {
      text = toWhatsAppText(answer.reply ?? '');
      modelReplySent = true;
    }
    if (!state.aiDisclosed) text = `${customerMessage('ai_disclosure', language, { name })}\n\n${text}`;
    const parts = splitForWhatsApp(text);
    // The model proposed a change: the reply it wrote carries the confirmation buttons (nothing has
    // happened yet). Its last part goes in the buttons' body when both fit in one message.
    const proposal = actionsEnabled && modelReplySent ? answer.proposal : undefined;
    const lastPart = parts.at(-1) ?? '';
    const confirmationBody = proposal ? withSummary(lastPart, proposal) : undefined;
    if (confirmationBody !== undefined && lastPart && confirmationBody.startsWith(lastPart)) parts.pop();
    let delivered = false;
    for (const [i, part] of parts.entries()) {
      const sent = await sendToCustomer(part, i === 0 ? replyKey : `${replyKey}:${i}`, { role: 'bot' });
      delivered ||= sent.delivered;
    }
    if (proposal && confirmationBody !== undefined) {
      const asked = await askConfirmation(proposal, confirmationBody, `${replyKey}:confirm`);
      // Without buttons the proposal cannot be confirmed, but the reply must still reach the customer.
      if (!asked) {
        const sent = await sendToCustomer(confirmationBody, `${replyKey}:confirm:text`, { role: 'bot' });
        delivered ||= sent.delivered;
      }
      delivered ||= asked;
    }
    if (actionsEnabled && !handOffNow) {
      for (const [i, document] of (answer.documents ?? []).entries())
        await sendDocument(document, `${replyKey}:doc:${i}`);
    }
    if (delivered) state.aiDisclosed = true;

    const escalated = decision
      ? `; escalation ${decision.rule} (${decision.handling}): ${decision.reason}`
      : '';
    await store.recordBotTurn.executeWithOptions({ summary: `Record answer (${mode})` }, [
      {
        turnKey: replyKey,
        conversationId,
        mode,
        reason: `${answer.reason}${escalated}`,
        ...(language ? { language } : {}),
        ...((answer.intent ?? analysis?.intent) ? { intent: answer.intent ?? analysis?.intent } : {}),
        ...(answer.confidence !== undefined ? { confidence: answer.confidence } : {}),
        needsHuman: handOffNow,
        citedChunkIds: answer.citedChunkIds,
        toolCalls: answer.toolCalls,
        ...(answer.cost.model ? { model: answer.cost.model } : {}),
        modelRounds: answer.cost.rounds,
        promptTokens: answer.cost.promptTokens,
        completionTokens: answer.cost.completionTokens,
        modelLatencyMs: answer.cost.latencyMs,
        atMs: Date.now(),
      },
    ]);

    if (handOffNow) {
      if (handoffsEnabled && decision) await handOff(decision);
      else transition('awaiting_human', 'parley', answer.handOff?.reason ?? answer.reason);
      return;
    }
    if (review) scheduleReview(review);
    keepBotIdleTimer();
    state.turnsSinceSummary = (state.turnsSinceSummary ?? 0) + 1;
    if (answer.cost.rounds > 0 && state.turnsSinceSummary >= settings().summaryEveryTurns) {
      const turns = state.turns
        .slice(-2 * state.turnsSinceSummary)
        .map((t) => ({ role: t.role, text: t.text }));
      const summary = await refreshSummary(state.summary, turns);
      if (summary !== undefined) {
        state.summary = summary;
        state.turnsSinceSummary = 0;
      }
    }
  }

  // ---- actions --------------------------------------------------------------------------------
  /** The reply's last part with the facts being confirmed; the facts alone when both are too long. */
  function withSummary(lastPart: string, proposal: ActionProposal): string {
    const combined = lastPart ? `${lastPart}\n\n${proposal.summary}` : proposal.summary;
    return combined.length <= 1024 ? combined : proposal.summary.slice(0, 1024);
  }

  /** Sends the confirmation buttons and remembers the proposal until a tap or the expiry. */
  async function askConfirmation(proposal: ActionProposal, body: string, key: string): Promise<boolean> {
    // Buttons are free-form messages: only to a reachable customer inside the 24-hour window.
    if (state.unreachable || !insideServiceWindow(state, Date.now())) return false;
    const seq = (state.actionSeq ?? 0) + 1;
    state.actionSeq = seq;
    try {
      const sent = await whatsapp.sendButtons.executeWithOptions(
        { summary: `Ask to confirm: ${proposal.action}` },
        [
          {
            conversationId,
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
        settings().transcriptTurns,
      );
    } catch (err) {
      recordSendFailure(state, { atMs: Date.now(), what: 'confirmation', ...describeFailure(err) });
      return false;
    }
    state.pendingAction = { seq, proposal, askedAtMs: Date.now() };
    armTimer('actionConfirmation', ACTION_CONFIRMATION_MS, `Drop the unconfirmed ${proposal.action}`);
    return true;
  }

  /** The customer tapped Confirm or Cancel: code executes the proposal (or drops it), once. */
  async function answerActionTap(tap: { seq: number; confirm: boolean }, key: string): Promise<void> {
    const pending = state.pendingAction;
    const say = (text: string) => sendToCustomer(text, key, { role: 'bot' });
    if (!pending || pending.seq !== tap.seq) {
      await say(customerMessage('action_expired', state.language));
      return;
    }
    state.pendingAction = undefined;
    cancelTimer('actionConfirmation');
    keepBotIdleTimer();
    if (!tap.confirm) {
      await say(customerMessage('action_cancelled', state.language));
      return;
    }
    if (pending.proposal.action === 'refund') {
      await say(await startRefund(pending.proposal));
      return;
    }
    let result: ActionResult;
    try {
      result = await actionSteps.executeAction.executeWithOptions(
        { summary: `Execute ${pending.proposal.action}` },
        [{ proposal: pending.proposal, caller: caller() }],
      );
    } catch (err) {
      await say(customerMessage('action_failed', state.language));
      await escalateFailedAction(pending.proposal.action, err);
      return;
    }
    await say(result.summary);
    if (result.status !== 'done') return;
    if (result.document) await sendDocument(result.document, `${key}:doc`);
    // A promo code applied to a paid order: its discount goes back to the payment as a refund.
    const refundDue = (result.data as { refundDue?: Omit<NewRefund, 'conversationId' | 'requestedBy'> })
      ?.refundDue;
    if (refundDue) {
      const text = await startRefund({
        action: 'refund',
        actionKey: refundDue.refundId,
        summary: '',
        params: { ...refundDue },
      });
      await sendToCustomer(text, `${key}:refund`, { role: 'bot' });
    }
  }

  /**
   * Starts the refund's own workflow (id = the refund id, so asking twice is one refund), which
   * outlives this conversation; it signals back when the refund settles.
   */
  async function startRefund(proposal: ActionProposal): Promise<string> {
    const p = proposal.params as Omit<NewRefund, 'conversationId' | 'requestedBy'> & {
      needsApproval?: boolean;
    };
    const amount = formatMoney(p.amountCents, p.currency, state.language);
    const request: NewRefund = {
      refundId: p.refundId,
      orderId: p.orderId,
      ...(p.orderLine !== undefined && p.orderLine !== null ? { orderLine: p.orderLine } : {}),
      reason: p.reason,
      amountCents: p.amountCents,
      currency: p.currency,
      paymentRef: p.paymentRef,
      conversationId,
      requestedBy: `customer:${maskPhone(state.waId)}`,
    };
    try {
      await startChild<typeof refundWorkflow>('refundWorkflow', {
        workflowId: p.refundId,
        args: [{ refundId: p.refundId, request }],
        // The refund must finish even if this conversation closes or continues as new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Refund ${amount} on order ${p.orderId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        await escalateFailedAction('refund', err);
        return customerMessage('action_failed', state.language);
      }
      // Already asked and still running: the same refund, not a second one.
    }
    state.refundsInFlight = [...(state.refundsInFlight ?? []).filter((id) => id !== p.refundId), p.refundId];
    return customerMessage(p.needsApproval ? 'refund_needs_approval' : 'refund_started', state.language, {
      amount,
    });
  }

  /** The refund workflow's news: paid, failed (ops will retry) or declined. */
  async function tellRefundOutcome(notice: RefundSettled): Promise<void> {
    if (notice.status === 'awaiting_approval' || notice.status === 'in_progress') return;
    state.refundsInFlight = (state.refundsInFlight ?? []).filter((id) => id !== notice.refundId);
    const key =
      notice.status === 'succeeded'
        ? 'refund_succeeded'
        : notice.status === 'failed'
          ? 'refund_failed'
          : 'refund_rejected';
    const amount = formatMoney(notice.amountCents, notice.currency, state.language);
    await sendToCustomer(
      customerMessage(key, state.language, { amount }),
      `refund:${notice.refundId}:${notice.status}`,
      { role: 'bot' },
    );
  }

  /** A document (invoice copy, return label) as a WhatsApp document message; never throws. */
  async function sendDocument(document: DocumentRef, key: string): Promise<void> {
    if (!insideServiceWindow(state, Date.now())) return;
    try {
      const sent = await actionSteps.sendDocument.executeWithOptions(
        { summary: `Send the ${document.kind.replace('_', ' ')}` },
        [
          {
            conversationId,
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
        settings().transcriptTurns,
      );
    } catch (err) {
      await sendToCustomer(customerMessage('action_failed', state.language), `${key}:failed`, {
        role: 'bot',
      });
      await escalateFailedAction(`document ${document.kind}`, err);
    }
  }

  /**
   * An action the customer confirmed could not be completed. The customer was told a colleague
   * will finish it, so one does: a hand-off now, or the next-day review out of hours.
   */
  async function escalateFailedAction(what: string, err: unknown): Promise<void> {
    const failure = describeFailure(err);
    recordSendFailure(state, { atMs: Date.now(), what, ...failure });
    if (!handoffsEnabled || state.status !== 'bot') return;
    const within = isOpen(settings().businessHours, Date.now());
    const decision: EscalationDecision = {
      rule: 'action_failed',
      reason: `${what} could not be completed: ${failure.reason}${failure.message ? ` (${failure.message.slice(0, 200)})` : ''}`,
      handling: within ? 'hand_off_now' : 'next_day_review',
      alsoFired: [],
    };
    if (within) await handOff(decision);
    else scheduleReview(decision);
  }

  /** A refund the code refused (more than can be refunded, not the customer's order…) goes to a person. */
  function refundRefusal(answer: TurnAnswer, within: boolean): EscalationDecision | undefined {
    // The model re-proposing within the limits in the same turn is fine: the customer confirms that.
    if (answer.proposal?.action === 'refund') return undefined;
    const refused = answer.toolCalls.find((t) => t.status === 'refused' && t.escalate);
    if (!refused) return undefined;
    return {
      rule: 'refund_over_limit',
      reason: `refund refused by code: ${refused.reason ?? 'not allowed'}`,
      handling: within ? 'hand_off_now' : 'next_day_review',
      alsoFired: [],
    };
  }

  function caller() {
    return { conversationId, waId: state.waId, ...(state.language ? { language: state.language } : {}) };
  }

  // ---- escalation and hand-off ----------------------------------------------------------------
  /** The customer's tier and named owner, looked up once per conversation run. */
  async function knowCustomer(): Promise<void> {
    if (state.customer.lookedUp) return;
    const found = await store.lookupCustomer.executeWithOptions(
      { summary: 'Look up the customer (tier, owner)' },
      [{ waId: state.waId }],
    );
    state.customer.tier ??= found.tier;
    if (found.ownerAgentId) state.customer.ownerAgentId = found.ownerAgentId;
    state.customer.lookedUp = true;
  }

  function escalationSignals(analysis: UnderstoodTurn['analysis'], within: boolean): EscalationSignals {
    return {
      ...(analysis?.wantsHuman ? { wantsHuman: true } : {}),
      ...(analysis?.regulatedTopic ? { regulatedTopic: analysis.regulatedTopic } : {}),
      ...(analysis?.crisis ? { crisis: true } : {}),
      sentimentTrend: state.sentimentTrend ?? [],
      intents: analysis?.intent ? [analysis.intent] : [],
      ...(state.customer.tier ? { customerTier: state.customer.tier } : {}),
      ...(state.customer.ownerAgentId ? { ownerAgentId: state.customer.ownerAgentId } : {}),
      recentCustomerTexts: state.turns
        .filter((t) => t.role === 'customer')
        .slice(-settings().escalation.loopWindow)
        .map((t) => t.text),
      withinEscalationHours: within,
    };
  }

  /** The rules on the answer: the model's confidence and request for a person; no answer at all. */
  function escalationAfter(
    answer: TurnAnswer,
    analysis: UnderstoodTurn['analysis'],
    within: boolean,
  ): EscalationDecision | undefined {
    if (answer.mode === 'model') {
      return escalateAfterAnswer(
        {
          ...escalationSignals(analysis, within),
          model: {
            confidence: answer.confidence ?? 0,
            needsHuman: answer.handOff !== undefined && !answer.handOff.unanswered,
            reason: answer.handOff?.reason ?? null,
          },
        },
        settings().escalation,
      );
    }
    if (answer.mode !== 'handoff') return undefined;
    // Model-free and nothing to say: as unsure as an answer can be.
    return {
      rule: 'low_confidence',
      reason: answer.reason,
      handling: within ? 'hand_off_now' : 'next_day_review',
      alsoFired: [],
    };
  }

  /** "A colleague will take over" with an honest wait: the SLA in hours, the next opening outside. */
  function handoffText(unanswered: boolean): string {
    const language = state.language;
    const hours = settings().businessHours;
    const now = Date.now();
    const wait = isOpen(hours, now)
      ? customerMessage('handoff_wait_soon', language, {
          minutes: String(Math.round(settings().pickupSlaMs / 60_000)),
        })
      : customerMessage('handoff_wait_opening', language, {
          when: formatLocalTime(nextOpening(hours, now), language, hours.timezone),
        });
    return `${customerMessage(unanswered ? 'handoff_unanswered' : 'handoff', language)} ${wait}`;
  }

  /**
   * The whole hand-off in one go: the queue status, the package (transcript, model-written summary,
   * history, rule, next action) in the helpdesk, the team notified, the pickup SLA timers armed.
   */
  async function handOff(decision: EscalationDecision): Promise<void> {
    transition('awaiting_human', 'parley', `${decision.rule}: ${decision.reason}`);
    const now = Date.now();
    state.escalation = {
      rule: decision.rule,
      reason: decision.reason,
      handling: decision.handling,
      atMs: now,
      ...(decision.routeToAgentId ? { routeToAgentId: decision.routeToAgentId } : {}),
    };
    cancelTimer('nextDayReview'); // a person takes the case now: no review of it later
    // Without a model there is nobody to write the summary: no activity doomed to fail. (Settings
    // recorded before `modelConfigured` existed lack it, so those runs replay as they ran.)
    const summary =
      settings().modelConfigured !== false ? await refreshSummary(state.summary, recentTurns()) : undefined;
    if (summary !== undefined) state.summary = summary;
    // Somebody may have picked the case up while the summary was written: no pickup SLA then.
    if (state.status === 'awaiting_human') {
      const hours = settings().businessHours;
      const { pickupSlaMs, onCallAfterMs } = settings();
      armTimer(
        'pickupSla',
        addBusinessTime(hours, now, pickupSlaMs) - Date.now(),
        `Remind the team if nobody picks up within ${humanDuration(pickupSlaMs)} of opening hours`,
      );
      armTimer(
        'pickupOnCall',
        addBusinessTime(hours, now, onCallAfterMs) - Date.now(),
        `Page on-call if still unassigned after ${humanDuration(onCallAfterMs)} of opening hours`,
      );
    }
    await deliverToTeam(decision, `handoff:${info.firstExecutionRunId}:${state.transitionSeq}`);
    if (decision.rule === 'crisis') await notifyTeam('on_call');
  }

  /** Outside escalation hours: the case waits for the team's next opening as a review task. */
  function scheduleReview(decision: EscalationDecision): void {
    if (state.timers.nextDayReview) return; // one review per opening covers the whole case
    const now = Date.now();
    const dueAtMs = nextOpening(settings().businessHours, now);
    state.escalation = {
      rule: decision.rule,
      reason: decision.reason,
      handling: decision.handling,
      atMs: now,
      reviewDueAtMs: dueAtMs,
    };
    armTimer('nextDayReview', dueAtMs - now, `Create the next-day review task (${decision.rule})`);
  }

  /** The review task for the case queued out of hours, due when the team is back. */
  async function fileReview(dueAtMs: number): Promise<void> {
    if (!state.escalation) return;
    const review = { ...state.escalation, handling: 'next_day_review' as const };
    await deliverToTeam(review, `review:${info.firstExecutionRunId}:${dueAtMs}`, dueAtMs);
  }

  /** The ticket (hand-off or review) and the team's notification; a failure leaves the status as is. */
  async function deliverToTeam(decision: Omit<EscalationState, 'atMs'>, key: string, dueAtMs?: number) {
    try {
      const { ticket, pkg } = await handoffSteps.createHandoffTicket.executeWithOptions(
        {
          summary:
            decision.handling === 'hand_off_now'
              ? `Hand-off ticket (${decision.rule})`
              : `Review task (${decision.rule})`,
        },
        [
          {
            conversationId,
            waId: state.waId,
            ...(state.customer.displayName ? { displayName: state.customer.displayName } : {}),
            ...(state.customer.tier ? { tier: state.customer.tier } : {}),
            ...(state.language ? { language: state.language } : {}),
            rule: decision.rule,
            reason: decision.reason,
            handling: decision.handling,
            ...(decision.routeToAgentId ? { routeToAgentId: decision.routeToAgentId } : {}),
            summary: state.summary,
            transcript: state.turns.map((t) => ({ role: t.role, text: t.text, atMs: t.atMs })),
            ...(state.intent ? { intent: state.intent } : {}),
            ...(state.sentiment ? { sentiment: state.sentiment.label } : {}),
            idempotencyKey: key,
            ...(dueAtMs !== undefined ? { dueAtMs } : {}),
          },
        ],
      );
      if (decision.handling === 'hand_off_now') state.ticket = ticket;
      await bestEffort('notify the team', () =>
        handoffSteps.notifyTeam.executeWithOptions({ summary: 'Notify the team' }, [
          { kind: 'handoff', pkg, ticket },
        ]),
      );
    } catch (err) {
      recordSendFailure(state, { atMs: Date.now(), what: 'hand-off ticket', ...describeFailure(err) });
    }
  }

  /** SLA reminders and on-call pages for the current hand-off (nothing without a ticket). */
  async function notifyTeam(kind: 'pickup_reminder' | 'on_call' | 'agent_reply'): Promise<void> {
    const ticket = state.ticket;
    const escalation = state.escalation;
    if (!ticket || !escalation) return;
    const who = {
      ticket,
      conversationId,
      maskedPhone: maskPhone(state.waId),
      ...(state.customer.tier ? { tier: state.customer.tier } : {}),
    };
    const notice: TeamNotice =
      kind === 'on_call'
        ? { kind: 'on_call', ...who, rule: escalation.rule, reason: escalation.reason }
        : {
            kind: 'pickup_reminder',
            ...who,
            rule: kind === 'agent_reply' ? 'agent reply overdue' : escalation.rule,
            waitingSinceMs: escalation.atMs,
            slaMinutes: Math.round(
              (kind === 'agent_reply' ? settings().agentReplySlaMs : settings().pickupSlaMs) / 60_000,
            ),
          };
    await bestEffort(`notify the team (${kind})`, () =>
      handoffSteps.notifyTeam.executeWithOptions(
        {
          summary:
            kind === 'on_call'
              ? 'Page on-call'
              : kind === 'agent_reply'
                ? 'Remind the agent'
                : 'Remind the team',
        },
        [notice],
      ),
    );
  }

  function recentTurns() {
    return state.turns.slice(-MODEL_HISTORY_TURNS * 2).map((t) => ({ role: t.role, text: t.text }));
  }

  /** Keeps what the understanding step found: on the turn, in the state, in the search attributes. */
  function applyUnderstanding(turn: TranscriptTurn, understood: UnderstoodTurn): void {
    turn.text = understood.text;
    turn.understanding = understood.understanding;
    const analysis = understood.analysis;
    if (!analysis) return;
    state.language = analysis.language ?? state.language;
    state.sentiment = analysis.sentiment;
    state.intent = analysis.intent;
    state.sentimentTrend = [...(state.sentimentTrend ?? []), analysis.sentiment.score].slice(-5);
    const attributes = JSON.stringify([state.language, analysis.sentiment.label, analysis.intent]);
    if (attributes !== lastUnderstandingAttributes) {
      lastUnderstandingAttributes = attributes;
      upsertSearchAttributes([
        { key: ParleyLanguage, value: state.language ?? null },
        { key: ParleySentiment, value: analysis.sentiment.label },
        { key: ParleyIntent, value: analysis.intent },
      ]);
    }
  }

  /** Customers send bursts ("hi" / "my order" / "is late"): answer them as one turn. */
  async function waitForBurstToEnd(): Promise<void> {
    const { debounceMs, maxBatchWaitMs } = settings();
    if (debounceMs <= 0) return;
    const firstArrival = Date.now();
    for (;;) {
      const quietLeft = lastArrivalMs + debounceMs - Date.now();
      const capLeft = firstArrival + maxBatchWaitMs - Date.now();
      const wait = Math.min(quietLeft, capLeft);
      if (wait <= 0) return;
      const seen = state.pending.length;
      await condition(() => state.pending.length > seen || state.status !== 'bot', wait, {
        summary: `Wait ${humanDuration(debounceMs)} for more messages`,
      });
      if (state.status !== 'bot') return;
    }
  }

  /** Timers that belong to a status (armed here, in the loop, where settings are known). */
  function armStatusTimers(): void {
    const { resolvedCloseMs } = settings();
    if (state.status === 'resolved' && !state.timers.resolvedClose) {
      armTimer('resolvedClose', resolvedCloseMs, `Close if quiet for ${humanDuration(resolvedCloseMs)}`);
    }
  }

  async function handleTimer(name: string): Promise<void> {
    if (name === 'botIdleResolve' && state.status === 'bot')
      transition('resolved', 'parley', 'customer went quiet');
    else if (name === 'resolvedClose' && state.status === 'resolved') {
      // A refund still settling (waiting for approval, say) must be able to tell the customer.
      if (actionsEnabled && state.refundsInFlight?.length) {
        const { resolvedCloseMs } = settings();
        armTimer(
          'resolvedClose',
          resolvedCloseMs,
          `Close once the refunds settle (${humanDuration(resolvedCloseMs)})`,
        );
      } else transition('closed', 'parley', 'inactive after resolution');
    } else if (name === 'csatSurvey' && state.status === 'resolved') await sendSurvey();
    else if (name === 'pickupSla' && state.status === 'awaiting_human') await notifyTeam('pickup_reminder');
    else if (name === 'pickupOnCall' && state.status === 'awaiting_human') await notifyTeam('on_call');
    else if (name === 'agentReplySla' && state.status === 'human') await notifyTeam('agent_reply');
    else if (name === 'nextDayReview') await fileReview(state.escalation?.reviewDueAtMs ?? Date.now());
    else if (name === 'actionConfirmation') state.pendingAction = undefined;
  }

  // ---- satisfaction survey --------------------------------------------------------------------
  /** One survey per resolution, unless the resolution was an abandoned hand-off or surveys are off. */
  function planSurvey(from: ConversationStatus, by: string): void {
    const resolvedBy = by === 'parley' ? 'parley' : 'agent';
    const csat: CsatState = {
      surveyKey: `csat:${info.firstExecutionRunId}:${state.transitionSeq}`,
      resolvedBy,
      ...(resolvedBy === 'agent' ? { agentId: state.assignedAgent?.id ?? by } : {}),
      resolvedAtMs: Date.now(),
      ...(state.intent ? { intent: state.intent } : {}),
    };
    const skip =
      from === 'awaiting_human'
        ? 'hand-off abandoned: no person answered before the resolution'
        : state.csatOptOut
          ? 'the customer opted out of surveys'
          : undefined;
    state.csat = skip ? undefined : csat;
    if (skip) surveyRecords.push(surveyRecord(csat, { skippedReason: skip }));
    else armTimer('csatSurvey', settings().csatDelayMs, 'Send the satisfaction survey');
  }

  function surveyRecord(csat: CsatState, outcome: Partial<CsatSurveyRecord>): CsatSurveyRecord {
    return {
      surveyKey: csat.surveyKey,
      conversationId,
      resolvedBy: csat.resolvedBy,
      ...(csat.agentId ? { agentId: csat.agentId } : {}),
      ...(csat.intent ? { intent: csat.intent } : {}),
      ...(state.language ? { language: state.language } : {}),
      resolvedAtMs: csat.resolvedAtMs,
      ...(state.openedAtMs !== undefined ? { timeToResolutionMs: csat.resolvedAtMs - state.openedAtMs } : {}),
      ...outcome,
    };
  }

  /** Reply buttons inside the 24-hour window, the approved template after it, or skipped (recorded). */
  async function sendSurvey(): Promise<void> {
    const csat = state.csat;
    if (!csat || csat.sentAtMs !== undefined) return;
    const skip = (reason: string) => {
      state.csat = undefined;
      surveyRecords.push(surveyRecord(csat, { skippedReason: reason }));
    };
    if (state.csatOptOut) return skip('the customer opted out of surveys');
    if (state.unreachable) return skip('the customer is unreachable on WhatsApp');
    const base = { conversationId, phoneNumberId: state.phoneNumberId, to: state.waId };
    const question = customerMessage('csat_question', state.language);
    try {
      if (insideServiceWindow(state, Date.now())) {
        const sent = await whatsapp.sendButtons.executeWithOptions(
          { summary: 'Send the satisfaction survey' },
          [
            {
              ...base,
              body: question,
              buttons: surveyButtons(state.language),
              idempotencyKey: csat.surveyKey,
            },
          ],
        );
        appendTurn(
          state,
          { role: 'bot', text: question, atMs: Date.now(), messageIds: [sent.messageId] },
          settings().transcriptTurns,
        );
        csat.sentAtMs = Date.now();
        surveyRecords.push(surveyRecord(csat, { channel: 'buttons', sentAtMs: csat.sentAtMs }));
        return;
      }
      const template = settings().csatTemplate;
      if (!template) return skip('outside the 24-hour window and no survey template is configured');
      await whatsapp.sendTemplate.executeWithOptions({ summary: `Send survey template ${template.name}` }, [
        { ...base, template, idempotencyKey: csat.surveyKey },
      ]);
      csat.sentAtMs = Date.now();
      surveyRecords.push(surveyRecord(csat, { channel: 'template', sentAtMs: csat.sentAtMs }));
    } catch (err) {
      const failure = describeFailure(err);
      recordSendFailure(state, { atMs: Date.now(), what: 'survey', ...failure });
      skip(`the survey could not be sent: ${failure.reason}`);
    }
  }

  /** Stores the score or comment and thanks the customer; a low score asks for a comment once. */
  async function answerSurvey(answers: SurveyAnswer[], replyKey: string): Promise<void> {
    const csat = state.csat!;
    let text: string;
    if ('score' in answers[0]!) {
      const score = answers[0].score;
      csat.awaitingComment = score === 1;
      text = customerMessage(score === 1 ? 'csat_comment_prompt' : 'csat_thanks', state.language);
    } else {
      csat.awaitingComment = false;
      text = customerMessage('csat_comment_thanks', state.language);
    }
    for (const answer of answers) {
      await store.recordCsatAnswer.executeWithOptions({ summary: 'Record the survey answer' }, [
        { surveyKey: csat.surveyKey, ...answer, atMs: Date.now() },
      ]);
    }
    if (!csat.awaitingComment) state.csat = undefined;
    await sendToCustomer(text, replyKey, { role: 'bot' });
  }

  async function handleStatus(status: DeliveryStatus): Promise<void> {
    await store.recordDeliveryStatus.executeWithOptions({ summary: `Delivery status: ${status.status}` }, [
      status,
    ]);
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
      await sendOutsideWindow(`reengage:${status.messageId}`);
    }
  }

  /**
   * The one send path for Parley's and agents' messages. Never throws: a message that cannot be
   * sent is recorded (the state query shows why) and the conversation carries on.
   */
  async function sendToCustomer(
    text: string,
    idempotencyKey: string,
    who: { role: 'bot' | 'agent'; agentId?: string },
  ): Promise<AgentReplyResult> {
    if (state.unreachable) {
      recordSendFailure(state, { atMs: Date.now(), what: who.role, reason: 'CustomerUnreachable' });
      return { delivered: false, reason: 'the customer is unreachable on WhatsApp (131026)' };
    }
    if (!insideServiceWindow(state, Date.now())) return sendOutsideWindow(idempotencyKey);
    try {
      const sent = await whatsapp.sendText.executeWithOptions(
        { summary: who.role === 'agent' ? `Send agent reply (${who.agentId})` : 'Send reply' },
        [{ conversationId, phoneNumberId: state.phoneNumberId, to: state.waId, body: text, idempotencyKey }],
      );
      const turn: TranscriptTurn = { role: who.role, text, atMs: Date.now(), messageIds: [sent.messageId] };
      if (who.agentId) turn.agentId = who.agentId;
      appendTurn(state, turn, settings().transcriptTurns);
      return { delivered: true, messageId: sent.messageId };
    } catch (err) {
      const failure = describeFailure(err);
      recordSendFailure(state, { atMs: Date.now(), what: who.role, ...failure });
      if (failure.reason === 'WhatsAppOutsideWindow') {
        state.windowClosedByMeta = true;
        return sendOutsideWindow(idempotencyKey);
      }
      if (failure.reason === 'WhatsAppUndeliverable') state.unreachable = true;
      return { delivered: false, reason: `${failure.reason}${failure.code ? ` (${failure.code})` : ''}` };
    }
  }

  /** Outside the 24-hour window only an approved template may go out; without one we say why. */
  async function sendOutsideWindow(idempotencyKey: string): Promise<AgentReplyResult> {
    const template = settings().reengagementTemplate;
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
            conversationId,
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
        settings().transcriptTurns,
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

  /** Writes the projection (and any transitions) and refreshes what the Web UI shows. */
  async function project(): Promise<void> {
    for (const note of resolutionNotes.splice(0)) {
      await bestEffort('CRM resolution note', () =>
        handoffSteps.recordResolutionNote.executeWithOptions({ summary: 'Note the resolution in the CRM' }, [
          note,
        ]),
      );
    }
    for (const record of surveyRecords.splice(0)) {
      await store.recordCsatSurvey.executeWithOptions(
        { summary: record.skippedReason ? 'Record a skipped survey' : 'Record the survey sent' },
        [record],
      );
    }
    const pending = transitions.splice(0);
    // Each upsert is a history event: only write when something a supervisor filters on changed.
    const attributes = JSON.stringify([state.status, state.escalated, state.assignedAgent?.id]);
    if (attributes !== lastUpsertedAttributes) {
      lastUpsertedAttributes = attributes;
      upsertSearchAttributes([
        { key: ParleyStatus, value: state.status },
        { key: ParleyEscalated, value: state.escalated },
        { key: ParleyAssignedAgent, value: state.assignedAgent?.id ?? null },
      ]);
    }
    setCurrentDetails(currentDetails());
    if (pending.length === 0) return;
    for (const t of pending) {
      await store.projectConversation.executeWithOptions({ summary: `Status ${t.from ?? 'new'} → ${t.to}` }, [
        projection(),
        t,
      ]);
    }
  }

  function projection() {
    return {
      id: conversationId,
      phoneNumberId: state.phoneNumberId,
      waId: state.waId,
      displayName: state.customer.displayName,
      status: state.status,
      assignedAgentId: state.assignedAgent?.id,
      language: state.language,
      customerTier: state.customer.tier,
      escalated: state.escalated,
      summary: state.summary,
    };
  }

  function currentDetails(): string {
    const timers = Object.values(state.timers).map(
      (t) => `- ${t.summary} (due ${new Date(t.dueAtMs).toISOString()})`,
    );
    return [
      `**Status:** ${state.status}${state.assignedAgent ? ` — agent ${state.assignedAgent.id}` : ''}`,
      `**Customer:** ${state.customer.displayName ?? 'unknown'}${state.customer.tier ? ` (${state.customer.tier})` : ''}`,
      state.language ? `**Language:** ${state.language}` : '',
      state.unreachable ? '**Customer unreachable on WhatsApp**' : '',
      timers.length ? `**Timers:**\n${timers.join('\n')}` : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
}

/** A tap on a confirmation button (`act:<seq>:yes|no`), if the message is one. */
function actionTap(message: InboundMessage): { seq: number; confirm: boolean } | undefined {
  if (message.content.kind !== 'reply') return undefined;
  const match = ACTION_TAP_RE.exec(message.content.id);
  return match ? { seq: Number(match[1]), confirm: match[2] === 'yes' } : undefined;
}

/** The state a new conversation starts from when the customer writes right after a close. */
function reopenedAfterClose(closed: ConversationState): ConversationState {
  const fresh = initialState(closed.phoneNumberId, closed.waId);
  return {
    ...fresh,
    customer: closed.customer,
    language: closed.language,
    summary: closed.summary,
    seenMessageIds: closed.seenMessageIds,
    pending: closed.pending,
    lastInboundAtMs: closed.lastInboundAtMs,
    transitionSeq: closed.transitionSeq,
    agentReplySeq: closed.agentReplySeq,
  };
}
