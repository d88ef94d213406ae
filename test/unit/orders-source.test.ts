/**
 * Order sources through one contract: the built-in source on a real (test) Postgres seeded with
 * the demo shop, and the Shopify source over HTTP against fake-shopify seeded with the same orders
 * (Shopify's shapes, auth, status filter and errors). Then what only Shopify has: ownership by the
 * order's phone, the status mapping, error classification, and the tools answering from Shopify.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBuiltinOrderSource } from '../../activities/integrations/orders/builtin.js';
import {
  createShopifyOrderSource,
  mapShopifyOrderStatus,
} from '../../activities/integrations/orders/shopify.js';
import { OrderSourceErrorTypes, type OrderSource } from '../../activities/integrations/orders/types.js';
import { createReadOnlyTools, DEMO_BUSINESS, toolsByName } from '../../activities/tools/index.js';
import type { ToolCaller } from '../../activities/tools/types.js';
import type { Db } from '../../db/database.js';
import { DEMO_CUSTOMERS, seedDemoShop } from '../../devstack/demo-shop.js';
import { startFakeShopify, type FakeShopify } from '../servers/fake-shopify.js';
import { createTestDatabase } from '../support/database.js';

const ALEX = DEMO_CUSTOMERS.alex.waId;
const CAMILLE = DEMO_CUSTOMERS.camille.waId;
const STRANGER = '447700900123';
const TOKEN = 'shpat_fake_0123456789abcdef';
const DPD_URL = 'https://tracking.dpd.de/status/en_US/parcel/05212345671042';
const OPEN = ['pending', 'paid', 'shipped'] as const;

let db: Db;
let fake: FakeShopify;
let shopify: OrderSource;

/** The demo shop's orders 1042, 1043 and 1046 as a Shopify store holds them. */
function seedShopify(shop: FakeShopify): void {
  const alex = shop.addCustomer({ phone: `+${ALEX}`, first_name: 'Alex', last_name: 'Morgan' });
  const camille = shop.addCustomer({
    phone: '+33 6 87 65 43 21',
    first_name: 'Camille',
    last_name: 'Dubois',
  });
  shop.addOrder({
    order_number: 1042,
    customerId: alex,
    created_at: '2026-11-23T11:12:00+01:00',
    financial_status: 'paid',
    fulfillment_status: 'fulfilled',
    total_price: '168.00',
    shipping_country: 'NL',
    line_items: [
      { title: 'C7 capsule coffee machine', sku: 'PH-C7', quantity: 1, price: '129.00' },
      { title: 'M1 milk frother', sku: 'PH-M1', quantity: 1, price: '39.00' },
    ],
    fulfillments: [
      {
        tracking_company: 'DPD',
        tracking_number: '05212345671042',
        tracking_url: DPD_URL,
        shipment_status: 'in_transit',
        created_at: '2026-11-23T14:40:00+01:00',
        events: [
          { status: 'confirmed', happened_at: '2026-11-23T14:40:00+01:00', estimated_delivery_at: null },
          {
            status: 'in_transit',
            happened_at: '2026-11-24T08:00:00+01:00',
            estimated_delivery_at: '2026-11-27T00:00:00+01:00',
          },
        ],
      },
    ],
  });
  shop.addOrder({
    order_number: 1043,
    customerId: camille,
    created_at: '2026-11-16T21:05:00+01:00',
    financial_status: 'paid',
    fulfillment_status: 'fulfilled',
    total_price: '249.00',
    shipping_country: 'FR',
    line_items: [{ title: 'V9 cordless vacuum', sku: 'PH-V9', quantity: 1, price: '249.00' }],
    fulfillments: [
      {
        tracking_company: 'Colissimo',
        tracking_number: '6A23456701043',
        shipment_status: 'delivered',
        created_at: '2026-11-17T13:30:00+01:00',
        updated_at: '2026-11-19T12:00:00+01:00',
        events: [{ status: 'delivered', happened_at: '2026-11-19T11:25:00+01:00' }],
      },
    ],
  });
  shop.addOrder({
    order_number: 1046,
    customerId: alex,
    created_at: '2026-11-25T09:30:00+01:00',
    financial_status: 'paid',
    total_price: '14.90',
    line_items: [{ title: 'K2-F limescale filter (pack of 2)', sku: 'K2-F', quantity: 1, price: '14.90' }],
  });
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedDemoShop(db);
  fake = await startFakeShopify({ accessToken: TOKEN });
  seedShopify(fake);
  shopify = createShopifyOrderSource({ shopUrl: fake.url, accessToken: TOKEN, timeoutMs: 5_000 });
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});

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

