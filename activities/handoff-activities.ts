import { Context } from '@temporalio/activity';
import { recordSlackPost } from '../db/repositories/slack-posts.js';
import { ApplicationFailure } from '@temporalio/common';
import type { ConversationIds } from '../core/conversation-ids.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { maskPhone } from '../domain/privacy.js';
import type { Db } from '../db/database.js';
import { countOpenHandoffTickets } from '../db/repositories/handoff-tickets.js';
import type { HandoffPackage, Helpdesk, TicketRef } from './helpdesk/types.js';
import { createBuiltinCrm } from './integrations/crm/builtin.js';
import type { CrmAdapter } from './integrations/crm/types.js';
import { createBuiltinOrderSource } from './integrations/orders/builtin.js';
import type { OrderSource, OrderSummary } from './integrations/orders/types.js';
import {
  handoffMessage,
  onCallMessage,
  slaReminderMessage,
  type SlackContent,
  type SlackNotifier,
} from './notify/slack.js';
import { plainAmount } from '../domain/locale.js';

export interface HandoffDeps {
  db: Db;
  helpdesk: Helpdesk;
  /** Undefined when no Slack token is configured: notifications are skipped (and say so). */
  slack: SlackNotifier | undefined;
  channels: { team?: string; onCall?: string; onCallMention?: string };
  /** Where people open a conversation: `${conversationUrlBase}/ref/<opaque ref>` (no phone number in links). */
  conversationUrlBase: string;
  ids: ConversationIds;
  /** The customer's tier and owner; default: the built-in customers table of `db`. */
  crm?: CrmAdapter;
  /** The customer's recent orders for the package; default: the built-in shop tables of `db`. */
  orders?: OrderSource;
  logger?: Logger;
}

/**
 * lookupCustomer runs on the conversation's path: a CRM that keeps failing must not hold the
 * conversation up. After this many attempts (or at once for a non-retryable failure) the customer
 * is "unknown" for this run (no tier, no owner) and the conversation goes on.
 */
const LOOKUP_ATTEMPTS = 3;

/** What the workflow knows when it escalates; the activity adds the customer's history. */
export interface HandoffRequest {
  conversationId: string;
  waId: string;
  displayName?: string;
  tier?: string;
  language?: string;
  rule: string;
  reason: string;
  handling: HandoffPackage['handling'];
  routeToAgentId?: string;
  summary: string;
  transcript: { role: HandoffPackage['transcript'][number]['role']; text: string; atMs: number }[];
  intent?: string;
  sentiment?: string;
  /** Stable for this escalation (the workflow's transition key): a retry creates no second ticket. */
  idempotencyKey: string;
  /** Next-day reviews: when the team is back. */
  dueAtMs?: number;
}

export type TeamNotice =
  | { kind: 'handoff'; pkg: HandoffPackage; ticket: TicketRef }
  | {
      kind: 'pickup_reminder';
      ticket: TicketRef;
      conversationId: string;
      rule: string;
      maskedPhone: string;
      tier?: string;
      waitingSinceMs: number;
      slaMinutes: number;
    }
  | {
      kind: 'on_call';
      ticket: TicketRef;
      conversationId: string;
      rule: string;
      reason: string;
      maskedPhone: string;
      tier?: string;
    };

/** What a person should do first, by the rule that fired (the model's summary says the rest). */
const NEXT_ACTIONS: Record<string, string> = {
  customer_asked: 'Greet the customer by name and take over; they asked for a person.',
  low_confidence: 'Answer the open question; Parley was not confident enough to.',
  negative_sentiment: 'Acknowledge the frustration first, then resolve the issue in the summary.',
  regulated_topic: 'Regulated topic: answer only within policy or refer to a qualified colleague.',
  vip_customer: 'VIP customer: the account owner (or a senior agent) answers personally.',
  refund_over_limit: 'Review the refund request against the order and approve or decline it.',
  action_failed:
    'An action the customer confirmed could not be completed: finish it by hand and tell the customer.',
  multi_issue: 'Several issues: list them back to the customer and resolve each.',
  crisis: 'Urgent: assess the incident now and follow the crisis procedure.',
  loop: 'Parley did not help: read the transcript and answer the question directly.',
};

/**
 * Escalation side effects: the hand-off package (with the customer's history) delivered to the
 * helpdesk, and the team's notifications. The ticket and the notice are separate activities so a
 * Slack retry never creates a second ticket.
 */
