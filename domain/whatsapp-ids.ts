/**
 * The identifiers Meta sends, in the formats it uses. They end up in workflow ids, database keys
 * and URLs, so anything else — control characters, markup, template syntax — is refused at the
 * edge (and kept as a dead letter) instead of reaching Temporal or Postgres.
 */

/** A business phone number id: a Graph API object id, digits only. */
const PHONE_NUMBER_ID = /^\d{1,20}$/;
/** A WhatsApp user id: the phone number in international format, digits only (E.164 has ≤ 15). */
const WA_ID = /^\d{1,20}$/;
/** A message id (`wamid.` + base64 in practice): letters, digits and `._:=+/-`, bounded. */
const MESSAGE_ID = /^[A-Za-z0-9._:=+/-]{1,256}$/;

export const isPhoneNumberId = (value: unknown): value is string =>
  typeof value === 'string' && PHONE_NUMBER_ID.test(value);
export const isWaId = (value: unknown): value is string => typeof value === 'string' && WA_ID.test(value);
export const isMessageId = (value: unknown): value is string =>
  typeof value === 'string' && MESSAGE_ID.test(value);
