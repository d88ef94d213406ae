import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { findActiveAgent, upsertAgent } from '../../db/repositories/agents.js';
import { findConversationIdByRef } from '../../db/repositories/conversations.js';
import { csatByResolver } from '../../db/repositories/csat-surveys.js';
import {
  agentReplyUpdate,
  assignAgentUpdate,
  closeUpdate,
  handBackUpdate,
  resolveUpdate,
} from '../../workflows/definitions.js';
import type { ConversationGateway } from '../conversation-gateway.js';
import { ApiError } from '../errors.js';
import { body } from '../validation.js';
import { createOperatorApp } from './operator-auth.js';

const agentIdSchema = z.string().trim().min(1).max(100);
const schemas = {
  agent: z.object({
    id: agentIdSchema,
    name: z.string().trim().min(1).max(200),
    email: z.email().optional(),
  }),
  assign: z.object({ agentId: agentIdSchema }),
  reply: z.object({ agentId: agentIdSchema, text: z.string().max(4096) }),
  operator: z.object({
    by: z.string().trim().min(1).max(100).default('operator'),
    reason: z.string().max(500).optional(),
  }),
};

/**
 * Operator and agent endpoints over the conversation workflows: read state, assign, reply, hand
 * back, resolve, close. Bearer-token protected; without OPERATOR_API_TOKEN they are switched off.
 * Shape problems are 400s here; state rules ("no agent assigned", "already closed") are the
 * workflow's update validators, which refuse before anything enters history (409).
 */
export function createOperatorRoutes(deps: {
  token: string | undefined;
  conversations: ConversationGateway;
  db: Db;
}) {
  const { conversations, db } = deps;
  const { app, enabled } = createOperatorApp(deps.token, deps.db);
  if (!enabled) return app;

  app.post('/agents', async (c) => {
    const agent = await body(c.req.raw, schemas.agent);
    await upsertAgent(db, agent);
    return c.json({ agent }, 201);
  });

  /** CSAT and survey response rate by resolver (Parley vs a person), over the last `days` (default 30). */
  app.get('/metrics/csat', async (c) => {
    const days = Number(c.req.query('days') ?? '30');
    if (!Number.isInteger(days) || days < 1 || days > 366)
      throw new ApiError(400, 'invalid_request', 'days must be an integer between 1 and 366');
    return c.json({ days, byResolver: await csatByResolver(db, Date.now() - days * 24 * 60 * 60 * 1000) });
  });

  /** Links in tickets and Slack carry an opaque reference instead of the id (which holds the number). */
  app.get('/conversations/ref/:ref', async (c) => {
    const ref = c.req.param('ref');
    if (!/^[0-9a-f]{20}$/.test(ref))
      throw new ApiError(400, 'invalid_request', 'ref must be 20 hex characters');
    const id = await findConversationIdByRef(db, ref);
    if (!id) throw new ApiError(404, 'not_found', 'no conversation with this reference');
    return c.json(await conversations.getState(id));
  });

  app.get('/conversations/:id', async (c) => c.json(await conversations.getState(c.req.param('id'))));

  app.post('/conversations/:id/assign', async (c) => {
    const { agentId } = await body(c.req.raw, schemas.assign);
    const agent = await findActiveAgent(db, agentId);
    if (!agent) throw new ApiError(422, 'unknown_agent', `Unknown or inactive agent ${agentId}`);
    return c.json(
      await conversations.command(c.req.param('id'), assignAgentUpdate, { agentId, agentName: agent.name }),
    );
  });

  app.post('/conversations/:id/reply', async (c) => {
    const reply = await body(c.req.raw, schemas.reply);
    return c.json(await conversations.command(c.req.param('id'), agentReplyUpdate, reply));
  });

  const operatorCommand = (path: string, update: typeof handBackUpdate) =>
    app.post(`/conversations/:id/${path}`, async (c) => {
      const cmd = await body(c.req.raw, schemas.operator);
      return c.json(await conversations.command(c.req.param('id'), update, cmd));
    });
  operatorCommand('hand-back', handBackUpdate);
  operatorCommand('resolve', resolveUpdate);
  operatorCommand('close', closeUpdate);
  return app;
}
