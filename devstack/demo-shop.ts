/**
 * Demo data of Parley Home (the shop of knowledge/demo): customers, products, orders and invoices
 * for the agent's read-only tools, in dev and in tests.
 *
 * Agrees with the knowledge base: product names, SKUs (the model numbers) and prices from the
 * product pages, shipping costs from the shipping zones (free standard shipping from €49), VAT
 * rates of the delivery country. Dates are fixed (late November 2026) so tests are deterministic.
 *
 * Idempotent: every insert is "on conflict do nothing", so seeding an existing database again
 * changes nothing (and never overwrites rows someone edited by hand).
 */
import type { Insertable } from 'kysely';
import { DEMO_BUSINESS } from '../activities/tools/business.js';
import type { Db } from '../db/database.js';
import type { CustomerTier, ShopCustomersTable } from '../db/tables/shop-customers.js';
import type { ShopInvoicesTable } from '../db/tables/shop-invoices.js';
import type { ShopOrderLinesTable } from '../db/tables/shop-order-lines.js';
import type { OrderStatus, ShopOrdersTable } from '../db/tables/shop-orders.js';
import type { ShopProductsTable } from '../db/tables/shop-products.js';
import { seedDemoActions } from './demo-actions.js';

interface DemoCustomer {
  id: string;
  waId: string;
  name: string;
  email: string;
  language: string;
  tier: CustomerTier;
  ownerAgentId: string | null;
  /** Where their orders ship. */
  country: string;
  createdAt: string;
}

/** The owner agent of the VIP account (the same id the e2e tests and the history recorder use). */
export const DEMO_OWNER_AGENT = { id: 'agent-ana', name: 'Ana Agent' } as const;

/** Well-known demo customers. WhatsApp ids are digits only, as the Cloud API sends them. */
export const DEMO_CUSTOMERS = {
  /** English speaker; order 1042 is hers, shipped with tracking. */
  alex: {
    id: 'CUS-1001',
    waId: '15551234567',
    name: 'Alex Morgan',
    email: 'alex.morgan@example.com',
    language: 'en',
    tier: 'standard',
    ownerAgentId: null,
    country: 'NL',
    createdAt: '2025-03-14T09:20:00Z',
  },
  /** French speaker; owns order 1043 (delivered, invoiced): Alex must never see it. */
  camille: {
    id: 'CUS-1002',
    waId: '33687654321',
    name: 'Camille Dubois',
    email: 'camille.dubois@example.com',
    language: 'fr',
    tier: 'standard',
    ownerAgentId: null,
    country: 'FR',
    createdAt: '2024-11-02T17:45:00Z',
  },
  /** Dutch-speaking VIP with an owner agent. */
  sanne: {
    id: 'CUS-1003',
    waId: '31612345678',
    name: 'Sanne de Vries',
    email: 'sanne.devries@example.com',
    language: 'nl',
    tier: 'vip',
    ownerAgentId: DEMO_OWNER_AGENT.id,
    country: 'NL',
    createdAt: '2023-06-21T12:00:00Z',
  },
  lucas: {
    id: 'CUS-1004',
    waId: '32470123456',
    name: 'Lucas Peeters',
    email: 'lucas.peeters@example.com',
    language: 'fr',
    tier: 'standard',
    ownerAgentId: null,
    country: 'BE',
    createdAt: '2025-08-30T08:10:00Z',
  },
  /** Buys for an office: enterprise tier. */
  julien: {
    id: 'CUS-1005',
    waId: '33698765432',
    name: 'Julien Moreau',
    email: 'julien.moreau@example.com',
    language: 'fr',
    tier: 'enterprise',
    ownerAgentId: null,
    country: 'FR',
    createdAt: '2024-02-12T10:30:00Z',
  },
  jonas: {
    id: 'CUS-1006',
    waId: '4915112345678',
    name: 'Jonas Becker',
    email: 'jonas.becker@example.com',
    language: 'en',
    tier: 'standard',
    ownerAgentId: null,
    country: 'DE',
    createdAt: '2026-01-05T19:00:00Z',
  },
  daan: {
    id: 'CUS-1007',
    waId: '31687654321',
    name: 'Daan Jansen',
    email: 'daan.jansen@example.com',
    language: 'nl',
    tier: 'standard',
    ownerAgentId: null,
    country: 'NL',
    createdAt: '2025-12-01T15:25:00Z',
  },
  sophie: {
    id: 'CUS-1008',
    waId: '352621123456',
    name: 'Sophie Weber',
    email: 'sophie.weber@example.com',
    language: 'fr',
    tier: 'standard',
    ownerAgentId: null,
    country: 'LU',
    createdAt: '2026-04-18T07:50:00Z',
  },
} as const satisfies Record<string, DemoCustomer>;

