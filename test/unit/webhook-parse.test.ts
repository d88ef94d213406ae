import { describe, it, expect } from 'vitest';
import {
  parseWebhook,
  type DeadLetterPart,
  type ParsedWebhook,
} from '../../api/webhooks/whatsapp/normalize.js';
import type { InboundContent } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';

const PHONE_NUMBER_ID = '109876543210';
const WA_ID = '33612345678';

function parsedOk(body: unknown): ParsedWebhook {
  const result = parseWebhook(body);
  if (result.deadLetters.length)
    throw new Error(`expected a valid webhook, got: ${result.deadLetters[0]!.reason}`);
  return result;
}

/** The parts of `body` that could not be understood (at least one expected). */
function deadLettersOf(body: unknown): DeadLetterPart[] {
  const result = parseWebhook(body);
  if (result.deadLetters.length === 0) throw new Error('expected a dead letter');
  return result.deadLetters;
}
const reasonsOf = (body: unknown) => deadLettersOf(body).map((d) => d.reason);

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
      newWaId: '16505559999',
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

  it('keeps a message without from as a dead letter (nowhere to route it), delivering the rest', () => {
    const noFrom = hooks.textMessage({ id: 'wamid.NF', from: null, body: 'secret text' });
    const ok = hooks.textMessage({ id: 'wamid.OK', from: WA_ID, body: 'hello' });
    const parsed = parseWebhook(hooks.webhookBody([hooks.messageChangeValue([noFrom, ok])]));
    expect(parsed.messages.map((m) => m.id)).toEqual(['wamid.OK']);
    expect(parsed.deadLetters.map((d) => d.reason)).toEqual([
      'entry[0].changes[0].value.messages[0]: from: absent (no WhatsApp id to route to)',
    ]);
    expect(JSON.stringify(parsed.deadLetters[0]!.body)).toContain('wamid.NF');
    expect(JSON.stringify(parsed.deadLetters[0]!.body)).not.toContain('wamid.OK');
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
                phoneNumberId: '1001',
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
              { phoneNumberId: '1001' },
            ),
          ),
        ],
      },
      {
        id: 'waba-2',
        changes: [
          hooks.messagesChange(hooks.messageChangeValue(t('m4', '333'), { phoneNumberId: '1002' })),
          hooks.messagesChange(
            hooks.statusesChangeValue(
              [
                hooks.statusUpdate({ messageId: 'out-2', status: 'read', recipientId: '333' }),
                hooks.statusUpdate({ messageId: 'out-3', status: 'played', recipientId: '333' }),
              ],
              { phoneNumberId: '1002' },
            ),
          ),
        ],
      },
    ]);

    const parsed = parsedOk(body);
    expect(parsed.messages.map((m) => [m.id, m.phoneNumberId, m.waId, m.displayName])).toEqual([
      ['m1', '1001', '111', 'One'],
      ['m2', '1001', '222', 'Two'],
      ['m3', '1001', '111', 'One'],
      ['m4', '1002', '333', undefined],
    ]);
    expect(parsed.statuses.map((s) => [s.messageId, s.phoneNumberId, s.recipientId, s.status])).toEqual([
      ['out-1', '1001', '111', 'sent'],
      ['out-1', '1001', '111', 'delivered'],
      ['out-2', '1002', '333', 'read'],
      ['out-3', '1002', '333', 'played'],
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

describe('parseWebhook: what it cannot understand becomes a dead letter, the rest is delivered', () => {
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

  /** The reason names the problem's path and leaks neither message text nor phone numbers. */
  function expectSafeReason(body: unknown, path: string): DeadLetterPart {
    const letters = deadLettersOf(body);
    const letter = letters.find((d) => d.reason.includes(path));
    expect(
      letter,
      `a dead letter naming ${path}, got ${JSON.stringify(letters.map((d) => d.reason))}`,
    ).toBeDefined();
    expect(letter!.reason).not.toContain(SECRET_TEXT);
    expect(letter!.reason).not.toContain(WA_ID);
    expect(letter!.reason).not.toContain('Secret Name');
    return letter!;
  }

  it('keeps a text message without text.body, and delivers its neighbour', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.messages[1].text.body;
    const parsed = parseWebhook(body);
    expect(parsed.messages.map((m) => m.id)).toEqual(['wamid.A']);
    expect(parsed.deadLetters.map((d) => d.reason)).toEqual([
      'entry[0].changes[0].value.messages[1]: text.body: Required',
    ]);
    // The dead letter is a webhook body with only that message (and its sender's contact): replayable.
    const kept = parsed.deadLetters[0]!.body as any;
    expect(kept.object).toBe('whatsapp_business_account');
    expect(kept.entry[0].changes[0].value.messages.map((m: any) => m.id)).toEqual(['wamid.B']);
    expect(kept.entry[0].changes[0].value.metadata.phone_number_id).toBe(
      body.entry[0].changes[0].value.metadata.phone_number_id,
    );
    expectSafeReason(body, 'messages[1]: text.body');
  });

  it('keeps a text message without text at all, and a message without id', () => {
    const body = sensitiveBody();
    delete body.entry[0].changes[0].value.messages[0].text;
    delete body.entry[0].changes[0].value.messages[1].id;
    expectSafeReason(body, 'messages[0]: text: Required');
    expectSafeReason(body, 'messages[1]: id: Required');
    expect(parseWebhook(body).messages).toEqual([]);
  });

  it('keeps a body that is not a WhatsApp webhook at all, whole', () => {
    for (const body of [
      null,
      { object: 'page', entry: [] },
      { object: 'whatsapp_business_account', entry: 'nope' },
    ]) {
      const letters = deadLettersOf(body);
      expect(letters).toEqual([
        { reason: 'not a WhatsApp Business Account webhook (object, entry[])', body },
      ]);
    }
  });

  it('keeps wrong types without echoing the offending value', () => {
    const body = sensitiveBody();
    body.entry[0].changes[0].value.messages[0].timestamp = SECRET_TEXT;
    body.entry[0].changes[0].value.messages[1].text.body = { nested: SECRET_TEXT };
    expect(reasonsOf(body)).toEqual([
      'entry[0].changes[0].value.messages[0]: timestamp: Expected Unix seconds',
      'entry[0].changes[0].value.messages[1]: text.body: Expected string, got object',
    ]);
  });

  it('ignores contacts of the wrong shape (they only carry profile names)', () => {
    const body = sensitiveBody();
    body.entry[0].changes[0].value.contacts = WA_ID;
    const parsed = parsedOk(body);
    expect(parsed.messages).toHaveLength(2);
    expect(parsed.messages[0]).not.toHaveProperty('displayName');
  });

  it('keeps a whole change whose metadata.phone_number_id is missing or not a phone number id', () => {
    const missing = sensitiveBody();
    delete missing.entry[0].changes[0].value.metadata.phone_number_id;
    expectSafeReason(missing, 'entry[0].changes[0].value: metadata.phone_number_id: Required');
    for (const bad of ['<script>alert(1)</script>', '{{7*7}}', '123\u0000456', '12 34', 'x'.repeat(30)]) {
      const body = sensitiveBody();
      body.entry[0].changes[0].value.metadata.phone_number_id = bad;
      const parsed = parseWebhook(body);
      expect(parsed.messages).toEqual([]);
      expect(parsed.deadLetters.map((d) => d.reason)).toEqual([
        'entry[0].changes[0].value: metadata.phone_number_id: not a phone number id',
      ]);
    }
  });

  it('keeps messages whose ids are not in Meta formats: control characters, markup, template syntax', () => {
    for (const [field, bad] of [
      ['from', '3361234\u00005678'],
      ['from', '<script>'],
      ['from', '{{7*7}}'],
      ['from', '+33612345678'],
      ['id', 'wamid.\u0007bell'],
      ['id', '<img src=x>'],
      ['id', 'x'.repeat(300)],
    ] as const) {
      const body = sensitiveBody();
      body.entry[0].changes[0].value.messages[0][field] = bad;
      const parsed = parseWebhook(body);
      expect(
        parsed.messages.map((m) => m.id),
        `${field}=${JSON.stringify(bad)}`,
      ).toEqual(['wamid.B']);
      expect(parsed.deadLetters).toHaveLength(1);
      expect(parsed.deadLetters[0]!.reason).toMatch(
        /messages\[0\]: (from: not a WhatsApp id|id: not a WhatsApp message id)/,
      );
    }
  });

  it('keeps malformed known payloads: media without id, reaction without message_id, failed status errors', () => {
    const image = mutable(hooks.messageWebhook(hooks.imageMessage()));
    delete image.entry[0].changes[0].value.messages[0].image.id;
    expect(reasonsOf(image)[0]).toContain('messages[0]: image.id: Required');

    const reaction = mutable(hooks.messageWebhook(hooks.reactionMessage({ messageId: 'x', emoji: '👍' })));
    delete reaction.entry[0].changes[0].value.messages[0].reaction.message_id;
    expect(reasonsOf(reaction)[0]).toContain('messages[0]: reaction.message_id: Required');

    const status = mutable(
      hooks.statusWebhook({ messageId: 'x', status: 'failed', errors: [hooks.reEngagementError()] }),
    );
    status.entry[0].changes[0].value.statuses[0].errors[0].code = 'oops';
    expect(reasonsOf(status)[0]).toContain('statuses[0]: errors[0].code: Expected number, got string');
  });

  it('keeps a known interactive subtype without its payload, a message without type, an empty id', () => {
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
    expect(reasonsOf(body)).toEqual([
      'entry[0].changes[0].value.messages[0]: interactive.button_reply: Required',
      'entry[0].changes[0].value.messages[1]: type: Required',
      'entry[0].changes[0].value.messages[2]: id: Must not be empty',
    ]);
  });

  it('delivers an interactive message Meta could not render (only an errors array) as unsupported', () => {
    const msg: any = {
      from: WA_ID,
      id: 'wamid.IE',
      timestamp: '1749416383',
      type: 'interactive',
      errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown' }],
    };
    expect(contentOf(msg)).toEqual({
      kind: 'unsupported',
      originalType: 'interactive',
      errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown' }],
    });
  });

  it('accepts a numeric timestamp but keeps one of another type', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'x' });
    msg.timestamp = 1700000000 as unknown as string;
    expect(parsedOk(hooks.messageWebhook(msg)).messages[0]!.timestampMs).toBe(1_700_000_000_000);
    msg.timestamp = true as unknown as string;
    expect(reasonsOf(hooks.messageWebhook(msg))[0]).toContain(
      'messages[0]: timestamp: Expected Unix seconds',
    );
  });

  it('names several problems of one part at once, counting those beyond the first five', () => {
    const body = sensitiveBody();
    const message = body.entry[0].changes[0].value.messages[0];
    Object.assign(message, { id: 7, timestamp: 'x', type: 1, context: 'c', errors: 'e', from: 5 });
    const [reason] = reasonsOf(body);
    expect(reason!.split('; ')).toHaveLength(5);
    expect(reason).toMatch(/\(and \d+ more\)$/);
  });

  it('cleans NUL, other control characters and lone surrogates out of what it delivers', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'a\u0000b\u0007c\td\ne\uD800f' });
    const [message] = parsedOk(hooks.messageWebhook(msg, { name: 'An\u0000a' })).messages;
    expect(message!.content).toEqual({ kind: 'text', body: 'abc\td\ne\uFFFDf' });
    expect(message!.displayName).toBe('Ana');
  });

  it('keeps a message larger than any WhatsApp message as a dead letter', () => {
    const msg = hooks.textMessage({ from: WA_ID, body: 'x'.repeat(100_000) });
    expect(reasonsOf(hooks.messageWebhook(msg))).toEqual([
      'entry[0].changes[0].value.messages[0]: larger than any WhatsApp message',
    ]);
  });
});

