/**
 * One way to open a Temporal client connection, shared by the API, the CLI and the tests.
 *
 * Why not `Connection.connect` as is: the SDK retries failed calls on a timer it cannot cancel, and
 * a retry that fires after `connection.close()` throws "Channel has been shut down" from that timer
 * — an uncaught exception in whatever process closed the connection (an API shutting down while
 * Temporal was unreachable, a test run). The retry policy here is the SDK's own; it only notes
 * when the last scheduled retry is due, and `close()` waits for it and stops new retries.
 */
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';

export interface TemporalConnection {
  connection: Connection;
  /** Closes the connection once no retry the SDK scheduled can still fire. */
  close(): Promise<void>;
}

/** A connection that connects on first use (`lazy`) or now. */
export async function connectTemporal(
  options: ConnectionOptions & { lazy?: boolean },
): Promise<TemporalConnection> {
  const { lazy, ...rest } = options;
  const retry = defaultGrpcRetryOptions();
  let lastRetryDueAtMs = 0;
  // Once closing, nothing is retried: a call in flight that fails then would otherwise schedule a
  // retry on a channel that is already shut down.
  let closing = false;
  const interceptors = [
    makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => !closing && retry.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => {
        const delayMs = retry.delayFunction(attempt, status);
        lastRetryDueAtMs = Math.max(lastRetryDueAtMs, Date.now() + delayMs);
        return delayMs;
      },
    }),
  ];
  const connection = lazy
    ? Connection.lazy({ ...rest, interceptors })
    : await Connection.connect({ ...rest, interceptors });
  return {
    connection,
    async close() {
      closing = true;
      const wait = lastRetryDueAtMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 100));
      await connection.close();
    },
  };
}
