import type { ColumnType } from 'kysely';

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'returned';

/** The demo shop's orders; `customer_id` is whose order it is (ownership checks join on it). */
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
