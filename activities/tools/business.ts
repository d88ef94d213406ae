/**
 * Static facts about the business the tools answer from: opening hours, holidays, contact
 * channels, shipping zones. Kept in code (not the database) because they change rarely and must
 * agree with the knowledge base; DEMO_BUSINESS mirrors knowledge/demo/en/contact-opening-hours.md,
 * shipping-zones-costs.md and delivery-times.md.
 */
import { DEMO_BUSINESS_HOURS, type BusinessHours } from '../../domain/business-hours.js';

export {
  WEEKDAYS,
  type BusinessHours,
  type Holiday,
  type OpeningInterval,
  type Weekday,
} from '../../domain/business-hours.js';

export interface ShippingZone {
  id: string;
  /** ISO 3166-1 alpha-2 codes. */
  countries: readonly string[];
  standard: { costCents: number; days: { min: number; max: number }; carriers: readonly string[] };
  express: { costCents: number; days: { min: number; max: number }; carriers: readonly string[] };
  pickupPoints: readonly string[];
  note?: string;
}

/** The business's facts; its hours (time zone, weekly intervals, holidays) are a BusinessHours. */
export interface BusinessInfo extends BusinessHours {
  name: string;
  /** What the customer is told about the automated assistant's availability. */
  assistantAvailability: string;
  contact: {
    whatsapp: string;
    phone: string;
    email: string;
    contactForm: string;
    postalAddress: string;
    languages: readonly string[];
  };
  shipping: {
    currency: string;
    zones: readonly ShippingZone[];
    /** Standard shipping is free from this basket total (after discounts, before shipping). */
    freeStandardFromCents: number | null;
    /** Same-day dispatch when paid before this local time on business days. */
    sameDayDispatchBefore: string;
    notes: readonly string[];
  };
}

/** Parley Home, the demo shop of knowledge/demo. */
export const DEMO_BUSINESS: BusinessInfo = {
  name: 'Parley Home',
  ...DEMO_BUSINESS_HOURS,
  assistantAvailability:
    'The WhatsApp assistant answers 24/7; questions that need a person are handled during opening hours, usually within 2 hours.',
  contact: {
    whatsapp: '+33 6 12 34 56 78',
    phone: '+33 4 78 00 12 34',
    email: 'support@parleyhome.eu',
    contactForm: 'parleyhome.eu/contact',
    postalAddress: 'Parley Home SAS, Customer Service, 12 rue des Artisans, 69002 Lyon, France',
    languages: ['en', 'fr', 'nl'],
  },
  shipping: {
    currency: 'EUR',
    zones: [
      {
        id: 'zone-1',
        countries: ['FR'],
        standard: { costCents: 490, days: { min: 2, max: 3 }, carriers: ['Colissimo', 'DPD'] },
        express: { costCents: 990, days: { min: 1, max: 1 }, carriers: ['UPS'] },
        pickupPoints: ['FR'],
        note: 'Mainland France and Corsica (Corsica can take one extra day); no delivery to overseas territories (DOM-TOM).',
      },
      {
        id: 'zone-2',
        countries: ['BE', 'LU', 'NL'],
        standard: { costCents: 690, days: { min: 3, max: 4 }, carriers: ['Colissimo', 'DPD'] },
        express: { costCents: 1290, days: { min: 1, max: 2 }, carriers: ['UPS'] },
        pickupPoints: ['BE', 'LU', 'NL'],
      },
      {
        id: 'zone-3',
        countries: ['DE', 'ES', 'IT'],
        standard: { costCents: 890, days: { min: 4, max: 6 }, carriers: ['Colissimo', 'DPD'] },
        express: { costCents: 1490, days: { min: 2, max: 3 }, carriers: ['UPS'] },
        pickupPoints: [],
        note: 'No delivery to the Canary Islands.',
      },
    ],
    freeStandardFromCents: 4900,
    sameDayDispatchBefore: '14:00',
    notes: [
      'Delivery times are business days counted from shipment, not from the order.',
      'Orders paid before 14:00 Paris time, Monday to Friday, ship the same day; later, on weekends or French public holidays, the next business day.',
      'Express is never free: from the free-shipping threshold the customer pays only the difference between express and standard.',
      'No delivery to parcel forwarding services.',
    ],
  },
};
