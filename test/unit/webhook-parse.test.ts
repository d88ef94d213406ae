import { describe, it, expect } from 'vitest';
import {
  parseWebhook,
  type ParsedWebhook,
  type ParseWebhookResult,
} from '../../api/webhooks/whatsapp/normalize.js';
import type { InboundContent } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';

const PHONE_NUMBER_ID = '109876543210';
const WA_ID = '33612345678';

function parsedOk(body: unknown): ParsedWebhook {
  const result = parseWebhook(body);
  if (!result.ok) throw new Error(`expected a valid webhook, got: ${result.error}`);
  return result.value;
}

function parsedError(body: unknown): Extract<ParseWebhookResult, { ok: false }> {
  const result = parseWebhook(body);
  if (result.ok) throw new Error('expected the webhook to be rejected');
  return result;
}

/** Parses a one-message webhook and returns that message's content. */
function contentOf(message: hooks.MetaMessage): InboundContent {
  const { messages } = parsedOk(hooks.messageWebhook(message, { phoneNumberId: PHONE_NUMBER_ID }));
  expect(messages).toHaveLength(1);
  return messages[0]!.content;
}

/** A deep copy that can be broken on purpose. */
function mutable(body: unknown): any {
  return structuredClone(body);
}

describe('parseWebhook: message types', () => {
  it('normalises a text message with sender, profile name, timestamp and context', () => {
    const msg = hooks.textMessage({
      id: 'wamid.T1',
      from: WA_ID,
      body: 'Where is my order?',
      contextId: 'wamid.OUT1',
      timestamp: hooks.DEFAULT_TIMESTAMP,
    });
    const { messages, statuses, ignored, unknown } = parsedOk(
      hooks.messageWebhook(msg, { phoneNumberId: PHONE_NUMBER_ID, name: 'Ana' }),
    );
    expect(messages).toEqual([
      {
        id: 'wamid.T1',
        phoneNumberId: PHONE_NUMBER_ID,
        waId: WA_ID,
        displayName: 'Ana',
        timestampMs: hooks.DEFAULT_TIMESTAMP * 1000,
        contextMessageId: 'wamid.OUT1',
        content: { kind: 'text', body: 'Where is my order?' },
      },
    ]);
    expect(statuses).toEqual([]);
    expect(ignored).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('builds the same thing through textMessageWebhook', () => {
    const body = hooks.textMessageWebhook({
      phoneNumberId: PHONE_NUMBER_ID,
      waId: WA_ID,
      id: 'wamid.X',
      body: 'Hi',
      name: 'Bo',
      timestamp: 1700000000,
    });
    const [message] = parsedOk(body).messages;
    expect(message).toMatchObject({
      id: 'wamid.X',
      waId: WA_ID,
      displayName: 'Bo',
      timestampMs: 1_700_000_000_000,
    });
    expect(message).not.toHaveProperty('contextMessageId');
  });

  it('normalises an image with caption and sha256', () => {
    expect(
      contentOf(hooks.imageMessage({ mediaId: 'img-1', caption: 'the broken part', sha256: 'abc=' })),
    ).toEqual({
      kind: 'media',
      mediaType: 'image',
      mediaId: 'img-1',
      mimeType: 'image/jpeg',
      sha256: 'abc=',
      caption: 'the broken part',
    });
  });

  it('marks a voice note as voice, and a plain audio file as not', () => {
    expect(contentOf(hooks.voiceNoteMessage({ mediaId: 'aud-1' }))).toMatchObject({
      kind: 'media',
      mediaType: 'audio',
      mediaId: 'aud-1',
      mimeType: 'audio/ogg; codecs=opus',
      voice: true,
    });
    expect(contentOf(hooks.audioMessage({ mediaId: 'aud-2' }))).toMatchObject({
      mimeType: 'audio/mpeg',
      voice: false,
    });
    // Older payloads carry no voice flag at all: leave it unset rather than guess from the MIME type.
    const legacy = hooks.audioMessage({ mediaId: 'aud-3' });
    delete (legacy.audio as { voice?: boolean }).voice;
    expect(contentOf(legacy)).not.toHaveProperty('voice');
  });

  it('normalises video, document (with filename) and animated sticker', () => {
    expect(contentOf(hooks.videoMessage({ mediaId: 'vid-1', caption: 'unboxing' }))).toMatchObject({
      kind: 'media',
      mediaType: 'video',
      mediaId: 'vid-1',
      mimeType: 'video/mp4',
      caption: 'unboxing',
    });
    expect(contentOf(hooks.documentMessage({ mediaId: 'doc-1', filename: 'receipt.pdf' }))).toMatchObject({
      kind: 'media',
      mediaType: 'document',
      mimeType: 'application/pdf',
      filename: 'receipt.pdf',
    });
    expect(contentOf(hooks.stickerMessage({ mediaId: 'stk-1', animated: true }))).toMatchObject({
      kind: 'media',
      mediaType: 'sticker',
      mimeType: 'image/webp',
      animated: true,
    });
  });

  it('normalises a location, with and without a place name', () => {
    expect(
      contentOf(
        hooks.locationMessage({
          latitude: 48.8584,
          longitude: 2.2945,
          name: 'Tour Eiffel',
          address: 'Paris',
        }),
      ),
    ).toEqual({
      kind: 'location',
      latitude: 48.8584,
      longitude: 2.2945,
      name: 'Tour Eiffel',
      address: 'Paris',
    });
    expect(contentOf(hooks.locationMessage({ latitude: -33.9, longitude: 18.4 }))).toEqual({
      kind: 'location',
      latitude: -33.9,
      longitude: 18.4,
    });
  });

  it('normalises shared contacts', () => {
    expect(
      contentOf(
        hooks.contactsMessage({ contacts: [{ name: 'John Doe', phones: ['+1 555 0100', '+1 555 0101'] }] }),
      ),
    ).toEqual({ kind: 'contacts', contacts: [{ name: 'John Doe', phones: ['+1 555 0100', '+1 555 0101'] }] });
  });

  it('falls back to first/last name and wa_id when a shared contact omits formatted_name and phone', () => {
    const msg = hooks.contactsMessage({ contacts: [{ name: 'x', phones: [] }] });
    msg.contacts = [{ name: { first_name: 'Jane', last_name: 'Roe' }, phones: [{ wa_id: '4915112345678' }] }];
    expect(contentOf(msg)).toEqual({
      kind: 'contacts',
      contacts: [{ name: 'Jane Roe', phones: ['4915112345678'] }],
    });
  });

  it('normalises interactive button and list replies, keeping the quoted message id', () => {
    const button = hooks.buttonReplyMessage({
      replyId: 'track',
      title: 'Track order',
      contextId: 'wamid.OUT2',
    });
    const { messages } = parsedOk(hooks.messageWebhook(button));
    expect(messages[0]!.contextMessageId).toBe('wamid.OUT2');
    expect(messages[0]!.content).toEqual({
      kind: 'reply',
      replyType: 'button_reply',
      id: 'track',
      title: 'Track order',
    });

    expect(
      contentOf(hooks.listReplyMessage({ replyId: 'size-m', title: 'M', description: 'Medium' })),
    ).toEqual({
      kind: 'reply',
      replyType: 'list_reply',
      id: 'size-m',
      title: 'M',
      description: 'Medium',
    });
  });

  it('normalises a Flow submission (nfm_reply), carrying response_json in description', () => {
    const response = { flow_token: 'tok', rating: '5' };
    expect(contentOf(hooks.flowReplyMessage({ response }))).toEqual({
      kind: 'reply',
      replyType: 'nfm_reply',
      id: 'flow',
      title: 'Sent',
      description: JSON.stringify(response),
    });
  });

  it('normalises a template quick-reply button', () => {
    expect(
      contentOf(hooks.templateButtonMessage({ payload: 'STOP_PROMOS', text: 'Stop promotions' })),
    ).toEqual({
      kind: 'reply',
      replyType: 'button',
      id: 'STOP_PROMOS',
      title: 'Stop promotions',
    });
  });

  it('normalises a reaction, and a removed reaction as an empty emoji', () => {
    expect(contentOf(hooks.reactionMessage({ messageId: 'wamid.OUT3', emoji: '👍' }))).toEqual({
      kind: 'reaction',
      messageId: 'wamid.OUT3',
      emoji: '👍',
    });
    expect(contentOf(hooks.reactionMessage({ messageId: 'wamid.OUT3' }))).toEqual({
      kind: 'reaction',
      messageId: 'wamid.OUT3',
      emoji: '',
    });
  });

  it('normalises an order, converting numeric strings', () => {
    const msg = hooks.orderMessage({
      catalogId: 'cat-1',
      text: 'for Friday',
      items: [
        { productRetailerId: 'sku-1', quantity: 2, itemPrice: 9.5, currency: 'EUR' },
        { productRetailerId: 'sku-2', quantity: 1, itemPrice: 20, currency: 'EUR' },
      ],
    });
    (msg.order as { product_items: Record<string, unknown>[] }).product_items[1]!.quantity = '3';
    expect(contentOf(msg)).toEqual({
      kind: 'order',
      catalogId: 'cat-1',
      text: 'for Friday',
      items: [
        { productRetailerId: 'sku-1', quantity: 2, itemPrice: 9.5, currency: 'EUR' },
        { productRetailerId: 'sku-2', quantity: 3, itemPrice: 20, currency: 'EUR' },
      ],
    });
  });

  it('normalises a system message, which comes without contacts', () => {
    const body = hooks.messageWebhook(hooks.systemMessage({ from: WA_ID, body: 'User changed number' }));
    expect(body.entry[0]!.changes[0]!.value).not.toHaveProperty('contacts');
    const [message] = parsedOk(body).messages;
    expect(message).not.toHaveProperty('displayName');
    expect(message!.content).toEqual({
      kind: 'system',
      body: 'User changed number',
      systemType: 'user_changed_number',
    });
  });

  it("normalises Meta's unsupported message with its errors", () => {
    expect(contentOf(hooks.unsupportedMessage({ unsupportedType: 'poll_creation' }))).toEqual({
      kind: 'unsupported',
      originalType: 'poll_creation',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          details: 'Message type is currently not supported.',
        },
      ],
    });
  });
});

