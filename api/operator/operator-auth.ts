import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from '../app-env.js';
import { errorBody } from '../errors.js';
import type { Db } from '../../db/database.js';
import { appendAudit } from '../../db/repositories/audit-log.js';

/** Who holds the operator token: until people sign in with their own identity, the token itself. */
export const OPERATOR_TOKEN_IDENTITY = 'operator:api-token';

/**
 * A Hono app for the operator and agent APIs: bearer `OPERATOR_API_TOKEN` on every route, or —
 * without a token — every route answers 503 (the API is switched off, never open by accident).
 * Every command that succeeds (any method but GET) is recorded in the audit log with the identity
 * that made it, taken from the credentials.
 */
export function createOperatorApp(
  token: string | undefined,
  db: Db,
): { app: Hono<AppEnv>; enabled: boolean } {
  const app = new Hono<AppEnv>();
  if (!token) {
    app.all('*', (c) =>
      c.json(errorBody(c, 'operator_api_disabled', 'Set OPERATOR_API_TOKEN to enable the operator API'), 503),
    );
    return { app, enabled: false };
  }
  app.use(
    '*',
    bearerAuth({
      token,
      noAuthenticationHeaderMessage: (c) => errorBody(c, 'unauthorized', 'Bearer token required'),
      invalidAuthenticationHeaderMessage: (c) =>
        errorBody(c, 'unauthorized', 'Malformed Authorization header'),
      invalidTokenMessage: (c) => errorBody(c, 'unauthorized', 'Invalid bearer token'),
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.res.status >= 400) return;
    await appendAudit(db, [
      {
        kind: 'operator_command',
        actor: OPERATOR_TOKEN_IDENTITY,
        details: { method: c.req.method, path: c.req.path, status: c.res.status, requestId: c.var.requestId },
      },
    ]);
  });
  return { app, enabled: true };
}
