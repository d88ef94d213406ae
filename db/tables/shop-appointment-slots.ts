import type { ColumnType } from 'kysely';

/** The embedded calendar: bookable slots of a service, each with a capacity. */
export interface ShopAppointmentSlotsTable {
  id: string;
  service: string;
  starts_at: Date;
  capacity: number;
  booked: ColumnType<number, number | undefined, number>;
}
