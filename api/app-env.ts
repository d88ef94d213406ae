import type { RequestIdVariables } from 'hono/request-id';

/**
 * What every route of the API can read from its context, typed: `c.var.requestId` is set by the
 * `requestId()` middleware that `createApp` installs before any route. Every Hono app and handler
 * in api/ is a `Hono<AppEnv>` / `Context<AppEnv>`, so no handler casts a context variable.
 */
export type AppEnv = { Variables: RequestIdVariables };
