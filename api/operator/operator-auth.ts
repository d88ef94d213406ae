import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from '../app-env.js';
import { errorBody } from '../errors.js';

/**
 * A Hono app for the operator and agent APIs: bearer `OPERATOR_API_TOKEN` on every route, or —
 * without a token — every route answers 503 (the API is switched off, never open by accident).
 */
export function createOperatorApp(token: string | undefined): { app: Hono<AppEnv>; enabled: boolean } {
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
  return { app, enabled: true };
}
