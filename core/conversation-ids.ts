/**
 * Conversation identifiers that carry no phone number. The workflow id of a conversation is a
 * keyed hash of the business number and the customer's WhatsApp id (HMAC-SHA256 with a secret
 * from config), so neither the Temporal Web UI, nor logs, nor metrics reveal who it is with; the
 * mapping back is the `conversations` row. Links that leave Parley (tickets, Slack) carry a second
 * keyed reference, stored and indexed in that row.
 */
import { createHash, createHmac } from 'node:crypto';

export interface ConversationIds {
  /** The conversation's workflow id: `conv_` and 26 base32 characters (130 bits). */
  idFor(phoneNumberId: string, waId: string): string;
  /** The opaque reference used in links: 20 hex characters. */
  refFor(conversationId: string): string;
}

export const CONVERSATION_REF_LENGTH = 20;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Conversation ids before they were keyed: `whatsapp:<phone_number_id>:<wa_id>`. */
const LEGACY_PREFIX = 'whatsapp:';

export function createConversationIds(secret: string): ConversationIds {
  const mac = (purpose: string, value: string) =>
    createHmac('sha256', secret).update(`${purpose}\n${value}`, 'utf8').digest();
  return {
    idFor(phoneNumberId, waId) {
      return `conv_${base32(mac('conversation', `${phoneNumberId}:${waId}`)).slice(0, 26)}`;
    },
    refFor(conversationId) {
      // Conversations from before keyed ids kept the unkeyed reference their links already carry.
      if (conversationId.startsWith(LEGACY_PREFIX))
        return createHash('sha256')
          .update(conversationId, 'utf8')
          .digest('hex')
          .slice(0, CONVERSATION_REF_LENGTH);
      return mac('ref', conversationId).toString('hex').slice(0, CONVERSATION_REF_LENGTH);
    },
  };
}

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
