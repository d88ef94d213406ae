import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { maskPhone } from '../domain/privacy.js';
import { ApiError } from './errors.js';
import {
  conversationStateQuery,
  conversationWorkflowId,
  deliveryStatusSignal,
  inboundMessageSignal,
  type ConversationView,
  type DeliveryStatus,
  type InboundMessage,
} from '../workflows/definitions.js';
import type { conversationWorkflow } from '../workflows/conversation/workflow.js';

/** How the API hands WhatsApp traffic to conversation workflows. */
export interface ConversationGateway {
  /** Resolves once Temporal has durably accepted every message; rejects if it could not. */
  deliverMessages(messages: InboundMessage[]): Promise<void>;
  /** Returns how many statuses had no live conversation to go to (those are dropped). */
  deliverStatuses(statuses: DeliveryStatus[]): Promise<{ orphaned: number }>;
  /** Throws when Temporal cannot be reached (readiness probe). */
  ping(): Promise<void>;
  /** The live state of a conversation (its workflow's query). */
  getState(conversationId: string): Promise<ConversationView>;
  /** Runs an operator/agent update; a validator's refusal becomes a 409 with its reason. */
  command<Ret, Arg>(conversationId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret>;
}

/**
 * The Temporal-backed gateway: signalWithStart per message (starting the conversation if needed),
 * a plain signal per status. Every call carries a deadline so that an unreachable Temporal turns into
 * a quick 5xx (Meta then retries) instead of a hung webhook.
 */
export function createTemporalConversationGateway(deps: {
  client: Client;
  taskQueue: string;
  deadlineMs?: number;
}): ConversationGateway {
  const { client, taskQueue } = deps;
  const deadlineMs = deps.deadlineMs ?? 5_000;
  const withDeadline = <T>(fn: () => Promise<T>) =>
    client.connection.withDeadline(Date.now() + deadlineMs, fn);

  async function deliverToOne(messages: InboundMessage[]) {
    // Sequential within one conversation: the workflow must see messages in the order Meta sent them.
    for (const message of messages) {
      await withDeadline(() =>
        client.workflow.signalWithStart<typeof conversationWorkflow, [InboundMessage]>(
          'conversationWorkflow',
          {
            workflowId: conversationWorkflowId(message.phoneNumberId, message.waId),
            taskQueue,
            args: [{ phoneNumberId: message.phoneNumberId, waId: message.waId }],
            signal: inboundMessageSignal,
            signalArgs: [message],
            staticSummary: `WhatsApp conversation with ${maskPhone(message.waId)}`,
          },
        ),
      );
    }
  }

  return {
    async deliverMessages(messages) {
      const byConversation = new Map<string, InboundMessage[]>();
      for (const m of messages) {
        const id = conversationWorkflowId(m.phoneNumberId, m.waId);
        byConversation.set(id, [...(byConversation.get(id) ?? []), m]);
      }
      await Promise.all([...byConversation.values()].map(deliverToOne));
    },

    async deliverStatuses(statuses) {
      let orphaned = 0;
      for (const status of statuses) {
        try {
          await withDeadline(() =>
            client.workflow
              .getHandle(conversationWorkflowId(status.phoneNumberId, status.recipientId))
              .signal(deliveryStatusSignal, status),
          );
        } catch (err) {
          // A status for a conversation that has ended has nowhere to go; that is not a failure.
          if (err instanceof WorkflowNotFoundError) orphaned++;
          else throw err;
        }
      }
      return { orphaned };
    },

    async ping() {
      await withDeadline(() => client.workflowService.getSystemInfo({}));
    },

    async getState(conversationId) {
      try {
        return await withDeadline(() =>
          client.workflow.getHandle(conversationId).query(conversationStateQuery),
        );
      } catch (err) {
        throw translate(err, conversationId);
      }
    },

    async command(conversationId, update, arg) {
      try {
        return await withDeadline(() =>
          client.workflow.getHandle(conversationId).executeUpdate(update, { args: [arg] }),
        );
      } catch (err) {
        throw translate(err, conversationId);
      }
    },
  };
}

function translate(err: unknown, conversationId: string): unknown {
  if (err instanceof WorkflowNotFoundError) {
    return new ApiError(404, 'conversation_not_found', `No open conversation ${conversationId}`);
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return new ApiError(409, 'command_rejected', err.cause.message);
  }
  return err;
}
