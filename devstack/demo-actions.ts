/**
 * Demo data of the action tools: appointment slots and appointments, subscriptions and their
 * tiers, promo codes and a redemption. Dates are relative to the `now` the seed is given (tests
 * pass a fixed one; `npm run dev` the real clock), so the calendar always has future slots.
 *
 * Idempotent like the rest of the demo seed: "on conflict do nothing", never overwriting rows.
 */
import { zonedInstant, zonedParts } from '../activities/tools/opening-hours.js';
import type { Db } from '../db/database.js';
import { DEMO_BUSINESS } from '../activities/tools/business.js';

export const DEMO_APPOINTMENTS = {
  /** Alex's setup video call, on the third weekday after the seed's day, 14:00 Paris time. */
  alex: 'APT-1001',
  /** Camille's setup video call, on the fourth weekday, 16:30. */
  camille: 'APT-1002',
} as const;

export const DEMO_SUBSCRIPTIONS = {
  /** Active, Plus tier. */
  alex: 'SUB-1001',
  /** Paused for two weeks from the seed's day, Essential tier. */
  camille: 'SUB-1002',
} as const;

export const DEMO_PROMO_CODES = {
  /** 10% off, basket from €30, once per customer, valid 30 days. */
  valid: 'WELCOME10',
  /** Expired a week before the seed's day. */
  expired: 'AUTUMN15',
  /** €20 off from a €150 basket, reusable. */
  minimumBasket: 'HOME20',
  /** €2 off, once per customer: Alex already used it on order 1031. */
  redeemedByAlex: 'FILTER2',
} as const;

/** "Parley Care": filters and descaler delivered every month. */
const TIERS = [
  { tier: 'essential', monthly_cents: 990 },
  { tier: 'plus', monthly_cents: 1990 },
  { tier: 'premium', monthly_cents: 2990 },
];

/** Services and their daily slots (Paris time) on weekdays; capacity per slot. */
const SERVICES = [
  { service: 'setup_call', times: ['10:00', '14:00', '16:30'], capacity: 1 },
  { service: 'home_pickup', times: ['09:00', '13:00'], capacity: 3 },
];

const DAYS_AHEAD = 28;
const DAY_MS = 86_400_000;

function addDays(isoDay: string, days: number): string {
  const [y = 0, m = 1, d = 1] = isoDay.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function demoSlotId(service: string, day: string, time: string): string {
  return `SLOT-${service}-${day.replace(/-/g, '')}-${time.replace(':', '')}`;
}

function buildCalendar(now: Date) {
  const tz = DEMO_BUSINESS.timezone;
  const today = zonedParts(now, tz).date;
  const weekdays: string[] = [];
  for (let i = 1; i <= DAYS_AHEAD; i++) {
    const day = addDays(today, i);
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (dow !== 0 && dow !== 6) weekdays.push(day);
  }
  const alexSlot = demoSlotId('setup_call', weekdays[2]!, '14:00');
  const camilleSlot = demoSlotId('setup_call', weekdays[3]!, '16:30');
  const slots = weekdays.flatMap((day, k) =>
    SERVICES.flatMap(({ service, times, capacity }) =>
      times.map((time) => {
        const id = demoSlotId(service, day, time);
        // Some slots are full (other customers' bookings, which the demo does not model one by one).
        let booked = 0;
        if (id === alexSlot || id === camilleSlot) booked = 1;
        else if (service === 'setup_call' && time === '10:00' && k % 3 === 0) booked = capacity;
        else if (service === 'home_pickup') booked = k % 4 === 1 ? capacity : k % 3;
        return { id, service, starts_at: zonedInstant(day, time, tz), capacity, booked };
      }),
    ),
  );
  const startsAt = (id: string) => slots.find((s) => s.id === id)!.starts_at;
  const appointments = [
    { id: DEMO_APPOINTMENTS.alex, customer_id: 'CUS-1001', slot_id: alexSlot },
    { id: DEMO_APPOINTMENTS.camille, customer_id: 'CUS-1002', slot_id: camilleSlot },
  ].map((a) => ({ ...a, service: 'setup_call', starts_at: startsAt(a.slot_id) }));
  return { today, slots, appointments };
}

/** Inserts the action tools' demo rows that are missing (the shop's customers and orders first). */
export async function seedDemoActions(db: Db, now: Date): Promise<void> {
  const { today, slots, appointments } = buildCalendar(now);
  const at = (days: number) => new Date(now.getTime() + days * DAY_MS);
  await db
    .insertInto('shop_appointment_slots')
    .values(slots)
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('shop_appointments')
    .values(appointments)
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('shop_subscription_tiers')
    .values(TIERS)
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('shop_subscriptions')
    .values([
      {
        id: DEMO_SUBSCRIPTIONS.alex,
        customer_id: 'CUS-1001',
        tier: 'plus',
        status: 'active',
        monthly_cents: 1990,
      },
      {
        id: DEMO_SUBSCRIPTIONS.camille,
        customer_id: 'CUS-1002',
        tier: 'essential',
        status: 'paused',
        paused_until: addDays(today, 14),
        monthly_cents: 990,
      },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('shop_promo_codes')
    .values([
      {
        code: DEMO_PROMO_CODES.valid,
        percent_off: 10,
        amount_off_cents: null,
        min_basket_cents: 3000,
        expires_at: at(30),
      },
      {
        code: DEMO_PROMO_CODES.expired,
        percent_off: 15,
        amount_off_cents: null,
        min_basket_cents: 3000,
        expires_at: at(-7),
      },
      {
        code: DEMO_PROMO_CODES.minimumBasket,
        percent_off: null,
        amount_off_cents: 2000,
        min_basket_cents: 15000,
        expires_at: at(60),
        one_per_customer: false,
      },
      {
        code: DEMO_PROMO_CODES.redeemedByAlex,
        percent_off: null,
        amount_off_cents: 200,
        min_basket_cents: 0,
        expires_at: at(90),
      },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('shop_promo_redemptions')
    .values({
      code: DEMO_PROMO_CODES.redeemedByAlex,
      customer_id: 'CUS-1001',
      order_id: '1031',
      discount_cents: 200,
      one_per_customer: true,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
