/**
 * opening_hours: the customer-service hours, whether the team is open now and when it next opens.
 *
 * The answers come from the business-hours engine (workflows/business-hours.ts): weekly intervals
 * in the business's IANA time zone, holidays (closed or partial days), daylight saving time.
 */
import { z } from 'zod';
import {
  BusinessHoursError,
  holidayOn,
  isOpen,
  localParts,
  localToInstant,
  nextClosing,
  nextOpening,
  WEEKDAYS,
  type Weekday,
} from '../../domain/business-hours.js';
import type { BusinessInfo } from './business.js';
import { defineTool, strictObjectSchema, type ToolDeps } from './common.js';
import type { AgentTool } from './types.js';

export interface ZonedParts {
  /** Local date, YYYY-MM-DD. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
  /** Local time, HH:MM. */
  time: string;
  /** Local time minus UTC, in minutes (60 for CET, 120 for CEST). */
  offsetMinutes: number;
}

/** The wall-clock date and time of `instant` in `timeZone`. */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const { date, weekday, minutes, time, offsetMinutes } = localParts(timeZone, instant.getTime());
  return { date, weekday, minutes, time, offsetMinutes };
}

/**
 * The instant at local `date` `time` in `timeZone` (a time skipped by DST gives the transition,
 * a repeated one its first occurrence).
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  return new Date(localToInstant(timeZone, date, time));
}

function addDays(date: string, days: number): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const MONDAY_FIRST: readonly Weekday[] = [...WEEKDAYS.slice(1), 'sunday'];

export interface OpeningState {
  openNow: boolean;
  /** Today's holiday (closed, or open only part of the day). */
  holidayToday: string | null;
  /** When the current opening ends (when open; null when open around the clock). */
  closesAt: { date: string; time: string; at: string } | null;
  /** The next opening after now (when closed; null when the calendar never opens again). */
  nextOpening: { date: string; weekday: Weekday; time: string; at: string } | null;
}

/** Open or closed at `now`, and the next change worth telling a customer. */
export function openingState(business: BusinessInfo, now: Date): OpeningState {
  const tz = business.timezone;
  const nowMs = now.getTime();
  const describe = (ms: number) => {
    const { date, weekday, time } = localParts(tz, ms);
    return { date, weekday, time, at: new Date(ms).toISOString() };
  };
  const holiday = holidayOn(business, localParts(tz, nowMs).date);
  const holidayToday = holiday ? (holiday.name ?? 'Holiday') : null;
  if (isOpen(business, nowMs)) {
    const closeMs = nextClosing(business, nowMs);
    const closesAt = closeMs === undefined ? null : describe(closeMs);
    return {
      openNow: true,
      holidayToday,
      closesAt: closesAt && { date: closesAt.date, time: closesAt.time, at: closesAt.at },
      nextOpening: null,
    };
  }
  let openMs: number | undefined;
  try {
    openMs = nextOpening(business, nowMs);
  } catch (err) {
    if (!(err instanceof BusinessHoursError)) throw err;
    openMs = undefined; // no opening at all within the search horizon
  }
  return {
    openNow: false,
    holidayToday,
    closesAt: null,
    nextOpening: openMs === undefined ? null : describe(openMs),
  };
}

/** Holidays in the next `days` days from `today` (local dates). */
function upcomingHolidays(business: BusinessInfo, today: string, days: number) {
  const end = addDays(today, days);
  return business.holidays.filter((h) => h.date >= today && h.date <= end);
}

export function openingHoursTool(deps: ToolDeps): AgentTool {
  return defineTool({
    name: 'opening_hours',
    description:
      'Customer-service opening hours and contact channels, whether the team is open right now, and when it next opens.',
    parameters: strictObjectSchema({}),
    args: z.strictObject({}),
    async run() {
      const { business } = deps;
      const now = deps.now();
      const local = zonedParts(now, business.timezone);
      const state = openingState(business, now);
      return {
        status: 'ok',
        data: {
          timezone: business.timezone,
          now: {
            date: local.date,
            weekday: local.weekday,
            time: local.time,
            utcOffset: formatOffset(local.offsetMinutes),
          },
          ...state,
          weeklyHours: Object.fromEntries(
            MONDAY_FIRST.map((d) => [d, business.weekly[d].map((i) => `${i.open}-${i.close}`)]),
          ),
          upcomingHolidays: upcomingHolidays(business, local.date, 30),
          assistant: business.assistantAvailability,
          contact: business.contact,
        },
      };
    },
  });
}
