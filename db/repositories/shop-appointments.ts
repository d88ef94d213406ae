/**
 * The embedded calendar: appointments and the slots they book. A slot counts its bookings
 * (`booked` against `capacity`); ownership of an appointment is checked in SQL by the customer's
 * WhatsApp id, as for orders.
 */
import { sql } from 'kysely';
import type { Db } from '../database.js';

/** The customer's booked appointments, soonest first (at most 10). */
export async function listBookedAppointments(db: Db, waId: string) {
  return db
    .selectFrom('shop_appointments')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_appointments.customer_id')
    .select([
      'shop_appointments.id',
      'shop_appointments.service',
      'shop_appointments.starts_at',
      'shop_appointments.status',
    ])
    .where('shop_customers.wa_id', '=', waId)
    .where('shop_appointments.status', '=', 'booked')
    .orderBy('shop_appointments.starts_at')
    .limit(10)
    .execute();
}

/** The services the calendar has slots for, in name order. */
export async function listSlotServices(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('shop_appointment_slots')
    .select('service')
    .distinct()
    .orderBy('service')
    .execute();
  return rows.map((r) => r.service);
}

/** Slots with a place left starting after `after` and from `from` on, soonest first. */
export async function listFreeSlots(
  db: Db,
  q: { after: Date; from: Date; service: string | null; limit: number },
) {
  let query = db
    .selectFrom('shop_appointment_slots')
    .select(['id', 'service', 'starts_at'])
    .where('starts_at', '>', q.after)
    .where('starts_at', '>=', q.from)
    .where(sql<boolean>`booked < capacity`)
    .orderBy('starts_at')
    .orderBy('id')
    .limit(q.limit);
  if (q.service !== null) query = query.where('service', '=', q.service);
  return query.execute();
}

/** The customer's appointment; with `lock`, its row is locked for the rest of the transaction. */
export async function findCustomerAppointment(
  db: Db,
  waId: string,
  appointmentId: string,
  opts: { lock?: boolean } = {},
) {
  let query = db
    .selectFrom('shop_appointments')
    .innerJoin('shop_customers', 'shop_customers.id', 'shop_appointments.customer_id')
    .select([
      'shop_appointments.id',
      'shop_appointments.service',
      'shop_appointments.slot_id',
      'shop_appointments.starts_at',
      'shop_appointments.status',
      'shop_appointments.version',
    ])
    .where('shop_customers.wa_id', '=', waId)
    .where('shop_appointments.id', '=', appointmentId);
  if (opts.lock) query = query.forUpdate('shop_appointments');
  return query.executeTakeFirst();
}

export async function findSlot(db: Db, slotId: string) {
  return db
    .selectFrom('shop_appointment_slots')
    .select(['id', 'service', 'starts_at', 'capacity', 'booked'])
    .where('id', '=', slotId)
    .executeTakeFirst();
}

/**
 * Locks the slots for the rest of the transaction and returns those that exist. In id order: two
 * moves over the same pair of slots cannot deadlock.
 */
export async function lockSlots(db: Db, slotIds: readonly string[]) {
  return db
    .selectFrom('shop_appointment_slots')
    .select(['id', 'service', 'starts_at', 'capacity', 'booked'])
    .where('id', 'in', [...slotIds])
    .orderBy('id')
    .forUpdate()
    .execute();
}

/**
 * Moves an appointment to another slot: one place back to the old slot, one taken in the new.
 * Only under the locks of the appointment and both slots, after checking the new one has room.
 */
export async function moveAppointment(
  db: Db,
  m: {
    appointmentId: string;
    fromSlotId: string;
    toSlotId: string;
    startsAt: Date;
    /** The appointment's new version. */
    version: number;
    at: Date;
  },
): Promise<void> {
  await db
    .updateTable('shop_appointment_slots')
    .set({ booked: sql`greatest(booked - 1, 0)` })
    .where('id', '=', m.fromSlotId)
    .execute();
  await db
    .updateTable('shop_appointment_slots')
    .set({ booked: sql`booked + 1` })
    .where('id', '=', m.toSlotId)
    .execute();
  await db
    .updateTable('shop_appointments')
    .set({ slot_id: m.toSlotId, starts_at: m.startsAt, version: m.version, updated_at: m.at })
    .where('id', '=', m.appointmentId)
    .execute();
}
