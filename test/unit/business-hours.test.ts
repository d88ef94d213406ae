/**
 * The business-hours engine: open/closed, next opening and closing, business-time arithmetic and
 * validation, with exact UTC instants across weekends, holidays, partial days and DST changes
 * (Europe/Paris, America/New_York) and a half-hour offset (Asia/Kolkata).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  addBusinessTime,
  assertValidBusinessHours,
  BusinessHoursError,
  DEMO_BUSINESS_HOURS,
  intervalsOn,
  isOpen,
  localParts,
  localToInstant,
  nextClosing,
  nextOpening,
  validateBusinessHours,
  type BusinessHours,
  type Holiday,
  type OpeningInterval,
  type Weekday,
} from '../../domain/business-hours.js';

const ms = (iso: string) => Date.parse(iso);
const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function calendar(
  timezone: string,
  weekly: Partial<Record<Weekday, OpeningInterval[]>>,
  holidays: Holiday[] = [],
): BusinessHours {
  return {
    timezone,
    weekly: {
      monday: [],
      tuesday: [],
      wednesday: [],
      thursday: [],
      friday: [],
      saturday: [],
      sunday: [],
      ...weekly,
    },
    holidays,
  };
}

function mondayToFriday(
  timezone: string,
  intervals: OpeningInterval[],
  holidays: Holiday[] = [],
): BusinessHours {
  return calendar(
    timezone,
    { monday: intervals, tuesday: intervals, wednesday: intervals, thursday: intervals, friday: intervals },
    holidays,
  );
}

const ALL_DAY: OpeningInterval[] = [{ open: '00:00', close: '24:00' }];
const ALWAYS = (timezone: string) =>
  calendar(timezone, {
    monday: ALL_DAY,
    tuesday: ALL_DAY,
    wednesday: ALL_DAY,
    thursday: ALL_DAY,
    friday: ALL_DAY,
    saturday: ALL_DAY,
    sunday: ALL_DAY,
  });

/** Paris, Monday to Friday 09:00–18:00, no Saturday. */
const PARIS_WEEK = mondayToFriday('Europe/Paris', [{ open: '09:00', close: '18:00' }]);
/** The demo shop: Monday to Friday 09:00–18:00, Saturday 10:00–14:00, French holidays. */
const DEMO = DEMO_BUSINESS_HOURS;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('localParts and localToInstant', () => {
  it('reads the wall clock and the offset of an instant', () => {
    expect(localParts('Europe/Paris', ms('2026-11-25T09:00:00Z'))).toMatchObject({
      date: '2026-11-25',
      weekday: 'wednesday',
      time: '10:00',
      minutes: 600,
      offsetMinutes: 60,
    });
    expect(localParts('Europe/Paris', ms('2026-07-14T08:00:00Z'))).toMatchObject({
      time: '10:00',
      offsetMinutes: 120,
    });
    expect(localParts('Asia/Kolkata', ms('2026-11-30T04:30:00Z'))).toMatchObject({
      date: '2026-11-30',
      time: '10:00',
      offsetMinutes: 330,
    });
    expect(localParts('America/New_York', ms('2026-11-30T03:00:00Z'))).toMatchObject({
      date: '2026-11-29',
      weekday: 'sunday',
      time: '22:00',
      offsetMinutes: -300,
    });
  });

  it('converts 09:00 Paris to 08:00Z in winter and 07:00Z in summer', () => {
    expect(iso(localToInstant('Europe/Paris', '2026-01-15', '09:00'))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-07-15', '09:00'))).toBe('2026-07-15T07:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-07-15', '24:00'))).toBe('2026-07-15T22:00:00.000Z');
  });

  it('maps a time skipped by spring forward to the transition, a repeated one to its first occurrence', () => {
    // Paris: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
    expect(iso(localToInstant('Europe/Paris', '2026-03-29', '02:30'))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-03-29', '03:00'))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-03-29', '01:59'))).toBe('2026-03-29T00:59:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-10-25', '02:30'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(localToInstant('Europe/Paris', '2026-10-25', '03:00'))).toBe('2026-10-25T02:00:00.000Z');
    // New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    expect(iso(localToInstant('America/New_York', '2026-03-08', '02:30'))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(localToInstant('America/New_York', '2026-11-01', '01:30'))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(localToInstant('America/New_York', '2026-11-01', '02:00'))).toBe('2026-11-01T07:00:00.000Z');
  });

  it('rejects bad dates, times and zones', () => {
    expect(() => localToInstant('Europe/Paris', '2026-02-30', '09:00')).toThrow(BusinessHoursError);
    expect(() => localToInstant('Europe/Paris', '2026-02-03', '9:00')).toThrow(/Bad time "9:00"/);
    expect(() => localParts('Mars/Olympus_Mons', 0)).toThrow(/Unknown time zone "Mars\/Olympus_Mons"/);
    expect(() => isOpen(calendar('Mars/Olympus_Mons', {}), 0)).toThrow(BusinessHoursError);
  });
});

