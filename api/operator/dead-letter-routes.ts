import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { getDeadLetter, listDeadLetters, recordReplay } from '../../db/repositories/dead-letters.js';
import { ApiError } from '../errors.js';
import { body, parse } from '../validation.js';
import type { WhatsAppIntake } from '../webhooks/whatsapp/intake.js';
import { createOperatorApp } from './operator-auth.js';

const schemas = {
  list: z
    .object({
      status: z.enum(['new', 'replayed']),
      limit: z.coerce.number().int().min(1).max(500),
    })
    .partial()
    .strict(),
  replay: z.object({ by: z.string().trim().min(1).max(200) }),
};

/**
 * Dead letters for ops, mounted at `/api/dead-letters` behind the operator token:
 *
 * - `GET /?status=new&limit=50` — parts of webhook deliveries that could not be understood or
 *   routed, newest first, with the reason (no raw content).
 * - `GET /:id` — one dead letter with its raw part (customer data: operators only).
 * - `POST /:id/replay {by}` — runs the part through today's parser and delivery again: 200 when it
 *   was delivered now, 422 with the reason when it still does not fit (kept, attempt counted),
 *   409 when it was already replayed. Replaying twice is harmless: conversations dedupe by message id.
 */
export function createDeadLetterRoutes(deps: { token: string | undefined; db: Db; intake: WhatsAppIntake }) {
  const { db, intake } = deps;
  const { app, enabled } = createOperatorApp(deps.token, deps.db);
  if (!enabled) return app;

  const requireLetter = async (id: string) => {
    const row = await getDeadLetter(db, id);
    if (!row) throw new ApiError(404, 'dead_letter_not_found', `No dead letter ${id}`);
    return row;
  };

  app.get('/', async (c) => {
    const q = parse(schemas.list, c.req.query(), 'query');
    const rows = await listDeadLetters(db, {
      ...(q.status ? { status: q.status } : {}),
      limit: q.limit ?? 50,
    });
    return c.json({ deadLetters: rows });
  });

  app.get('/:id', async (c) => c.json(await requireLetter(c.req.param('id'))));

  app.post('/:id/replay', async (c) => {
    const { by } = await body(c.req.raw, schemas.replay);
    const letter = await requireLetter(c.req.param('id'));
    if (letter.status === 'replayed')
      throw new ApiError(
        409,
        'already_replayed',
        `Dead letter ${letter.id} was replayed by ${letter.replayed_by}`,
      );
    if (letter.raw_truncated)
      throw new ApiError(422, 'not_replayable', `Dead letter ${letter.id} was too large to keep whole`);
    const result = await intake.accept(JSON.parse(letter.raw), {
      requestId: c.var.requestId,
      keepDeadLetters: false,
    });
    if (result.deadLetters > 0) {
      const error = result.reasons.join('; ');
      await recordReplay(db, letter.id, { ok: false, error });
      throw new ApiError(422, 'still_not_understood', error);
    }
    await recordReplay(db, letter.id, { ok: true, by });
    return c.json({ id: letter.id, replayed: { messages: result.messages, statuses: result.statuses } });
  });

  return app;
}
