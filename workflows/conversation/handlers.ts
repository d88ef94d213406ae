/**
 * The conversation's message handlers: webhook traffic and refund news arrive as signals (queued
 * for the main loop), operators act through updates whose validators refuse a command that does
 * not fit the current status before it enters history, and the state query is the live view.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  agentReplyUpdate,
  assignAgentUpdate,
  closeUpdate,
  conversationStateQuery,
  deliveryStatusSignal,
  handBackUpdate,
  inboundMessageSignal,
  resolveUpdate,
  type DeliveryStatus,
  type InboundMessage,
} from '../definitions.js';
import { refundSettledSignal, type RefundSettled } from '../refund-definitions.js';
import type { ConversationContext, PendingAgentReply } from './context.js';
import { acceptInbound, commandRefusal, toView } from './state.js';
import { transition } from './transitions.js';

/** Turns the state query shows. */
const QUERY_TURNS = 10;

const invalid = (message: string) =>
  ApplicationFailure.create({ type: 'InvalidCommand', message, nonRetryable: true });

function requireText(value: unknown, what: string, max: number): void {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${what} must not be empty`);
  if (value.length > max) throw invalid(`${what} must be at most ${max} characters`);
}

/** Registers every handler; called before the workflow's first await. */
export function registerHandlers(ctx: ConversationContext): void {
  const { state, queues } = ctx;
  const view = () => toView(state, ctx.conversationId, QUERY_TURNS);

  setHandler(inboundMessageSignal, (message: InboundMessage) => {
    ctx.run.signals += 1;
    // Meta delivers at least once and retries for days: drop what this conversation already has.
    if (acceptInbound(state, message)) ctx.run.lastArrivalMs = Date.now();
  });
  setHandler(deliveryStatusSignal, (status: DeliveryStatus) => {
    ctx.run.signals += 1;
    queues.statuses.push(status);
  });
  setHandler(conversationStateQuery, view);
  setHandler(refundSettledSignal, (notice: RefundSettled) => {
    queues.refundNotices.push(notice);
  });

  setHandler(
    assignAgentUpdate,
    ({ agentId, agentName }) => {
      state.assignedAgent = { id: agentId, name: agentName };
      transition(ctx, 'human', agentId, 'agent assigned');
      return view();
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
      // The main loop sends it (one send path, in order with Parley's own messages).
      const item: PendingAgentReply = { input: reply };
      queues.agentReplies.push(item);
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
        transition(ctx, to, by, reason ?? defaultReason);
        return view();
      },
      {
        validator: (cmd) => {
          requireText(cmd.by, 'by', 100);
          const refusal = commandRefusal(state, command);
          if (refusal) throw invalid(refusal);
        },
      },
    );
  }
}
