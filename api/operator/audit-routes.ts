/**
 * The audit log for regulators and ops, mounted at `/api/audit` behind the operator token:
 *
 * - `GET /export?from=<ISO>&to=<ISO>` — entries in order as JSON Lines (streamed), each with its
 *   hash and its predecessor's, so a recipient can check the excerpt's own chain.
 * - `GET /verify` — recomputes the whole chain: `{ ok, entries, lastHash }`, or the first broken
 *   entry and why.
 */
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { readAuditBatch, verifyAuditChain } from '../../db/repositories/audit-log.js';
import { parse } from '../validation.js';
import { createOperatorApp } from './operator-auth.js';

const EXPORT_BATCH = 5_000;
const exportQuery = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .partial()
  .strict();

export function createAuditRoutes(deps: { token: string | undefined; db: Db }) {
  const { db } = deps;
  const { app, enabled } = createOperatorApp(deps.token, deps.db);
  if (!enabled) return app;

  app.get('/export', (c) => {
    const q = parse(exportQuery, c.req.query(), 'query');
    const range = { ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}) };
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    return stream(c, async (out) => {
      let afterSeq = 0;
      for (;;) {
        const rows = await readAuditBatch(db, { afterSeq, limit: EXPORT_BATCH, ...range });
        if (rows.length === 0) break;
        await out.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
        afterSeq = rows.at(-1)!.seq;
      }
    });
  });

  app.get('/verify', async (c) => c.json(await verifyAuditChain(db)));

  return app;
}
