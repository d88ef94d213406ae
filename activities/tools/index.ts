/**
 * The read-only tools offered to the model. Each tool validates its own arguments and enforces its
 * own authorisation from the caller (see types.ts); nothing here writes.
 */
import type { Db } from '../../db/database.js';
import { createBuiltinOrderSource } from '../integrations/orders/builtin.js';
import type { OrderSource } from '../integrations/orders/types.js';
import type { BusinessInfo } from './business.js';
import { customerProfileTool } from './customer.js';
import { openingHoursTool } from './opening-hours.js';
import { invoiceLookupTool, orderStatusTool, shipmentTrackingTool } from './orders.js';
import { productInfoTool } from './products.js';
import { shippingQuoteTool } from './shipping.js';
import type { AgentTool } from './types.js';

export { DEMO_BUSINESS, type BusinessInfo } from './business.js';
export type { AgentTool, ToolCaller, ToolOutcome } from './types.js';

export interface ReadOnlyToolDeps {
  db: Db;
  business: BusinessInfo;
  /** Where orders are read; default: the built-in shop tables of `db`. */
  orders?: OrderSource;
  /** The clock for "open now" and "late" answers; defaults to the system clock. */
  now?: () => Date;
}

export function createReadOnlyTools(deps: ReadOnlyToolDeps): AgentTool[] {
  const d = {
    db: deps.db,
    orders: deps.orders ?? createBuiltinOrderSource(deps.db),
    business: deps.business,
    now: deps.now ?? (() => new Date()),
  };
  return [
    orderStatusTool(d),
    shipmentTrackingTool(d),
    invoiceLookupTool(d),
    customerProfileTool(d),
    productInfoTool(d),
    shippingQuoteTool(d),
    openingHoursTool(d),
  ];
}

/** Tools by name, for dispatching the model's calls; a duplicate name is a programming error. */
export function toolsByName(tools: readonly AgentTool[]): ReadonlyMap<string, AgentTool> {
  const map = new Map<string, AgentTool>();
  for (const tool of tools) {
    if (map.has(tool.name)) throw new Error(`Duplicate tool name: ${tool.name}`);
    map.set(tool.name, tool);
  }
  return map;
}
