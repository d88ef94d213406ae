import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { getRefund, listRefundAttempts, listRefunds, type RefundRow } from '../../db/repositories/refunds.js';
import type { RefundStatus } from '../../db/tables/refunds.js';
import type { RetryResult } from '../../workflows/refund-definitions.js';
import { ApiError } from '../errors.js';
import { body, parse } from '../validation.js';
import { createOperatorApp } from './operator-auth.js';
import { RefundCommandError, type RefundGateway } from './refund-gateway.js';

const STATUSES = [
  'reserved',
  'awaiting_approval',
  'approved',
  'processing',
  'succeeded',
  'failed',
  'rejected',
] as const satisfies readonly RefundStatus[];
const bySchema = z.string().trim().min(1).max(200);
/** Bulk retries run one after another: each is a payment, and the provider rate-limits. */
const BULK_MAX = 200;

const schemas = {
  list: z
    .object({
      status: z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.enum(STATUSES)).min(1)),
      order: z.string().max(32),
      limit: z.coerce.number().int().min(1).max(500),
    })
    .partial()
    .strict(),
  retry: z.object({ by: bySchema }),
  bulkRetry: z
    .object({
      by: bySchema,
      ids: z.array(z.string().min(1).max(255)).min(1).max(BULK_MAX).optional(),
      allFailed: z.literal(true).optional(),
    })
    .refine((b) => (b.ids === undefined) !== (b.allFailed === undefined), {
      message: 'give either ids or allFailed: true',
    }),
  decision: z.object({ by: bySchema, note: z.string().max(1000).optional() }),
};

/**
 * Refunds for ops and supervisors, mounted at `/api/refunds` behind the operator token:
 *
 * - `GET /?status=failed&order=1042&limit=50` — the ledger, newest first.
 * - `GET /:id` — one refund and its audit trail (every request: who asked, what came of it).
 * - `POST /:id/retry {by}` — retry a failed refund (200 with the outcome; 409 when it is not failed —
 *   already paid, declined, waiting for approval — and nothing ran). Safe to repeat and to run from
 *   two places at once: see `refund-gateway.ts`.
 * - `POST /retry {by, ids | allFailed: true}` — the bulk form, one refund after another.
 * - `POST /:id/approve {by, note?}`, `POST /:id/reject {by, note?}` — decide a refund above the
 *   auto-approve limit (409 when it is not awaiting approval).
 */
export function createRefundRoutes(deps: { token: string | undefined; db: Db; refunds: RefundGateway }) {
  const { db, refunds } = deps;
  const { app, enabled } = createOperatorApp(deps.token, deps.db);
  if (!enabled) return app;

  const requireRefund = async (id: string): Promise<RefundRow> => {
    const row = await getRefund(db, id);
    if (!row) throw new ApiError(404, 'refund_not_found', `No refund ${id}`);
    return row;
  };

  app.get('/', async (c) => {
    const q = parse(schemas.list, c.req.query(), 'query');
    const rows = await listRefunds(db, {
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.order ? { orderId: q.order } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ refunds: rows.map(publicRefund) });
  });

  app.get('/:id', async (c) => {
    const row = await requireRefund(c.req.param('id'));
    const attempts = await listRefundAttempts(db, row.refund_id);
    return c.json({ ...publicRefund(row), attempts });
  });

  app.post('/retry', async (c) => {
    const req = await body(c.req.raw, schemas.bulkRetry);
    const ids =
      req.ids ?? (await listRefunds(db, { statuses: ['failed'], limit: BULK_MAX })).map((r) => r.refund_id);
    const results: (RetryResult | { refundId: string; error: string })[] = [];
    for (const id of ids) {
      if (!(await getRefund(db, id))) {
        results.push({ refundId: id, error: 'no such refund' });
        continue;
      }
      results.push(await refunds.retry(id, req.by));
    }
    return c.json({ results });
  });

  app.post('/:id/retry', async (c) => {
    const { by } = await body(c.req.raw, schemas.retry);
    const row = await requireRefund(c.req.param('id'));
    const result = await refunds.retry(row.refund_id, by);
    if (result.handling === 'not_retryable') {
      return c.json(
        {
          error: {
            code: 'not_retryable',
            message: `Refund ${row.refund_id} is ${result.status}: nothing to retry`,
          },
          result,
        },
        409,
      );
    }
    return c.json(result);
  });

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/:id/${action}`, async (c) => {
      const decision = await body(c.req.raw, schemas.decision);
      const row = await requireRefund(c.req.param('id'));
      try {
        return c.json(await refunds[action](row.refund_id, decision));
      } catch (err) {
        if (err instanceof RefundCommandError) throw new ApiError(409, 'not_awaiting_approval', err.message);
        throw err;
      }
    });
  }

  return app;
}

/** A ledger row as the API shows it: no customer data (the order number is enough to look it up). */
function publicRefund(r: RefundRow) {
  return {
    refundId: r.refund_id,
    orderId: r.order_id,
    orderLine: r.order_line,
    reason: r.reason,
    amountCents: r.amount_cents,
    currency: r.currency,
    status: r.status,
    approvedBy: r.approved_by,
    provider: r.provider,
    providerRefundId: r.provider_refund_id,
    failureReason: r.failure_reason,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
