import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env.js';

/** An error the API answers with its own status and a stable machine-readable code. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Every error body has the same shape and carries the request id, so a support ticket can quote it. */
export function errorBody(c: Context<AppEnv>, code: string, message: string) {
  return { error: { code, message, requestId: c.var.requestId } };
}
