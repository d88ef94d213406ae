/**
 * The embedded calendar: list_appointment_slots (read-only) and reschedule_appointment (proposed,
 * executed after the customer confirmed). A slot counts its bookings; moving an appointment gives
 * one place back to the old slot and takes one in the new, under row locks on both, so two
 * customers confirming the last place at the same moment cannot both get it.
 */
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import {
  findCustomerAppointment,
  findSlot,
  listBookedAppointments,
  listFreeSlots,
  listSlotServices,
  lockSlots,
  moveAppointment,
} from '../../db/repositories/shop-appointments.js';
import { callerWaId, defineTool, strictObjectSchema } from '../tools/common.js';
import { zonedInstant } from '../tools/opening-hours.js';
import type { ActionResult, AgentTool, ToolOutcome } from '../tools/types.js';
import { formatWhen, say, serviceName } from './l10n.js';
import { actionTool, changed, refusedNotFound, type ActionContext, type Customer } from './shared.js';

const MAX_SLOTS = 6;

const APPOINTMENT_NOT_FOUND = {
  status: 'not_found',
  reason:
    "No appointment with this id was found for this customer. Use list_appointment_slots to see the customer's own appointments.",
} as const satisfies ToolOutcome;

const serviceArg = z
  .string()
  .max(64)
  .transform((s) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
const slotIdArg = z
  .string()
  .max(64)
  .transform((s) => s.trim())
  .pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a slot id from list_appointment_slots'));
const appointmentIdArg = z
  .string()
  .max(40)
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^APT-[0-9A-Z-]{1,32}$/, "expected an appointment id like 'APT-1001'"));

export function listAppointmentSlotsTool(ctx: ActionContext): AgentTool {
  return defineTool({
    name: 'list_appointment_slots',
    description:
      "Free appointment slots (up to 6, soonest first) for a service, and the customer's own booked appointments with their ids. Read-only: use it before reschedule_appointment.",
    parameters: strictObjectSchema({
      service: {
        type: ['string', 'null'],
        description:
          "The service, e.g. 'setup_call' or 'home_pickup'; null for the customer's appointment's service (or all).",
      },
      from: {
        type: ['string', 'null'],
        description: "Earliest day wanted, 'YYYY-MM-DD', or null for the soonest.",
      },
    }),
    args: z.strictObject({
      service: serviceArg.nullable(),
      from: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date 'YYYY-MM-DD'")
        .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a calendar date')
        .nullable(),
    }),
    async run(a, caller) {
      const waId = callerWaId(caller);
      const mine = waId ? await listBookedAppointments(ctx.db, waId) : [];
      const lang = caller.language;
      const services = await listSlotServices(ctx.db);
      const service = a.service ?? (mine.length > 0 ? mine[0]!.service : null);
      if (service !== null && !services.includes(service)) {
        return { status: 'not_found', reason: `No service '${service}'. Services: ${services.join(', ')}.` };
      }
      const now = ctx.now();
      const from = a.from ? zonedInstant(a.from, '00:00', ctx.timezone) : now;
      const slots = await listFreeSlots(ctx.db, { after: now, from, service, limit: MAX_SLOTS });
      return {
        status: 'ok',
        data: {
          services,
          freeSlots: slots.map((s) => ({
            slotId: s.id,
            service: s.service,
            startsAt: s.starts_at.toISOString(),
            when: formatWhen(s.starts_at, lang, ctx.timezone),
          })),
          yourAppointments: mine.map((m) => ({
            appointmentId: m.id,
            service: m.service,
            startsAt: m.starts_at.toISOString(),
            when: formatWhen(m.starts_at, lang, ctx.timezone),
          })),
        },
      };
    },
  });
}

export const rescheduleParams = z.strictObject({
  appointmentId: z.string(),
  version: z.number().int().min(0),
  service: z.string(),
  fromSlotId: z.string(),
  toSlotId: z.string(),
  fromStartsAt: z.string(),
  toStartsAt: z.string(),
});
export type RescheduleParams = z.output<typeof rescheduleParams>;

/** The version is in the key: moving back to a slot later is a new action, not a replay. */
export function rescheduleActionKey(p: { appointmentId: string; version: number; toSlotId: string }): string {
  return `reschedule:${p.appointmentId}:v${p.version}:${p.toSlotId}`;
}

