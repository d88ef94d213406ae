/**
 * Shared plumbing of the read-only tools: argument validation (the model's arguments are untrusted
 * input: bad input becomes `invalid_arguments`, never an exception), strict-mode JSON Schemas, and
 * the small formatting and masking helpers every tool uses the same way.
 */
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import type { OrderSource } from '../integrations/orders/types.js';
import type { BusinessInfo } from './business.js';
import type { AgentTool, ToolCaller, ToolOutcome } from './types.js';

export interface ToolDeps {
  db: Db;
  /** Where order_status, shipment_tracking and the profile's open orders come from. */
  orders: OrderSource;
  business: BusinessInfo;
  /** The clock (injectable for tests). */
  now: () => Date;
}

/**
 * An OpenAI strict-mode object schema: every property required and no others allowed. Optional
 * values are declared nullable (`type: ['string', 'null']`) instead of being left out.
 */
export function strictObjectSchema(
  properties: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** One tool: its model-facing contract and an executor that only ever sees validated arguments. */
export function defineTool<S extends z.ZodType>(spec: {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  args: S;
  run: (args: z.output<S>, caller: ToolCaller) => Promise<ToolOutcome>;
}): AgentTool {
  return {
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
    async run(raw, caller) {
      const parsed = parseArgs(spec.args, raw);
      if (!parsed.ok) return { status: 'invalid_arguments', reason: parsed.reason };
      return spec.run(parsed.value, caller);
    },
  };
}

const MAX_REASON = 300;

function parseArgs<S extends z.ZodType>(
  schema: S,
  raw: unknown,
): { ok: true; value: z.output<S> } | { ok: false; reason: string } {
  let input = raw;
  // Arguments as the model produced them (a JSON string) are accepted as well as parsed ones; a
  // parameterless tool may be called with nothing at all.
  if (typeof input === 'string') {
    try {
      input = input.trim() === '' ? {} : JSON.parse(input);
    } catch {
      return { ok: false, reason: 'The arguments are not valid JSON.' };
    }
  }
  if (input === undefined || input === null) input = {};
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  // Zod messages name the rule, not the value: a 10,000-character argument is not echoed back.
  const reason = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'arguments'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: reason.slice(0, MAX_REASON) };
}

// Customers type '1042', '#1042' or, following the order emails and the KB, 'PH-001042': all are
// order 1042. Anything else (letters, spaces inside, …) is rejected before it reaches SQL.
const ORDER_NUMBER_RE = /^(?:#|PH-?)?\s*(\d{1,12})$/i;

/** An order number argument, normalised to the shop's plain digits ('1042'). */
export const orderNumberArg = z
  .string()
  .max(32)
  .transform((raw, ctx) => {
    const digits = ORDER_NUMBER_RE.exec(raw.trim())?.[1];
    if (!digits) {
      ctx.addIssue({
        code: 'custom',
        message: "expected an order number: digits, optionally with a leading '#'",
      });
      return z.NEVER;
    }
    return digits.replace(/^0+(?=\d)/, '');
  });

export const ORDER_NUMBER_JSON = {
  type: 'string',
  description: "The customer's order number as they gave it, e.g. '1042' or '#1042'.",
};

/** The caller's WhatsApp id if it is a plausible one (digits only); anything else matches no customer. */
export function callerWaId(caller: ToolCaller): string | undefined {
  return /^\d{6,15}$/.test(caller.waId) ? caller.waId : undefined;
}

/** 'a***@example.com': enough for the customer to recognise the address, not to harvest it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** The product name in the conversation's language (the catalogue has English and French). */
export function localisedName(
  product: { name: string; name_fr: string },
  language: string | undefined,
): string {
  return language === 'fr' ? product.name_fr : product.name;
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