describe('parseWebhook: unknown and partial data', () => {
  it('maps an unknown message type to unsupported and reports it', () => {
    const msg = hooks.unknownTypeMessage({ id: 'wamid.U1', type: 'hologram', payload: { beam: 1 } });
    const { messages, unknown, ignored } = parsedOk(hooks.messageWebhook(msg));
    expect(messages.map((m) => m.content)).toEqual([
      { kind: 'unsupported', originalType: 'hologram', errors: [] },
    ]);
    expect(unknown).toEqual([{ type: 'hologram', id: 'wamid.U1' }]);
    expect(ignored).toEqual([]);
  });

  it('maps an unknown interactive subtype to unsupported and reports it', () => {
    const msg = hooks.buttonReplyMessage({ id: 'wamid.U2', replyId: 'a', title: 'A' });
    msg.interactive = { type: 'product_inquiry', product_inquiry: { sku: 'x' } };
    const { messages, unknown } = parsedOk(hooks.messageWebhook(msg));
    expect(messages[0]!.content).toEqual({
      kind: 'unsupported',
      originalType: 'interactive.product_inquiry',
      errors: [],
    });
    expect(unknown).toEqual([{ type: 'interactive.product_inquiry', id: 'wamid.U2' }]);
  });

  it('tolerates unknown fields at every level', () => {
    const body = mutable(
      hooks.messageWebhook(hooks.textMessage({ from: WA_ID, body: 'hi' }), { name: 'Ana' }),
    );
    body.future_top = true;
    body.entry[0].time = 1;
    body.entry[0].changes[0].future_change = {};
    const value = body.entry[0].changes[0].value;
    value.future_value = [1];
    value.metadata.future_meta = 'x';
    value.contacts[0].identity_key_hash = 'abc';
    value.messages[0].referral = { source_url: 'https://example.com/ad', source_type: 'ad' };
    value.messages[0].text.future_text = 1;
    const [message] = parsedOk(body).messages;
    expect(message).toMatchObject({ waId: WA_ID, displayName: 'Ana', content: { kind: 'text', body: 'hi' } });
  });

  it('ignores a message without from, with a reason naming its id and not its content', () => {
    const noFrom = hooks.textMessage({ id: 'wamid.NF', from: null, body: 'secret text' });
    const ok = hooks.textMessage({ id: 'wamid.OK', from: WA_ID, body: 'hello' });
    const { messages, ignored } = parsedOk(hooks.webhookBody([hooks.messageChangeValue([noFrom, ok])]));
    expect(messages.map((m) => m.id)).toEqual(['wamid.OK']);
    expect(ignored).toEqual([{ reason: 'message has no sender (from)', detail: 'id=wamid.NF type=text' }]);
    expect(JSON.stringify(ignored)).not.toContain('secret');
  });

  it('leaves displayName unset when contacts are missing or belong to someone else', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'hi' });
    expect(parsedOk(hooks.messageWebhook(msg)).messages[0]).not.toHaveProperty('displayName');
    const other = hooks.messageChangeValue(msg, { contacts: [{ waId: '4400000000', name: 'Not them' }] });
    expect(parsedOk(hooks.webhookBody([other])).messages[0]).not.toHaveProperty('displayName');
  });

  it('accepts a forwarded message whose context has no id', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'fwd' });
    msg.context = { forwarded: true };
    expect(parsedOk(hooks.messageWebhook(msg)).messages[0]).not.toHaveProperty('contextMessageId');
  });

  it('ignores webhook fields other than messages, with a reason', () => {
    const body = hooks.webhookBodyFromEntries([
      {
        id: 'waba-1',
        changes: [
          hooks.otherChange('account_update', { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' }),
          hooks.otherChange('message_template_status_update', { event: 'APPROVED', message_template_id: 1 }),
        ],
      },
    ]);
    const parsed = parsedOk(body);
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual([
      { reason: 'webhook field not handled', detail: 'field=account_update entry=waba-1' },
      { reason: 'webhook field not handled', detail: 'field=message_template_status_update entry=waba-1' },
    ]);
  });
});