// ---------------------------------------------------------------------------------------------

describe.each([
  ['builtin', () => createBuiltinOrderSource(db)],
  ['shopify', () => shopify],
])('order source contract: %s', (_name, source) => {
  it("finds the caller's own order with its status, totals, lines and tracking", async () => {
    const order = await source().findOwnedOrder(ALEX, '1042');
    expect(order).toMatchObject({
      orderNumber: '1042',
      status: 'shipped',
      totalCents: 16800,
      currency: 'EUR',
      shippingCountry: 'NL',
      carrier: 'DPD',
      trackingNumber: '05212345671042',
      trackingUrl: DPD_URL,
      estimatedDelivery: '2026-11-27',
      deliveredAt: null,
    });
    expect(order!.placedAt.toISOString()).toBe('2026-11-23T10:12:00.000Z');
    expect(order!.lines.map((l) => [l.sku, l.name, l.quantity, l.unitPriceCents])).toEqual([
      ['PH-C7', 'C7 capsule coffee machine', 1, 12900],
      ['PH-M1', 'M1 milk frother', 1, 3900],
    ]);
  });

  it("answers another customer's order and a missing one alike: undefined", async () => {
    expect(await source().findOwnedOrder(ALEX, '1043')).toBeUndefined();
    expect(await source().findOwnedOrder(ALEX, '999999')).toBeUndefined();
    expect(await source().findOwnedOrder(STRANGER, '1042')).toBeUndefined();
    // …while the owner sees hers, delivered (a closed order in Shopify terms).
    const delivered = await source().findOwnedOrder(CAMILLE, '1043');
    expect(delivered).toMatchObject({ status: 'delivered', carrier: 'Colissimo', shippingCountry: 'FR' });
    expect(delivered!.deliveredAt?.toISOString()).toBe('2026-11-19T10:25:00.000Z');
  });

  it('refuses malformed wa ids and order numbers without asking anyone', async () => {
    expect(await source().findOwnedOrder('', '1042')).toBeUndefined();
    expect(await source().findOwnedOrder(`+${ALEX}`, '1042')).toBeUndefined();
    expect(await source().findOwnedOrder(ALEX, '#1042')).toBeUndefined();
    expect(await source().listCustomerOrders('abc')).toEqual([]);
  });

  it("lists the caller's orders newest first, by status, up to a limit", async () => {
    const open = await source().listCustomerOrders(ALEX, { statuses: OPEN });
    expect(open.map((o) => [o.orderNumber, o.status])).toEqual([
      ['1046', 'paid'],
      ['1042', 'shipped'],
    ]);
    expect(
      (await source().listCustomerOrders(ALEX, { statuses: OPEN, limit: 1 })).map((o) => o.orderNumber),
    ).toEqual(['1046']);
    expect(await source().listCustomerOrders(ALEX, { statuses: [] })).toEqual([]);
    expect(await source().listCustomerOrders(STRANGER)).toEqual([]);
    const camille = await source().listCustomerOrders(CAMILLE, { statuses: ['delivered'] });
    expect(camille.map((o) => o.orderNumber)).toContain('1043');
    expect(camille.map((o) => o.orderNumber)).not.toContain('1042');
  });
});

// ---------------------------------------------------------------------------------------------

