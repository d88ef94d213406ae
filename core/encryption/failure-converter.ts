/**
 * Failures carry their message and stack trace inside an encoded payload instead of in clear in
 * the history: an activity's error message can quote what a customer sent. Loaded by path (the
 * workflow bundle and the worker need the same one), and used by every client.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
