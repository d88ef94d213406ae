/**
 * The codec server for the Temporal Web UI and CLI (Temporal's remote codec protocol): the UI posts
 * the payloads it is about to show to `/codec/decode` and gets them back in clear; `/codec/encode`
 * does the opposite for what an operator types (a signal's input). Bodies are
 * `{ "payloads": [{ "metadata": { key: base64 }, "data": base64 }] }`.
 *
 * Who may read: the operator token (bearer). In development only, a loopback request from an
 * allowed origin also may (the dev server's UI cannot send a token; CODEC_ALLOW_LOOPBACK).
 * Payloads whose customer was erased answer 410 with "key destroyed".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { KeyDestroyedError } from '../../core/encryption/data-keys.js';
import { fromJson, toJson } from '../../core/encryption/remote-codec.js';
import type { AppEnv } from '../app-env.js';
import { errorBody } from '../errors.js';

const MAX_PAYLOADS = 1_000;
const base64 = z.string().max(8 * 1024 * 1024);
const bodySchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(MAX_PAYLOADS),
});

export interface CodecServerDeps {
  /** Undefined: payload encryption is off, and the codec passes payloads through. */
  codec: PayloadCodec | undefined;
  token: string | undefined;
  corsOrigins: string[];
  allowLoopback: boolean;
}

export function createCodecRoutes(deps: CodecServerDeps) {
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    cors({
      origin: deps.corsOrigins,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['content-type', 'x-namespace', 'authorization'],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use('*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    if (!allowed(c, deps)) return c.json(errorBody(c, 'unauthorized', 'Operator token required'), 401);
    return next();
  });

  const handle = (direction: 'encode' | 'decode') => async (c: Context<AppEnv>) => {
    const parsed = bodySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(errorBody(c, 'invalid_body', 'Expected { payloads: [...] }'), 400);
    const payloads = parsed.data.payloads.map(fromJson);
    try {
      const out = deps.codec ? await deps.codec[direction](payloads) : payloads;
      return c.json({ payloads: out.map(toJson) });
    } catch (err) {
      if (err instanceof KeyDestroyedError) return c.json(errorBody(c, 'key_destroyed', err.message), 410);
      return c.json(errorBody(c, 'codec_failed', `Could not ${direction} these payloads`), 422);
    }
  };
  app.post('/encode', handle('encode'));
  app.post('/decode', handle('decode'));
  return app;
}

function allowed(c: Context<AppEnv>, deps: CodecServerDeps): boolean {
  const header = c.req.header('authorization') ?? '';
  if (deps.token && header.startsWith('Bearer ') && sameSecret(header.slice(7), deps.token)) return true;
  if (!deps.allowLoopback) return false;
  const origin = c.req.header('origin');
  if (origin !== undefined && !deps.corsOrigins.includes(origin)) return false;
  const address = remoteAddress(c);
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function remoteAddress(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by node (app.request() in tests): not loopback
  }
}

/** Constant-time, whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
