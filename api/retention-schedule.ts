/**
 * The daily retention run's Temporal Schedule (`parley-retention:<task queue>`), kept by the API
 * process, which holds the Temporal client: created at start, left as it is when it exists (ops may
 * have paused it or changed its time in the Web UI).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from '../core/logger.js';

export const retentionScheduleId = (taskQueue: string) => `parley-retention:${taskQueue}`;

/** Daily at 03:17 UTC (a quiet hour, off the round-hour rush of other schedules). */
const DAILY = { calendars: [{ hour: 3, minute: 17 }] };

export async function ensureRetentionSchedule(
  client: Client,
  taskQueue: string,
  logger: Logger,
): Promise<void> {
  const scheduleId = retentionScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: DAILY,
      action: {
        type: 'startWorkflow',
        workflowType: 'retentionWorkflow',
        workflowId: `retention:${taskQueue}`,
        taskQueue,
        args: [],
        staticSummary: 'Daily retention: redact or delete data past its limit',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    logger.info('retention schedule created', { scheduleId });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return;
    logger.warn('could not create the retention schedule (retried at the next start)', { err, scheduleId });
  }
}
