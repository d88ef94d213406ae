/**
 * shipping_quote: standard and express cost and delivery time to a country, from the business's
 * shipping zones, with the free-shipping rule applied to the basket total when one is given.
 * Computed in integer cents so €49.00 is exactly the threshold.
 */
import { z } from 'zod';
import type { ShippingZone } from './business.js';
import { defineTool, strictObjectSchema, type ToolDeps } from './common.js';
import type { AgentTool } from './types.js';
import { plainAmount } from '../../domain/locale.js';

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

export function shippingQuoteTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'shipping_quote',
    description:
      'Shipping cost and delivery time (standard and express) to a country, and whether the basket qualifies for free shipping. Also tells whether the shop delivers to that country at all.',
    parameters: strictObjectSchema({
      country: {
        type: 'string',
        description: 'ISO 3166-1 alpha-2 country code of the delivery address, e.g. "FR".',
      },
      basketTotalEur: {
        type: ['number', 'null'],
        description: 'Basket total in euros after discounts and before shipping, or null if unknown.',
      },
    }),
    args: z.strictObject({
      country: z
        .string()
        .trim()
        .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code')
        .transform((c) => c.toUpperCase()),
      basketTotalEur: z.number().finite().min(0).max(1_000_000).nullable().optional(),
    }),
    async run({ country, basketTotalEur }) {
      const { shipping } = deps.business;
      const countryName = countryNames.of(country) ?? country;
      const zone = shipping.zones.find((z) => z.countries.includes(country));
      if (!zone) {
        return {
          status: 'ok',
          data: {
            country,
            countryName,
            delivers: false,
            deliversTo: shipping.zones.flatMap((z) => z.countries),
          },
        };
      }
      const basketCents = basketTotalEur == null ? null : Math.round(basketTotalEur * 100);
      return {
        status: 'ok',
        data: {
          country,
          countryName,
          delivers: true,
          zone: zone.id,
          ...quote(zone, basketCents, shipping.freeStandardFromCents, shipping.currency),
          freeStandardShippingFrom:
            shipping.freeStandardFromCents === null
              ? null
              : plainAmount(shipping.freeStandardFromCents, shipping.currency),
          pickupPointDelivery: zone.pickupPoints.includes(country),
          notes: [...(zone.note ? [zone.note] : []), ...shipping.notes],
        },
      };
    },
  });
}

function quote(
  zone: ShippingZone,
  basketCents: number | null,
  freeFromCents: number | null,
  currency: string,
) {
  const qualifies = basketCents !== null && freeFromCents !== null && basketCents >= freeFromCents;
  // Free standard shipping also discounts express by the standard price (KB: "you only pay the
  // difference between express and standard").
  const standardCents = qualifies ? 0 : zone.standard.costCents;
  const expressCents = qualifies ? zone.express.costCents - zone.standard.costCents : zone.express.costCents;
  const days = (d: { min: number; max: number }) => (d.min === d.max ? `${d.min}` : `${d.min}-${d.max}`);
  return {
    standard: {
      cost: plainAmount(standardCents, currency),
      businessDays: days(zone.standard.days),
      carriers: zone.standard.carriers,
    },
    express: {
      cost: plainAmount(expressCents, currency),
      businessDays: days(zone.express.days),
      carriers: zone.express.carriers,
    },
    basketTotal: basketCents === null ? null : plainAmount(basketCents, currency),
    qualifiesForFreeStandardShipping: basketCents === null ? null : qualifies,
    missingForFreeStandardShipping:
      basketCents !== null && freeFromCents !== null && !qualifies
        ? plainAmount(freeFromCents - basketCents, currency)
        : null,
  };
}
