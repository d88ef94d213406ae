/** The erasure workflow's input and id, shared by its starters (the API, a conversation). */
import type { ErasureReceipt } from '../activities/erasure-activities.js';

export type { ErasureReceipt };

export interface ErasureRequest {
  /** A conversation reference (or id) of the customer. */
  subject: string;
  /** The identity that asked: `operator:…` or `customer` (they confirmed it in WhatsApp). */
  requestedBy: string;
  /**
   * How long to wait after closing the conversations before the last pass: an activity that was
   * running when they closed may still write for a moment.
   */
  settleMs: number;
}

export const erasureWorkflowId = (subject: string) => `erasure:${subject}`;
