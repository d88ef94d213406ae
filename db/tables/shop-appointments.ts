import type { ColumnType } from 'kysely';

export type AppointmentStatus = 'booked' | 'cancelled';

/** A customer's booking in a slot of the embedded calendar. */
export interface ShopAppointmentsTable {
  id: string;
  customer_id: string;
  service: string;
  slot_id: string;
  starts_at: Date;
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  /** Bumped by every change; part of the action keys (see the migration). */
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