describe('parseWebhook: batches and statuses', () => {
  it('handles several entries, changes, messages and statuses in payload order', () => {
    const t = (id: string, from: string) => hooks.textMessage({ id, from, body: id });
    const body = hooks.webhookBodyFromEntries([
      {
        id: 'waba-1',
        changes: [
          hooks.messagesChange(
            hooks.messageChangeValue(
              [t('m1', '111'), t('m2', '222'), hooks.imageMessage({ id: 'm3', from: '111' })],
              {
                phoneNumberId: 'pn-1',
                contacts: [
                  { waId: '111', name: 'One' },
                  { waId: '222', name: 'Two' },
                ],
              },
            ),
          ),
          hooks.otherChange('account_update', { event: 'X' }),
          hooks.messagesChange(
            hooks.statusesChangeValue(
              [
                hooks.statusUpdate({ messageId: 'out-1', status: 'sent', recipientId: '111' }),
                hooks.statusUpdate({ messageId: 'out-1', status: 'delivered', recipientId: '111' }),
              ],
              { phoneNumberId: 'pn-1' },
            ),
          ),
        ],
      },
      {
        id: 'waba-2',
        changes: [
          hooks.messagesChange(hooks.messageChangeValue(t('m4', '333'), { phoneNumberId: 'pn-2' })),
          hooks.messagesChange(
            hooks.statusesChangeValue(
              [
                hooks.statusUpdate({ messageId: 'out-2', status: 'read', recipientId: '333' }),
                hooks.statusUpdate({ messageId: 'out-3', status: 'played', recipientId: '333' }),
              ],
              { phoneNumberId: 'pn-2' },
            ),
          ),
        ],
      },
    ]);

    const parsed = parsedOk(body);
    expect(parsed.messages.map((m) => [m.id, m.phoneNumberId, m.waId, m.displayName])).toEqual([
      ['m1', 'pn-1', '111', 'One'],
      ['m2', 'pn-1', '222', 'Two'],
      ['m3', 'pn-1', '111', 'One'],
      ['m4', 'pn-2', '333', undefined],
    ]);
    expect(parsed.statuses.map((s) => [s.messageId, s.phoneNumberId, s.recipientId, s.status])).toEqual([
      ['out-1', 'pn-1', '111', 'sent'],
      ['out-1', 'pn-1', '111', 'delivered'],
      ['out-2', 'pn-2', '333', 'read'],
      ['out-3', 'pn-2', '333', 'played'],
    ]);
    expect(parsed.ignored).toHaveLength(1);
  });

  it('handles messages mixed with an unknown type and a status in one POST (as the e2e test sends it)', () => {
    const unknownValue = hooks.textChangeValue({
      phoneNumberId: PHONE_NUMBER_ID,
      waId: WA_ID,
      id: 'c',
      body: 'x',
    });
    unknownValue.messages = [hooks.unknownTypeMessage({ id: 'c', from: WA_ID, type: 'hologram' })];
    const parsed = parsedOk(
      hooks.webhookBody([
        hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId: WA_ID, id: 'a', body: 'one' }),
        hooks.textChangeValue({ phoneNumberId: PHONE_NUMBER_ID, waId: WA_ID, id: 'b', body: 'two' }),
        unknownValue,
        hooks.statusChangeValue({
          phoneNumberId: PHONE_NUMBER_ID,
          recipientId: WA_ID,
          messageId: 'o',
          status: 'delivered',
        }),
      ]),
    );
    expect(parsed.messages.map((m) => [m.id, m.content.kind])).toEqual([
      ['a', 'text'],
      ['b', 'text'],
      ['c', 'unsupported'],
    ]);
    expect(parsed.statuses).toHaveLength(1);
    expect(parsed.unknown).toEqual([{ type: 'hologram', id: 'c' }]);
  });

  it('keeps the error codes of a failed status', () => {
    const body = hooks.statusWebhook({
      phoneNumberId: PHONE_NUMBER_ID,
      messageId: 'wamid.OUT9',
      status: 'failed',
      recipientId: WA_ID,
      timestamp: '1750857384',
      errors: [hooks.reEngagementError()],
    });
    expect(parsedOk(body).statuses).toEqual([
      {
        messageId: 'wamid.OUT9',
        phoneNumberId: PHONE_NUMBER_ID,
        recipientId: WA_ID,
        status: 'failed',
        timestampMs: 1_750_857_384_000,
        errors: [
          {
            code: 131047,
            title: 'Re-engagement message',
            message: 'Re-engagement message',
            details:
              'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          },
        ],
      },
    ]);
  });

  it('accepts deleted and warning statuses, and ignores statuses it does not know or cannot route', () => {
    const parsed = parsedOk(
      hooks.webhookBody([
        hooks.statusesChangeValue([
          hooks.statusUpdate({ messageId: 's1', status: 'deleted' }),
          hooks.statusUpdate({ messageId: 's2', status: 'warning' }),
          hooks.statusUpdate({ messageId: 's3', status: 'teleported' }),
          hooks.statusUpdate({ messageId: 's4', status: 'read', recipientId: null }),
        ]),
      ]),
    );
    expect(parsed.statuses.map((s) => [s.messageId, s.status, s.errors])).toEqual([
      ['s1', 'deleted', []],
      ['s2', 'warning', []],
    ]);
    expect(parsed.ignored).toEqual([
      { reason: 'status not handled', detail: 'id=s3 status=teleported' },
      { reason: 'status has no recipient_id', detail: 'id=s4 status=read' },
    ]);
  });

  it('notes errors Meta attaches to a change value', () => {
    const value = hooks.statusesChangeValue([]);
    value.errors = [hooks.metaError({ code: 131000, title: 'Something went wrong' })];
    expect(parsedOk(hooks.webhookBody([value])).ignored).toEqual([
      { reason: 'change value carried errors', detail: 'codes=131000' },
    ]);
  });
});

