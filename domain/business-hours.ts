/**
 * Business hours: a business's IANA time zone, weekly opening intervals and holidays, and the
 * questions asked of them — open now? when does it next open / close? when does a clock that
 * only runs during opening hours (an SLA) run out?
 *
 * Pure and deterministic, so workflow code can call it: the caller passes the instant (epoch
 * milliseconds), nothing here reads the clock or does I/O. Wall-clock conversions go through
 * `Intl.DateTimeFormat` with `timeZone` (available in Temporal's workflow sandbox), so daylight
 * saving time is right without a time-zone library.
 *
 * Rules:
 * - Times are local wall-clock 'HH:MM' (00:00–23:59); `close` is exclusive and may be '24:00'
 *   (the end of the day). An interval never crosses midnight: `close` must be after `open`. A
 *   business open overnight lists 'HH:MM'–'24:00' on one day and '00:00'–'HH:MM' on the next;
 *   touching intervals (the same day or across midnight) are one continuous opening.
 * - A holiday closes its local date whatever the weekday. With `open` and `close` it is a partial
 *   day instead: that single interval replaces the weekday's hours (e.g. 24 Dec 09:00–13:00).
 * - Daylight saving time, for a wall-clock time that does not map to exactly one instant:
 *   - skipped (spring forward: 02:30 on the last Sunday of March in Europe/Paris) → the next
 *     valid instant, i.e. the transition itself (03:00 CEST). An opening at 02:30 opens at 03:00;
 *     an interval lying entirely inside the gap is empty and ignored.
 *   - repeated (fall back: 02:30 happens twice on the last Sunday of October) → the first
 *     occurrence (02:30 CEST, 00:30Z), for opening and closing times alike.
 *   Intervals are converted to instants before any arithmetic, so a 00:00–24:00 day lasts 23 or
 *   25 hours on DST days and `addBusinessTime` counts real elapsed time.
 */

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

/** Weekdays in JavaScript's `getUTCDay()` order (0 = Sunday). */
export const WEEKDAYS: readonly Weekday[] = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

/** Local wall-clock times 'HH:MM' in the business's time zone; `close` is exclusive, '24:00' allowed. */
export interface OpeningInterval {
  open: string;
  close: string;
}

export interface Holiday {
  /** Local date, YYYY-MM-DD. */
  date: string;
  name?: string;
  /** A partial day: open only from `open` to `close` (both or neither). */
  open?: string;
  close?: string;
}

export interface BusinessHours {
  /** IANA zone the hours are expressed in. */
  timezone: string;
  /** Opening intervals per weekday; an empty list means closed all day. */
  weekly: Readonly<Record<Weekday, readonly OpeningInterval[]>>;
  /** Closed (or partially open) local dates, whatever the weekday. */
  holidays: readonly Holiday[];
}

/** How many local days the searches look ahead before concluding the calendar never opens. */
export const SEARCH_HORIZON_DAYS = 400;

/** A calendar that cannot answer: bad configuration, or no opening within the search horizon. */
export class BusinessHoursError extends Error {
  override name = 'BusinessHoursError';
}

