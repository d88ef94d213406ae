import { createLogger, type Logger, type LogFields } from '../../core/logger.js';
import { installTemporalRuntime } from '../../worker/temporal-runtime.js';

/**
 * Worker state changes at INFO drown the test output; warnings and errors still show — except the
 * SDK's "Activity failed" warning for each failed attempt: the fault-injection suites fail hundreds
 * of attempts on purpose, and every test asserts on the outcome those failures lead to.
 */
function withoutActivityAttempts(logger: Logger): Logger {
  return {
    debug: (msg, fields) => logger.debug(msg, fields),
    info: (msg, fields) => logger.info(msg, fields),
    warn: (msg: string, fields?: LogFields) => {
      if (msg !== 'Activity failed') logger.warn(msg, fields);
    },
    error: (msg, fields) => logger.error(msg, fields),
    child: (fields) => withoutActivityAttempts(logger.child(fields)),
  };
}

installTemporalRuntime(withoutActivityAttempts(createLogger('warn')), 'warn');