describe('parseWebhook: rejects malformed payloads', () => {
  const SECRET_TEXT = 'my card number is 4111 1111';

  /** A valid body with a customer's text and phone number in it, to break in various ways. */
  const sensitiveBody = () =>
    mutable(
      hooks.webhookBody([
        hooks.messageChangeValue(
          [
            hooks.textMessage({ id: 'wamid.A', from: WA_ID, body: SECRET_TEXT }),
            hooks.textMessage({ id: 'wamid.B', from: WA_ID, body: SECRET_TEXT }),
          ],
          { contacts: [{ waId: WA_ID, name: 'Secret Name' }] },
        ),
      ]),
    );

  /** The error names the problem's path and leaks neither message text nor phone numbers. */
  function expectSafeError(body: unknown, path: string): void {
    const { error, issues } = parsedError(body);
    expect(error).toContain(path);
    expect(issues.map((i) => i.path)).toContain(path);
    for (const text of [error, JSON.stringify(issues)]) {
      expect(text).not.toContain(SECRET_TEXT);
      expect(text).not.toContain(WA_ID);
      expect(text).not.toContain('Secret Name');
    }
  }

  it('rejects a text message without text.body, naming the path', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.messages[1].text.body;
    const { error } = parsedError(body);
    expect(error).toBe(
      'Invalid WhatsApp webhook payload: entry[0].changes[0].value.messages[1].text.body: Required',
    );
    expectSafeError(body, 'entry[0].changes[0].value.messages[1].text.body');
  });

  it('rejects a text message without text at all', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.messages[0].text;
    expectSafeError(body, 'entry[0].changes[0].value.messages[0].text');
  });

  it('rejects a message without id', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.messages[1].id;
    expectSafeError(body, 'entry[0].changes[0].value.messages[1].id');
  });

  it('rejects entry that is not an array', () => {
    const { error } = parsedError({ object: 'whatsapp_business_account', entry: 'nope' });
    expect(error).toMatch(/entry: Expected array, got string/);
  });

  it('rejects a body that is not a WhatsApp webhook at all', () => {
    expect(parsedError(null).error).toContain('(root): Expected object, got null');
    expect(parsedError({ object: 'page', entry: [] }).error).toContain(
      'object: Expected "whatsapp_business_account"',
    );
  });

  it('rejects wrong types without echoing the offending value', () => {
    const body = sensitiveBody();
    body.entry[0].changes[0].value.messages[0].timestamp = SECRET_TEXT;
    body.entry[0].changes[0].value.messages[1].text.body = { nested: SECRET_TEXT };
    body.entry[0].changes[0].value.contacts = WA_ID;
    const { issues } = parsedError(body);
    expect(issues).toEqual([
      { path: 'entry[0].changes[0].value.contacts', problem: 'Expected array, got string' },
      { path: 'entry[0].changes[0].value.messages[0].timestamp', problem: 'Expected Unix seconds' },
      { path: 'entry[0].changes[0].value.messages[1].text.body', problem: 'Expected string, got object' },
    ]);
    expectSafeError(body, 'entry[0].changes[0].value.contacts');
  });

  it('rejects a messages change without metadata.phone_number_id', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.metadata.phone_number_id;
    expectSafeError(body, 'entry[0].changes[0].value.metadata.phone_number_id');
  });

  it('rejects malformed known payloads: media without id, reaction without message_id, failed status errors', () => {
    const image = mutable(hooks.messageWebhook(hooks.imageMessage()));
    delete image.entry[0].changes[0].value.messages[0].image.id;
    expect(parsedError(image).error).toContain('messages[0].image.id: Required');

    const reaction = mutable(hooks.messageWebhook(hooks.reactionMessage({ messageId: 'x', emoji: '👍' })));
    delete reaction.entry[0].changes[0].value.messages[0].reaction.message_id;
    expect(parsedError(reaction).error).toContain('messages[0].reaction.message_id: Required');

    const status = mutable(
      hooks.statusWebhook({ messageId: 'x', status: 'failed', errors: [hooks.reEngagementError()] }),
    );
    status.entry[0].changes[0].value.statuses[0].errors[0].code = 'oops';
    expect(parsedError(status).error).toContain('statuses[0].errors[0].code: Expected number, got string');
  });

  it('rejects a known interactive subtype without its payload, a message without type, an empty id', () => {
    const body = mutable(
      hooks.webhookBody([
        hooks.messageChangeValue([
          hooks.buttonReplyMessage({ replyId: 'a', title: 'A' }),
          hooks.textMessage({ body: 'x' }),
          hooks.textMessage({ body: 'y' }),
        ]),
      ]),
    );
    const messages = body.entry[0].changes[0].value.messages;
    delete messages[0].interactive.button_reply;
    delete messages[1].type;
    messages[2].id = '';
    expect(parsedError(body).issues).toEqual([
      { path: 'entry[0].changes[0].value.messages[0].interactive.button_reply', problem: 'Required' },
      { path: 'entry[0].changes[0].value.messages[1].type', problem: 'Required' },
      { path: 'entry[0].changes[0].value.messages[2].id', problem: 'Must not be empty' },
    ]);
  });

  it('accepts a numeric timestamp but rejects one of another type', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'x' });
    msg.timestamp = 1700000000 as unknown as string;
    expect(parsedOk(hooks.messageWebhook(msg)).messages[0]!.timestampMs).toBe(1_700_000_000_000);
    msg.timestamp = true as unknown as string;
    expect(parsedError(hooks.messageWebhook(msg)).error).toContain(
      'messages[0].timestamp: Expected Unix seconds',
    );
  });

  it('lists several problems at once, counting those beyond the first five', () => {
    const body = sensitiveBody();
    const value = body.entry[0].changes[0].value;
    value.messages = Array.from({ length: 7 }, (_, i) => ({ ...value.messages[0], id: `m${i}`, text: {} }));
    const { error, issues } = parsedError(body);
    expect(issues).toHaveLength(7);
    expect(error.split('; ')).toHaveLength(5);
    expect(error).toMatch(/\(and 2 more\)$/);
  });
});

describe('signWebhook', () => {
  it('produces sha256=<hex HMAC-SHA256 of the raw body>', () => {
    // Reference value computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(hooks.signWebhook('{"a":1}', 'secret')).toBe(
      'sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494',
    );
  });
});
