/** The data classes Parley keeps for a limited time, each with its own limit (config). */
export const RETENTION_CLASSES = [
  'sensitive_text',
  'message_text',
  'turn_records',
  'tickets',
  'dead_letters',
] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/**
 * Days each class is kept: media-derived text and conversations a regulated or crisis rule handed
 * off (`sensitive_text`) shortest; message text; turn records; finished tickets. Dead letters carry
 * their own expiry (DEAD_LETTER_RETENTION_DAYS), so theirs is 0 here.
 */
export type RetentionPolicy = Record<RetentionClass, number>;