export type DemoCustomerKey = keyof typeof DEMO_CUSTOMERS;

/** Order numbers the tests and the dev script refer to. */
export const DEMO_ORDERS = {
  /** Alex's order, shipped by DPD with a tracking link. */
  alexShipped: '1042',
  /** Camille's order, delivered and invoiced. */
  camilleDelivered: '1043',
} as const;

/** Specs as an object here; the jsonb column takes it serialised. */
type DemoProduct = Omit<Insertable<ShopProductsTable>, 'specs'> & { specs: Record<string, string> };

const PRODUCTS: DemoProduct[] = [
  {
    sku: 'PH-C7',
    name: 'C7 capsule coffee machine',
    name_fr: 'Machine à café à capsules C7',
    description:
      'Compact espresso machine for Nespresso® Original-compatible capsules (not Vertuo, Dolce Gusto, Tassimo, Senseo or K-Cup). No steam wand: pairs with the M1 milk frother. Descale every 3 months or 300 capsules.',
    price_cents: 12900,
    stock: 14,
    specs: {
      Pressure: '19 bar',
      Power: '1450 W, 220–240 V, EU plug',
      'Water tank': '1.0 L, removable',
      'Cup sizes': 'Ristretto 25 ml, espresso 40 ml, lungo 110 ml',
      'Heating time': '25 seconds',
      'Auto-off': 'After 9 minutes without use',
      'Used capsules': 'Container for 10 capsules',
    },
    compatible_with: ['PH-M1', 'PH-DL'],
  },
  {
    sku: 'PH-K2',
    name: 'K2 variable-temperature kettle',
    name_fr: 'Bouilloire K2 à température variable',
    description:
      '1.7-litre stainless-steel kettle with temperature control, for tea, coffee and baby bottles. Colours: steel, black, white. 220–240 V only (not for 110 V countries); the base does not fit the older K1 kettle.',
    price_cents: 5990,
    stock: 32,
    specs: {
      Capacity: '1.7 L (minimum 0.5 L)',
      Power: '2200 W, 220–240 V, 50/60 Hz, EU plug',
      Temperatures: '40, 70, 80, 90 and 100 °C',
      'Keep warm': '30 minutes',
      Base: '360° cordless base, 75 cm cable',
      Safety: 'Auto shut-off, boil-dry protection',
      Weight: '1.3 kg',
    },
    compatible_with: ['K2-F'],
  },
  {
    sku: 'PH-M1',
    name: 'M1 milk frother',
    name_fr: 'Mousseur à lait M1',
    description:
      'Hot or cold milk foam and hot milk for cappuccino, latte and hot chocolate. Works on its own and pairs well with the C7 coffee machine.',
    price_cents: 3900,
    stock: 3,
    specs: {
      Capacity: '300 ml hot milk, 150 ml foam',
      Power: '550 W, cordless jug on a 360° base',
      Functions: 'Hot foam, cold foam, hot milk',
      Cleaning: 'Non-stick interior; whisk dishwasher-safe, jug not dishwasher-safe',
    },
    compatible_with: ['PH-C7'],
  },
  {
    sku: 'PH-T4',
    name: 'T4 four-slot toaster',
    name_fr: 'Grille-pain T4 quatre fentes',
    description:
      'Toasts up to four slices with two independent controls; 38 mm slots take thick bread and brioche. Not for sandwiches with cheese.',
    price_cents: 4990,
    stock: 21,
    specs: {
      Slots: '4 extra-wide slots (38 mm), 2 independent',
      Power: '1600 W, 220–240 V, EU plug',
      Browning: '7 levels',
      Functions: 'Defrost, reheat, bagel, cancel',
      Included: 'Removable bun-warming rack',
      'Crumb trays': '2 removable trays',
    },
    compatible_with: [],
  },
  {
    sku: 'PH-V9',
    name: 'V9 cordless stick vacuum',
    name_fr: 'Aspirateur balai sans fil V9',
    description:
      'Cordless stick vacuum that converts into a handheld vacuum. Motor: 5-year Parley Home warranty; battery and the rest: 2-year legal guarantee. Batteries of the older V7 do not fit.',
    price_cents: 22900,
    stock: 8,
    specs: {
      Battery: '25.2 V lithium-ion, 2500 mAh, removable (V9-B)',
      'Run time': 'Up to 45 min (eco), 25 min (normal), 12 min (boost)',
      'Charging time': '3.5 hours, wall bracket charger included',
      'Dust bin': '0.6 L, emptied with one click',
      Filtration: 'Washable HEPA filter',
      Weight: '2.4 kg',
      Included: 'Motorised floor brush, crevice tool, 2-in-1 brush, mini pet brush',
    },
    compatible_with: ['V9-B', 'V9-HF'],
  },
  {
    sku: 'V9-B',
    name: 'V9-B spare battery for the V9 vacuum',
    name_fr: 'Batterie de rechange V9-B pour aspirateur V9',
    description:
      'Spare battery that doubles the run time of the V9. Fits only the V9 (not the V7). About 500 full cycles.',
    price_cents: 6990,
    stock: 0,
    specs: { Battery: '25.2 V lithium-ion, 2500 mAh', Lifetime: 'About 500 full cycles' },
    compatible_with: ['PH-V9'],
  },
  {
    sku: 'V9-HF',
    name: 'V9-HF replacement HEPA filter',
    name_fr: 'Filtre HEPA de rechange V9-HF',
    description: 'Washable HEPA filter for the V9 vacuum. Wash once a month in cold water, dry 24 hours.',
    price_cents: 1490,
    stock: 40,
    specs: { Type: 'Washable HEPA filter' },
    compatible_with: ['PH-V9'],
  },
  {
    sku: 'K2-F',
    name: 'K2-F limescale filter (pack of 2)',
    name_fr: 'Filtre anticalcaire K2-F (lot de 2)',
    description: 'Removable limescale filters for the K2 kettle, pack of 2.',
    price_cents: 790,
    stock: 60,
    specs: { Contents: '2 filters' },
    compatible_with: ['PH-K2'],
  },
  {
    sku: 'PH-DL',
    name: 'Descaling liquid for coffee machines',
    name_fr: 'Détartrant pour machines à café',
    description:
      'Parley Home descaling liquid for the C7 coffee machine (descale every 3 months or 300 capsules). Opened bottles cannot be returned.',
    price_cents: 990,
    stock: 75,
    specs: {},
    compatible_with: ['PH-C7'],
  },
];

