import { createLogger } from '../../core/logger.js';
import { installTemporalRuntime } from '../../worker/temporal-runtime.js';

// Worker state changes at INFO drown the test output; warnings and errors still show.
installTemporalRuntime(createLogger('warn'), 'warn');
