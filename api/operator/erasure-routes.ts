/**
 * Erasing a customer from the operator side, mounted at `/api/erasures` behind the operator token:
 *
 * - `POST /` `{ conversationRef }` — starts the customer's erasure workflow (or joins the one in
 *   progress): 202 with its id. 404 when the reference names no conversation and no erasure.
 * - `GET /:conversationRef` — `{ status, receipt? }`: running, or completed with the receipt.
 *
 * Who asked is the identity of the credentials, never a field of the body.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { findCustomerConversations } from '../../db/repositories/erasure.js';
import { erasureWorkflowId, type ErasureReceipt } from '../../workflows/erasure-definitions.js';
import type { erasureWorkflow } from '../../workflows/erasure.js';
import { ApiError } from '../errors.js';
import { body } from '../validation.js';
import { createOperatorApp, OPERATOR_TOKEN_IDENTITY } from './operator-auth.js';

const startSchema = z.object({
  conversationRef: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{20}$/, 'a conversation reference'),
});

export interface ErasureGateway {
  start(conversationRef: string, requestedBy: string): Promise<string>;
  status(conversationRef: string): Promise<{ status: string; receipt?: ErasureReceipt } | undefined>;
}

export function createErasureGateway(deps: {
  client: Client;
  taskQueue: string;
  settleMs: number;
}): ErasureGateway {
  const { client } = deps;
  return {
    async start(subject, requestedBy) {
      const handle = await client.workflow.start<typeof erasureWorkflow>('erasureWorkflow', {
        workflowId: erasureWorkflowId(subject),
        taskQueue: deps.taskQueue,
        args: [{ subject, requestedBy, settleMs: deps.settleMs }],
        // A second request while it runs joins it; after it finished, runs it again (idempotent).
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return handle.workflowId;
    },
    async status(subject) {
      const handle = client.workflow.getHandle<typeof erasureWorkflow>(erasureWorkflowId(subject));
      try {
        const { status } = await handle.describe();
        if (status.name !== 'COMPLETED') return { status: status.name.toLowerCase() };
        return { status: 'completed', receipt: await handle.result() };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },
  };
}

export function createErasureRoutes(deps: { token: string | undefined; db: Db; erasures: ErasureGateway }) {
  const { db, erasures } = deps;
  const { app, enabled } = createOperatorApp(deps.token, db);
  if (!enabled) return app;

  app.post('/', async (c) => {
    const { conversationRef } = await body(c.req.raw, startSchema);
    const known =
      (await findCustomerConversations(db, conversationRef)).length > 0 ||
      (await erasures.status(conversationRef)) !== undefined;
    if (!known) throw new ApiError(404, 'conversation_not_found', `No conversation ${conversationRef}`);
    const workflowId = await erasures.start(conversationRef, OPERATOR_TOKEN_IDENTITY);
    return c.json({ workflowId, conversationRef }, 202);
  });

  app.get('/:ref', async (c) => {
    const status = await erasures.status(c.req.param('ref'));
    if (!status) throw new ApiError(404, 'erasure_not_found', `No erasure for ${c.req.param('ref')}`);
    return c.json(status);
  });

  return app;
}