describe('parseWebhook: edits, deletions and number changes', () => {
  it('normalises an edit (new text or caption) and a revoke to the message they change', () => {
    expect(
      contentOf({
        from: WA_ID,
        id: 'wamid.E1',
        timestamp: '1749416383',
        type: 'edit',
        edit: { original_message_id: 'wamid.ORIG', message: { type: 'text', text: { body: 'new words' } } },
      } as any),
    ).toEqual({ kind: 'edit', originalMessageId: 'wamid.ORIG', body: 'new words' });
    expect(
      contentOf({
        from: WA_ID,
        id: 'wamid.E2',
        timestamp: '1749416383',
        type: 'edit',
        edit: {
          original_message_id: 'wamid.ORIG',
          message: { type: 'image', image: { id: 'm1', mime_type: 'image/jpeg', caption: 'new caption' } },
        },
      } as any),
    ).toEqual({ kind: 'edit', originalMessageId: 'wamid.ORIG', body: 'new caption' });
    expect(
      contentOf({
        from: WA_ID,
        id: 'wamid.R1',
        timestamp: '1749416383',
        type: 'revoke',
        revoke: { original_message_id: 'wamid.ORIG' },
      } as any),
    ).toEqual({ kind: 'revoke', originalMessageId: 'wamid.ORIG' });
  });

  it("carries user_changed_number's new WhatsApp id", () => {
    expect(
      contentOf(
        hooks.systemMessage({
          from: WA_ID,
          body: 'User A changed from 33612345678 to 33698765432',
          systemType: 'user_changed_number',
          newWaId: '33698765432',
        } as any),
      ),
    ).toMatchObject({ kind: 'system', systemType: 'user_changed_number', newWaId: '33698765432' });
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
