// Valid-time dates ("YYYY-MM-DD"), booking periods ("YYYY-MM") and system-time
// instants (ISO-8601 UTC with 9 fraction digits). All are strings of fixed
// width, so string order is time order. No clock is read here.
import { Temporal } from 'temporal-polyfill';

export type IsoDate = string;
export type Period = string;
export type Instant = string;

const DATE_TEXT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const PERIOD_TEXT = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/**
 * True for a real calendar date in canonical form (2026-02-30 is refused).
 * Plain arithmetic (proleptic Gregorian, years 0000-9999): the same answer as
 * Temporal.PlainDate.from(text, { overflow: 'reject' }) round-tripping to
 * `text`, at a fraction of its cost (every command body has dates).
 */
export function isIsoDate(text: unknown): text is IsoDate {
  if (typeof text !== 'string' || !DATE_TEXT.test(text)) return false;
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(text.slice(0, 4)), month);
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

export function isPeriod(text: unknown): text is Period {
  return typeof text === 'string' && PERIOD_TEXT.test(text);
}

/** Days since 1970-01-01 (proleptic Gregorian), for day counts without a Temporal object per call. */
export function epochDay(date: IsoDate): number {
  const y0 = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** b - a in days. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return epochDay(b) - epochDay(a);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

export function periodOf(date: IsoDate): Period {
  return date.slice(0, 7);
}

export function firstDay(period: Period): IsoDate {
  return `${period}-01`;
}

// Month arithmetic by plain integers (years 0000-9999, as isPeriod allows):
// the report series step through months on every policy event, where a
// Temporal object per step cost more than the rest of the step.

function period(year: number, month: number): Period {
  if (year < 0 || year > 9999) throw new RangeError(`month ${year}-${month} is outside the years 0000-9999`);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}`;
}

export function lastDay(p: Period): IsoDate {
  return `${p}-${daysInMonth(Number(p.slice(0, 4)), Number(p.slice(5, 7)))}`;
}

export function nextPeriod(p: Period): Period {
  const year = Number(p.slice(0, 4));
  const month = Number(p.slice(5, 7));
  return month === 12 ? period(year + 1, 1) : period(year, month + 1);
}

export function previousPeriod(p: Period): Period {
  const year = Number(p.slice(0, 4));
  const month = Number(p.slice(5, 7));
  return month === 1 ? period(year - 1, 12) : period(year, month - 1);
}

/** Instants are ISO-8601 UTC with exactly 9 fraction digits. */
export function formatInstant(epochNanos: bigint): Instant {
  const ms = epochNanos / 1_000_000n;
  const base = new Date(Number(ms)).toISOString(); // 2026-04-10T12:00:00.123Z
  const nanos = (epochNanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${base.slice(0, 19)}.${nanos}Z`;
}

const INSTANT_TEXT = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.([0-9]{1,9}))?Z$/;

/** Parses an instant with 0-9 fraction digits into epoch nanoseconds; null when malformed. */
export function parseInstant(text: unknown): bigint | null {
  if (typeof text !== 'string') return null;
  const m = INSTANT_TEXT.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== m[1]) return null;
  const fraction = (m[3] ?? '').padEnd(9, '0');
  return BigInt(ms) * 1_000_000n + BigInt(fraction);
}