describe('isOpen, nextOpening, nextClosing on a weekday', () => {
  it('is open during hours, closing at 18:00 Paris time', () => {
    const at = ms('2026-11-25T09:00:00Z'); // Wednesday 10:00 CET
    expect(isOpen(DEMO, at)).toBe(true);
    expect(nextOpening(DEMO, at)).toBe(at);
    expect(iso(nextClosing(DEMO, at))).toBe('2026-11-25T17:00:00.000Z');
  });

  it('opens at the opening minute and closes at the closing minute (close exclusive)', () => {
    expect(isOpen(DEMO, ms('2026-11-25T07:59:59.999Z'))).toBe(false);
    expect(isOpen(DEMO, ms('2026-11-25T08:00:00Z'))).toBe(true);
    expect(isOpen(DEMO, ms('2026-11-25T16:59:59.999Z'))).toBe(true);
    expect(isOpen(DEMO, ms('2026-11-25T17:00:00Z'))).toBe(false);
  });

  it('before opening: opens the same day; closed means no closing time', () => {
    const at = ms('2026-11-25T06:30:00Z'); // 07:30 CET
    expect(isOpen(DEMO, at)).toBe(false);
    expect(iso(nextOpening(DEMO, at))).toBe('2026-11-25T08:00:00.000Z');
    expect(nextClosing(DEMO, at)).toBeUndefined();
  });

  it('after closing: opens the next morning', () => {
    expect(iso(nextOpening(DEMO, ms('2026-11-25T18:30:00Z')))).toBe('2026-11-26T08:00:00.000Z');
  });

  it('closes for lunch', () => {
    const lunch = mondayToFriday('Europe/Paris', [
      { open: '14:00', close: '18:00' }, // listed out of order on purpose
      { open: '09:00', close: '12:30' },
    ]);
    expect(iso(nextClosing(lunch, ms('2026-11-25T09:00:00Z')))).toBe('2026-11-25T11:30:00.000Z');
    const atLunch = ms('2026-11-25T12:00:00Z'); // 13:00 CET
    expect(isOpen(lunch, atLunch)).toBe(false);
    expect(iso(nextOpening(lunch, atLunch))).toBe('2026-11-25T13:00:00.000Z');
    expect(iso(nextClosing(lunch, ms('2026-11-25T13:00:00Z')))).toBe('2026-11-25T17:00:00.000Z');
  });

  it('treats touching intervals, also across midnight, as one opening', () => {
    const late = calendar('Europe/Paris', {
      wednesday: [
        { open: '09:00', close: '12:00' },
        { open: '12:00', close: '24:00' },
      ],
      thursday: [{ open: '00:00', close: '02:00' }],
    });
    expect(iso(nextClosing(late, ms('2026-11-25T10:00:00Z')))).toBe('2026-11-26T01:00:00.000Z');
    expect(isOpen(late, ms('2026-11-25T23:30:00Z'))).toBe(true); // Thursday 00:30 CET
    expect(isOpen(late, ms('2026-11-26T01:00:00Z'))).toBe(false);
  });

  it('a business open around the clock never closes within the horizon', () => {
    const always = ALWAYS('Europe/Paris');
    expect(isOpen(always, ms('2026-03-29T01:30:00Z'))).toBe(true);
    expect(nextClosing(always, ms('2026-03-29T01:30:00Z'))).toBeUndefined();
  });
});

