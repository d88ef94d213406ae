import { z } from 'zod';
import type { HandoffPackage } from '../../activities/helpdesk/types.js';
import type { ConversationIds } from '../../core/conversation-ids.js';
import type { Db } from '../../db/database.js';
import { findActiveAgent } from '../../db/repositories/agents.js';
import {
  assignHandoffTicket,
  getHandoffTicket,
  listHandoffTicketComments,
  listHandoffTickets,
  updateHandoffTicketStatus,
  type HandoffTicketCommentRow,
  type HandoffTicketRow,
} from '../../db/repositories/handoff-tickets.js';
import {
  agentReplyUpdate,
  assignAgentUpdate,
  resolveUpdate,
  type ConversationView,
} from '../../workflows/definitions.js';
import type { ConversationGateway } from '../conversation-gateway.js';
import { ApiError } from '../errors.js';
import { body, parse } from '../validation.js';
import { createOperatorApp } from './operator-auth.js';

const STATUSES = ['open', 'pending', 'solved', 'closed'] as const;
const agentIdSchema = z.string().trim().min(1).max(100);

const schemas = {
  list: z
    .object({
      kind: z.enum(['handoff', 'review']).optional(),
      /** Comma-separated; default `open,pending` (what still needs an agent). */
      status: z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.enum(STATUSES)).min(1, 'give at least one status')),
      agent: agentIdSchema,
      /** `true`: only tickets nobody is assigned to (exclusive with `agent`). */
      unassigned: z.enum(['true', 'false']).transform((v) => v === 'true'),
      limit: z.coerce.number().int().min(1).max(500),
    })
    .partial()
    .strict()
    .refine((q) => !(q.agent !== undefined && q.unassigned), {
      message: 'agent and unassigned=true exclude each other',
    }),
  claim: z.object({ agentId: agentIdSchema }),
  status: z.object({ status: z.enum(STATUSES), agentId: agentIdSchema.optional() }),
  reply: z.object({ agentId: agentIdSchema, text: z.string().max(4096) }),
};

/**
 * The agents' side of the built-in hand-off queue (`handoff_tickets`), mounted at `/api/tickets`
 * behind the operator API's bearer token:
 *
 * - `GET /` — the queue, oldest first. Query: `kind=handoff|review`, `status=open,pending` (the
 *   default), `agent=<id>` or `unassigned=true`, `limit` (1–500, default 50).
 * - `GET /:id` — one ticket with its whole package and its comments.
 * - `POST /:id/claim {agentId}` — the agent takes the ticket and the conversation (the workflow's
 *   `assignAgent` update), and the ticket becomes `pending`.
 * - `POST /:id/status {status, agentId?}` — sets the ticket's status; `solved` also resolves the
 *   conversation (by the agent given, else the ticket's agent, else `operator`).
 * - `POST /:id/reply {agentId, text}` — the assigned agent answers the customer on WhatsApp.
 *
 * Privacy: nothing here returns the conversation id (it holds the customer's number) — tickets carry
 * the opaque `conversationRef` (`/api/conversations/ref/<ref>` resolves it) and the masked number.
 */
