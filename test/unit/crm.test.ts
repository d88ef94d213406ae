/**
 * CRM adapters through one contract: the built-in CRM on a real (test) Postgres seeded with the
 * demo shop, and HubSpot over HTTP against fake-hubspot seeded with the same customers (HubSpot's
 * search and notes shapes, auth, errors). Then what only HubSpot needs: the phone search, the note's
 * association, one note per key without HubSpot idempotency (lost answers, concurrent attempts, the
 * search-lag window), error classification; and the activities on top (lookupCustomer,
 * recordResolutionNote).
 */
import { conversationRef, testConversationIds, conversationWorkflowId } from '../support/parley.js';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCrmActivities } from '../../activities/crm-activities.js';
import { createHandoffActivities } from '../../activities/handoff-activities.js';
import { createBuiltinQueue } from '../../activities/helpdesk/builtin-queue.js';
import { createBuiltinCrm } from '../../activities/integrations/crm/builtin.js';
import { createHubSpotCrm } from '../../activities/integrations/crm/hubspot.js';
import {
  CrmErrorTypes,
  noteKeyHash,
  type CrmAdapter,
  type ResolutionNoteInput,
} from '../../activities/integrations/crm/types.js';
import type { Db } from '../../db/database.js';
import { listNotes } from '../../db/repositories/crm-notes.js';
import { DEMO_CUSTOMERS, DEMO_OWNER_AGENT, seedDemoShop } from '../../devstack/demo-shop.js';
import { startFakeHubSpot, type FakeHubSpot } from '../servers/fake-hubspot.js';
import { createTestDatabase } from '../support/database.js';

const { alex, sanne, julien } = DEMO_CUSTOMERS;
const STRANGER = '447700900123';
const TOKEN = 'pat-eu1-fake-0123456789';

let db: Db;
let fake: FakeHubSpot;
let hubspot: CrmAdapter;
/** HubSpot contact id by WhatsApp id. */
const contactIds = new Map<string, string>();
let sanneLifetimeCents = 0;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedDemoShop(db);
  const row = await db
    .selectFrom('shop_customers')
    .select('lifetime_value_cents')
    .where('wa_id', '=', sanne.waId)
    .executeTakeFirstOrThrow();
  sanneLifetimeCents = row.lifetime_value_cents;

  fake = await startFakeHubSpot({ accessToken: TOKEN });
  fake.defineContactProperty('customer_tier');
  // The same customers as the demo shop, numbers stored the ways HubSpot users store them.
  contactIds.set(
    sanne.waId,
    fake.addContact({
      firstname: 'Sanne',
      lastname: 'de Vries',
      phone: `+${sanne.waId}`,
      customer_tier: 'VIP',
      total_revenue: String(sanneLifetimeCents / 100),
      hubspot_owner_id: DEMO_OWNER_AGENT.id,
    }),
  );
  contactIds.set(
    alex.waId,
    fake.addContact({ firstname: 'Alex', lastname: 'Morgan', mobilephone: alex.waId, customer_tier: null }),
  );
  contactIds.set(
    julien.waId,
    fake.addContact({
      firstname: 'Julien',
      lastname: 'Moreau',
      phone: `+${julien.waId}`,
      customer_tier: 'Enterprise',
    }),
  );
  hubspot = createHubSpotCrm({ apiUrl: fake.url, accessToken: TOKEN, db, timeoutMs: 5_000 });
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});

let keySeq = 0;
function note(over: Partial<ResolutionNoteInput> = {}): ResolutionNoteInput {
  return {
    waId: alex.waId,
    conversationRef: conversationRef(conversationWorkflowId('106540352242922', alex.waId)),
    resolvedBy: 'parley',
    summary: 'Asked where order 1042 is; told it ships with DPD and arrives Friday.',
    atMs: Date.parse('2026-11-25T09:30:00Z') + keySeq,
    idempotencyKey: `resolved:whatsapp:106540352242922:${alex.waId}:${++keySeq}`,
    ...over,
  };
}

