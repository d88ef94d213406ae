import type { ColumnType, JSONColumnType } from 'kysely';

/** The demo shop's catalogue, by SKU. */
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
