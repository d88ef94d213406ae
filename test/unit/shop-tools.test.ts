/**
 * The read-only agent tools against a real migrated database seeded with the demo shop: happy
 * paths, authorisation by the caller's WhatsApp id (another customer's order looks exactly like a
 * nonexistent one), argument validation, idempotent seeding and time-zone-correct opening hours.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReadOnlyTools,
  DEMO_BUSINESS,
  toolsByName,
  type AgentTool,
} from '../../activities/tools/index.js';
import type { ToolCaller } from '../../activities/tools/types.js';
import type { Db } from '../../db/database.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS, seedDemoShop } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';
import { as, stranger, toolRunner } from '../support/tool-callers.js';

/** The demo's "today": Wednesday 25 November 2026, 10:00 in Paris. */
const DEMO_NOW = new Date('2026-11-25T09:00:00Z');

let db: Db;
let clock = DEMO_NOW;
let tools: ReadonlyMap<string, AgentTool>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedDemoShop(db);
  tools = toolsByName(createReadOnlyTools({ db, business: DEMO_BUSINESS, now: () => clock }));
});
afterAll(async () => {
  await db?.destroy();
});

const { alex, camille, sanne } = DEMO_CUSTOMERS;
const call = toolRunner(() => tools);

/** The `data` of an ok outcome (fails the test otherwise). */
async function ok(name: string, args: unknown, caller?: ToolCaller): Promise<any> {
  const outcome = await call(name, args, caller);
  expect(outcome.status, JSON.stringify(outcome)).toBe('ok');
  return (outcome as { data: unknown }).data;
}

describe('tool definitions', () => {
  it('offers seven snake_case tools with OpenAI strict-mode parameter schemas', () => {
    expect([...tools.keys()].sort()).toEqual([
      'customer_profile',
      'invoice_lookup',
      'opening_hours',
      'order_status',
      'product_info',
      'shipment_tracking',
      'shipping_quote',
    ]);
    for (const tool of tools.values()) {
      const p = tool.parameters as {
        type: string;
        properties: object;
        required: string[];
        additionalProperties: unknown;
      };
      expect(p.type).toBe('object');
      expect(p.additionalProperties).toBe(false);
      expect([...p.required].sort()).toEqual(Object.keys(p.properties).sort());
      expect(tool.description.length).toBeGreaterThan(20);
    }
  });

  it('refuses duplicate names', () => {
    const [first] = createReadOnlyTools({ db, business: DEMO_BUSINESS });
    expect(() => toolsByName([first!, first!])).toThrow(/Duplicate/);
  });
});

describe('seeding', () => {
  it('is idempotent: a second seed changes no row count', async () => {
    const count = async () => {
      const { rows } = await sql<Record<string, string>>`
        select (select count(*) from shop_customers) as customers,
               (select count(*) from shop_products) as products,
               (select count(*) from shop_orders) as orders,
               (select count(*) from shop_order_lines) as lines,
               (select count(*) from shop_invoices) as invoices,
               (select count(*) from agents) as agents`.execute(db);
      return rows[0];
    };
    const before = await count();
    await seedDemoShop(db);
    expect(await count()).toEqual(before);
    expect(Number(before?.customers)).toBe(8);
    expect(Number(before?.orders)).toBeGreaterThanOrEqual(15);
  });

  it('has an invoice for every delivered order, and totals that match the lines plus shipping', async () => {
    const delivered = await db
      .selectFrom('shop_orders')
      .leftJoin('shop_invoices', 'shop_invoices.order_id', 'shop_orders.id')
      .select(['shop_orders.id', 'shop_invoices.id as invoice'])
      .where('status', '=', 'delivered')
      .execute();
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.filter((o) => !o.invoice)).toEqual([]);
    const order = await db
      .selectFrom('shop_orders')
      .selectAll()
      .where('id', '=', '1038')
      .executeTakeFirstOrThrow();
    expect(order.total_cents).toBe(3900 + 690); // M1 to the Netherlands: below €49, zone 2 standard.
  });
});

