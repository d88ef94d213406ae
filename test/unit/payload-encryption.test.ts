/**
 * Payload encryption against a real Postgres: the codec, the per-customer data keys wrapped by
 * master keys, rotation, shredding, and the codec server's protocol and access rules.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodecRoutes } from '../../api/codec/codec-routes.js';
import { createDataKeys, KeyDestroyedError } from '../../core/encryption/data-keys.js';
import { createMasterKeys, parseMasterKeys } from '../../core/encryption/master-keys.js';
import {
  createEncryptionCodec,
  ENCRYPTED_ENCODING,
  SYSTEM_SCOPE,
} from '../../core/encryption/payload-codec.js';
import { fromJson, toJson } from '../../core/encryption/remote-codec.js';
import type { Db } from '../../db/database.js';
import { createTestDatabase } from '../support/database.js';

const master = (id: string) => ({ id, key: randomBytes(32) });
const conversation = (id: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId: id });
const SECRET_TEXT = 'Bonjour, mon numéro est +33 6 12 34 56 78 et je veux un remboursement';
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value) as Payload;
const fromPayload = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const raw = (p: Payload) =>
  Buffer.concat([Buffer.from(JSON.stringify(p.metadata)), Buffer.from(p.data ?? [])]);

describe('payload encryption', () => {
  let db: Db;
  const k1 = master('k1');
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
  });
  afterAll(() => db?.destroy());

  const codecWith = (keys: { id: string; key: Buffer }[]) =>
    createEncryptionCodec(
      createDataKeys({ db, masterKeys: createMasterKeys(keys), cacheTtlMs: 0, liveCheckMs: 0 }),
    );

  it('seals each payload so nothing of it shows, and opens it again', async () => {
    const codec = codecWith([k1]);
    const [sealed] = await codec.encode([toPayload({ text: SECRET_TEXT })], conversation('conv_a'));
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(raw(sealed!).toString('latin1')).not.toContain('+33');
    expect(raw(sealed!).toString('latin1')).not.toContain('remboursement');
    expect(raw(sealed!).toString('latin1')).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed!]);
    expect(fromPayload(opened!)).toEqual({ text: SECRET_TEXT });
  });

  it('uses one key per conversation and the system key for anything else', async () => {
    const codec = codecWith([k1]);
    const keyOf = async (context?: ReturnType<typeof conversation>) =>
      Buffer.from(
        (await codec.encode([toPayload(1)], context))[0]!.metadata!['encryption-key-id']!,
      ).toString();
    expect(await keyOf(conversation('conv_b'))).toBe(await keyOf(conversation('conv_b')));
    expect(await keyOf(conversation('conv_b'))).not.toBe(await keyOf(conversation('conv_c')));
    expect(await keyOf(conversation('refund:o1:1:damaged'))).toBe(await keyOf(undefined));
    const rows = await db.selectFrom('payload_keys').select('scope').execute();
    expect(rows.map((r) => r.scope)).toContain(SYSTEM_SCOPE);
    // The database holds wrapped keys only: none equals a key that opens a payload.
    for (const r of await db.selectFrom('payload_keys').select('wrapped_key').execute())
      expect(r.wrapped_key!.length).toBe(12 + 32 + 16);
  });

  it('passes payloads from before encryption through unchanged', async () => {
    const clear = toPayload({ old: true });
    expect(await codecWith([k1]).decode([clear])).toEqual([clear]);
  });

  it('refuses a tampered payload, or one moved under another key id', async () => {
    const codec = codecWith([k1]);
    const [a] = await codec.encode([toPayload('a')], conversation('conv_t1'));
    const [b] = await codec.encode([toPayload('b')], conversation('conv_t2'));
    const flipped = Buffer.from(a!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...a!, data: flipped }])).rejects.toThrow();
    await expect(codec.decode([{ ...a!, metadata: b!.metadata }])).rejects.toThrow();
  });

  it('rotates master keys without re-encrypting: the new key wraps new data keys, the old one still opens old ones', async () => {
    const [old] = await codecWith([k1]).encode([toPayload('before rotation')], conversation('conv_r1'));
    const k2 = master('k2');
    const rotated = codecWith([k2, k1]);
    const [fresh] = await rotated.encode([toPayload('after rotation')], conversation('conv_r2'));
    expect(fromPayload((await rotated.decode([old!]))[0]!)).toBe('before rotation');
    expect(fromPayload((await rotated.decode([fresh!]))[0]!)).toBe('after rotation');
    const row = await db
      .selectFrom('payload_keys')
      .select('master_key_id')
      .where('scope', '=', 'conv_r2')
      .executeTakeFirstOrThrow();
    expect(row.master_key_id).toBe('k2');
    // Dropping k1 too early is reported by name, not as garbage.
    await expect(codecWith([k2]).decode([old!])).rejects.toThrow(/master key k1 is not configured/);
  });

  it('after shredding, the conversation\'s payloads fail with "key destroyed"; a new conversation gets a new key', async () => {
    const keys = createDataKeys({ db, masterKeys: createMasterKeys([k1]) });
    const codec = createEncryptionCodec(keys);
    const [sealed] = await codec.encode([toPayload(SECRET_TEXT)], conversation('conv_erased'));
    expect(await keys.shred('conv_erased')).toBe(1);
    await expect(codec.decode([sealed!])).rejects.toThrow(/key destroyed/);
    await expect(codecWith([k1]).decode([sealed!])).rejects.toBeInstanceOf(KeyDestroyedError);
    const [again] = await codec.encode([toPayload('hello again')], conversation('conv_erased'));
    expect(fromPayload((await codec.decode([again!]))[0]!)).toBe('hello again');
  });

  it('parses PAYLOAD_MASTER_KEYS and refuses keys of the wrong size', () => {
    const key = randomBytes(32).toString('base64');
    expect(parseMasterKeys(`new:${key}, old:${key}`).map((k) => k.id)).toEqual(['new', 'old']);
    expect(() => parseMasterKeys(`short:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseMasterKeys(key)).toThrow(/id:base64key/);
  });

  describe('the codec server', () => {
    const TOKEN = 'operator-token';
    const routes = () =>
      createCodecRoutes({
        codec: codecWith([k1]),
        token: TOKEN,
        corsOrigins: ['http://localhost:8233'],
        allowLoopback: false,
      });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      routes().request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('decodes what the Web UI sends, with the operator token', async () => {
      const [sealed] = await codecWith([k1]).encode(
        [toPayload({ text: SECRET_TEXT })],
        conversation('conv_ui'),
      );
      const res = await post(
        '/decode',
        { payloads: [toJson(sealed!)] },
        { authorization: `Bearer ${TOKEN}`, 'x-namespace': 'default' },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { payloads: Parameters<typeof fromJson>[0][] };
      expect(fromPayload(fromJson(body.payloads[0]!))).toEqual({ text: SECRET_TEXT });
    });

    it("refuses without the token or with a wrong one (401), and answers the UI origin's preflight", async () => {
      expect((await post('/decode', { payloads: [] })).status).toBe(401);
      expect((await post('/decode', { payloads: [] }, { authorization: 'Bearer nope' })).status).toBe(401);
      const preflight = await routes().request('/decode', {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:8233',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    });

    it('encodes for the UI and answers 410 for an erased customer', async () => {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const enc = await post('/encode', { payloads: [toJson(toPayload('typed in the UI'))] }, auth);
      const sealed = fromJson(
        ((await enc.json()) as { payloads: Parameters<typeof fromJson>[0][] }).payloads[0]!,
      );
      expect(Buffer.from(sealed.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      const keys = createDataKeys({ db, masterKeys: createMasterKeys([k1]) });
      const [gone] = await createEncryptionCodec(keys).encode([toPayload('x')], conversation('conv_gone'));
      await keys.shred('conv_gone');
      const res = await post('/decode', { payloads: [toJson(gone!)] }, auth);
      expect(res.status).toBe(410);
      expect(await res.text()).toMatch(/key destroyed/);
    });
  });
});
