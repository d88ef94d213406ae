import {
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type LogLevel as SdkLogLevel,
} from '@temporalio/worker';
import type { Logger, LogLevel } from '../core/logger.js';

const sdkLevels: Record<LogLevel, SdkLogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/**
 * Installs the Temporal runtime once per process so the SDK's logs (the Rust core's included) go
 * through Parley's JSON logger at `level`, instead of the SDK's own console format at INFO.
 * `handleSignals: false` when the process stops its workers itself (dev stack, benchmarks); a
 * second call in the same process keeps the first installation.
 */
export function installTemporalRuntime(
  logger: Logger,
  level: LogLevel,
  opts: { handleSignals?: boolean } = {},
): void {
  const sdkLogger = logger.child({ service: 'temporal-sdk' });
  try {
    Runtime.install({
      ...(opts.handleSignals === false ? { shutdownSignals: [] } : {}),
      logger: new DefaultLogger(sdkLevels[level], ({ level: at, message, meta }) => {
        const method = at === 'ERROR' ? 'error' : at === 'WARN' ? 'warn' : at === 'INFO' ? 'info' : 'debug';
        sdkLogger[method](message, meta);
      }),
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: sdkLevels[level] }), forward: {} },
      },
    });
  } catch {
    // Already installed in this process: keep the first installation's settings.
  }
}