// ---------------------------------------------------------------------------------------------
// Time-zone arithmetic

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
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
    } catch {
      throw new BusinessHoursError(`Unknown time zone ${JSON.stringify(timeZone)}`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, atMs: number): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(atMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  // Some ICU versions print midnight as 24 even with h23.
  return { year, month, day, hour: hour === 24 ? 0 : hour, minute, second };
}

/** Local time minus UTC at `atMs`, in milliseconds (3_600_000 for CET). */
function offsetMs(timeZone: string, atMs: number): number {
  const w = wallClock(timeZone, atMs);
  const wholeSecond = Math.floor(atMs / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecond;
}

export interface LocalParts {
  /** Local date, YYYY-MM-DD. */
  date: string;
  weekday: Weekday;
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes since local midnight. */
  minutes: number;
  /** Local time, HH:MM. */
  time: string;
  /** Local time minus UTC, in minutes (60 for CET, 120 for CEST, 330 for IST). */
  offsetMinutes: number;
}

/** The wall-clock date and time of the instant `atMs` in `timezone`. */
export function localParts(timezone: string, atMs: number): LocalParts {
  const w = wallClock(timezone, atMs);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  const wholeSecond = Math.floor(atMs / 1000) * 1000;
  const offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecond;
  return {
    date,
    weekday: weekdayOfDay(dayNumber(date)),
    ...w,
    minutes: w.hour * 60 + w.minute,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
    offsetMinutes: Math.round(offset / MINUTE_MS),
  };
}

/**
 * The instant of local `date` (YYYY-MM-DD) at `time` ('HH:MM', or '24:00' for the end of the day)
 * in `timezone`. A time skipped by a DST change gives the next valid instant (the transition);
 * a time that happens twice gives the first occurrence.
 */
export function localToInstant(timezone: string, date: string, time: string): number {
  const day = dayNumber(date);
  if (Number.isNaN(day))
    throw new BusinessHoursError(`Bad date ${JSON.stringify(date)}: expected YYYY-MM-DD`);
  return instantOf(timezone, day, parseTime(time, true));
}

/** `minutes` after local midnight (0–1440) of local day number `day`. */
function instantOf(timeZone: string, day: number, minutes: number): number {
  // The wall-clock time read as if it were UTC; the answer is asUtc minus the offset in force.
  const asUtc = day * DAY_MS + minutes * MINUTE_MS;
  // The offsets a day either side (at most one transition in between, as for every real zone).
  const before = offsetMs(timeZone, asUtc - DAY_MS);
  const after = offsetMs(timeZone, asUtc + DAY_MS);
  const candidates = [before, after]
    .map((offset) => ({ offset, instant: asUtc - offset }))
    .filter((c) => offsetMs(timeZone, c.instant) === c.offset)
    .map((c) => c.instant);
  if (candidates.length > 0) return Math.min(...candidates); // fall back: the first occurrence
  if (after > before) {
    // Spring forward: the wall-clock time is in the gap. The transition lies between the instant
    // read with the new offset (still on the old one) and the one read with the old offset.
    let lo = asUtc - after;
    let hi = asUtc - before;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetMs(timeZone, mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  }
  return asUtc - before; // not reachable for real zones: keep a sane answer
}

// ---------------------------------------------------------------------------------------------
// Dates as day numbers (days since 1970-01-01, in the local calendar)

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date; NaN when it is not a real calendar date. */
function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC maps years 0–99 to 1900–1999 and rolls 2026-02-30 over: check the round trip.
  if (dateOfDay(ms / DAY_MS) !== date) return NaN;
  return ms / DAY_MS;
}

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOfDay(day: number): Weekday {
  // 1970-01-01 was a Thursday (getUTCDay() 4).
  return WEEKDAYS[(((day + 4) % 7) + 7) % 7] ?? 'sunday';
}

/** Minutes since midnight of 'HH:MM' ('24:00' only when `allowEndOfDay`). */
function parseTime(time: string, allowEndOfDay: boolean): number {
  if (allowEndOfDay && time === '24:00') return 24 * 60;
  const m = TIME_RE.exec(time);
  if (!m) throw new BusinessHoursError(`Bad time ${JSON.stringify(time)}: expected HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

// ---------------------------------------------------------------------------------------------
// The calendar

/** The holiday on local `date`, if any. */
export function holidayOn(hours: BusinessHours, date: string): Holiday | undefined {
  return hours.holidays.find((h) => h.date === date);
}

/** The local opening intervals of local `date` (YYYY-MM-DD): the weekday's, or the holiday's. */
export function intervalsOn(hours: BusinessHours, date: string): readonly OpeningInterval[] {
  const day = dayNumber(date);
  if (Number.isNaN(day))
    throw new BusinessHoursError(`Bad date ${JSON.stringify(date)}: expected YYYY-MM-DD`);
  return localIntervals(hours, day, date);
}

function localIntervals(hours: BusinessHours, day: number, date: string): readonly OpeningInterval[] {
  const holiday = holidayOn(hours, date);
  if (holiday) {
    return holiday.open !== undefined && holiday.close !== undefined
      ? [{ open: holiday.open, close: holiday.close }]
      : [];
  }
  const weekday = weekdayOfDay(day);
  const intervals = hours.weekly[weekday];
  if (!intervals) throw new BusinessHoursError(`No weekly hours for ${weekday} (use [] for a closed day)`);
  return intervals;
}

interface Span {
  start: number;
  end: number;
}

/** The opening intervals of local day `day` as instants, sorted by start, empty ones dropped. */
function spansOn(hours: BusinessHours, day: number): Span[] {
  const spans: Span[] = [];
  for (const interval of localIntervals(hours, day, dateOfDay(day))) {
    const start = instantOf(hours.timezone, day, parseTime(interval.open, false));
    const end = instantOf(hours.timezone, day, parseTime(interval.close, true));
    if (end > start) spans.push({ start, end });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * Opening spans that end after `fromMs`, in order, for local days from the day before the local
 * date of `fromMs` (an instant in a repeated hour around midnight can read as the previous day)
 * to `days` days after it. Spans are not merged: touching ones follow each other.
 */
function* spansFrom(hours: BusinessHours, fromMs: number, days: number): Generator<Span> {
  const first = dayNumber(localParts(hours.timezone, fromMs).date) - 1;
  for (let day = first; day <= first + 1 + days; day++) {
    for (const span of spansOn(hours, day)) {
      if (span.end > fromMs) yield span;
    }
  }
}

function checkInstant(name: string, ms: number): void {
  if (!Number.isFinite(ms))
    throw new RangeError(`${name} must be a finite number of milliseconds, got ${ms}`);
}

/** Whether the business is open at the instant `atMs`. */
export function isOpen(hours: BusinessHours, atMs: number): boolean {
  checkInstant('atMs', atMs);
  // Spans come sorted by start: the first one still running decides.
  for (const span of spansFrom(hours, atMs, 1)) return span.start <= atMs;
  return false;
}

/**
 * The first instant ≥ `atMs` at which the business is open: `atMs` itself when open now.
 * Throws a BusinessHoursError when there is no opening within SEARCH_HORIZON_DAYS.
 */
export function nextOpening(hours: BusinessHours, atMs: number): number {
  checkInstant('atMs', atMs);
  for (const span of spansFrom(hours, atMs, SEARCH_HORIZON_DAYS)) return Math.max(span.start, atMs);
  throw new BusinessHoursError(
    `No opening within ${SEARCH_HORIZON_DAYS} days after ${new Date(atMs).toISOString()} in ${hours.timezone}: ` +
      'the calendar has no open hours (every day closed or a holiday)',
  );
}

/**
 * When open at `atMs`, the instant it closes (the end of the continuous opening, across touching
 * intervals and midnight); undefined when closed at `atMs`, or when it does not close within
 * SEARCH_HORIZON_DAYS (open around the clock).
 */
export function nextClosing(hours: BusinessHours, atMs: number): number | undefined {
  checkInstant('atMs', atMs);
  let end: number | undefined;
  for (const span of spansFrom(hours, atMs, SEARCH_HORIZON_DAYS)) {
    if (end === undefined) {
      if (span.start > atMs) return undefined;
      end = span.end;
    } else if (span.start <= end) {
      end = Math.max(end, span.end);
    } else {
      return end;
    }
  }
  return undefined;
}

/**
 * The instant at which `durationMs` of open time has elapsed from `fromMs`: a clock that only
 * runs while the business is open (a 15-minute SLA started Friday 17:55 with hours 09:00–18:00
 * Monday to Friday runs out Monday 09:10). The smallest such instant: the end of an opening when
 * the time runs out exactly there, `fromMs` itself for a zero duration.
 * Throws a BusinessHoursError when the clock stops for SEARCH_HORIZON_DAYS (no opening at all).
 */
export function addBusinessTime(hours: BusinessHours, fromMs: number, durationMs: number): number {
  checkInstant('fromMs', fromMs);
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`durationMs must be a finite number ≥ 0, got ${durationMs}`);
  }
  if (durationMs === 0) return fromMs;
  let remaining = durationMs;
  let cursor = fromMs;
  for (;;) {
    let found = false;
    for (const span of spansFrom(hours, cursor, SEARCH_HORIZON_DAYS)) {
      const start = Math.max(span.start, cursor);
      if (start >= span.end) continue;
      found = true;
      const available = span.end - start;
      if (remaining <= available) return start + remaining;
      remaining -= available;
      cursor = span.end;
    }
    if (!found) {
      throw new BusinessHoursError(
        `No opening within ${SEARCH_HORIZON_DAYS} days after ${new Date(cursor).toISOString()} in ${hours.timezone}: ` +
          'the business-time clock never runs',
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

/** The problems with `hours`, one readable line each; empty when valid. */
export function validateBusinessHours(hours: BusinessHours): string[] {
  const problems: string[] = [];
  if (typeof hours.timezone !== 'string' || hours.timezone === '') {
    problems.push('timezone: missing');
  } else {
    try {
      formatter(hours.timezone);
    } catch {
      problems.push(`timezone: unknown time zone ${JSON.stringify(hours.timezone)}`);
    }
  }

  const weekly: Partial<Record<string, readonly OpeningInterval[]>> = hours.weekly ?? {};
  for (const key of Object.keys(weekly)) {
    if (!WEEKDAYS.includes(key as Weekday)) problems.push(`weekly.${key}: not a weekday`);
  }
  for (const weekday of [...WEEKDAYS.slice(1), 'sunday' as const]) {
    const intervals = weekly[weekday];
    if (!Array.isArray(intervals)) {
      problems.push(`weekly.${weekday}: missing (use [] for a closed day)`);
      continue;
    }
    problems.push(...intervalProblems(`weekly.${weekday}`, intervals));
  }

  const seen = new Set<string>();
  (hours.holidays ?? []).forEach((holiday, i) => {
    const where = `holidays[${i}]`;
    if (typeof holiday.date !== 'string' || Number.isNaN(dayNumber(holiday.date))) {
      problems.push(`${where}: bad date ${JSON.stringify(holiday.date)}, expected a real YYYY-MM-DD date`);
    } else if (seen.has(holiday.date)) {
      problems.push(`${where}: ${holiday.date} is listed more than once`);
    } else {
      seen.add(holiday.date);
    }
    if ((holiday.open === undefined) !== (holiday.close === undefined)) {
      problems.push(`${where}: a partial day needs both open and close`);
    } else if (holiday.open !== undefined && holiday.close !== undefined) {
      problems.push(...intervalProblems(where, [{ open: holiday.open, close: holiday.close }]));
    }
  });
  return problems;
}

/** Throws a BusinessHoursError listing every problem with `hours`. */
export function assertValidBusinessHours(hours: BusinessHours): void {
  const problems = validateBusinessHours(hours);
  if (problems.length > 0)
    throw new BusinessHoursError(`Invalid business hours:\n- ${problems.join('\n- ')}`);
}

function intervalProblems(where: string, intervals: readonly OpeningInterval[]): string[] {
  const problems: string[] = [];
  const parsed: { open: number; close: number; label: string }[] = [];
  intervals.forEach((interval, i) => {
    const label = `${where}[${i}] ${interval.open}-${interval.close}`;
    const open = TIME_RE.test(interval.open) ? parseTime(interval.open, false) : NaN;
    const close =
      interval.close === '24:00' || TIME_RE.test(interval.close) ? parseTime(interval.close, true) : NaN;
    if (Number.isNaN(open))
      problems.push(`${label}: bad open time ${JSON.stringify(interval.open)}, expected HH:MM`);
    if (Number.isNaN(close)) {
      problems.push(`${label}: bad close time ${JSON.stringify(interval.close)}, expected HH:MM or 24:00`);
    }
    if (Number.isNaN(open) || Number.isNaN(close)) return;
    if (close <= open) {
      problems.push(
        `${label}: close must be after open (split a night across two days, with 24:00 and 00:00)`,
      );
      return;
    }
    parsed.push({ open, close, label });
  });
  parsed.sort((a, b) => a.open - b.open);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1];
    const cur = parsed[i];
    if (prev && cur && cur.open < prev.close) problems.push(`${cur.label}: overlaps ${prev.label}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The demo shop

const WEEKDAY_HOURS: readonly OpeningInterval[] = [{ open: '09:00', close: '18:00' }];

/** French public holidays (the KB: "Sunday and French public holidays: closed"). */
const FRENCH_HOLIDAYS_2026_2027: readonly Holiday[] = [
  { date: '2026-01-01', name: "New Year's Day" },
  { date: '2026-04-06', name: 'Easter Monday' },
  { date: '2026-05-01', name: 'Labour Day' },
  { date: '2026-05-08', name: 'Victory in Europe Day' },
  { date: '2026-05-14', name: 'Ascension Day' },
  { date: '2026-05-25', name: 'Whit Monday' },
  { date: '2026-07-14', name: 'Bastille Day' },
  { date: '2026-08-15', name: 'Assumption Day' },
  { date: '2026-11-01', name: "All Saints' Day" },
  { date: '2026-11-11', name: 'Armistice Day' },
  { date: '2026-12-25', name: 'Christmas Day' },
  { date: '2027-01-01', name: "New Year's Day" },
  { date: '2027-03-29', name: 'Easter Monday' },
  { date: '2027-05-01', name: 'Labour Day' },
  { date: '2027-05-06', name: 'Ascension Day' },
  { date: '2027-05-08', name: 'Victory in Europe Day' },
  { date: '2027-05-17', name: 'Whit Monday' },
  { date: '2027-07-14', name: 'Bastille Day' },
  { date: '2027-08-15', name: 'Assumption Day' },
  { date: '2027-11-01', name: "All Saints' Day" },
  { date: '2027-11-11', name: 'Armistice Day' },
  { date: '2027-12-25', name: 'Christmas Day' },
];

/**
 * The customer-service hours of Parley Home, the demo shop of knowledge/demo (mirrors
 * knowledge/demo/en/contact-opening-hours.md). The KB says "CET" and the French page "heure de
 * Paris": Paris time, so CEST in summer.
 */
export const DEMO_BUSINESS_HOURS: BusinessHours = {
  timezone: 'Europe/Paris',
  weekly: {
    monday: WEEKDAY_HOURS,
    tuesday: WEEKDAY_HOURS,
    wednesday: WEEKDAY_HOURS,
    thursday: WEEKDAY_HOURS,
    friday: WEEKDAY_HOURS,
    saturday: [{ open: '10:00', close: '14:00' }],
    sunday: [],
  },
  holidays: FRENCH_HOLIDAYS_2026_2027,
};

/** A person is always there: every hour of every day counts (tests, round-the-clock teams). */
export const ALWAYS_OPEN: BusinessHours = {
  timezone: 'UTC',
  weekly: Object.fromEntries(
    WEEKDAYS.map((day) => [day, [{ open: '00:00', close: '24:00' }]]),
  ) as unknown as BusinessHours['weekly'],
  holidays: [],
};