/** Runs `fn`, expects an ApplicationFailure, returns it. */
async function failureOf(fn: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

/** The notes each CRM holds for a customer, as text. */
const notesOf: Record<string, (waId: string) => Promise<string[]>> = {
  builtin: async (waId) => {
    const c = await db.selectFrom('shop_customers').select('id').where('wa_id', '=', waId).executeTakeFirst();
    return c ? (await listNotes(db, 'builtin', c.id)).map((n) => n.body ?? '') : [];
  },
  hubspot: async (waId) =>
    fake
      .notes()
      .filter((n) => n.associations.some((a) => a.toObjectId === contactIds.get(waId)))
      .map((n) => n.properties.hs_note_body ?? ''),
};

// ---------------------------------------------------------------------------------------------

describe.each([
  ['builtin', () => createBuiltinCrm(db)],
  ['hubspot', () => hubspot],
])('CRM contract: %s', (name, crm) => {
  it('finds tier, lifetime value, owner and name by WhatsApp number', async () => {
    expect(await crm().findContact(sanne.waId)).toMatchObject({
      tier: 'vip',
      lifetimeValueCents: sanneLifetimeCents,
      ownerAgentId: DEMO_OWNER_AGENT.id,
      name: 'Sanne de Vries',
    });
    expect(sanneLifetimeCents).toBeGreaterThan(0);
    expect((await crm().findContact(julien.waId))?.tier).toBe('enterprise');
    const plain = await crm().findContact(alex.waId);
    expect(plain).toMatchObject({ tier: 'standard', name: 'Alex Morgan' });
    expect(plain?.ownerAgentId).toBeUndefined();
  });

  it('knows nobody for an unknown or malformed number', async () => {
    expect(await crm().findContact(STRANGER)).toBeUndefined();
    expect(await crm().findContact('')).toBeUndefined();
    expect(await crm().findContact(`+${alex.waId}`)).toBeUndefined();
  });

  it('writes a resolution note once per idempotency key', async () => {
    const before = (await notesOf[name]!(alex.waId)).length;
    const input = note();
    const first = await crm().addResolutionNote(input);
    const retried = await crm().addResolutionNote(input);
    expect(first.status).toBe('written');
    expect(retried).toEqual({ status: 'already_written', noteId: (first as { noteId: string }).noteId });
    const other = await crm().addResolutionNote(note({ resolvedBy: 'agent-ana' }));
    expect(other.status).toBe('written');
    const bodies = await notesOf[name]!(alex.waId);
    expect(bodies).toHaveLength(before + 2);
    const body = bodies.at(-2)!;
    expect(body).toContain('told it ships with DPD');
    expect(body).toContain(input.conversationRef);
    expect(body).toContain('Parley');
    expect(bodies.at(-1)).toContain('agent-ana');
  });

  it('keeps the phone number and the conversation id out of the note', async () => {
    const conversationId = `whatsapp:106540352242922:${alex.waId}`;
    await crm().addResolutionNote(
      note({
        // A conversation id passed by mistake, and a model that repeated the number.
        conversationRef: conversationId,
        summary: 'Customer (+1 555-123-4567, also 0015551234567) asked for the invoice; sent it.',
      }),
    );
    const body = (await notesOf[name]!(alex.waId)).at(-1)!;
    expect(body).toContain('asked for the invoice');
    expect(body.replace(/\D/g, '')).not.toContain(alex.waId);
    expect(body).not.toContain(conversationId);
    expect(body).toContain(conversationRef(conversationId));
  });

  it('writes nothing for a number that is nobody', async () => {
    expect(await crm().addResolutionNote(note({ waId: STRANGER }))).toEqual({ status: 'no_contact' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('HubSpot adapter (against fake-hubspot over HTTP)', () => {
  beforeEach(() => fake.reset());

  it("searches phone and mobile phone, with and without '+', asking for the configured properties", async () => {
    await hubspot.findContact(sanne.waId);
    const [search] = fake.requests;
    expect(search).toMatchObject({
      method: 'POST',
      path: '/crm/v3/objects/contacts/search',
      authorized: true,
    });
    const body = search!.body as {
      filterGroups: { filters: Record<string, string>[] }[];
      properties: string[];
    };
    expect(body.filterGroups.map((g) => g.filters)).toEqual([
      [{ propertyName: 'phone', operator: 'EQ', value: `+${sanne.waId}` }],
      [{ propertyName: 'phone', operator: 'EQ', value: sanne.waId }],
      [{ propertyName: 'mobilephone', operator: 'EQ', value: `+${sanne.waId}` }],
      [{ propertyName: 'mobilephone', operator: 'EQ', value: sanne.waId }],
    ]);
    expect(body.properties).toEqual(
      expect.arrayContaining(['customer_tier', 'total_revenue', 'hubspot_owner_id', 'phone', 'mobilephone']),
    );
  });

  it('reads custom property names, and picks the oldest of two records', async () => {
    fake.defineContactProperty('parley_tier');
    fake.defineContactProperty('parley_ltv');
    fake.defineContactProperty('parley_agent');
    const waId = '4915112345678';
    fake.addContact({
      phone: `+${waId}`,
      parley_tier: 'vip',
      parley_ltv: '1234.56',
      parley_agent: 'agent-ana',
    });
    fake.addContact({ mobilephone: waId, parley_tier: 'standard' });
    const custom = createHubSpotCrm({
      apiUrl: fake.url,
      accessToken: TOKEN,
      db,
      properties: { tier: 'parley_tier', lifetimeValue: 'parley_ltv', owner: 'parley_agent' },
      currency: 'eur',
    });
    expect(await custom.findContact(waId)).toEqual({
      tier: 'vip',
      lifetimeValueCents: 123456,
      currency: 'EUR',
      ownerAgentId: 'agent-ana',
    });
  });

  it('creates the note with its timestamp, associated to the contact (HUBSPOT_DEFINED 202)', async () => {
    const input = note({ waId: sanne.waId });
    const result = await hubspot.addResolutionNote(input);
    expect(result.status).toBe('written');
    const created = fake.notes().find((n) => n.id === (result as { noteId: string }).noteId)!;
    expect(created.timestampMs).toBe(input.atMs);
    expect(created.associations).toEqual([
      {
        toObjectId: contactIds.get(sanne.waId),
        associationCategory: 'HUBSPOT_DEFINED',
        associationTypeId: 202,
      },
    ]);
    expect(created.properties.hs_note_body).toMatch(/^<p><strong>WhatsApp conversation resolved by Parley/);
    expect(created.properties.hs_note_body).toContain(`parley-note:${noteKeyHash(input.idempotencyKey)}`);
    const row = await db
      .selectFrom('crm_notes')
      .selectAll()
      .where('system', '=', 'hubspot')
      .where('key_hash', '=', noteKeyHash(input.idempotencyKey))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      state: 'written',
      external_note_id: created.id,
      contact_ref: contactIds.get(sanne.waId),
    });
  });

  it('finds the note a lost answer created instead of writing it again', async () => {
    const input = note({ waId: sanne.waId });
    const before = fake.notes().length;
    fake.loseNextResponse(1, { path: /\/notes$/ });
    const lost = await failureOf(() => hubspot.addResolutionNote(input));
    expect([lost.type, lost.nonRetryable]).toEqual([CrmErrorTypes.Transient, false]);
    expect(fake.notes()).toHaveLength(before + 1); // HubSpot did create it
    const retried = await hubspot.addResolutionNote(input);
    expect(retried).toEqual({ status: 'already_written', noteId: fake.notes().at(-1)!.id });
    expect(fake.notes()).toHaveLength(before + 1);
    expect(fake.requests.map((r) => r.path).slice(-2)).toEqual([
      '/crm/v3/objects/contacts/search',
      '/crm/v3/objects/notes/search',
    ]);
  });

  it('writes it twice only inside the documented window: a retry faster than the search index', async () => {
    const input = note({ waId: sanne.waId });
    const before = fake.notes().length;
    fake.setSearchLag(60_000);
    fake.loseNextResponse(1, { path: /\/notes$/ });
    await failureOf(() => hubspot.addResolutionNote(input));
    expect((await hubspot.addResolutionNote(input)).status).toBe('written');
    expect(fake.notes()).toHaveLength(before + 2);
  });

  it('forgets a claim HubSpot refused, so the retry writes the note once', async () => {
    const input = note({ waId: sanne.waId });
    const before = fake.notes().length;
    fake.failNext(1, 400, { path: /\/notes$/ });
    const refused = await failureOf(() => hubspot.addResolutionNote(input));
    expect([refused.type, refused.nonRetryable]).toEqual([CrmErrorTypes.InvalidRequest, true]);
    expect(refused.details?.[0]).toMatchObject({
      category: 'VALIDATION_ERROR',
      correlationId: expect.any(String),
    });
    fake.failNext(1, 429, { path: /\/notes$/ });
    expect((await failureOf(() => hubspot.addResolutionNote(input))).type).toBe(CrmErrorTypes.RateLimited);
    expect((await hubspot.addResolutionNote(input)).status).toBe('written');
    expect(fake.notes()).toHaveLength(before + 1);
    // No note search was needed: HubSpot's errors said nothing had been created.
    expect(fake.requests.filter((r) => r.path === '/crm/v3/objects/notes/search')).toEqual([]);
  });

  it('lets one of two concurrent attempts write the note', async () => {
    const input = note({ waId: sanne.waId });
    const before = fake.notes().length;
    const results = await Promise.allSettled([
      hubspot.addResolutionNote(input),
      hubspot.addResolutionNote(input),
    ]);
    expect(fake.notes()).toHaveLength(before + 1);
    const outcomes = results.map((r) =>
      r.status === 'fulfilled' ? r.value.status : (r.reason as ApplicationFailure).type,
    );
    expect(outcomes).toContain('written');
    expect(outcomes.filter((o) => o !== 'written')).toEqual([
      expect.stringMatching(new RegExp(`^(already_written|${CrmErrorTypes.NoteInFlight})$`)),
    ]);
    const inFlight = results.find((r) => r.status === 'rejected');
    if (inFlight) expect((inFlight.reason as ApplicationFailure).nonRetryable).toBe(false);
  });

  it('makes a 429 retryable after Retry-After, or after the rate-limit window without it', async () => {
    fake.failNext(1, 429);
    const limited = await failureOf(() => hubspot.findContact(sanne.waId));
    expect([limited.type, limited.nonRetryable, limited.nextRetryDelay]).toEqual([
      CrmErrorTypes.RateLimited,
      false,
      1000,
    ]);
    expect(limited.details?.[0]).toMatchObject({
      httpStatus: 429,
      category: 'RATE_LIMITS',
      policyName: 'SECONDLY',
      correlationId: expect.any(String),
    });
    fake.failNext(1, 429, { retryAfter: null });
    expect((await failureOf(() => hubspot.findContact(sanne.waId))).nextRetryDelay).toBe(10_000);
  });

  it('classifies auth failures as non-retryable, without echoing the token, and 5xx as retryable', async () => {
    const wrong = createHubSpotCrm({ apiUrl: fake.url, accessToken: 'pat-wrong-secret-token', db });
    const unauthorized = await failureOf(() => wrong.findContact(sanne.waId));
    expect([unauthorized.type, unauthorized.nonRetryable]).toEqual([CrmErrorTypes.AuthError, true]);
    expect(unauthorized.details?.[0]).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
    expect(JSON.stringify([unauthorized.message, unauthorized.details])).not.toContain(
      'pat-wrong-secret-token',
    );
    fake.failNext(1, 403);
    expect((await failureOf(() => hubspot.findContact(sanne.waId))).type).toBe(CrmErrorTypes.AuthError);
    fake.failNext(1, 503);
    const down = await failureOf(() => hubspot.findContact(sanne.waId));
    expect([down.type, down.nonRetryable]).toEqual([CrmErrorTypes.Transient, false]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the activities on top of the CRM', () => {
  beforeEach(() => fake.reset());

  function handoff(crm: CrmAdapter) {
    return createHandoffActivities({
      db,
      helpdesk: createBuiltinQueue({ db, ticketUrl: (id) => `https://parley.example.com/queue/${id}` }),
      slack: undefined,
      channels: {},
      conversationUrlBase: 'https://parley.example.com/api/conversations',
      crm,
      ids: testConversationIds,
    });
  }

  it('lookupCustomer reads tier and owner from the CRM, in the shape the workflow expects', async () => {
    expect(await handoff(hubspot).lookupCustomer({ waId: sanne.waId })).toEqual({
      tier: 'vip',
      ownerAgentId: DEMO_OWNER_AGENT.id,
    });
    expect(await handoff(hubspot).lookupCustomer({ waId: STRANGER })).toEqual({});
    expect(fake.requests.every((r) => r.path === '/crm/v3/objects/contacts/search')).toBe(true);
  });

  it('lookupCustomer retries a failing CRM a few times, then goes on without tier', async () => {
    const lookup = handoff(hubspot).lookupCustomer;
    fake.failNext(2, 503);
    // The mock environment logs the expected failure as a warning: keep the output quiet.
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const early = new MockActivityEnvironment({ attempt: 1 }, { logger: quiet });
    await expect(early.run(lookup, { waId: sanne.waId })).rejects.toBeInstanceOf(ApplicationFailure);
    const last = new MockActivityEnvironment({ attempt: 3 }, { logger: quiet });
    expect(await last.run(lookup, { waId: sanne.waId })).toEqual({});
    // A bad token will not get better: no retries at all.
    const wrong = createHubSpotCrm({ apiUrl: fake.url, accessToken: 'pat-wrong', db });
    expect(await early.run(handoff(wrong).lookupCustomer, { waId: sanne.waId })).toEqual({});
  });

  it('recordResolutionNote writes the opaque reference of the conversation, once', async () => {
    const conversationId = conversationWorkflowId('106540352242922', julien.waId);
    const { recordResolutionNote } = createCrmActivities({ crm: hubspot, ids: testConversationIds });
    const input = {
      conversationId,
      waId: julien.waId,
      resolvedBy: 'parley',
      summary: 'Bulk order of 2 C7 machines confirmed for Friday delivery.',
      atMs: Date.parse('2026-11-25T10:00:00Z'),
      idempotencyKey: `resolved:${conversationId}:7`,
    };
    const first = await recordResolutionNote(input);
    expect(first.status).toBe('written');
    expect(await recordResolutionNote(input)).toEqual({ ...first, status: 'already_written' });
    const body = fake.notes().find((n) => n.id === (first as { noteId: string }).noteId)!.properties
      .hs_note_body!;
    expect(body).toContain(conversationRef(conversationId));
    expect(body).not.toContain(julien.waId);
  });
});
