import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationStateQuery, type ConversationView } from '../../workflows/definitions.js';
import * as hooks from '../fixtures/whatsapp-webhooks.js';
import { historyText } from '../support/history-text.js';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';
import { eventually, startTestParley, type TestParley, conversationWorkflowId } from '../support/parley.js';

const PHONE_NUMBER_ID = '109876543213';
const fixture = (name: string) => readFile(new URL(`../fixtures/media/${name}`, import.meta.url));
const customer = () =>
  `3361${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function lastCustomerTurn(parley: TestParley, waId: string, expectText?: RegExp) {
  const handle = parley.client.workflow.getHandle(conversationWorkflowId(PHONE_NUMBER_ID, waId));
  return eventually(async () => {
    const view: ConversationView = await handle.query(conversationStateQuery);
    const turn = view.lastTurns.filter((t) => t.role === 'customer').at(-1);
    const bot = view.lastTurns.at(-1)?.role === 'bot';
    return turn?.understanding && bot && (!expectText || expectText.test(turn.text))
      ? { view, turn }
      : undefined;
  }, 30_000);
}

function sendMedia(parley: TestParley, waId: string, msg: hooks.MetaMessage, name?: string) {
  return parley.postWebhook(
    hooks.messageWebhook({ ...msg, from: waId } as hooks.MetaMessage, {
      phoneNumberId: PHONE_NUMBER_ID,
      name,
    }),
  );
}

/**
 * Puts a fixture file in the sandbox's media store and sends it as a customer message built by
 * `build`, with the real sha256 (or `sha256` to fake a mismatch).
 */
async function sendFixture(
  parley: TestParley,
  file: string,
  mimeType: string,
  build: (o: hooks.MediaOptions) => hooks.MetaMessage,
  o: { caption?: string; sha256?: string; media?: Parameters<TestParley['sandbox']['addMedia']>[2] } = {},
) {
  const bytes = await fixture(file);
  const mediaId = parley.sandbox.addMedia(bytes, mimeType, o.media);
  const waId = customer();
  const message = build({
    id: `wamid.${randomUUID()}`,
    mediaId,
    mimeType,
    sha256: o.sha256 ?? sha256Hex(bytes),
    caption: o.caption,
  });
  const res = await sendMedia(parley, waId, message);
  return { waId, res };
}

describe('understanding a turn with a model (scripted OpenAI-compatible server)', () => {
  let parley: TestParley;
  let openai: ScriptedOpenAI;
  beforeAll(async () => {
    openai = await startScriptedOpenAI();
    parley = await startTestParley({ env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'test-key' } });
  });
  afterAll(async () => {
    await parley?.close();
    await openai?.close();
  });

  it('answers a voice note from its transcript', async () => {
    openai.enqueueTranscription({ text: 'Hello, I would like to return my order 1042.', language: 'en' });
    openai.onChat((req) =>
      req.responseFormat?.name === 'message_understanding'
        ? {
            json: {
              language: 'en',
              languageConfidence: 0.97,
              sentiment: { score: 0.1, label: 'neutral' },
              intent: 'returns_refund_policy',
              intentConfidence: 0.9,
              urgency: 'normal',
              entities: { orderNumbers: ['1042'], emails: [], products: [], dates: [] },
              regulatedTopic: null,
              crisis: false,
              wantsHuman: false,
            },
          }
        : { content: '{}' },
    );
    const { waId, res } = await sendFixture(
      parley,
      'voice-note.ogg',
      'audio/ogg; codecs=opus',
      hooks.voiceNoteMessage,
    );
    expect(res.status).toBe(200);

    const { view, turn } = await lastCustomerTurn(parley, waId, /return my order/);
    expect(turn.text).toBe('[voice note] Hello, I would like to return my order 1042.');
    expect(turn.understanding).toMatchObject({
      source: 'model',
      intent: 'returns_refund_policy',
      language: 'en',
      entities: { orderNumbers: ['1042'] },
      media: [{ kind: 'transcript', summary: 'Hello, I would like to return my order 1042.' }],
    });
    expect(view).toMatchObject({
      language: 'en',
      intent: 'returns_refund_policy',
      sentiment: { label: 'neutral' },
    });
    // The model saw the transcript, not audio, and the customer's words were fenced as data.
    const analysis = openai.chatRequests.find((r) => r.responseFormat?.name === 'message_understanding')!;
    expect(analysis.userText).toContain('return my order 1042');
    expect(analysis.userText).toContain('<customer_message>');
    expect(openai.transcriptionRequests).toHaveLength(1);
    expect(parley.sandbox.sent.filter((m) => m.to === waId && m.type === 'text')).toHaveLength(1);
  });

  it('describes a photo with the vision model, caption included', async () => {
    openai.onChat((req) =>
      req.images.length > 0
        ? {
            json: {
              description: 'A blue kettle with a cracked lid',
              damage: 'minor',
              product: 'Kettle K2',
              textInImage: null,
              documentKind: null,
            },
          }
        : { content: '{}' },
    );
    const { waId } = await sendFixture(parley, 'photo.jpg', 'image/jpeg', hooks.imageMessage, {
      caption: 'arrived like this',
    });
    const { turn } = await lastCustomerTurn(parley, waId, /photo/);
    expect(turn.text).toBe(
      '[photo: A blue kettle with a cracked lid (damage: minor); product: Kettle K2] arrived like this',
    );
    expect(turn.understanding!.media![0]).toMatchObject({ kind: 'image', sensitive: false });
    const visionRequest = openai.chatRequests.find((r) => r.images.length > 0)!;
    expect(visionRequest.images[0]!.mimeType).toBe('image/jpeg');
    expect(JSON.stringify(visionRequest.messages)).toContain('arrived like this');
  });

  it('asks again, politely, when a voice note transcribes to nothing', async () => {
    openai.enqueueTranscription({ text: '   ' });
    const { waId } = await sendFixture(
      parley,
      'voice-note.ogg',
      'audio/ogg; codecs=opus',
      hooks.voiceNoteMessage,
    );
    const { turn } = await lastCustomerTurn(parley, waId);
    expect(turn.understanding!.media![0]).toMatchObject({ kind: 'unreadable', reason: 'empty_transcript' });
    expect(parley.sandbox.sent.filter((m) => m.to === waId).at(-1)!.text!.body).toMatch(/voice message/);
  });

  it('falls back to the offline analysis when the model keeps failing, and still replies', async () => {
    openai.failNext(10, 500, undefined, { target: 'chat' });
    const waId = customer();
    await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body: 'Bonjour, où est ma commande 1042 ?',
      }),
    );
    const { turn } = await lastCustomerTurn(parley, waId);
    expect(turn.understanding).toMatchObject({ source: 'offline', language: 'fr', intent: 'order_status' });
    expect(turn.understanding!.fallbackReason).toMatch(/ModelUnavailable/);
    const reply = parley.sandbox.sent.filter((m) => m.to === waId).at(-1)!;
    // The agent's model is down too: the model-free answer looks the order up (not this customer's).
    expect(reply.text!.body).toMatch(/^Bonjour ! Je suis un assistant virtuel/);
    expect(reply.text!.body).toMatch(/pas trouvé la commande 1042/);
  });
});

describe('understanding a turn offline (no model configured)', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ env: { MEDIA_MAX_BYTES: String(1024 * 1024) } });
  });
  afterAll(async () => {
    await parley?.close();
  });

  const replies = (waId: string) =>
    parley.sandbox.sent.filter((m) => m.to === waId).map((m) => m.text?.body ?? '');

  it('detects the language, replies in it, and lets supervisors filter on it', async () => {
    const waId = customer();
    await parley.postWebhook(
      hooks.textMessageWebhook({
        phoneNumberId: PHONE_NUMBER_ID,
        waId,
        id: `wamid.${randomUUID()}`,
        body: 'Hallo, waar blijft mijn bestelling 5521?',
        name: 'Joost',
      }),
    );
    const { view, turn } = await lastCustomerTurn(parley, waId);
    expect(view.language).toBe('nl');
    expect(turn.understanding).toMatchObject({
      source: 'offline',
      intent: 'order_status',
      entities: { orderNumbers: ['5521'] },
    });
    expect(replies(waId).at(-1)).toMatch(/^Hoi Joost! Ik ben een virtuele assistent/);
    expect(replies(waId).at(-1)).toMatch(/bestelling 5521 niet vinden/);
    await eventually(async () => {
      for await (const wf of parley.client.workflow.list({
        query: `ParleyLanguage = "nl" AND ParleyIntent = "order_status"`,
      })) {
        if (wf.workflowId === conversationWorkflowId(PHONE_NUMBER_ID, waId)) return true;
      }
      return undefined;
    });
  });

  it('reads a text PDF and keeps its text in the turn', async () => {
    const { waId } = await sendFixture(parley, 'invoice.pdf', 'application/pdf', hooks.documentMessage, {
      caption: 'my invoice',
    });
    const { turn } = await lastCustomerTurn(parley, waId, /\[document\]/);
    expect(turn.text).toContain('INV-2041');
    expect(turn.understanding!.media![0]).toMatchObject({ kind: 'document', sensitive: false });
  });

  it('does not keep or forward the text of an identity document', async () => {
    const { waId } = await sendFixture(parley, 'id-card.png', 'image/png', hooks.documentMessage);
    const { turn } = await lastCustomerTurn(parley, waId);
    expect(turn.text).toBe('[identity document received — not processed]');
    expect(turn.understanding!.media![0]).toMatchObject({ kind: 'document', sensitive: true });
    expect(turn.understanding!.media![0]!.summary).toBeUndefined();
    expect(replies(waId).at(-1)).toMatch(/identity documents/);
    // Nothing the card says reaches the history, not even decrypted (the OCR read it all: name,
    // document number, birth date).
    const history = await historyText(
      parley.client,
      conversationWorkflowId(PHONE_NUMBER_ID, waId),
      parley.codec,
    );
    expect(history).toContain('"sensitive":true'); // the media activity's result, decoded
    for (const onTheCard of ['X4RTBPFW4', 'Claire', 'MARTIN', '03.07.1988'])
      expect(history).not.toContain(onTheCard);
  });

  it.each([
    ['an oversized photo', 'photo.jpg', 'image/jpeg', { fileSizeOverride: 6 * 1024 * 1024 }, /too large/],
    [
      'a file over our own cap',
      'scanned.pdf',
      'application/pdf',
      { fileSizeOverride: 2 * 1024 * 1024 },
      /too large/,
    ],
    [
      'an unsupported document type',
      'unsupported.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      {},
      /can't open this type/,
    ],
    ['a corrupt PDF', 'corrupt.pdf', 'application/pdf', {}, /damaged/],
  ])('answers %s politely instead of failing the turn', async (_what, file, mime, mediaOpts, expected) => {
    const build = mime.startsWith('image/') ? hooks.imageMessage : hooks.documentMessage;
    const { waId, res } = await sendFixture(parley, file, mime, build, { media: mediaOpts });
    expect(res.status).toBe(200);
    const { turn, view } = await lastCustomerTurn(parley, waId);
    expect(turn.understanding!.media![0]!.kind).toBe('unreadable');
    expect(replies(waId).at(-1)).toMatch(expected);
    expect(view.status).toBe('bot');
  });

  it('reports a checksum mismatch as an unreadable file', async () => {
    const { waId } = await sendFixture(parley, 'photo.jpg', 'image/jpeg', hooks.imageMessage, {
      sha256: sha256Hex(Buffer.from('other bytes')),
    });
    const { turn } = await lastCustomerTurn(parley, waId);
    expect(turn.understanding!.media![0]).toMatchObject({ kind: 'unreadable', reason: 'checksum_mismatch' });
    expect(replies(waId).at(-1)).toMatch(/damaged/);
  });
});
