/** Invoices issued for the demo shop's orders. */
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
