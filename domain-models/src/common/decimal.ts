// Decimal arithmetic for money, units, NAV and rates. Binary floating point
// never touches an amount. Rounding is half-up (away from zero on .5), applied
// once, at the end of each formula of domain.md.
import DecimalJs from 'decimal.js';

export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 60,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/** Currency amounts: 2 fraction digits, half-up. */
export function round2(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Units, NAV per unit and rates: 6 fraction digits, half-up. */
export function round6(value: Decimal): Decimal {
  return value.toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
}

// toFixed rounds with the clone's mode (half-up), so it gives the text of
// round2/round6 without building the rounded Decimal first; only an amount
// that is negative and rounds to zero would read "-0.00", where the rounded
// Decimal prints "0.00".

/** Money in exact integer cents (half-up to 2 places first, as stored). */
export function toCents(value: Decimal): bigint {
  return moneyTextCents(value.toFixed(2));
}

const MONEY_TEXT = /^-?[0-9]+\.[0-9]{2}$/;

/** Stored money text ("1200.00", "-0.01") in integer cents without building a Decimal; any other spelling through Decimal. */
export function moneyTextCents(text: string): bigint {
  if (!MONEY_TEXT.test(text)) return toCents(new Decimal(text));
  return BigInt(text.slice(0, -3) + text.slice(-2));
}

/** "1200.00": the wire and storage form of money. */
export function formatMoney(value: Decimal): string {
  const text = value.toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

/** "800.000000": units, NAV per unit and rates. */
export function formatUnits(value: Decimal): string {
  const text = value.toFixed(6);
  return text === '-0.000000' ? '0.000000' : text;
}

const DECIMAL_TEXT = /^-?(0|[1-9][0-9]{0,17})(\.[0-9]+)?$/;

/**
 * Parses a decimal string with at most `maxFractionDigits` fraction digits;
 * null when malformed. "-0" and exponents are refused; so are more than 18
 * integer digits (no amount of a ledger needs them).
 */
export function parseDecimal(text: string, maxFractionDigits: number): Decimal | null {
  if (typeof text !== 'string' || !DECIMAL_TEXT.test(text)) return null;
  const dot = text.indexOf('.');
  if (dot >= 0 && text.length - dot - 1 > maxFractionDigits) return null;
  const value = new Decimal(text);
  if (value.isZero() && text.startsWith('-')) return null;
  return value;
}

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}
