/**
 * What happens to a signed WhatsApp delivery (and to a dead letter replayed by ops): every part
 * that can be understood goes to its conversation workflow; every part that cannot — or that
 * Temporal refuses for its content — is kept as a dead letter with the reason. Only Temporal or
 * Postgres being unavailable makes it fail, and then the whole delivery is retried by Meta (the
 * workflows dedupe by message id, the dead letters by fingerprint).
 */
import type { Logger } from '../../../core/logger.js';
import type { Db } from '../../../db/database.js';
import { keepDeadLetters, type NewDeadLetter } from '../../../db/repositories/dead-letters.js';
import { acknowledgeSend } from '../../../db/repositories/messages.js';
import type { ConversationGateway } from '../../conversation-gateway.js';
import { parseWebhook } from './normalize.js';

export interface IntakeResult {
  messages: number;
  statuses: number;
  deadLetters: number;
  /** Why each dead letter was kept (paths and kinds of problems, never values). */
  reasons: string[];
}

export interface WhatsAppIntake {
  /**
   * Rejects only when Temporal or Postgres cannot take the delivery now. A replay passes
   * `keepDeadLetters: false`: what still does not fit is reported, not kept a second time.
   */
  accept(body: unknown, opts?: { requestId?: string; keepDeadLetters?: boolean }): Promise<IntakeResult>;
}

export function createWhatsAppIntake(deps: {
  conversations: ConversationGateway;
  db: Db;
  deadLetterRetentionMs: number;
  logger: Logger;
}): WhatsAppIntake {
  const { conversations, db, logger } = deps;
  return {
    async accept(body, opts = {}) {
      const { requestId } = opts;
      const parsed = parseWebhook(body);
      for (const note of parsed.ignored) logger.info('webhook item ignored', { ...note, requestId });
      for (const item of parsed.unknown)
        logger.warn('unknown WhatsApp message type, handled as unsupported', { ...item, requestId });

      // A send whose answer was lost learns its message id here (its retry is waiting for it).
      for (const status of parsed.statuses)
        if (status.callbackData) await acknowledgeSend(db, status.callbackData, status.messageId);
      const delivered = await conversations.deliverMessages(parsed.messages);
      const statuses = await conversations.deliverStatuses(parsed.statuses);
      if (statuses.orphaned > 0)
        logger.debug('statuses without a live conversation', { orphaned: statuses.orphaned });

      const letters: NewDeadLetter[] = [
        ...parsed.deadLetters.map((d) => ({ reason: d.reason, body: d.body })),
        ...[...delivered.refused, ...statuses.refused].map((r) => ({
          reason: r.reason,
          body: parsed.partBodies.get(r.item),
        })),
      ].map((d) => ({
        source: 'whatsapp',
        reason: d.reason,
        raw: JSON.stringify(d.body) ?? 'null',
        requestId,
      }));
      if (opts.keepDeadLetters !== false) {
        await keepDeadLetters(db, letters, deps.deadLetterRetentionMs);
        for (const letter of letters)
          logger.warn('webhook part kept as a dead letter', { reason: letter.reason, requestId });
      }
      return {
        messages: parsed.messages.length - delivered.refused.length,
        statuses: parsed.statuses.length - statuses.refused.length,
        deadLetters: letters.length,
        reasons: letters.map((l) => l.reason),
      };
    },
  };
}
