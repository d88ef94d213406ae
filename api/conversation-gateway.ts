import {
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { ConversationIds } from '../core/conversation-ids.js';
import { maskPhone } from '../domain/privacy.js';
import { ApiError } from './errors.js';
import {
  conversationStateQuery,
  deliveryStatusSignal,
  inboundMessageSignal,
  type ConversationView,
  type DeliveryStatus,
  type InboundMessage,
} from '../workflows/definitions.js';
import type { conversationWorkflow } from '../workflows/conversation/workflow.js';

/** A message or status Temporal refused for what it carries: sending it again cannot help. */
export interface Refused<T> {
  item: T;
  reason: string;
}

/** How the API hands WhatsApp traffic to conversation workflows. */
export interface ConversationGateway {
  /**
   * Resolves once Temporal has durably accepted every message it can take, with the ones it refused
   * for their content; rejects when Temporal is unavailable (then nothing can be said of the rest).
   */
  deliverMessages(messages: InboundMessage[]): Promise<{ refused: Refused<InboundMessage>[] }>;
  /** Statuses with no live conversation to go to are counted (and dropped); refusals as above. */
  deliverStatuses(
    statuses: DeliveryStatus[],
  ): Promise<{ orphaned: number; refused: Refused<DeliveryStatus>[] }>;
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
  ids: ConversationIds;
  deadlineMs?: number;
}): ConversationGateway {
  const { client, taskQueue, ids } = deps;
  const deadlineMs = deps.deadlineMs ?? 5_000;
  const withDeadline = <T>(fn: () => Promise<T>) =>
    client.connection.withDeadline(Date.now() + deadlineMs, fn);

  async function deliverToOne(messages: InboundMessage[], refused: Refused<InboundMessage>[]) {
    // Sequential within one conversation: the workflow must see messages in the order Meta sent them.
    for (const message of messages) {
      try {
        await withDeadline(() =>
          client.workflow.signalWithStart<typeof conversationWorkflow, [InboundMessage]>(
            'conversationWorkflow',
            {
              workflowId: ids.idFor(message.phoneNumberId, message.waId),
              taskQueue,
              args: [{ phoneNumberId: message.phoneNumberId, waId: message.waId }],
              signal: inboundMessageSignal,
              signalArgs: [message],
              staticSummary: `WhatsApp conversation with ${maskPhone(message.waId)}`,
            },
          ),
        );
      } catch (err) {
        const reason = refusalReason(err);
        if (reason === undefined) throw err;
        refused.push({ item: message, reason });
      }
    }
  }

  return {
    async deliverMessages(messages) {
      const byConversation = new Map<string, InboundMessage[]>();
      for (const m of messages) {
        const id = ids.idFor(m.phoneNumberId, m.waId);
        byConversation.set(id, [...(byConversation.get(id) ?? []), m]);
      }
      const refused: Refused<InboundMessage>[] = [];
      await Promise.all([...byConversation.values()].map((batch) => deliverToOne(batch, refused)));
      return { refused };
    },

    async deliverStatuses(statuses) {
      let orphaned = 0;
      const refused: Refused<DeliveryStatus>[] = [];
      for (const status of statuses) {
        try {
          await withDeadline(() =>
            client.workflow
              .getHandle(ids.idFor(status.phoneNumberId, status.recipientId))
              .signal(deliveryStatusSignal, status),
          );
        } catch (err) {
          // A status for a conversation that has ended has nowhere to go; that is not a failure.
          if (err instanceof WorkflowNotFoundError) orphaned++;
          else {
            const reason = refusalReason(err);
            if (reason === undefined) throw err;
            refused.push({ item: status, reason });
          }
        }
      }
      return { orphaned, refused };
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

// gRPC codes by which Temporal refuses a request for what it carries (an id it cannot take, a
// payload over its limits). Anything else — unavailable, deadline, overload, unknown — is Temporal
// (or the way to it) failing now: the webhook answers 503 and Meta retries.
const INVALID_ARGUMENT = 3;
const OUT_OF_RANGE = 11;

/** Why Temporal refused a request for its content, or undefined when the failure is Temporal's. */
function refusalReason(err: unknown): string | undefined {
  const grpc = isGrpcServiceError(err)
    ? err
    : err instanceof Error && isGrpcServiceError(err.cause)
      ? err.cause
      : undefined;
  if (grpc?.code === INVALID_ARGUMENT) return 'Temporal refused it (invalid argument)';
  if (grpc?.code === OUT_OF_RANGE) return 'Temporal refused it (out of range)';
  return undefined;
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
