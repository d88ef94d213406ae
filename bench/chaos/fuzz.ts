/**
 * Mutated, correctly signed deliveries built from real Meta payload shapes (the webhook fixtures):
 * fields deleted, wrong types, control characters, huge strings, markup, truncated JSON. What a
 * fuzzed delivery may get back: 200 (delivered and/or kept as dead letters), 400 (not JSON), 413
 * (over the size limit) — never a 5xx.
 */
import * as hooks from '../../test/fixtures/whatsapp-webhooks.js';

type Json = Record<string, unknown>;

/** Real shapes of every kind Meta sends, for one customer of the fuzz pool. */
function baseBodies(phoneNumberId: string, waId: string, id: () => string): unknown[] {
  const m = (message: hooks.MetaMessage) =>
    hooks.messageWebhook({ ...message, from: waId } as hooks.MetaMessage, { phoneNumberId, name: 'Fuzz' });
  return [
    hooks.textMessageWebhook({ phoneNumberId, waId, id: id(), body: 'What are your opening hours?' }),
    m(hooks.imageMessage({ id: id(), caption: 'my parcel' })),
    m(hooks.voiceNoteMessage({ id: id() })),
    m(hooks.documentMessage({ id: id(), filename: 'invoice.pdf' })),
    m(hooks.stickerMessage({ id: id() })),
    m(hooks.locationMessage({ id: id(), latitude: 48.85, longitude: 2.35, name: 'Shop', address: 'Paris' })),
    m(hooks.contactsMessage({ id: id(), contacts: [{ name: 'Ana Lopez', phones: ['+33612345678'] }] })),
    m(hooks.buttonReplyMessage({ id: id(), replyId: 'act:1:yes', title: 'Confirm' })),
    m(hooks.listReplyMessage({ id: id(), replyId: 'slot-1', title: 'Monday', description: '09:00' })),
    m(hooks.templateButtonMessage({ id: id(), payload: 'STOP', text: 'Stop' })),
    m(hooks.reactionMessage({ id: id(), messageId: id(), emoji: '👍' })),
    m(
      hooks.orderMessage({
        id: id(),
        catalogId: 'cat-1',
        items: [{ productRetailerId: 'PH-C7', quantity: 1, itemPrice: 129, currency: 'EUR' }],
      }),
    ),
    m(hooks.systemMessage({ id: id() })),
    m(hooks.unsupportedMessage({ id: id() })),
    m(hooks.editMessage({ id: id(), originalMessageId: id(), body: 'edited' })),
    m(hooks.revokeMessage({ id: id(), originalMessageId: id() })),
    hooks.statusWebhook({ phoneNumberId, recipientId: waId, messageId: id(), status: 'delivered' }),
    hooks.statusWebhook({
      phoneNumberId,
      recipientId: waId,
      messageId: id(),
      status: 'failed',
      errors: [hooks.reEngagementError()],
    }),
  ];
}

const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b\u0007c\u001b[31m',
  '\uD800',
  '\uDFFF\uD800',
  '<script>alert(1)</script>',
  '{{7*7}}',
  "'; DROP TABLE messages; --",
  '../../../../etc/passwd',
  '${jndi:ldap://x}',
  '\u202Eevil',
  '🦄'.repeat(1000),
  '',
  ' ',
  '9'.repeat(400),
];
const WRONG_VALUES: unknown[] = [null, 0, -1, 1e308, true, [], {}, [1, 2], { nested: { deep: 1 } }, 'x'];

/** Every path to a leaf or an object in `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value as Json);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(
  root: unknown,
  path: (string | number)[],
  fn: (parent: any, key: string | number) => void,
): void {
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node?.[key];
  if (node && typeof node === 'object' && path.length > 0) fn(node, path.at(-1)!);
}

/** One fuzzed delivery: a real shape with one to three mutations; raw body text. */
export function fuzzDelivery(
  random: () => number,
  phoneNumberId: string,
  waId: string,
  id: () => string,
): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const body = structuredClone(pick(baseBodies(phoneNumberId, waId, id)));
  const mutations = 1 + Math.floor(random() * 3);
  for (let i = 0; i < mutations; i++) {
    const candidates = paths(body).filter((p) => p.length > 0);
    if (candidates.length === 0) break;
    const path = pick(candidates);
    switch (Math.floor(random() * 6)) {
      case 0:
        setAt(body, path, (parent, key) =>
          Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key],
        );
        break;
      case 1:
        setAt(body, path, (parent, key) => (parent[key] = structuredClone(pick(WRONG_VALUES))));
        break;
      case 2:
        setAt(body, path, (parent, key) => (parent[key] = pick(NASTY_STRINGS)));
        break;
      case 3:
        setAt(
          body,
          path,
          (parent, key) => (parent[key] = 'x'.repeat(50_000 + Math.floor(random() * 200_000))),
        );
        break;
      case 4:
        setAt(body, path, (parent, key) => {
          if (typeof parent[key] === 'string') parent[key] = `${parent[key]}${pick(NASTY_STRINGS)}`;
        });
        break;
      default:
        // A numeric id or timestamp out of any range.
        setAt(body, path, (parent, key) => (parent[key] = pick(['99999999999999999', '-5', '1e400', 'NaN'])));
    }
  }
  const raw = JSON.stringify(body) ?? 'null';
  // One delivery in twenty is cut short: not JSON any more (a 400, and nothing else happens).
  return random() < 0.05 ? raw.slice(0, Math.floor(random() * raw.length)) : raw;
}