export function createHandoffActivities(deps: HandoffDeps) {
  const conversationUrl = (id: string) => `${deps.conversationUrlBase}/ref/${deps.ids.refFor(id)}`;
  const crm = deps.crm ?? createBuiltinCrm(deps.db);
  const orderSource = deps.orders ?? createBuiltinOrderSource(deps.db);
  const log = deps.logger ?? silentLogger;

  /**
   * The package's enrichment (tier, order history) is best effort: a hand-off goes out without it
   * rather than wait for a CRM or shop that is down.
   */
  async function enrichment<T>(what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      log.warn('hand-off package without its enrichment', {
        what,
        error: err instanceof Error ? err.message : String(err),
      });
      return fallback;
    }
  }

  /** Posts, and remembers the post under its conversation: erasing the customer deletes it. */
  async function postToChannel(
    channel: string | undefined,
    content: SlackContent,
    conversationId: string,
  ): Promise<string> {
    if (!deps.slack || !channel) return 'skipped: no Slack channel configured';
    const posted = await deps.slack.postMessage({ channel, ...content });
    await recordSlackPost(deps.db, { conversationId, ...posted });
    return posted.ts;
  }

  return {
    async createHandoffTicket(req: HandoffRequest): Promise<{ ticket: TicketRef; pkg: HandoffPackage }> {
      const [tier, orders] = await Promise.all([
        req.tier ?? enrichment('tier', undefined, async () => (await crm.findContact(req.waId))?.tier),
        enrichment<OrderSummary[]>('orders', [], () =>
          orderSource.listCustomerOrders(req.waId, { limit: 5 }),
        ),
      ]);
      const pkg: HandoffPackage = {
        conversationId: req.conversationId,
        customer: {
          ...(req.displayName ? { displayName: req.displayName } : {}),
          maskedPhone: maskPhone(req.waId),
          ...(tier ? { tier } : {}),
          ...(req.language ? { language: req.language } : {}),
        },
        rule: req.rule,
        reason: req.reason,
        handling: req.handling,
        summary: req.summary || 'No summary yet: see the transcript.',
        transcript: req.transcript.map((t) => ({
          role: t.role,
          text: t.text,
          at: new Date(t.atMs).toISOString(),
        })),
        understanding: {
          ...(req.intent ? { intent: req.intent } : {}),
          ...(req.sentiment ? { sentiment: req.sentiment } : {}),
        },
        history: {
          orders: orders.map((o) => ({
            orderNumber: o.orderNumber,
            status: o.status,
            total: plainAmount(o.totalCents, o.currency),
          })),
          openTickets: await countOpenHandoffTickets(deps.db, req.conversationId),
        },
        recommendedNextAction: NEXT_ACTIONS[req.rule] ?? 'Read the summary and take over the conversation.',
        conversationUrl: conversationUrl(req.conversationId),
        ...(req.routeToAgentId ? { routeToAgentId: req.routeToAgentId } : {}),
      };
      const ticket = await deps.helpdesk.createTicket(pkg, {
        idempotencyKey: req.idempotencyKey,
        ...(req.dueAtMs !== undefined ? { dueAt: new Date(req.dueAtMs).toISOString() } : {}),
      });
      return { ticket, pkg };
    },

    /** Posts a notice to the team (or on-call) channel; returns the Slack `ts` or why it was skipped. */
    async notifyTeam(notice: TeamNotice): Promise<string> {
      switch (notice.kind) {
        case 'handoff':
          return postToChannel(
            deps.channels.team,
            handoffMessage(notice.pkg, notice.ticket),
            notice.pkg.conversationId,
          );
        case 'pickup_reminder':
          return postToChannel(
            deps.channels.team,
            slaReminderMessage({
              ticket: notice.ticket,
              rule: notice.rule,
              maskedPhone: notice.maskedPhone,
              ...(notice.tier ? { tier: notice.tier } : {}),
              conversationUrl: conversationUrl(notice.conversationId),
              waitingSince: new Date(notice.waitingSinceMs).toISOString(),
              slaMinutes: notice.slaMinutes,
            }),
            notice.conversationId,
          );
        case 'on_call':
          return postToChannel(
            deps.channels.onCall ?? deps.channels.team,
            onCallMessage({
              ticket: notice.ticket,
              rule: notice.rule,
              reason: notice.reason,
              maskedPhone: notice.maskedPhone,
              ...(notice.tier ? { tier: notice.tier } : {}),
              conversationUrl: conversationUrl(notice.conversationId),
              ...(deps.channels.onCallMention ? { mention: deps.channels.onCallMention } : {}),
            }),
            notice.conversationId,
          );
      }
    },

    /** Keeps the ticket in step with the conversation (customer messages, agent replies). */
    async addTicketComment(input: {
      ticket: TicketRef;
      author: 'customer' | 'parley' | 'agent';
      text: string;
      idempotencyKey: string;
    }): Promise<void> {
      await deps.helpdesk.addComment(
        input.ticket,
        { author: input.author, text: input.text, public: false },
        { idempotencyKey: input.idempotencyKey },
      );
    },

    /** The customer's tier and named owner (account manager), from the CRM, for the escalation rules. */
    async lookupCustomer(input: { waId: string }): Promise<{ tier?: string; ownerAgentId?: string }> {
      try {
        const contact = await crm.findContact(input.waId);
        return {
          ...(contact?.tier ? { tier: contact.tier } : {}),
          ...(contact?.ownerAgentId ? { ownerAgentId: contact.ownerAgentId } : {}),
        };
      } catch (err) {
        const retryable = !(err instanceof ApplicationFailure && err.nonRetryable);
        const attempt = currentAttempt();
        // Outside an activity (attempt unknown) the failure is the caller's to handle.
        if (attempt === undefined || (retryable && attempt < LOOKUP_ATTEMPTS)) throw err;
        log.warn('customer lookup failed: going on without tier and owner', {
          crm: crm.kind,
          attempt,
          error: err instanceof Error ? err.message : String(err),
        });
        return {};
      }
    },
  };
}

/** The running activity's attempt number, or undefined outside an activity. */
function currentAttempt(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}