describe('Shopify order source (against fake-shopify over HTTP)', () => {
  beforeEach(() => fake.reset());

  it('asks for any status by name, with the token and only the fields it reads', async () => {
    await shopify.findOwnedOrder(ALEX, '1042');
    const [find, events] = fake.requests;
    expect(find).toMatchObject({ method: 'GET', path: '/admin/api/2024-10/orders.json', authorized: true });
    expect(find!.query).toMatchObject({ name: '1042', status: 'any' });
    expect(find!.query.fields!.split(',')).toEqual(
      expect.arrayContaining(['customer', 'phone', 'fulfillments']),
    );
    expect(events!.path).toMatch(/^\/admin\/api\/2024-10\/orders\/\d+\/fulfillments\/\d+\/events\.json$/);
    // Another customer's order costs the same single request as a missing one.
    fake.reset();
    await shopify.findOwnedOrder(ALEX, '1043');
    await shopify.findOwnedOrder(ALEX, '999999');
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/admin/api/2024-10/orders.json',
      '/admin/api/2024-10/orders.json',
    ]);
  });

  it("trusts the customer's phone and the order's phone, and nothing else", async () => {
    const guest = fake.addOrder({ order_number: 2001, customerId: null, phone: '+1 (555) 123-4567' });
    const typedIn = fake.addOrder({
      order_number: 2002,
      customerId: null,
      phone: null,
      shipping_phone: `+${ALEX}`,
    });
    const national = fake.addCustomer({ phone: '06 87 65 43 21' });
    fake.addOrder({ order_number: 2003, customerId: national });
    expect((await shopify.findOwnedOrder(ALEX, '2001'))?.orderNumber).toBe('2001');
    expect(await shopify.findOwnedOrder(ALEX, '2002')).toBeUndefined();
    expect(await shopify.findOwnedOrder('33687654321', '2003')).toBeUndefined();
    expect(guest.name).toBe('#2001');
    expect(typedIn.name).toBe('#2002');
  });

  it('maps financial and fulfillment statuses to ours', async () => {
    const cases: [Parameters<typeof fake.addOrder>[0], string][] = [
      [{ order_number: 3001, financial_status: 'pending' }, 'pending'],
      [{ order_number: 3002, financial_status: 'authorized' }, 'paid'],
      [{ order_number: 3003, financial_status: 'partially_paid' }, 'pending'],
      [
        { order_number: 3004, financial_status: 'paid', cancelled_at: '2026-11-20T12:00:00+01:00' },
        'cancelled',
      ],
      [{ order_number: 3005, financial_status: 'voided' }, 'cancelled'],
      [
        {
          order_number: 3006,
          financial_status: 'refunded',
          fulfillment_status: 'fulfilled',
          fulfillments: [{ tracking_number: 'R1', shipment_status: 'delivered' }],
        },
        'returned',
      ],
      [
        {
          order_number: 3007,
          financial_status: 'paid',
          fulfillment_status: 'partial',
          fulfillments: [{ tracking_number: 'P1', shipment_status: 'delivered' }],
        },
        'shipped',
      ],
      [
        {
          order_number: 3008,
          financial_status: 'partially_refunded',
          fulfillment_status: 'fulfilled',
          fulfillments: [
            { tracking_number: 'A1', shipment_status: 'delivered' },
            { status: 'cancelled', tracking_number: 'A2' },
          ],
        },
        'delivered',
      ],
    ];
    for (const [order, status] of cases) {
      fake.addOrder({ ...order, customerId: null, phone: `+${ALEX}` });
      const found = await shopify.findOwnedOrder(ALEX, String(order.order_number));
      expect([order.order_number, found?.status]).toEqual([order.order_number, status]);
    }
    expect(
      mapShopifyOrderStatus({
        cancelled_at: null,
        financial_status: 'paid',
        fulfillment_status: 'restocked',
        fulfillments: [],
      }),
    ).toBe('returned');
  });

  it('makes a 429 retryable after Retry-After (seconds with a decimal point)', async () => {
    fake.failNext(1, 429, { retryAfter: '2.0' });
    const failure = await failureOf(() => shopify.findOwnedOrder(ALEX, '1042'));
    expect(failure.type).toBe(OrderSourceErrorTypes.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(2000);
    expect(failure.details?.[0]).toMatchObject({
      source: 'shopify',
      httpStatus: 429,
      retryAfterMs: 2000,
      errors: expect.stringMatching(/Exceeded 2 calls per second/),
      requestId: expect.any(String),
    });
    // The retry goes through.
    expect((await shopify.findOwnedOrder(ALEX, '1042'))?.status).toBe('shipped');
  });

  it('makes a bad token non-retryable, without echoing it', async () => {
    const wrong = createShopifyOrderSource({ shopUrl: fake.url, accessToken: 'shpat_wrong_secret_value' });
    const failure = await failureOf(() => wrong.findOwnedOrder(ALEX, '1042'));
    expect(failure.type).toBe(OrderSourceErrorTypes.AuthError);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/Invalid API key or access token/);
    expect(JSON.stringify([failure.message, failure.details])).not.toContain('shpat_wrong_secret_value');
    expect(fake.requests.at(-1)).toMatchObject({ authorized: false, status: 401 });
  });

  it('classifies 403, 404 (wrong API version), 5xx and network failures', async () => {
    fake.failNext(1, 403);
    expect((await failureOf(() => shopify.listCustomerOrders(ALEX))).type).toBe(
      OrderSourceErrorTypes.AuthError,
    );
    const oldVersion = createShopifyOrderSource({
      shopUrl: fake.url,
      accessToken: TOKEN,
      apiVersion: '2023-01',
    });
    const notFound = await failureOf(() => oldVersion.findOwnedOrder(ALEX, '1042'));
    expect([notFound.type, notFound.nonRetryable]).toEqual([OrderSourceErrorTypes.Permanent, true]);
    fake.failNext(1, 503, { path: /events\.json$/ });
    const down = await failureOf(() => shopify.findOwnedOrder(ALEX, '1042'));
    expect([down.type, down.nonRetryable]).toEqual([OrderSourceErrorTypes.Transient, false]);
    const unreachable = createShopifyOrderSource({ shopUrl: 'http://127.0.0.1:9', accessToken: TOKEN });
    const net = await failureOf(() => unreachable.findOwnedOrder(ALEX, '1042'));
    expect([net.type, net.nonRetryable]).toEqual([OrderSourceErrorTypes.Transient, false]);
  });

  it('lists through the customer search, checking the phone of every customer found', async () => {
    fake.addCustomer({ phone: `+${ALEX}0` }); // a longer number sharing the prefix: not Alex
    await shopify.listCustomerOrders(ALEX, { statuses: OPEN });
    const [search, ...lists] = fake.requests;
    expect(search).toMatchObject({ path: '/admin/api/2024-10/customers/search.json' });
    expect(search!.query.query).toBe(`phone:+${ALEX}`);
    expect(lists).toHaveLength(1);
    expect(lists[0]!.path).toMatch(/^\/admin\/api\/2024-10\/customers\/\d+\/orders\.json$/);
    expect(lists[0]!.query).toMatchObject({ status: 'any' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('the order tools answering from Shopify', () => {
  const caller = (waId: string): ToolCaller => ({
    conversationId: `whatsapp:test:${waId}`,
    waId,
    language: 'en',
  });
  let tools: ReturnType<typeof toolsByName>;

  beforeAll(() => {
    tools = toolsByName(
      createReadOnlyTools({
        db,
        business: DEMO_BUSINESS,
        orders: shopify,
        now: () => new Date('2026-11-25T09:00:00Z'),
      }),
    );
  });

  it('order_status gives the Shopify order, and nothing of anyone else', async () => {
    const outcome = await tools.get('order_status')!.run({ orderNumber: '#1042' }, caller(ALEX));
    expect(outcome).toMatchObject({
      status: 'ok',
      data: {
        orderNumber: '1042',
        status: 'shipped',
        total: '168.00 EUR',
        estimatedDelivery: '2026-11-27',
        tracking: { carrier: 'DPD', trackingNumber: '05212345671042', trackingUrl: DPD_URL },
        invoiceAvailable: false,
        items: [
          { sku: 'PH-C7', name: 'C7 capsule coffee machine', quantity: 1, unitPrice: '129.00 EUR' },
          { sku: 'PH-M1', name: 'M1 milk frother', quantity: 1, unitPrice: '39.00 EUR' },
        ],
      },
    });
    const foreign = await tools.get('order_status')!.run({ orderNumber: '1043' }, caller(ALEX));
    const missing = await tools.get('order_status')!.run({ orderNumber: '999999' }, caller(ALEX));
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
  });

  it('shipment_tracking and the profile read Shopify too', async () => {
    expect(await tools.get('shipment_tracking')!.run({ orderNumber: '1043' }, caller(CAMILLE))).toMatchObject(
      {
        status: 'ok',
        data: {
          status: 'delivered',
          shipped: true,
          carrier: 'Colissimo',
          deliveredAt: '2026-11-19T10:25:00.000Z',
        },
      },
    );
    const profile = await tools.get('customer_profile')!.run({}, caller(ALEX));
    const open = (profile as { data: { openOrders: { orderNumber: string }[] } }).data.openOrders;
    expect(open.map((o) => o.orderNumber)).toEqual(['1046', '1042']);
  });

  it('lets a Shopify outage through as a failure (the workflow reports the tool unavailable)', async () => {
    fake.failNext(1, 503);
    const failure = await failureOf(() =>
      tools.get('order_status')!.run({ orderNumber: '1042' }, caller(ALEX)),
    );
    expect(failure.nonRetryable).toBe(false);
  });
});