const PRICES = new Map(PRODUCTS.map((p) => [p.sku, p.price_cents]));

/** VAT rates of the delivery countries (knowledge/demo/en/invoices-vat.md), in percent. */
const VAT_PERCENT: Record<string, number> = { FR: 20, BE: 21, NL: 21, DE: 19, LU: 17, ES: 21, IT: 22 };

const TRACKING_URL: Record<string, (n: string) => string> = {
  DPD: (n) => `https://tracking.dpd.de/status/en_US/parcel/${n}`,
  Colissimo: (n) => `https://www.laposte.fr/outils/suivre-vos-envois?code=${n}`,
  UPS: (n) => `https://www.ups.com/track?tracknum=${n}`,
};

interface DemoOrder {
  id: string;
  customer: DemoCustomerKey;
  status: OrderStatus;
  placedAt: string;
  lines: [sku: string, quantity: number][];
  /** Shipment: carrier, tracking number, shipped at (also the invoice date). */
  shipment?: { carrier: string; trackingNumber: string; shippedAt: string };
  estimatedDelivery?: string;
  deliveredAt?: string;
}

const ORDERS: DemoOrder[] = [
  {
    id: '1031',
    customer: 'alex',
    status: 'delivered',
    placedAt: '2026-09-02T08:15:00Z',
    lines: [['PH-K2', 1]],
    shipment: { carrier: 'DPD', trackingNumber: '05212345670031', shippedAt: '2026-09-02T14:00:00Z' },
    deliveredAt: '2026-09-07T11:20:00Z',
  },
  {
    id: '1032',
    customer: 'sanne',
    status: 'delivered',
    placedAt: '2026-09-10T19:40:00Z',
    lines: [
      ['PH-V9', 1],
      ['V9-B', 1],
    ],
    shipment: { carrier: 'UPS', trackingNumber: '1Z999AA10100001032', shippedAt: '2026-09-11T13:30:00Z' },
    deliveredAt: '2026-09-12T10:05:00Z',
  },
  {
    id: '1033',
    customer: 'camille',
    status: 'delivered',
    placedAt: '2026-09-20T07:55:00Z',
    lines: [['PH-DL', 2]],
    shipment: { carrier: 'Colissimo', trackingNumber: '6A23456701033', shippedAt: '2026-09-21T12:00:00Z' },
    deliveredAt: '2026-09-23T09:40:00Z',
  },
  {
    id: '1034',
    customer: 'lucas',
    status: 'cancelled',
    placedAt: '2026-10-01T16:20:00Z',
    lines: [['PH-C7', 1]],
  },
  {
    id: '1035',
    customer: 'julien',
    status: 'delivered',
    placedAt: '2026-10-05T09:00:00Z',
    lines: [
      ['PH-C7', 3],
      ['PH-M1', 3],
      ['PH-DL', 3],
    ],
    shipment: { carrier: 'DPD', trackingNumber: '05212345671035', shippedAt: '2026-10-05T13:10:00Z' },
    deliveredAt: '2026-10-07T15:30:00Z',
  },
  {
    id: '1036',
    customer: 'alex',
    status: 'returned',
    placedAt: '2026-10-12T10:30:00Z',
    lines: [['PH-T4', 1]],
    shipment: { carrier: 'DPD', trackingNumber: '05212345671036', shippedAt: '2026-10-12T13:45:00Z' },
    deliveredAt: '2026-10-16T12:00:00Z',
  },
  {
    id: '1037',
    customer: 'jonas',
    status: 'delivered',
    placedAt: '2026-10-20T18:05:00Z',
    lines: [
      ['PH-T4', 1],
      ['PH-K2', 1],
    ],
    shipment: { carrier: 'DPD', trackingNumber: '05212345671037', shippedAt: '2026-10-21T12:30:00Z' },
    deliveredAt: '2026-10-26T14:10:00Z',
  },
  {
    id: '1038',
    customer: 'daan',
    status: 'delivered',
    placedAt: '2026-11-02T11:25:00Z',
    lines: [['PH-M1', 1]],
    shipment: { carrier: 'Colissimo', trackingNumber: '6A23456701038', shippedAt: '2026-11-02T14:00:00Z' },
    deliveredAt: '2026-11-05T10:15:00Z',
  },
  {
    id: '1039',
    customer: 'sanne',
    status: 'shipped',
    placedAt: '2026-11-19T08:45:00Z',
    lines: [['V9-HF', 2]],
    shipment: { carrier: 'UPS', trackingNumber: '1Z999AA10100001039', shippedAt: '2026-11-19T13:00:00Z' },
    // Already past its estimated delivery on the demo's "today" (2026-11-25): a late parcel.
    estimatedDelivery: '2026-11-21',
  },
  {
    id: '1040',
    customer: 'lucas',
    status: 'delivered',
    placedAt: '2026-11-12T09:10:00Z',
    lines: [
      ['PH-K2', 1],
      ['K2-F', 1],
    ],
    shipment: { carrier: 'Colissimo', trackingNumber: '6A23456701040', shippedAt: '2026-11-12T13:20:00Z' },
    deliveredAt: '2026-11-16T11:50:00Z',
  },
  {
    id: '1041',
    customer: 'sophie',
    status: 'shipped',
    placedAt: '2026-11-23T07:30:00Z',
    lines: [['PH-K2', 1]],
    shipment: { carrier: 'Colissimo', trackingNumber: '6A23456701041', shippedAt: '2026-11-23T13:00:00Z' },
    estimatedDelivery: '2026-11-27',
  },
  {
    id: '1042',
    customer: 'alex',
    status: 'shipped',
    placedAt: '2026-11-23T10:12:00Z',
    lines: [
      ['PH-C7', 1],
      ['PH-M1', 1],
    ],
    shipment: { carrier: 'DPD', trackingNumber: '05212345671042', shippedAt: '2026-11-23T13:40:00Z' },
    estimatedDelivery: '2026-11-27',
  },
  {
    id: '1043',
    customer: 'camille',
    status: 'delivered',
    placedAt: '2026-11-16T20:05:00Z',
    lines: [['PH-V9', 1]],
    shipment: { carrier: 'Colissimo', trackingNumber: '6A23456701043', shippedAt: '2026-11-17T12:30:00Z' },
    deliveredAt: '2026-11-19T10:25:00Z',
  },
  {
    id: '1044',
    customer: 'camille',
    // Bank transfer not received yet.
    status: 'pending',
    placedAt: '2026-11-24T18:30:00Z',
    lines: [['PH-T4', 1]],
  },
  {
    id: '1045',
    customer: 'julien',
    status: 'paid',
    placedAt: '2026-11-25T07:20:00Z',
    lines: [['PH-C7', 2]],
    estimatedDelivery: '2026-11-28',
  },
  {
    id: '1046',
    customer: 'alex',
    status: 'paid',
    placedAt: '2026-11-25T08:30:00Z',
    lines: [['K2-F', 1]],
    estimatedDelivery: '2026-12-01',
  },
];