describe('weekends', () => {
  it('Friday evening opens Monday morning', () => {
    const friday = ms('2026-11-27T17:30:00Z'); // Friday 18:30 CET
    expect(isOpen(PARIS_WEEK, friday)).toBe(false);
    expect(iso(nextOpening(PARIS_WEEK, friday))).toBe('2026-11-30T08:00:00.000Z');
    expect(iso(nextOpening(PARIS_WEEK, ms('2026-11-29T11:00:00Z')))).toBe('2026-11-30T08:00:00.000Z'); // Sunday
  });

  it('Saturday with short hours', () => {
    expect(iso(nextOpening(DEMO, ms('2026-11-27T17:30:00Z')))).toBe('2026-11-28T09:00:00.000Z'); // Sat 10:00
    const saturday = ms('2026-11-28T12:59:00Z'); // 13:59 CET
    expect(isOpen(DEMO, saturday)).toBe(true);
    expect(iso(nextClosing(DEMO, saturday))).toBe('2026-11-28T13:00:00.000Z');
    expect(isOpen(DEMO, ms('2026-11-28T13:00:00Z'))).toBe(false);
    expect(iso(nextOpening(DEMO, ms('2026-11-28T13:00:00Z')))).toBe('2026-11-30T08:00:00.000Z'); // skips Sunday
  });
});

describe('holidays', () => {
  it('a holiday on a weekday opens the day after', () => {
    const armistice = ms('2026-11-11T09:00:00Z'); // Wednesday 10:00 CET
    expect(isOpen(DEMO, armistice)).toBe(false);
    expect(intervalsOn(DEMO, '2026-11-11')).toEqual([]);
    expect(iso(nextOpening(DEMO, armistice))).toBe('2026-11-12T08:00:00.000Z');
    // The evening before, too; and in summer time.
    expect(iso(nextOpening(DEMO, ms('2026-11-10T17:00:00Z')))).toBe('2026-11-12T08:00:00.000Z');
    expect(iso(nextOpening(DEMO, ms('2026-07-14T08:00:00Z')))).toBe('2026-07-15T07:00:00.000Z');
  });

  it('Christmas and New Year chained with weekends', () => {
    // 2026-12-25 and 2027-01-01 are Fridays.
    const endOfYear = mondayToFriday(
      'Europe/Paris',
      [{ open: '09:00', close: '18:00' }],
      [
        { date: '2026-12-25', name: 'Christmas Day' },
        { date: '2026-12-28', name: 'Company day' },
        { date: '2027-01-01', name: "New Year's Day" },
      ],
    );
    expect(iso(nextOpening(endOfYear, ms('2026-12-24T17:00:00Z')))).toBe('2026-12-29T08:00:00.000Z');
    expect(iso(nextOpening(endOfYear, ms('2026-12-31T17:00:00Z')))).toBe('2027-01-04T08:00:00.000Z');
    // UK 2027: Christmas on Saturday, Boxing Day on Sunday, both substituted on Monday and Tuesday.
    const london = mondayToFriday(
      'Europe/London',
      [{ open: '09:00', close: '17:30' }],
      [
        { date: '2027-12-27', name: 'Christmas Day (substitute)' },
        { date: '2027-12-28', name: 'Boxing Day (substitute)' },
      ],
    );
    expect(iso(nextOpening(london, ms('2027-12-24T17:30:00Z')))).toBe('2027-12-29T09:00:00.000Z');
    // The demo shop opens on the Saturday after Christmas.
    expect(iso(nextOpening(DEMO, ms('2026-12-25T10:00:00Z')))).toBe('2026-12-26T09:00:00.000Z');
  });

  it('a partial holiday (24 Dec 09:00–13:00) replaces the day’s hours', () => {
    const eve = {
      ...DEMO,
      holidays: [
        ...DEMO.holidays,
        { date: '2026-12-24', name: 'Christmas Eve', open: '09:00', close: '13:00' },
      ],
    };
    expect(intervalsOn(eve, '2026-12-24')).toEqual([{ open: '09:00', close: '13:00' }]);
    expect(iso(nextOpening(eve, ms('2026-12-24T07:00:00Z')))).toBe('2026-12-24T08:00:00.000Z');
    expect(isOpen(eve, ms('2026-12-24T11:59:00Z'))).toBe(true);
    expect(iso(nextClosing(eve, ms('2026-12-24T11:59:00Z')))).toBe('2026-12-24T12:00:00.000Z');
    const afternoon = ms('2026-12-24T12:00:00Z'); // 13:00 CET, normally open until 18:00
    expect(isOpen(eve, afternoon)).toBe(false);
    expect(iso(nextOpening(eve, afternoon))).toBe('2026-12-26T09:00:00.000Z'); // Christmas, then Saturday
    // A partial holiday can also open a day that is normally closed (a Sunday).
    const sunday = { ...PARIS_WEEK, holidays: [{ date: '2026-11-29', open: '10:00', close: '12:00' }] };
    expect(iso(nextOpening(sunday, ms('2026-11-28T12:00:00Z')))).toBe('2026-11-29T09:00:00.000Z');
  });
});

