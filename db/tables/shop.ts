import type { ColumnType, JSONColumnType } from 'kysely';

export type CustomerTier = 'standard' | 'vip' | 'enterprise';
export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'returned';

/** The demo shop's customers. `wa_id` (digits only) is the identity the agent's tools trust. */
export interface ShopCustomersTable {
  id: string;
  wa_id: string;
  email: string | null;
  name: string;
  tier: ColumnType<CustomerTier, CustomerTier | undefined, CustomerTier>;
  /** ISO 639-1. */
  language: ColumnType<string, string | undefined, string>;
  /** The human agent who owns the account (VIP / enterprise), if any. */
  owner_agent_id: string | null;
  lifetime_value_cents: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ShopProductsTable {
  sku: string;
  name: string;
  name_fr: string;
  description: ColumnType<string, string | undefined, string>;
  price_cents: number;
  currency: ColumnType<string, string | undefined, string>;
  stock: ColumnType<number, number | undefined, number>;
  /** Display specs: label → value, as on the product page. */
  specs: JSONColumnType<Record<string, string>>;
  /** SKUs this product works with (accessories, spare parts, the appliance they fit). */
  compatible_with: ColumnType<string[], string[] | undefined, string[]>;
}

export interface ShopOrdersTable {
  /** The order number customers see and type ('1042'). */
  id: string;
  customer_id: string;
  status: OrderStatus;
  placed_at: Date;
  total_cents: number;
  currency: ColumnType<string, string | undefined, string>;
  /** ISO 3166-1 alpha-2. */
  shipping_country: string;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  /**
   * A calendar date. pg turns `date` into a Date at local midnight, which shifts the day in some
   * time zones: read it as text (`estimated_delivery::text`), as the shop repository does.
   */
  estimated_delivery: ColumnType<Date | null, string | null, string | null>;
  delivered_at: Date | null;
  /** What paid the order (a Stripe PaymentIntent `pi_…`); null until paid. */
  payment_ref: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ShopOrderLinesTable {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_cents: number;
}

export interface ShopInvoicesTable {
  /** 'INV-<year>-<order number on 6 digits>'. */
  id: string;
  order_id: string;
  customer_id: string;
  issued_at: Date;
  total_cents: number;
  /** The VAT included in `total_cents`, at the delivery country's rate. */
  vat_cents: number;
  pdf_url: string | null;
}