export function rescheduleAppointmentTool(ctx: ActionContext): AgentTool {
  return actionTool(ctx, {
    name: 'reschedule_appointment',
    action: 'reschedule_appointment',
    description:
      "Proposes moving one of the customer's own upcoming appointments to a free slot (ids from list_appointment_slots). Nothing changes by this call: the customer is shown the new time and asked to confirm with buttons; only then is the appointment moved.",
    parameters: strictObjectSchema({
      appointmentId: { type: 'string', description: "The customer's appointment id, e.g. 'APT-1001'." },
      slotId: { type: 'string', description: 'The free slot to move to, from list_appointment_slots.' },
    }),
    args: z.strictObject({ appointmentId: appointmentIdArg, slotId: slotIdArg }),
    notFound: APPOINTMENT_NOT_FOUND,
    async propose(a, customer): Promise<ToolOutcome> {
      const appt = await findCustomerAppointment(ctx.db, customer.waId, a.appointmentId);
      if (!appt) return { ...APPOINTMENT_NOT_FOUND };
      const now = ctx.now();
      if (appt.status !== 'booked')
        return { status: 'refused', reason: `Appointment ${appt.id} was cancelled.` };
      if (appt.starts_at <= now) {
        return { status: 'refused', reason: `Appointment ${appt.id} has already taken place.` };
      }
      const slot = await findSlot(ctx.db, a.slotId);
      if (!slot) return { status: 'not_found', reason: `No slot '${a.slotId}': use list_appointment_slots.` };
      if (slot.service !== appt.service) {
        return {
          status: 'refused',
          reason: `Slot ${slot.id} is for '${slot.service}', but appointment ${appt.id} is a '${appt.service}'.`,
        };
      }
      if (slot.id === appt.slot_id) {
        return { status: 'refused', reason: `Appointment ${appt.id} is already in this slot.` };
      }
      if (slot.starts_at <= now) return { status: 'refused', reason: `Slot ${slot.id} is in the past.` };
      if (slot.booked >= slot.capacity) {
        return {
          status: 'refused',
          reason: `Slot ${slot.id} is full: use list_appointment_slots for free ones.`,
        };
      }
      const params: RescheduleParams = {
        appointmentId: appt.id,
        version: appt.version,
        service: appt.service,
        fromSlotId: appt.slot_id,
        toSlotId: slot.id,
        fromStartsAt: appt.starts_at.toISOString(),
        toStartsAt: slot.starts_at.toISOString(),
      };
      const lang = customer.language;
      return {
        status: 'needs_confirmation',
        proposal: {
          action: 'reschedule_appointment',
          actionKey: rescheduleActionKey(params),
          summary: say('reschedule_proposal', lang, {
            service: serviceName(appt.service, lang),
            from: formatWhen(appt.starts_at, lang, ctx.timezone),
            to: formatWhen(slot.starts_at, lang, ctx.timezone),
          }),
          params,
        },
      };
    },
  });
}

/** Moves the booking inside the executor's transaction, after re-checking everything. */
export async function executeReschedule(
  ctx: ActionContext,
  tx: Db,
  p: RescheduleParams,
  customer: Customer,
): Promise<ActionResult> {
  const lang = customer.language;
  const appt = await findCustomerAppointment(tx, customer.waId, p.appointmentId, { lock: true });
  if (!appt) return refusedNotFound(lang, `No appointment ${p.appointmentId} for this customer.`);
  const now = ctx.now();
  if (appt.status !== 'booked' || appt.version !== p.version || appt.slot_id !== p.fromSlotId) {
    return changed(lang, `Appointment ${appt.id} was changed or cancelled after this was proposed.`);
  }
  if (appt.starts_at <= now) return changed(lang, `Appointment ${appt.id} has already started.`);
  const slots = await lockSlots(tx, [p.fromSlotId, p.toSlotId]);
  const target = slots.find((s) => s.id === p.toSlotId);
  if (!target || target.service !== appt.service)
    return changed(lang, `Slot ${p.toSlotId} no longer exists.`);
  if (target.starts_at <= now || target.booked >= target.capacity) {
    return {
      status: 'refused',
      reason: `Slot ${target.id} was taken (or has passed) since this was proposed.`,
      summary: say('refused_slot_taken', lang),
    };
  }
  await moveAppointment(tx, {
    appointmentId: appt.id,
    fromSlotId: p.fromSlotId,
    toSlotId: target.id,
    startsAt: target.starts_at,
    version: appt.version + 1,
    at: now,
  });
  return {
    status: 'done',
    summary: say('reschedule_done', lang, {
      service: serviceName(appt.service, lang),
      to: formatWhen(target.starts_at, lang, ctx.timezone),
    }),
    data: { appointmentId: appt.id, slotId: target.id, startsAt: target.starts_at.toISOString() },
  };
}