describe('daylight saving time', () => {
  it('Paris, last Sunday of March: closes on CET, opens on CEST', () => {
    expect(iso(nextClosing(DEMO, ms('2026-03-28T10:00:00Z')))).toBe('2026-03-28T13:00:00.000Z'); // Sat 14:00 CET
    expect(iso(nextOpening(DEMO, ms('2026-03-28T13:00:00Z')))).toBe('2026-03-30T07:00:00.000Z'); // Mon 09:00 CEST
    expect(iso(nextOpening(PARIS_WEEK, ms('2026-03-27T17:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('Paris, last Sunday of October: closes on CEST, opens on CET', () => {
    expect(iso(nextClosing(DEMO, ms('2026-10-24T10:00:00Z')))).toBe('2026-10-24T12:00:00.000Z'); // Sat 14:00 CEST
    expect(iso(nextOpening(DEMO, ms('2026-10-24T12:00:00Z')))).toBe('2026-10-26T08:00:00.000Z'); // Mon 09:00 CET
  });

  it('Paris: an opening inside the skipped hour opens at 03:00, one in the repeated hour the first time', () => {
    const night = calendar('Europe/Paris', { sunday: [{ open: '02:30', close: '05:00' }] });
    expect(iso(nextOpening(night, ms('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(iso(nextClosing(night, ms('2026-03-29T01:00:00Z')))).toBe('2026-03-29T03:00:00.000Z'); // 05:00 CEST
    expect(iso(nextOpening(night, ms('2026-10-25T00:00:00Z')))).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(iso(nextClosing(night, ms('2026-10-25T00:30:00Z')))).toBe('2026-10-25T04:00:00.000Z'); // 05:00 CET
    // An interval entirely inside the skipped hour does not happen that day.
    const gap = calendar('Europe/Paris', { sunday: [{ open: '02:00', close: '02:45' }] });
    expect(isOpen(gap, ms('2026-03-29T01:00:00Z'))).toBe(false);
    expect(iso(nextOpening(gap, ms('2026-03-29T00:30:00Z')))).toBe('2026-04-05T00:00:00.000Z'); // 02:00 CEST
  });

  it('Paris: a whole Sunday lasts 23 hours in March and 25 in October', () => {
    const sundays = calendar('Europe/Paris', { sunday: ALL_DAY });
    const march = ms('2026-03-28T23:00:00Z'); // Sunday 00:00 CET
    expect(nextOpening(sundays, march - 1)).toBe(march);
    expect(nextClosing(sundays, march)! - march).toBe(23 * HOUR);
    const october = ms('2026-10-24T22:00:00Z'); // Sunday 00:00 CEST
    expect(nextClosing(sundays, october)! - october).toBe(25 * HOUR);
    expect(iso(nextClosing(sundays, october))).toBe('2026-10-25T23:00:00.000Z');
  });

  it('New York, second Sunday of March and first Sunday of November', () => {
    const ny = mondayToFriday('America/New_York', [{ open: '09:00', close: '17:00' }]);
    expect(iso(nextOpening(ny, ms('2026-03-06T22:00:00Z')))).toBe('2026-03-09T13:00:00.000Z'); // Fri 17:00 EST → Mon 09:00 EDT
    expect(iso(nextClosing(ny, ms('2026-03-09T13:00:00Z')))).toBe('2026-03-09T21:00:00.000Z');
    expect(iso(nextOpening(ny, ms('2026-10-30T21:00:00Z')))).toBe('2026-11-02T14:00:00.000Z'); // Fri 17:00 EDT → Mon 09:00 EST
    expect(isOpen(ny, ms('2026-11-02T13:59:00Z'))).toBe(false);
    expect(isOpen(ny, ms('2026-11-02T14:00:00Z'))).toBe(true);
    // An opening at 01:30, the hour repeated on 2026-11-01: the first 01:30 (EDT).
    const sunday = calendar('America/New_York', { sunday: [{ open: '01:30', close: '03:00' }] });
    expect(iso(nextOpening(sunday, ms('2026-11-01T04:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(nextClosing(sunday, ms('2026-11-01T05:30:00Z')))).toBe('2026-11-01T08:00:00.000Z'); // 03:00 EST
  });

  it('Asia/Kolkata: a half-hour offset, no DST', () => {
    const kolkata = calendar('Asia/Kolkata', {
      monday: [{ open: '10:00', close: '19:00' }],
      saturday: [{ open: '10:00', close: '19:00' }],
    });
    const saturdayClose = ms('2026-11-28T13:30:00Z'); // 19:00 IST
    expect(isOpen(kolkata, saturdayClose - 1)).toBe(true);
    expect(nextClosing(kolkata, saturdayClose - 1)).toBe(saturdayClose);
    expect(isOpen(kolkata, saturdayClose)).toBe(false);
    expect(iso(nextOpening(kolkata, saturdayClose))).toBe('2026-11-30T04:30:00.000Z'); // Monday 10:00 IST
    // Same instants in (European) summer: India has no DST.
    expect(iso(nextOpening(kolkata, ms('2026-06-27T14:00:00Z')))).toBe('2026-06-29T04:30:00.000Z');
  });
});

describe('addBusinessTime', () => {
  it('a 15-minute SLA started Friday 17:55 ends Monday 09:10', () => {
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-11-27T16:55:00Z'), 15 * MINUTE))).toBe(
      '2026-11-30T08:10:00.000Z',
    );
  });

  it('starts counting at the next opening when started while closed', () => {
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-11-28T10:00:00Z'), 30 * MINUTE))).toBe(
      '2026-11-30T08:30:00.000Z',
    );
  });

  it('ends at the closing time when the time runs out exactly then; zero is now', () => {
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-11-27T16:45:00Z'), 15 * MINUTE))).toBe(
      '2026-11-27T17:00:00.000Z',
    );
    // A whole week: Monday 09:00 + 5 × 9 h = Friday 18:00.
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-11-23T08:00:00Z'), 45 * HOUR))).toBe(
      '2026-11-27T17:00:00.000Z',
    );
    const saturday = ms('2026-11-28T10:00:00Z');
    expect(addBusinessTime(PARIS_WEEK, saturday, 0)).toBe(saturday);
  });

  it('skips a holiday', () => {
    // Tuesday 2026-11-10 17:30 CET; Wednesday is Armistice Day: 30 min Tuesday, 30 min Thursday.
    expect(iso(addBusinessTime(DEMO, ms('2026-11-10T16:30:00Z'), HOUR))).toBe('2026-11-12T08:30:00.000Z');
    // Christmas Eve partial day, Christmas, the Saturday and the Sunday.
    const eve = {
      ...DEMO,
      holidays: [...DEMO.holidays, { date: '2026-12-24', open: '09:00', close: '13:00' }],
    };
    // 1 h on the 24th (12:00–13:00), 4 h on Saturday, 1 h on Monday.
    expect(iso(addBusinessTime(eve, ms('2026-12-24T11:00:00Z'), 6 * HOUR))).toBe('2026-12-28T09:00:00.000Z');
  });

  it('counts real elapsed time across a DST change', () => {
    // Friday 17:00 CET + 2 h: 1 h Friday, 1 h Monday from 09:00 CEST.
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-03-27T16:00:00Z'), 2 * HOUR))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    // October, the other way: Friday 17:00 CEST + 2 h ends Monday 10:00 CET.
    expect(iso(addBusinessTime(PARIS_WEEK, ms('2026-10-23T15:00:00Z'), 2 * HOUR))).toBe(
      '2026-10-26T09:00:00.000Z',
    );
    // Open around the clock: 24 h of business time is 24 real hours, 23:00 CET on the 25-hour Sunday.
    const always = ALWAYS('Europe/Paris');
    expect(iso(addBusinessTime(always, ms('2026-10-24T22:00:00Z'), 24 * HOUR))).toBe(
      '2026-10-25T22:00:00.000Z',
    );
    expect(localParts('Europe/Paris', ms('2026-10-25T22:00:00Z')).time).toBe('23:00');
    // Long durations: 400 days of an always-open calendar, beyond one search window.
    const from = ms('2026-01-01T00:00:00Z');
    expect(addBusinessTime(always, from, 400 * 24 * HOUR)).toBe(from + 400 * 24 * HOUR);
  });

  it('rejects a negative or non-finite duration', () => {
    expect(() => addBusinessTime(DEMO, 0, -1)).toThrow(RangeError);
    expect(() => addBusinessTime(DEMO, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => isOpen(DEMO, Number.NaN)).toThrow(RangeError);
  });
});

describe('a calendar that never opens', () => {
  it('nextOpening and addBusinessTime throw a clear error', () => {
    const never = calendar('Europe/Paris', {});
    expect(isOpen(never, ms('2026-11-25T09:00:00Z'))).toBe(false);
    expect(nextClosing(never, ms('2026-11-25T09:00:00Z'))).toBeUndefined();
    expect(() => nextOpening(never, ms('2026-11-25T09:00:00Z'))).toThrow(BusinessHoursError);
    expect(() => nextOpening(never, ms('2026-11-25T09:00:00Z'))).toThrow(/No opening within 400 days/);
    expect(() => addBusinessTime(never, ms('2026-11-25T09:00:00Z'), MINUTE)).toThrow(
      /No opening within 400 days/,
    );
  });

  it('finds an opening far ahead, within the horizon', () => {
    const once = {
      ...calendar('Europe/Paris', {}),
      holidays: [{ date: '2027-11-01', open: '10:00', close: '11:00' }],
    };
    expect(iso(nextOpening(once, ms('2026-11-25T09:00:00Z')))).toBe('2027-11-01T09:00:00.000Z');
  });
});

describe('validateBusinessHours', () => {
  it('accepts the demo shop and a calendar with 24:00', () => {
    expect(validateBusinessHours(DEMO)).toEqual([]);
    expect(validateBusinessHours(ALWAYS('America/New_York'))).toEqual([]);
    expect(() => assertValidBusinessHours(DEMO)).not.toThrow();
  });

  it('lists every problem', () => {
    const bad = {
      timezone: 'Europe/Pariss',
      weekly: {
        monday: [{ open: '9:00', close: '18:00' }],
        tuesday: [{ open: '18:00', close: '09:00' }],
        wednesday: [
          { open: '09:00', close: '13:00' },
          { open: '12:00', close: '18:00' },
        ],
        thursday: [{ open: '24:00', close: '24:00' }],
        friday: [{ open: '09:00', close: '25:00' }],
        saturday: [{ open: '10:00', close: '10:00' }],
        funday: [],
      },
      holidays: [
        { date: '2026-02-30' },
        { date: '26-12-25' },
        { date: '2026-12-24', open: '09:00' },
        { date: '2026-12-31', open: '09:00', close: '13:00' },
        { date: '2026-12-31' },
      ],
    } as unknown as BusinessHours;
    const problems = validateBusinessHours(bad);
    const expected = [
      /^timezone: unknown time zone "Europe\/Pariss"$/,
      /^weekly\.funday: not a weekday$/,
      /^weekly\.monday\[0\] 9:00-18:00: bad open time "9:00"/,
      /^weekly\.tuesday\[0\] 18:00-09:00: close must be after open/,
      /^weekly\.wednesday\[1\] 12:00-18:00: overlaps weekly\.wednesday\[0\] 09:00-13:00$/,
      /^weekly\.thursday\[0\] 24:00-24:00: bad open time "24:00"/,
      /^weekly\.friday\[0\] 09:00-25:00: bad close time "25:00"/,
      /^weekly\.saturday\[0\] 10:00-10:00: close must be after open/,
      /^weekly\.sunday: missing/,
      /^holidays\[0\]: bad date "2026-02-30"/,
      /^holidays\[1\]: bad date "26-12-25"/,
      /^holidays\[2\]: a partial day needs both open and close$/,
      /^holidays\[4\]: 2026-12-31 is listed more than once$/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true);
    expect(problems).toHaveLength(expected.length);
    expect(() => assertValidBusinessHours(bad)).toThrow(/Invalid business hours:\n- timezone: unknown/);
  });

  it('allows touching intervals', () => {
    const touching = mondayToFriday('Europe/Paris', [
      { open: '09:00', close: '12:00' },
      { open: '12:00', close: '18:00' },
    ]);
    expect(validateBusinessHours(touching)).toEqual([]);
    expect(iso(nextClosing(touching, ms('2026-11-25T09:00:00Z')))).toBe('2026-11-25T17:00:00.000Z');
  });
});

describe('determinism', () => {
  it('never reads the clock', () => {
    vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now() called');
    });
    const at = ms('2026-11-27T16:55:00Z');
    expect(() => {
      isOpen(DEMO, at);
      nextOpening(DEMO, at);
      nextClosing(DEMO, at);
      addBusinessTime(DEMO, at, 10 * HOUR);
      validateBusinessHours(DEMO);
    }).not.toThrow();
  });
});