/** Standard shipping to `country` for a basket of `subtotalCents`, by the business's rules. */
function shippingCents(country: string, subtotalCents: number): number {
  const { zones, freeStandardFromCents } = DEMO_BUSINESS.shipping;
  if (freeStandardFromCents !== null && subtotalCents >= freeStandardFromCents) return 0;
  const zone = zones.find((z) => z.countries.includes(country));
  if (!zone) throw new Error(`Demo data: no shipping zone for ${country}`);
  return zone.standard.costCents;
}

function price(sku: string): number {
  const cents = PRICES.get(sku);
  if (cents === undefined) throw new Error(`Demo data: unknown SKU ${sku}`);
  return cents;
}

interface DemoRows {
  customers: Insertable<ShopCustomersTable>[];
  orders: Insertable<ShopOrdersTable>[];
  lines: Insertable<ShopOrderLinesTable>[];
  invoices: Insertable<ShopInvoicesTable>[];
}

/** Derives totals, VAT and lifetime values from the lines, so the figures always agree. */
function buildRows(): DemoRows {
  const rows: DemoRows = { customers: [], orders: [], lines: [], invoices: [] };
  const lifetime = new Map<string, number>();
  for (const o of ORDERS) {
    const customer = DEMO_CUSTOMERS[o.customer];
    const subtotal = o.lines.reduce((sum, [sku, qty]) => sum + price(sku) * qty, 0);
    const total = subtotal + shippingCents(customer.country, subtotal);
    const shipment = o.shipment;
    const trackingUrl = shipment ? TRACKING_URL[shipment.carrier]?.(shipment.trackingNumber) : undefined;
    rows.orders.push({
      id: o.id,
      customer_id: customer.id,
      status: o.status,
      placed_at: new Date(o.placedAt),
      total_cents: total,
      currency: 'EUR',
      shipping_country: customer.country,
      carrier: shipment?.carrier ?? null,
      tracking_number: shipment?.trackingNumber ?? null,
      tracking_url: trackingUrl ?? null,
      estimated_delivery: o.estimatedDelivery ?? null,
      delivered_at: o.deliveredAt ? new Date(o.deliveredAt) : null,
      payment_ref: paymentRef(o),
    });
    o.lines.forEach(([sku, quantity], i) => {
      rows.lines.push({ order_id: o.id, line_no: i + 1, sku, quantity, unit_price_cents: price(sku) });
    });
    // Invoices are issued when the order ships (KB), so every shipped, delivered or returned order has one.
    if (shipment) {
      const issuedAt = new Date(shipment.shippedAt);
      const id = `INV-${issuedAt.getUTCFullYear()}-${o.id.padStart(6, '0')}`;
      const vatPercent = VAT_PERCENT[customer.country] ?? 20;
      rows.invoices.push({
        id,
        order_id: o.id,
        customer_id: customer.id,
        issued_at: issuedAt,
        total_cents: total,
        vat_cents: Math.round((total * vatPercent) / (100 + vatPercent)),
        pdf_url: `https://parleyhome.eu/account/invoices/${id}.pdf`,
      });
    }
    if (o.status !== 'cancelled' && o.status !== 'returned' && o.status !== 'pending') {
      lifetime.set(customer.id, (lifetime.get(customer.id) ?? 0) + total);
    }
  }
  for (const c of Object.values(DEMO_CUSTOMERS) as DemoCustomer[]) {
    rows.customers.push({
      id: c.id,
      wa_id: c.waId,
      email: c.email,
      name: c.name,
      tier: c.tier,
      language: c.language,
      owner_agent_id: c.ownerAgentId,
      lifetime_value_cents: lifetime.get(c.id) ?? 0,
      created_at: new Date(c.createdAt),
    });
  }
  return rows;
}

