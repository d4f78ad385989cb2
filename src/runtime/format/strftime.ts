// strftime(3) for time() and strftime(): C (glibc, "C" locale) semantics for the usual
// conversions, plus bpftrace's %f (microseconds, six digits). Input: a format and a
// point in time in nanoseconds since the Unix epoch. Output: the text. The local time
// zone is used, as C's localtime() does; Node follows the TZ environment variable.
// Must not: read clocks itself, except formatTime() which stands for time()'s "now".

/** time() without an argument prints this (bpftrace's default). */
export const DEFAULT_TIME_FORMAT = '%H:%M:%S\n';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export interface StrftimeOptions {
  /** Format in UTC instead of the local time zone (tests, gmtime-style output). */
  readonly utc?: boolean;
}

/** Broken-down time: what C's struct tm holds, plus the microseconds and the zone. */
interface Tm {
  readonly year: number;
  readonly mon: number; // 0..11
  readonly mday: number;
  readonly hour: number;
  readonly min: number;
  readonly sec: number;
  readonly wday: number; // 0 = Sunday
  readonly yday: number; // 0..365
  readonly usec: number;
  readonly epochSec: bigint;
  /** Minutes east of UTC. */
  readonly gmtoff: number;
  readonly date: Date;
  readonly utc: boolean;
}

function toTm(epochNs: bigint, utc: boolean): Tm {
  const epochSec = epochNs >= 0n ? epochNs / 1_000_000_000n : -((-epochNs + 999_999_999n) / 1_000_000_000n);
  const usec = Number((epochNs - epochSec * 1_000_000_000n) / 1000n);
  const date = new Date(Number(epochSec) * 1000);
  const year = utc ? date.getUTCFullYear() : date.getFullYear();
  const mon = utc ? date.getUTCMonth() : date.getMonth();
  const mday = utc ? date.getUTCDate() : date.getDate();
  const yday = Math.round((Date.UTC(year, mon, mday) - Date.UTC(year, 0, 1)) / 86_400_000);
  return {
    year,
    mon,
    mday,
    hour: utc ? date.getUTCHours() : date.getHours(),
    min: utc ? date.getUTCMinutes() : date.getMinutes(),
    sec: utc ? date.getUTCSeconds() : date.getSeconds(),
    wday: utc ? date.getUTCDay() : date.getDay(),
    yday,
    usec,
    epochSec,
    gmtoff: utc ? 0 : -date.getTimezoneOffset(),
    date,
    utc,
  };
}

// Intl names zones per locale; try several to find the abbreviation C would print
// (en-US knows EST, en-GB knows CET/BST, en-IN knows IST, en-AU AEST, ja-JP JST).
const ZONE_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP'];
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneAbbrev(tm: Tm): string {
  if (tm.utc) return 'UTC';
  const tz = process.env['TZ'] ?? '';
  for (const loc of ZONE_LOCALES) {
    const key = `${loc}|${tz}`;
    let f = zoneFormatters.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(loc, { timeZoneName: 'short' });
      zoneFormatters.set(key, f);
    }
    const name = f.formatToParts(tm.date).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (name === 'UTC' || name === 'GMT' || (name !== '' && !/^GMT[+-]/.test(name))) return name;
  }
  // tzdata writes zones without an abbreviation as their offset: -03, +0530.
  const sign = tm.gmtoff < 0 ? '-' : '+';
  const a = Math.abs(tm.gmtoff);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  return a % 60 === 0 ? `${sign}${hh}` : `${sign}${hh}${String(a % 60).padStart(2, '0')}`;
}

/** ISO 8601 week-based year and week number of a date. */
function isoWeek(tm: Tm): { year: number; week: number } {
  const wdayMon = (tm.wday + 6) % 7; // Monday = 0
  // The Thursday of this week decides the year.
  const thursdayYday = tm.yday - wdayMon + 3;
  const daysInYear = (y: number): number => ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 366 : 365);
  let year = tm.year;
  let yday = thursdayYday;
  if (yday < 0) {
    year -= 1;
    yday += daysInYear(year);
  } else if (yday >= daysInYear(year)) {
    yday -= daysInYear(year);
    year += 1;
  }
  return { year, week: Math.floor(yday / 7) + 1 };
}

type Pad = '0' | ' ' | '';

function num(n: number, width: number, defPad: Pad, flagPad: Pad | null, minWidth: number | null): string {
  const pad = flagPad ?? defPad;
  const w = minWidth ?? width;
  const s = String(Math.abs(n));
  const body = pad === '' ? s : s.padStart(n < 0 ? w - 1 : w, pad);
  return n < 0 ? `-${body}` : body;
}

