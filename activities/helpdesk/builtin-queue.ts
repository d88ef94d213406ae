/**
 * The built-in helpdesk: a Postgres-backed queue, the embedded default when no external helpdesk is
 * configured. Escalations land in `handoff_tickets` (live hand-offs and next-day review tasks, each
 * with the full package as jsonb); agents work them through the operator API, which reads and
 * updates them with `db/repositories/handoff-tickets.ts`.
 *
 * Idempotent: the idempotency key is a unique column, so a retried createTicket returns the ticket
 * the first attempt created; a comment with a key is recorded once.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/database.js';
import {
  addHandoffTicketComment,
  getHandoffTicket,
  insertHandoffTicket,
  updateHandoffTicketStatus,
} from '../../db/repositories/handoff-tickets.js';
import {
  HelpdeskErrorTypes,
  type Helpdesk,
  type HandoffPackage,
  type TicketRef,
  type TicketStatus,
} from './types.js';

export interface BuiltinQueueOptions {
  db: Db;
  /** Where an agent opens a ticket (e.g. `id => ${publicUrl}/operator/tickets/${id}`). */
  ticketUrl?: (id: string) => string;
  /** When a review is due if the caller gave no `dueAt`. Default: 24 hours after creation. */
  defaultReviewDueAt?: (createdAt: Date) => Date;
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createBuiltinQueue(opts: BuiltinQueueOptions): Helpdesk {
  const { db } = opts;
  const now = opts.now ?? (() => new Date());
  const defaultDue = opts.defaultReviewDueAt ?? ((at: Date) => new Date(at.getTime() + DAY_MS));

  const ref = (id: string): TicketRef => {
    const url = opts.ticketUrl?.(id);
    return url ? { system: 'builtin', id, url } : { system: 'builtin', id };
  };

  async function existing(ticket: TicketRef) {
    if (ticket.system !== 'builtin') {
      throw invalid(`the built-in queue cannot handle a ${ticket.system} ticket (${ticket.id})`);
    }
    const row = await getHandoffTicket(db, ticket.id);
    if (!row) {
      throw ApplicationFailure.create({
        message: `Built-in queue ticket ${ticket.id} not found`,
        type: HelpdeskErrorTypes.TicketNotFound,
        nonRetryable: true,
        details: [{ ticketId: ticket.id }],
      });
    }
    return row;
  }

  return {
    system: 'builtin',

    async forgetTicket() {
      return 'not_held' as const;
    },

    async createTicket(pkg: HandoffPackage, o) {
      if (!o.idempotencyKey) throw invalid('createTicket needs an idempotency key');
      const isReview = pkg.handling === 'next_day_review';
      let dueAt: Date | undefined;
      if (isReview) {
        dueAt = o.dueAt !== undefined ? new Date(o.dueAt) : defaultDue(now());
        if (Number.isNaN(dueAt.getTime())) throw invalid(`dueAt is not a valid date: ${o.dueAt}`);
      }
      const { ticket } = await insertHandoffTicket(db, {
        idempotencyKey: o.idempotencyKey,
        conversationId: pkg.conversationId,
        kind: isReview ? 'review' : 'handoff',
        rule: pkg.rule,
        reason: pkg.reason,
        handling: pkg.handling,
        package: pkg,
        ...(pkg.routeToAgentId ? { assignedAgentId: pkg.routeToAgentId } : {}),
        ...(dueAt ? { dueAt } : {}),
      });
      if (ticket.conversation_id !== pkg.conversationId) {
        throw ApplicationFailure.create({
          message: `Idempotency key ${o.idempotencyKey} already used for another conversation`,
          type: HelpdeskErrorTypes.IdempotencyConflict,
          nonRetryable: true,
          details: [{ ticketId: ticket.id }],
        });
      }
      return ref(ticket.id);
    },

    async addComment(ticket, comment, o = {}) {
      const row = await existing(ticket);
      if (!comment.text.trim()) throw invalid('comment text is empty');
      // Closed is final (as in Zendesk): the caller opens a follow-up ticket instead.
      if (row.status === 'closed') {
        throw ApplicationFailure.create({
          message: `Built-in queue ticket ${ticket.id} is closed`,
          type: HelpdeskErrorTypes.TicketClosed,
          nonRetryable: true,
          details: [{ ticketId: ticket.id }],
        });
      }
      const { created } = await addHandoffTicketComment(db, {
        ticketId: row.id,
        author: comment.author,
        text: comment.text,
        public: comment.public,
        ...(o.idempotencyKey ? { key: o.idempotencyKey } : {}),
      });
      // The customer wrote again: the ticket needs an agent again (as a requester reply does in Zendesk).
      if (created && comment.author === 'customer' && row.status !== 'open') {
        await updateHandoffTicketStatus(db, row.id, 'open');
      }
    },

    async ticketStatus(ticket): Promise<TicketStatus> {
      return (await existing(ticket)).status;
    },
  };
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: HelpdeskErrorTypes.InvalidRequest,
    nonRetryable: true,
    details: [{ message }],
  });
}