describe('order_status', () => {
  it('gives Alex her order 1042: shipped, items, estimated delivery and tracking link', async () => {
    const data = await ok('order_status', { orderNumber: DEMO_ORDERS.alexShipped });
    expect(data).toMatchObject({
      orderNumber: '1042',
      status: 'shipped',
      estimatedDelivery: '2026-11-27',
      total: '168.00 EUR',
      shippingCountry: 'NL',
      invoiceAvailable: true,
      tracking: { carrier: 'DPD', trackingNumber: '05212345671042' },
    });
    expect(data.tracking.trackingUrl).toMatch(/^https:\/\/.+05212345671042/);
    expect(data.items).toEqual([
      { sku: 'PH-C7', name: 'C7 capsule coffee machine', quantity: 1, unitPrice: '129.00 EUR' },
      { sku: 'PH-M1', name: 'M1 milk frother', quantity: 1, unitPrice: '39.00 EUR' },
    ]);
  });

  it.each(['#1042', ' 1042 ', 'PH-001042', 'ph1042'])('accepts the order number written as %j', async (n) => {
    expect((await ok('order_status', { orderNumber: n })).orderNumber).toBe('1042');
  });

  it('accepts arguments as the JSON string the model produced', async () => {
    expect((await ok('order_status', '{"orderNumber":"1042"}')).status).toBe('shipped');
  });

  it("answers another customer's order exactly like a nonexistent one", async () => {
    const foreign = await call('order_status', { orderNumber: DEMO_ORDERS.camilleDelivered });
    const missing = await call('order_status', { orderNumber: '999999' });
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
    expect(JSON.stringify(foreign)).not.toMatch(/1043|Camille|camille|delivered|V9/);
    // …while its owner sees it.
    expect((await ok('order_status', { orderNumber: '1043' }, as(camille))).status).toBe('delivered');
  });

  it('shows nothing to a caller who is not a customer', async () => {
    expect(await call('order_status', { orderNumber: '1042' }, stranger)).toEqual(
      await call('order_status', { orderNumber: '999999' }),
    );
    expect(await call('order_status', { orderNumber: '1042' }, { ...stranger, waId: '' })).toMatchObject({
      status: 'not_found',
    });
  });

  it.each([
    ['letters', { orderNumber: 'abc' }],
    ['digits and letters', { orderNumber: '1042abc' }],
    ['an SQL fragment', { orderNumber: "1042' or '1'='1" }],
    ['a number type', { orderNumber: 1042 }],
    ['a huge string', { orderNumber: '1'.repeat(10_000) }],
    ['no argument', {}],
    ['an extra argument', { orderNumber: '1042', waId: camille.waId }],
    ['not an object', [1042]],
    ['invalid JSON', '{"orderNumber":'],
  ])('rejects %s as invalid_arguments without throwing', async (_what, args) => {
    const outcome = await call('order_status', args);
    expect(outcome.status).toBe('invalid_arguments');
    expect((outcome as { reason: string }).reason.length).toBeLessThanOrEqual(300);
  });
});

describe('shipment_tracking', () => {
  it('gives carrier, tracking number, link and estimated delivery of a shipped order', async () => {
    expect(await ok('shipment_tracking', { orderNumber: '1042' })).toEqual({
      orderNumber: '1042',
      status: 'shipped',
      shipped: true,
      carrier: 'DPD',
      trackingNumber: '05212345671042',
      trackingUrl: 'https://tracking.dpd.de/status/en_US/parcel/05212345671042',
      shippingCountry: 'NL',
      estimatedDelivery: '2026-11-27',
      deliveredAt: null,
      pastEstimatedDelivery: false,
    });
  });

  it('flags a parcel past its estimated delivery', async () => {
    expect((await ok('shipment_tracking', { orderNumber: '1039' }, as(sanne))).pastEstimatedDelivery).toBe(
      true,
    );
  });

  it('says when an order has not shipped yet', async () => {
    expect(await ok('shipment_tracking', { orderNumber: '1046' })).toMatchObject({
      status: 'paid',
      shipped: false,
    });
  });

  it("does not track another customer's parcel", async () => {
    expect(await call('shipment_tracking', { orderNumber: '1043' })).toEqual(
      await call('shipment_tracking', { orderNumber: '5' }),
    );
  });
});

