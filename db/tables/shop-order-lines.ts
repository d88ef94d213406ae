/** An order's items, numbered from 1 (the numbers customers use for returns and refunds). */
export interface ShopOrderLinesTable {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_cents: number;
}