/** What paid the order (a demo Stripe PaymentIntent): every order that was paid, none that was not. */
function paymentRef(o: DemoOrder): string | null {
  return o.status === 'pending' || o.status === 'cancelled' ? null : `pi_demo_${o.id}`;
}

/**
 * Inserts the demo shop's rows that are missing; existing rows are left as they are. `now` anchors
 * the action tools' relative data (slots, appointments, promo expiry); default the system clock.
 */
export async function seedDemoShop(db: Db, opts: { now?: Date } = {}): Promise<void> {
  const rows = buildRows();
  const products = PRODUCTS.map((p) => ({ ...p, specs: JSON.stringify(p.specs) }));
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('agents')
      .values({ id: DEMO_OWNER_AGENT.id, name: DEMO_OWNER_AGENT.name })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .insertInto('shop_customers')
      .values(rows.customers)
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .insertInto('shop_products')
      .values(products)
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .insertInto('shop_orders')
      .values(rows.orders)
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .insertInto('shop_order_lines')
      .values(rows.lines)
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .insertInto('shop_invoices')
      .values(rows.invoices)
      .onConflict((oc) => oc.doNothing())
      .execute();
    // Orders seeded before payment_ref existed get theirs (only where it is still empty).
    for (const o of rows.orders) {
      if (!o.payment_ref) continue;
      await tx
        .updateTable('shop_orders')
        .set({ payment_ref: o.payment_ref })
        .where('id', '=', o.id)
        .where('payment_ref', 'is', null)
        .execute();
    }
    await seedDemoActions(tx, opts.now ?? new Date());
  });
}