describe('invoice_lookup', () => {
  it('finds an invoice by order number or by invoice number', async () => {
    const byOrder = await ok('invoice_lookup', { orderNumber: '1031', invoiceNumber: null });
    expect(byOrder).toEqual({
      invoiceNumber: 'INV-2026-001031',
      orderNumber: '1031',
      issuedAt: '2026-09-02T14:00:00.000Z',
      total: '59.90 EUR',
      vatIncluded: '10.40 EUR', // 21 % Dutch VAT included in €59.90
      totalExcludingVat: '49.50 EUR',
      pdfUrl: 'https://parleyhome.eu/account/invoices/INV-2026-001031.pdf',
    });
    expect(
      (await ok('invoice_lookup', { orderNumber: null, invoiceNumber: 'inv-2026-001042' })).orderNumber,
    ).toBe('1042');
    expect(
      (await ok('invoice_lookup', { orderNumber: '#1042', invoiceNumber: 'INV-2026-001042' })).total,
    ).toBe('168.00 EUR');
  });

  it("answers another customer's invoice exactly like a nonexistent one", async () => {
    const byInvoice = await call('invoice_lookup', { orderNumber: null, invoiceNumber: 'INV-2026-001043' });
    const missingInvoice = await call('invoice_lookup', {
      orderNumber: null,
      invoiceNumber: 'INV-2026-999999',
    });
    const byOrder = await call('invoice_lookup', { orderNumber: '1043', invoiceNumber: null });
    const missingOrder = await call('invoice_lookup', { orderNumber: '999999', invoiceNumber: null });
    expect(byInvoice.status).toBe('not_found');
    expect(byInvoice).toEqual(missingInvoice);
    expect(byOrder).toEqual(missingOrder);
    expect(byOrder).toEqual(byInvoice);
    // Mixing one's own order with another customer's invoice number does not match either.
    expect(await call('invoice_lookup', { orderNumber: '1042', invoiceNumber: 'INV-2026-001043' })).toEqual(
      byInvoice,
    );
    expect(
      (await ok('invoice_lookup', { orderNumber: null, invoiceNumber: 'INV-2026-001043' }, as(camille)))
        .pdfUrl,
    ).toBe('https://parleyhome.eu/account/invoices/INV-2026-001043.pdf');
  });

  it("explains that the caller's own unshipped order has no invoice yet", async () => {
    const outcome = await call('invoice_lookup', { orderNumber: '1046', invoiceNumber: null });
    expect(outcome).toMatchObject({ status: 'not_found', reason: expect.stringMatching(/no invoice yet/) });
  });

  it('needs an order number or an invoice number, well formed', async () => {
    for (const args of [
      { orderNumber: null, invoiceNumber: null },
      {},
      { orderNumber: null, invoiceNumber: 'INV-1' },
      { orderNumber: 'abc', invoiceNumber: null },
    ]) {
      expect((await call('invoice_lookup', args)).status).toBe('invalid_arguments');
    }
  });
});

