/**
 * opening_hours: the customer-service hours, whether the team is open now and when it next opens.
 *
 * Deliberately small (a full business-hours engine comes later): weekly intervals in the business's
 * IANA time zone, closed on listed holidays. Wall-clock conversions go through Intl, so daylight
 * saving time is right without a time-zone library.
 */
import { z } from 'zod';
import { WEEKDAYS, type BusinessInfo, type OpeningInterval, type Weekday } from './business.js';
import { defineTool, strictObjectSchema, type ToolDeps } from './common.js';
import type { AgentTool } from './types.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

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
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  return {
    date,
    weekday: weekdayOf(date),
    minutes: hour * 60 + minute,
    time: `${pad(hour)}:${pad(minute)}`,
    offsetMinutes: Math.round((localAsUtc - wholeSeconds) / 60_000),
  };
}

/** The instant at local `date` `time` in `timeZone` (for times that exist on that day). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const [hh = 0, mm = 0] = time.split(':').map(Number);
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The offset at the guess can differ from the offset at the answer around a DST change:
  // a second pass with the answer's offset settles it.
  let instant = asUtc - zonedParts(new Date(asUtc), timeZone).offsetMinutes * 60_000;
  instant = asUtc - zonedParts(new Date(instant), timeZone).offsetMinutes * 60_000;
  return new Date(instant);
}

function weekdayOf(date: string): Weekday {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] ?? 'sunday';
}

function addDays(date: string, days: number): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function toMinutes(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
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

/** How far ahead to look for the next opening: covers a long holiday weekend with margin. */
const LOOKAHEAD_DAYS = 14;

export interface OpeningState {
  openNow: boolean;
  /** Today's holiday, when the team is closed for one. */
  holidayToday: string | null;
  /** When the current opening interval ends (when open). */
  closesAt: { date: string; time: string; at: string } | null;
  /** The next opening after now (when closed). */
  nextOpening: { date: string; weekday: Weekday; time: string; at: string } | null;
}

function intervalsOn(business: BusinessInfo, date: string): readonly OpeningInterval[] {
  if (business.holidays.some((h) => h.date === date)) return [];
  return [...business.openingHours[weekdayOf(date)]].sort((a, b) => toMinutes(a.open) - toMinutes(b.open));
}

/** Open or closed at `now`, and the next change worth telling a customer. */
export function openingState(business: BusinessInfo, now: Date): OpeningState {
  const tz = business.timezone;
  const local = zonedParts(now, tz);
  const holidayToday = business.holidays.find((h) => h.date === local.date)?.name ?? null;
  const current = intervalsOn(business, local.date).find(
    (i) => toMinutes(i.open) <= local.minutes && local.minutes < toMinutes(i.close),
  );
  if (current) {
    const at = zonedInstant(local.date, current.close, tz).toISOString();
    return {
      openNow: true,
      holidayToday,
      closesAt: { date: local.date, time: current.close, at },
      nextOpening: null,
    };
  }
  for (let i = 0; i <= LOOKAHEAD_DAYS; i++) {
    const date = addDays(local.date, i);
    const next = intervalsOn(business, date).find((iv) => i > 0 || toMinutes(iv.open) > local.minutes);
    if (next) {
      const at = zonedInstant(date, next.open, tz).toISOString();
      return {
        openNow: false,
        holidayToday,
        closesAt: null,
        nextOpening: { date, weekday: weekdayOf(date), time: next.open, at },
      };
    }
  }
  return { openNow: false, holidayToday, closesAt: null, nextOpening: null };
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
            MONDAY_FIRST.map((d) => [d, business.openingHours[d].map((i) => `${i.open}-${i.close}`)]),
          ),
          upcomingHolidays: upcomingHolidays(business, local.date, 30),
          assistant: business.assistantAvailability,
          contact: business.contact,
        },
      };
    },
  });
}