export function createTicketRoutes(deps: {
  token: string | undefined;
  conversations: ConversationGateway;
  db: Db;
  ids: ConversationIds;
}) {
  const { conversations, db, ids } = deps;
  const { app, enabled } = createOperatorApp(deps.token, deps.db);
  if (!enabled) return app;

  const requireTicket = async (id: string): Promise<HandoffTicketRow> => {
    const ticket = await getHandoffTicket(db, id);
    if (!ticket) throw new ApiError(404, 'ticket_not_found', `No ticket ${id}`);
    return ticket;
  };

  app.get('/', async (c) => {
    const q = parse(schemas.list, c.req.query(), 'query');
    const rows = await listHandoffTickets(db, {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.unassigned ? { assignedAgentId: null } : q.agent ? { assignedAgentId: q.agent } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ tickets: rows.map((t) => ticketSummary(t, ids)) });
  });

  app.get('/:id', async (c) => {
    const ticket = await requireTicket(c.req.param('id'));
    const comments = await listHandoffTicketComments(db, ticket.id);
    return c.json({
      ...ticketSummary(ticket, ids),
      package: publicPackage(ticket, ids),
      comments: comments.map(publicComment),
    });
  });

  app.post('/:id/claim', async (c) => {
    const { agentId } = await body(c.req.raw, schemas.claim);
    const ticket = await requireTicket(c.req.param('id'));
    if (ticket.status === 'closed') throw new ApiError(409, 'ticket_closed', `Ticket ${ticket.id} is closed`);
    if (ticket.status === 'pending' && ticket.assigned_agent_id && ticket.assigned_agent_id !== agentId) {
      throw new ApiError(
        409,
        'already_claimed',
        `Ticket ${ticket.id} is already claimed by ${ticket.assigned_agent_id}`,
      );
    }
    const agent = await findActiveAgent(db, agentId);
    if (!agent) throw new ApiError(422, 'unknown_agent', `Unknown or inactive agent ${agentId}`);

    // The conversation first: if the workflow refuses (409), the ticket stays as it was. A
    // conversation that has ended (a review filed at its close) still lets the agent own the ticket.
    let view: ConversationView | undefined;
    try {
      view = await conversations.command(ticket.conversation_id, assignAgentUpdate, {
        agentId,
        agentName: agent.name,
      });
    } catch (err) {
      if (!isConversationGone(err)) throw err;
    }
    await assignHandoffTicket(db, ticket.id, agentId);
    const updated = await updateHandoffTicketStatus(db, ticket.id, 'pending');
    if (!updated.ok) throw statusFailure(ticket.id, updated.reason);
    return c.json({
      ticket: ticketSummary(updated.ticket, ids),
      conversation: view ? publicView(view, ids) : null,
    });
  });

  app.post('/:id/status', async (c) => {
    const { status, agentId } = await body(c.req.raw, schemas.status);
    const ticket = await requireTicket(c.req.param('id'));
    // Closing a closed ticket is a no-op (a retried close); anything else on it is refused.
    if (ticket.status === 'closed' && status !== 'closed') throw statusFailure(ticket.id, 'closed');

    let conversation: { status: string; changed: boolean } | undefined;
    if (status === 'solved') {
      const by = agentId ?? ticket.assigned_agent_id ?? 'operator';
      conversation = await resolveConversation(ticket, by);
    }
    const updated = await updateHandoffTicketStatus(db, ticket.id, status);
    if (!updated.ok) throw statusFailure(ticket.id, updated.reason);
    return c.json({ ticket: ticketSummary(updated.ticket, ids), ...(conversation ? { conversation } : {}) });
  });

  app.post('/:id/reply', async (c) => {
    const reply = await body(c.req.raw, schemas.reply);
    const ticket = await requireTicket(c.req.param('id'));
    try {
      return c.json(await conversations.command(ticket.conversation_id, agentReplyUpdate, reply));
    } catch (err) {
      if (isConversationGone(err)) throw conversationEnded(ticket.id);
      throw err;
    }
  });

  /** Resolves the ticket's conversation; one that is already resolved, closed or gone is fine. */
  async function resolveConversation(
    ticket: HandoffTicketRow,
    by: string,
  ): Promise<{ status: string; changed: boolean }> {
    try {
      const view = await conversations.command(ticket.conversation_id, resolveUpdate, {
        by,
        reason: `ticket ${ticket.id} solved`,
      });
      return { status: view.status, changed: true };
    } catch (err) {
      if (isConversationGone(err)) return { status: 'ended', changed: false };
      const already =
        err instanceof ApiError && err.status === 409
          ? /cannot resolve a conversation that is (resolved|closed)\b/.exec(err.message)
          : null;
      if (already) return { status: already[1]!, changed: false };
      throw err;
    }
  }

  return app;
}

// ---------------------------------------------------------------------------------------------
// Shapes

function packageOf(ticket: HandoffTicketRow): Partial<HandoffPackage> {
  const pkg = ticket.package;
  return typeof pkg === 'object' && pkg !== null && !Array.isArray(pkg)
    ? (pkg as Partial<HandoffPackage>)
    : {};
}

/** What the queue shows per ticket. Only the package's masked number, never the conversation id. */
export function ticketSummary(ticket: HandoffTicketRow, ids: ConversationIds) {
  const pkg = packageOf(ticket);
  const c = pkg.customer;
  return {
    id: ticket.id,
    kind: ticket.kind,
    status: ticket.status,
    rule: ticket.rule,
    reason: ticket.reason,
    handling: ticket.handling,
    conversationRef: ids.refFor(ticket.conversation_id),
    assignedAgentId: ticket.assigned_agent_id,
    dueAt: ticket.due_at?.toISOString() ?? null,
    createdAt: ticket.created_at.toISOString(),
    updatedAt: ticket.updated_at.toISOString(),
    customer: {
      ...(c?.displayName ? { displayName: c.displayName } : {}),
      maskedPhone: c?.maskedPhone ?? null,
      ...(c?.tier ? { tier: c.tier } : {}),
      ...(c?.language ? { language: c.language } : {}),
    },
    summary: pkg.summary ?? null,
    recommendedNextAction: pkg.recommendedNextAction ?? null,
  };
}

/** The whole package, with the conversation reference in place of the conversation id. */
function publicPackage(ticket: HandoffTicketRow, ids: ConversationIds) {
  const entries = Object.entries(packageOf(ticket)).filter(([key]) => key !== 'conversationId');
  return { conversationRef: ids.refFor(ticket.conversation_id), ...Object.fromEntries(entries) };
}

function publicComment(comment: HandoffTicketCommentRow) {
  return {
    id: comment.id,
    author: comment.author,
    text: comment.text,
    public: comment.public,
    createdAt: comment.created_at.toISOString(),
  };
}

/** The conversation's state as the workflow reports it, with the reference in place of the id. */
function publicView(view: ConversationView, ids: ConversationIds) {
  const entries = Object.entries(view).filter(([key]) => key !== 'conversationId');
  return { conversationRef: ids.refFor(view.conversationId), ...Object.fromEntries(entries) };
}

// ---------------------------------------------------------------------------------------------
// Errors and parsing

/** The gateway's 404: the conversation's workflow is no longer running. */
function isConversationGone(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** The gateway's own 404 message names the conversation id (the number): never pass it on. */
function conversationEnded(ticketId: string): ApiError {
  return new ApiError(409, 'conversation_ended', `The conversation of ticket ${ticketId} has ended`);
}

function statusFailure(ticketId: string, reason: 'not_found' | 'closed'): ApiError {
  return reason === 'not_found'
    ? new ApiError(404, 'ticket_not_found', `No ticket ${ticketId}`)
    : new ApiError(409, 'ticket_closed', `Ticket ${ticketId} is closed and cannot change`);
}