describe('customer_profile', () => {
  it("returns the caller's own profile with a masked email and the open orders", async () => {
    const outcome = await call('customer_profile', {});
    const data = (outcome as { data: any }).data;
    expect(data).toMatchObject({
      name: 'Alex Morgan',
      tier: 'standard',
      language: 'en',
      email: 'a***@example.com',
      hasDedicatedAgent: false,
    });
    expect(data.openOrders.map((o: { orderNumber: string }) => o.orderNumber).sort()).toEqual([
      '1042',
      '1046',
    ]);
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(alex.email);
    expect(text).not.toMatch(/Camille|1043|lifetime/i);
  });

  it('shows the VIP their tier and that they have a dedicated agent, without naming internals', async () => {
    const data = await ok('customer_profile', {}, as(sanne));
    expect(data).toMatchObject({ tier: 'vip', language: 'nl', hasDedicatedAgent: true });
    expect(JSON.stringify(data)).not.toContain('agent-ana');
  });

  it('takes no arguments: a waId from the model is rejected, not obeyed', async () => {
    expect((await call('customer_profile', { waId: camille.waId })).status).toBe('invalid_arguments');
  });

  it('finds no profile for a caller who is not a customer', async () => {
    expect((await call('customer_profile', {}, stranger)).status).toBe('not_found');
  });
});

describe('product_info', () => {
  it('finds a product by English name words with price, stock, specs and compatibility', async () => {
    const { products } = await ok('product_info', { query: 'kettle' });
    expect(products[0]).toMatchObject({
      sku: 'PH-K2',
      name: 'K2 variable-temperature kettle',
      price: '59.90 EUR',
      availability: 'in_stock',
      specs: { Capacity: '1.7 L (minimum 0.5 L)' },
      compatibleWith: [{ sku: 'K2-F', name: 'K2-F limescale filter (pack of 2)' }],
    });
    expect(products.length).toBeLessThanOrEqual(3);
  });

  it('finds a product by its French name, accents or not, and names it in French for a French caller', async () => {
    for (const query of ['bouilloire', 'machine à café', 'MACHINE A CAFE']) {
      const { products } = await ok('product_info', { query }, as(camille));
      expect(['PH-K2', 'PH-C7']).toContain(products[0].sku);
    }
    const { products } = await ok('product_info', { query: 'machine à café' }, as(camille));
    expect(products[0]).toMatchObject({ sku: 'PH-C7', name: 'Machine à café à capsules C7' });
  });

  it('ranks an exact SKU first and reports stock-outs', async () => {
    const { products } = await ok('product_info', { query: 'V9-B' });
    expect(products[0]).toMatchObject({
      sku: 'V9-B',
      price: '69.90 EUR',
      availability: 'out_of_stock',
      stock: 0,
    });
    expect((await ok('product_info', { query: 'ph-c7' })).products[0].sku).toBe('PH-C7');
  });

  it('says not_found for an unknown product and rejects oversized or empty queries', async () => {
    expect((await call('product_info', { query: 'lawn mower' })).status).toBe('not_found');
    expect((await call('product_info', { query: 'x'.repeat(10_000) })).status).toBe('invalid_arguments');
    expect((await call('product_info', { query: '   ' })).status).toBe('invalid_arguments');
    expect((await call('product_info', { query: "%' or 1=1 --" })).status).toBe('not_found');
  });
});

describe('shipping_quote', () => {
  it('quotes standard and express to France without a basket', async () => {
    expect(await ok('shipping_quote', { country: 'FR', basketTotalEur: null })).toMatchObject({
      country: 'FR',
      countryName: 'France',
      delivers: true,
      zone: 'zone-1',
      standard: { cost: '4.90 EUR', businessDays: '2-3' },
      express: { cost: '9.90 EUR', businessDays: '1' },
      freeStandardShippingFrom: '49.00 EUR',
      qualifiesForFreeStandardShipping: null,
      pickupPointDelivery: true,
    });
  });

  it('applies free standard shipping from €49 and charges only the express difference', async () => {
    expect(await ok('shipping_quote', { country: 'nl', basketTotalEur: 49 })).toMatchObject({
      zone: 'zone-2',
      standard: { cost: '0.00 EUR', businessDays: '3-4' },
      express: { cost: '6.00 EUR' },
      qualifiesForFreeStandardShipping: true,
    });
    expect(await ok('shipping_quote', { country: 'DE', basketTotalEur: 48.99 })).toMatchObject({
      standard: { cost: '8.90 EUR', businessDays: '4-6' },
      express: { cost: '14.90 EUR' },
      missingForFreeStandardShipping: '0.01 EUR',
    });
  });

  it('says plainly when the shop does not deliver to a country', async () => {
    expect(await ok('shipping_quote', { country: 'CH', basketTotalEur: null })).toMatchObject({
      delivers: false,
      deliversTo: ['FR', 'BE', 'LU', 'NL', 'DE', 'ES', 'IT'],
    });
  });

  it('rejects a malformed country or basket', async () => {
    for (const args of [
      { country: 'FRA', basketTotalEur: null },
      { country: 'France', basketTotalEur: null },
      { country: 'FR', basketTotalEur: -1 },
      { country: 'FR', basketTotalEur: '49' },
    ]) {
      expect((await call('shipping_quote', args)).status).toBe('invalid_arguments');
    }
  });
});

