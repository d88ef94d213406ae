/**
 * Documents sent as WhatsApp document messages: the real Graph client uploads (multipart) and sends
 * against the real sandbox over HTTP, with Meta's error shapes and size limits; the sendDocument
 * activity renders from the seeded demo shop, sends once per idempotency key, and refuses
 * someone else's document.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentRenderer, type ReturnLabelData } from '../../activities/pdf/index.js';
import { extractPdfText } from '../../activities/understanding/pdf-text.js';
import { createWhatsAppActivities, DocumentErrorTypes } from '../../activities/whatsapp-activities.js';
import {
  createGraphClient,
  WhatsAppErrorTypes,
  type GraphClient,
  type GraphErrorDetails,
} from '../../activities/whatsapp/graph-client.js';
import type { Db } from '../../db/database.js';
import { seedDemoData } from '../../devstack/demo-data.js';
import { DEMO_CUSTOMERS } from '../../devstack/demo-shop.js';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../devstack/whatsapp-sandbox.js';
import { createTestDatabase } from '../support/database.js';

const TOKEN = 'test-token-docs';
const VERSION = 'v23.0';
const PHONE_ID = '106540352242922';
const { alex, camille } = DEMO_CUSTOMERS;

let sandbox: WhatsAppSandbox;
let graph: GraphClient;
let db: Db;

beforeAll(async () => {
  sandbox = await startWhatsAppSandbox({ accessToken: TOKEN, apiVersion: VERSION });
  graph = createGraphClient({
    graphUrl: sandbox.url,
    apiVersion: VERSION,
    accessToken: TOKEN,
    timeoutMs: 5_000,
  });
  ({ db } = await createTestDatabase());
  await seedDemoData(db);
});
afterAll(async () => {
  await sandbox?.close();
  await db?.destroy();
});
beforeEach(() => sandbox.clear());

async function failureOf(
  fn: () => Promise<unknown>,
): Promise<{ failure: ApplicationFailure; detail: GraphErrorDetails }> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    return { failure, detail: (failure.details?.[0] ?? {}) as GraphErrorDetails };
  }
  throw new Error('expected an ApplicationFailure, got success');
}

const PDF_BYTES = new TextEncoder().encode('%PDF-1.4\n% not a real document, but bytes to carry\n%%EOF\n');

describe('Graph client: upload and document message', () => {
  it('uploads a file as multipart and sends it as a document message in Meta shape', async () => {
    const { mediaId } = await graph.uploadMedia(PHONE_ID, {
      bytes: PDF_BYTES,
      mimeType: 'application/pdf',
      filename: 'invoice-INV-2026-001042.pdf',
    });
    expect(mediaId).toMatch(/^\d{15,}$/);
    expect(sandbox.uploads).toEqual([
      expect.objectContaining({
        mediaId,
        phoneNumberId: PHONE_ID,
        mimeType: 'application/pdf',
        filename: 'invoice-INV-2026-001042.pdf',
        fileSize: PDF_BYTES.length,
      }),
    ]);
    // The upload is served back through the media download path, checksum verified.
    const downloaded = await graph.downloadMedia(mediaId, { mediaType: 'document' });
    expect(downloaded.mimeType).toBe('application/pdf');
    expect(new Uint8Array(downloaded.bytes)).toEqual(PDF_BYTES);

    const { messageId } = await graph.sendDocument(
      PHONE_ID,
      `+${alex.waId}`,
      { mediaId, filename: 'invoice-INV-2026-001042.pdf', caption: 'Your invoice' },
      { idempotencyKey: 'doc-1' },
    );
    const recorded = await sandbox.waitForSent((m) => m.messageId === messageId, 1_000);
    expect(recorded).toMatchObject({
      type: 'document',
      waId: alex.waId,
      document: { id: mediaId, filename: 'invoice-INV-2026-001042.pdf', caption: 'Your invoice' },
      idempotencyKey: 'doc-1',
    });
    expect(recorded.payload).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${alex.waId}`,
      type: 'document',
      document: { id: mediaId, filename: 'invoice-INV-2026-001042.pdf', caption: 'Your invoice' },
      biz_opaque_callback_data: 'doc-1',
    });

    // The inspection API (what `npm run chat` reads) lists it and serves the file.
    const listed = await fetch(`${sandbox.url}/sandbox/messages?to=${alex.waId}`);
    const { messages } = (await listed.json()) as { messages: { type: string; document?: unknown }[] };
    expect(messages).toEqual([expect.objectContaining({ type: 'document', document: recorded.document })]);
    const file = await fetch(`${sandbox.url}/sandbox/media/${mediaId}`);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PDF_BYTES);
  });

  it('answers a bad upload with Meta’s error shape', async () => {
    const form = new FormData();
    form.append('type', 'application/pdf');
    form.append('file', new Blob([PDF_BYTES], { type: 'application/pdf' }), 'x.pdf');
    const res = await fetch(`${sandbox.url}/${VERSION}/${PHONE_ID}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({
      message: '(#100) Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_data: { messaging_product: 'whatsapp', details: 'The parameter messaging_product is required.' },
    });
    expect(body.error.fbtrace_id).toEqual(expect.any(String));

    const noFile = new FormData();
    noFile.append('messaging_product', 'whatsapp');
    noFile.append('type', 'application/pdf');
    const missing = await fetch(`${sandbox.url}/${VERSION}/${PHONE_ID}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: noFile,
    });
    expect(
      ((await missing.json()) as { error: { error_data: { details: string } } }).error.error_data.details,
    ).toBe('The parameter file is required.');

    // Through the client: an unsupported type is a permanent, classified failure.
    const zip = await failureOf(() =>
      graph.uploadMedia(PHONE_ID, { bytes: PDF_BYTES, mimeType: 'application/zip', filename: 'a.zip' }),
    );
    expect(zip.failure.type).toBe(WhatsAppErrorTypes.Permanent);
    expect(zip.failure.nonRetryable).toBe(true);
    expect(zip.detail).toMatchObject({ httpStatus: 400, code: 100 });
    expect(zip.detail.title).toMatch(
      /^Param file must be a file with one of the following types: .*application\/pdf/,
    );
    expect(sandbox.uploads).toHaveLength(0);
  });

  it('refuses an oversized upload before calling Meta, and the sandbox refuses one too', async () => {
    const tooBig = new Uint8Array(100 * 1024 * 1024 + 1);
    const local = await failureOf(() =>
      graph.uploadMedia(PHONE_ID, { bytes: tooBig, mimeType: 'application/pdf', filename: 'big.pdf' }),
    );
    expect(local.failure.type).toBe(WhatsAppErrorTypes.MediaTooLarge);
    expect(local.failure.nonRetryable).toBe(true);
    const capped = await failureOf(() =>
      graph.uploadMedia(
        PHONE_ID,
        { bytes: PDF_BYTES, mimeType: 'application/pdf', filename: 'a.pdf' },
        { maxBytes: 10 },
      ),
    );
    expect(capped.failure.type).toBe(WhatsAppErrorTypes.MediaTooLarge);
    expect(sandbox.uploads).toHaveLength(0);

    // A sandbox with a small limit: Meta's refusal reaches the client as a permanent failure.
    const small = await startWhatsAppSandbox({ accessToken: TOKEN, maxUploadBytes: 1_000 });
    try {
      const client = createGraphClient({ graphUrl: small.url, apiVersion: VERSION, accessToken: TOKEN });
      const remote = await failureOf(() =>
        client.uploadMedia(PHONE_ID, {
          bytes: new Uint8Array(2_000),
          mimeType: 'application/pdf',
          filename: 'a.pdf',
        }),
      );
      expect(remote.failure.type).toBe(WhatsAppErrorTypes.Permanent);
      expect(remote.detail).toMatchObject({ httpStatus: 400, code: 100 });
      expect(remote.detail.details).toMatch(/^File Too Large/);
      expect(small.uploads).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  it('classifies upload faults like the other calls and validates the document message', async () => {
    sandbox.failNext(1, { httpStatus: 503, message: 'Service Unavailable' }, { target: 'uploads' });
    const down = await failureOf(() =>
      graph.uploadMedia(PHONE_ID, { bytes: PDF_BYTES, mimeType: 'application/pdf', filename: 'a.pdf' }),
    );
    expect(down.failure.type).toBe(WhatsAppErrorTypes.Transient);
    expect(down.failure.nonRetryable).toBe(false);
    const { mediaId } = await graph.uploadMedia(PHONE_ID, {
      bytes: PDF_BYTES,
      mimeType: 'application/pdf',
      filename: 'a.pdf',
    });

    const longCaption = await failureOf(() =>
      graph.sendDocument(PHONE_ID, alex.waId, { mediaId, filename: 'a.pdf', caption: 'x'.repeat(1025) }),
    );
    expect(longCaption.failure.type).toBe(WhatsAppErrorTypes.InvalidRequest);
    const badName = await failureOf(() =>
      graph.sendDocument(PHONE_ID, alex.waId, { mediaId, filename: '../a.pdf' }),
    );
    expect(badName.failure.type).toBe(WhatsAppErrorTypes.InvalidRequest);
    expect(sandbox.sent).toHaveLength(0);

    // A media id the sandbox never stored (or another number's) is refused.
    const unknown = await failureOf(() =>
      graph.sendDocument(PHONE_ID, alex.waId, { mediaId: '1234567890123456', filename: 'a.pdf' }),
    );
    expect(unknown.failure.type).toBe(WhatsAppErrorTypes.Permanent);
    const otherNumber = await failureOf(() =>
      graph.sendDocument('999999999999999', alex.waId, { mediaId, filename: 'a.pdf' }),
    );
    expect(otherNumber.detail.code).toBe(100);

    // 1,024 characters (an emoji is one) is fine; an empty caption is left out.
    const caption = '📄'.repeat(1024);
    await graph.sendDocument(PHONE_ID, alex.waId, { mediaId, filename: 'a.pdf', caption });
    await graph.sendDocument(PHONE_ID, alex.waId, { mediaId, filename: 'a.pdf', caption: '  ' });
    expect(sandbox.sent.map((m) => m.document?.caption)).toEqual([caption, undefined]);
  });
});

describe('sendDocument activity', () => {
  const returnLabels = new Map<string, ReturnLabelData>([
    [
      `${alex.waId}:RET-1042-1`,
      {
        returnId: 'RET-1042-1',
        orderId: '1042',
        productName: 'M1 milk frother',
        customerName: 'Alex Morgan',
        fromAddress: ['Alex Morgan', 'Keizersgracht 123', '1015 CJ Amsterdam'],
        toAddress: ['Parley Home Returns', '69800 Saint-Priest', 'France'],
        carrier: 'DPD',
        trackingNumber: '05212345679999',
        createdAt: new Date('2026-11-25T09:00:00Z'),
      },
    ],
  ]);
  const activities = () =>
    createWhatsAppActivities({
      graph,
      db,
      documents: createDocumentRenderer({
        db,
        loadReturnLabel: async (waId, returnId) => returnLabels.get(`${waId}:${returnId}`),
      }),
    });
  const base = (key: string) => ({
    conversationId: `whatsapp:${PHONE_ID}:${alex.waId}`,
    phoneNumberId: PHONE_ID,
    to: alex.waId,
    idempotencyKey: key,
  });

  it('renders, uploads and sends the invoice once per idempotency key', async () => {
    const { sendDocument } = activities();
    const req = { ...base('document:invoice:1042'), document: { kind: 'invoice', orderId: '1042' } as const };
    const first = await sendDocument(req);
    const second = await sendDocument(req);
    expect(first.alreadySent).toBe(false);
    expect(second).toEqual({ messageId: first.messageId, alreadySent: true });
    expect(sandbox.uploads).toHaveLength(1);
    expect(sandbox.sent).toHaveLength(1);
    const sent = sandbox.sent[0]!;
    expect(sent).toMatchObject({
      messageId: first.messageId,
      type: 'document',
      document: {
        id: sandbox.uploads[0]!.mediaId,
        filename: 'invoice-INV-2026-001042.pdf',
        caption: 'Your invoice INV-2026-001042 for order 1042',
      },
    });
    // What the customer receives is the invoice itself.
    const pdf = sandbox.mediaBytes(sent.document!.id!);
    const { text } = await extractPdfText(pdf!);
    expect(text).toContain('INV-2026-001042');
    expect(text).toContain('Alex Morgan');

    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('idempotency_key', '=', 'document:invoice:1042')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      direction: 'outbound',
      type: 'document',
      wa_message_id: first.messageId,
      body: '[document invoice-INV-2026-001042.pdf] Your invoice INV-2026-001042 for order 1042',
    });
    expect(row.payload).toEqual({
      to: alex.waId,
      document: { kind: 'invoice', orderId: '1042' },
      mediaId: sent.document!.id,
      filename: 'invoice-INV-2026-001042.pdf',
    });
  });

  it('sends once when retried after a failed send, and takes a caption override', async () => {
    const { sendDocument } = activities();
    sandbox.failNext(1, { httpStatus: 503, message: 'Service Unavailable' });
    const req = {
      ...base('document:return:RET-1042-1'),
      document: { kind: 'return_label', returnId: 'RET-1042-1' } as const,
      caption: 'Here is your return label',
    };
    const attempt = await failureOf(() => sendDocument(req));
    expect(attempt.failure.nonRetryable).toBe(false);
    const retry = await sendDocument(req);
    expect(retry.alreadySent).toBe(false);
    // The retry uploaded a fresh copy (the first one is orphaned) and sent one message.
    expect(sandbox.uploads).toHaveLength(2);
    expect(sandbox.sent).toHaveLength(1);
    expect(sandbox.sent[0]?.document).toMatchObject({
      id: sandbox.uploads[1]!.mediaId,
      filename: 'return-label-RET-1042-1.pdf',
      caption: 'Here is your return label',
    });
  });

  it("refuses another customer's document without uploading or sending anything", async () => {
    const { sendDocument } = activities();
    const key = 'document:invoice:1043';
    const { failure } = await failureOf(() =>
      sendDocument({ ...base(key), document: { kind: 'invoice', orderId: '1043' } }),
    );
    expect(failure.type).toBe(DocumentErrorTypes.NotFound);
    expect(failure.nonRetryable).toBe(true);
    const label = await failureOf(() =>
      sendDocument({
        ...base('document:return:x'),
        to: camille.waId,
        document: { kind: 'return_label', returnId: 'RET-1042-1' },
      }),
    );
    expect(label.failure.type).toBe(DocumentErrorTypes.NotFound);
    expect(sandbox.uploads).toHaveLength(0);
    expect(sandbox.sent).toHaveLength(0);
    const rows = await db.selectFrom('messages').select('id').where('idempotency_key', '=', key).execute();
    expect(rows).toHaveLength(0);
  });

  it('fails plainly when the worker has no document renderer', async () => {
    const { sendDocument } = createWhatsAppActivities({ graph, db });
    const { failure } = await failureOf(() =>
      sendDocument({ ...base('document:none'), document: { kind: 'invoice', orderId: '1042' } }),
    );
    expect(failure.type).toBe(DocumentErrorTypes.RendererMissing);
    expect(failure.nonRetryable).toBe(true);
  });
});
