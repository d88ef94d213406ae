/** Order sources: the built-in demo tables or Shopify (see types.ts for the contract). */
export { createBuiltinOrderSource } from './builtin.js';
export {
  createShopifyOrderSource,
  DEFAULT_SHOPIFY_API_VERSION,
  mapShopifyOrderStatus,
  type ShopifyOrderSourceOptions,
} from './shopify.js';
export {
  OrderSourceErrorTypes,
  type ListOrdersOptions,
  type OrderLineView,
  type OrderSource,
  type OrderSourceErrorDetails,
  type OrderSourceErrorType,
  type OrderSummary,
  type OrderView,
} from './types.js';
