import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONVERSATION_REF_LENGTH, createConversationIds } from '../../core/conversation-ids.js';

const PHONE_NUMBER_ID = '106540352242922';
const WA_ID = '33612345678';

describe('conversation ids', () => {
  const ids = createConversationIds('a-secret-of-at-least-32-characters!!');

  it('carry no digit of either number, in a fixed shape', () => {
    const id = ids.idFor(PHONE_NUMBER_ID, WA_ID);
    expect(id).toMatch(/^conv_[a-z2-7]{26}$/);
    // No run of the customer's or the business's digits survives in the id.
    for (const number of [WA_ID, PHONE_NUMBER_ID])
      for (let i = 0; i + 4 <= number.length; i++) expect(id).not.toContain(number.slice(i, i + 4));
  });

  it('are stable for one pair and differ between customers and business numbers', () => {
    expect(ids.idFor(PHONE_NUMBER_ID, WA_ID)).toBe(ids.idFor(PHONE_NUMBER_ID, WA_ID));
    expect(ids.idFor(PHONE_NUMBER_ID, WA_ID)).not.toBe(ids.idFor(PHONE_NUMBER_ID, '33612345679'));
    expect(ids.idFor(PHONE_NUMBER_ID, WA_ID)).not.toBe(ids.idFor('106540352242923', WA_ID));
    // The separator cannot be shifted to make two pairs collide.
    expect(ids.idFor('1', '23')).not.toBe(ids.idFor('12', '3'));
  });

  it('cannot be recomputed from the numbers without the secret', () => {
    const other = createConversationIds('another-secret-of-at-least-32-chars');
    expect(other.idFor(PHONE_NUMBER_ID, WA_ID)).not.toBe(ids.idFor(PHONE_NUMBER_ID, WA_ID));
  });

  it('give links a keyed reference, distinct from the id; old ids keep the reference their links carry', () => {
    const id = ids.idFor(PHONE_NUMBER_ID, WA_ID);
    const ref = ids.refFor(id);
    expect(ref).toMatch(new RegExp(`^[0-9a-f]{${CONVERSATION_REF_LENGTH}}$`));
    expect(id).not.toContain(ref);
    const legacy = `whatsapp:${PHONE_NUMBER_ID}:${WA_ID}`;
    expect(ids.refFor(legacy)).toBe(createHash('sha256').update(legacy).digest('hex').slice(0, 20));
  });
});
