/**
 * product_info: catalogue facts (price, stock, specs, compatibility) for a SKU or a few name words,
 * in English or French. Public data: no caller check needed.
 */
import { z } from 'zod';
import { findProductNames, searchProducts } from '../../db/repositories/shop.js';
import { defineTool, localisedName, strictObjectSchema, type ToolDeps } from './common.js';
import type { AgentTool } from './types.js';
import { plainAmount } from '../../domain/locale.js';
import { foldText } from '../../domain/text.js';

const MAX_RESULTS = 3;
const MAX_TERMS = 8;
/** Below this many units the model may say "only a few left". */
const LOW_STOCK = 5;

// Words that match every product name ("machine à café", "the kettle") and so rank nothing.
const STOPWORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'my',
  'of',
  'de',
  'du',
  'des',
  'la',
  'le',
  'les',
  'et',
  'pour',
  'avec',
  'au',
  'aux',
  'en',
  'un',
  'une',
  'mon',
  'ma',
]);

/** Lowercase, accent-free search terms of letters, digits and inner hyphens; SKUs like 'V9-B' stay one term. */
export function searchTerms(query: string): string[] {
  const folded = foldText(query);
  const words = folded
    .split(/[^\p{L}\p{N}-]+/u)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    // Short words match inside too many names ('or' in "cordless"); short model numbers ('c7',
    // 'k2') carry a digit and are kept.
    .filter((w) => (w.length >= 3 || (w.length === 2 && /\d/.test(w))) && !STOPWORDS.has(w));
  return [...new Set(words)].slice(0, MAX_TERMS);
}

function availability(stock: number): 'in_stock' | 'low_stock' | 'out_of_stock' {
  if (stock <= 0) return 'out_of_stock';
  return stock < LOW_STOCK ? 'low_stock' : 'in_stock';
}

export function productInfoTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'product_info',
    description:
      'Looks up products of the catalogue by SKU (e.g. PH-C7, V9-B) or name words in English or French (e.g. "kettle", "bouilloire"): price, stock, specifications and compatible products. Returns up to 3 matches.',
    parameters: strictObjectSchema({
      query: { type: 'string', description: 'A SKU or a few words of the product name.' },
    }),
    args: z.strictObject({ query: z.string().trim().min(1).max(200) }),
    async run({ query }, caller) {
      const terms = searchTerms(query);
      const products = await searchProducts(deps.db, terms, MAX_RESULTS);
      if (products.length === 0) {
        return {
          status: 'not_found',
          reason:
            'No product matches this query. Try a product name (coffee machine, kettle, toaster…) or a SKU.',
        };
      }
      const names = new Map(
        (await findProductNames(deps.db, [...new Set(products.flatMap((p) => p.compatible_with))])).map(
          (p) => [p.sku, localisedName(p, caller.language)],
        ),
      );
      return {
        status: 'ok',
        data: {
          products: products.map((p) => ({
            sku: p.sku,
            name: localisedName(p, caller.language),
            description: p.description,
            price: plainAmount(p.price_cents, p.currency),
            availability: availability(p.stock),
            stock: p.stock,
            specs: p.specs,
            compatibleWith: p.compatible_with.map((sku) => ({ sku, name: names.get(sku) ?? sku })),
          })),
        },
      };
    },
  });
}
