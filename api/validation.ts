import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Validates a query or body against its schema; a mismatch is a 400 naming each problem. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: 'body' | 'query'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || `(${what})`}: ${i.message}`)
      .join('; ');
    throw new ApiError(400, 'invalid_request', problems);
  }
  return parsed.data;
}

/** The JSON body, validated; a missing or unparsable body is validated as `{}`. */
export async function body<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let json: unknown;
  try {
    json = await req.json();
  } catch {
    json = {};
  }
  return parse(schema, json, 'body');
}