describe('opening_hours', () => {
  async function at(iso: string) {
    clock = new Date(iso);
    try {
      return await ok('opening_hours', {});
    } finally {
      clock = DEMO_NOW;
    }
  }

  it('is open on a weekday during hours, until 18:00 Paris time', async () => {
    const data = await at('2026-11-25T09:00:00Z'); // Wednesday 10:00 CET
    expect(data).toMatchObject({
      timezone: 'Europe/Paris',
      now: { date: '2026-11-25', weekday: 'wednesday', time: '10:00', utcOffset: '+01:00' },
      openNow: true,
      closesAt: { time: '18:00', at: '2026-11-25T17:00:00.000Z' },
      nextOpening: null,
    });
    expect(data.weeklyHours).toMatchObject({
      monday: ['09:00-18:00'],
      saturday: ['10:00-14:00'],
      sunday: [],
    });
    expect(data.contact.email).toBe('support@parleyhome.eu');
  });

  it('is closed on Sunday and opens Monday at 09:00', async () => {
    expect(await at('2026-11-29T11:00:00Z')).toMatchObject({
      openNow: false,
      closesAt: null,
      nextOpening: { date: '2026-11-30', weekday: 'monday', time: '09:00', at: '2026-11-30T08:00:00.000Z' },
    });
  });

  it('after closing on Friday, opens Saturday at 10:00', async () => {
    expect(await at('2026-11-27T17:30:00Z')).toMatchObject({
      now: { weekday: 'friday', time: '18:30' },
      openNow: false,
      nextOpening: { date: '2026-11-28', weekday: 'saturday', time: '10:00', at: '2026-11-28T09:00:00.000Z' },
    });
  });

  it('before opening on a weekday, opens the same day', async () => {
    expect(await at('2026-11-30T07:59:00Z')).toMatchObject({
      openNow: false,
      nextOpening: { date: '2026-11-30', time: '09:00' },
    });
  });

  it('after Saturday closing, skips Sunday', async () => {
    expect(await at('2026-11-28T13:00:00Z')).toMatchObject({
      openNow: false,
      nextOpening: { date: '2026-11-30', weekday: 'monday' },
    });
  });

  it('is closed on a public holiday, in summer time too', async () => {
    expect(await at('2026-12-25T10:00:00Z')).toMatchObject({
      openNow: false,
      holidayToday: 'Christmas Day',
      nextOpening: { date: '2026-12-26', weekday: 'saturday', at: '2026-12-26T09:00:00.000Z' },
    });
    expect(await at('2026-07-14T08:00:00Z')).toMatchObject({
      now: { utcOffset: '+02:00' },
      openNow: false,
      holidayToday: 'Bastille Day',
      nextOpening: { date: '2026-07-15', time: '09:00', at: '2026-07-15T07:00:00.000Z' },
    });
    expect(await at('2026-07-15T15:59:00Z')).toMatchObject({
      openNow: true,
      closesAt: { at: '2026-07-15T16:00:00.000Z' },
    });
  });

  it('takes no arguments', async () => {
    expect((await call('opening_hours', { day: 'monday' })).status).toBe('invalid_arguments');
    expect((await call('opening_hours', undefined)).status).toBe('ok');
  });
});
