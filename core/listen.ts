import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface Listening {
  port: number;
  /** Base URL reachable from this machine (a wildcard host becomes 127.0.0.1). */
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server for a fetch handler (Hono's `app.fetch`) and resolves once it listens. */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  opts: {
    port?: number;
    hostname?: string;
    /**
     * What `close()` does with open connections: `idle` lets in-flight requests finish (a graceful
     * API shutdown); `all` cuts them too (test servers that may be holding a delayed response).
     */
    closeConnections?: 'idle' | 'all';
  } = {},
): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve({ fetch, port: opts.port ?? 0, hostname }, (info: AddressInfo) =>
        resolve({ server: s, port: info.port }),
      );
      s.once('error', reject);
    },
  );
  const urlHost =
    hostname === '0.0.0.0' || hostname === '::'
      ? '127.0.0.1'
      : hostname.includes(':')
        ? `[${hostname}]`
        : hostname;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        if (opts.closeConnections === 'all' && 'closeAllConnections' in server) server.closeAllConnections();
        else if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}