/** Format `epochNs` (nanoseconds since the Unix epoch) like C strftime(fmt, localtime()). */
export function strftime(fmt: string, epochNs: bigint, opts: StrftimeOptions = {}): string {
  const tm = toTm(epochNs, opts.utc ?? false);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    // %[flags][width][E|O]conv
    let j = i + 1;
    let flagPad: Pad | null = null;
    let upper = false;
    while (j < fmt.length && '_-0^#'.includes(fmt[j]!)) {
      const f = fmt[j]!;
      if (f === '_') flagPad = ' ';
      else if (f === '-') flagPad = '';
      else if (f === '0') flagPad = '0';
      else if (f === '^') upper = true;
      j++;
    }
    let widthText = '';
    while (j < fmt.length && fmt[j]! >= '0' && fmt[j]! <= '9') widthText += fmt[j++];
    if (j < fmt.length && (fmt[j] === 'E' || fmt[j] === 'O')) j++;
    if (j >= fmt.length) {
      out += fmt.slice(i); // a trailing lone '%' is copied, as glibc does
      break;
    }
    const minWidth = widthText === '' ? null : Number(widthText);
    const conv = fmt[j]!;
    const expanded = convert(conv, tm, flagPad, minWidth);
    if (expanded === null) {
      out += fmt.slice(i, j + 1); // unknown conversion: copied unchanged
    } else {
      out += upper ? expanded.toUpperCase() : expanded;
    }
    i = j;
  }
  return out;
}

function convert(conv: string, tm: Tm, flagPad: Pad | null, minWidth: number | null): string | null {
  const n = (v: number, width: number, defPad: Pad = '0'): string => num(v, width, defPad, flagPad, minWidth);
  const hour12 = tm.hour % 12 === 0 ? 12 : tm.hour % 12;
  switch (conv) {
    case 'a':
      return DAYS[tm.wday]!.slice(0, 3);
    case 'A':
      return DAYS[tm.wday]!;
    case 'b':
    case 'h':
      return MONTHS[tm.mon]!.slice(0, 3);
    case 'B':
      return MONTHS[tm.mon]!;
    case 'c':
      return `${DAYS[tm.wday]!.slice(0, 3)} ${MONTHS[tm.mon]!.slice(0, 3)} ${num(tm.mday, 2, ' ', null, null)} ${pad2(tm.hour)}:${pad2(tm.min)}:${pad2(tm.sec)} ${tm.year}`;
    case 'C':
      return n(Math.floor(tm.year / 100), 2);
    case 'd':
      return n(tm.mday, 2);
    case 'D':
      return `${pad2(tm.mon + 1)}/${pad2(tm.mday)}/${pad2(mod(tm.year, 100))}`;
    case 'e':
      return n(tm.mday, 2, ' ');
    case 'f':
      return n(tm.usec, 6);
    case 'F':
      return `${tm.year}-${pad2(tm.mon + 1)}-${pad2(tm.mday)}`;
    case 'g':
      return n(mod(isoWeek(tm).year, 100), 2);
    case 'G':
      return n(isoWeek(tm).year, 1);
    case 'H':
      return n(tm.hour, 2);
    case 'I':
      return n(hour12, 2);
    case 'j':
      return n(tm.yday + 1, 3);
    case 'k':
      return n(tm.hour, 2, ' ');
    case 'l':
      return n(hour12, 2, ' ');
    case 'm':
      return n(tm.mon + 1, 2);
    case 'M':
      return n(tm.min, 2);
    case 'n':
      return '\n';
    case 'p':
      return tm.hour < 12 ? 'AM' : 'PM';
    case 'P':
      return tm.hour < 12 ? 'am' : 'pm';
    case 'r':
      return `${pad2(hour12)}:${pad2(tm.min)}:${pad2(tm.sec)} ${tm.hour < 12 ? 'AM' : 'PM'}`;
    case 'R':
      return `${pad2(tm.hour)}:${pad2(tm.min)}`;
    case 's':
      return tm.epochSec.toString();
    case 'S':
      return n(tm.sec, 2);
    case 't':
      return '\t';
    case 'T':
    case 'X':
      return `${pad2(tm.hour)}:${pad2(tm.min)}:${pad2(tm.sec)}`;
    case 'u':
      return n(tm.wday === 0 ? 7 : tm.wday, 1);
    case 'U':
      return n(Math.floor((tm.yday + 7 - tm.wday) / 7), 2);
    case 'V':
      return n(isoWeek(tm).week, 2);
    case 'w':
      return n(tm.wday, 1);
    case 'W':
      return n(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), 2);
    case 'x':
      return `${pad2(tm.mon + 1)}/${pad2(tm.mday)}/${pad2(mod(tm.year, 100))}`;
    case 'y':
      return n(mod(tm.year, 100), 2);
    case 'Y':
      return n(tm.year, 1);
    case 'z': {
      const a = Math.abs(tm.gmtoff);
      return `${tm.gmtoff < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
    }
    case 'Z':
      return zoneAbbrev(tm);
    case '%':
      return '%';
    default:
      return null;
  }
}

function pad2(v: number): string {
  return String(v).padStart(2, '0');
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** time(fmt): the current wall-clock time (or `nowMs`) formatted with `fmt`. */
export function formatTime(fmt: string = DEFAULT_TIME_FORMAT, nowMs: number = Date.now()): string {
  return strftime(fmt, BigInt(Math.floor(nowMs)) * 1_000_000n);
}
