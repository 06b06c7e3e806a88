// THE premium rules of domain.md ("Non-life premium"), in one place.
//
// Every figure is a day-weighted sum sum(A_k * days_k), divided by termDays
// once and rounded once (half-up, 2 digits). Dividing a sum of exact products
// once means no daily rate, nor any other intermediate figure, is ever rounded:
// the quotient is exact to 60 significant digits, far from any half-cent tie
// it could misround.
import { type IsoDate, epochDay } from '../common/dates';
import { Decimal, ZERO, round2, toCents } from '../common/decimal';

/** A policy term [start, end): end exclusive. */
export interface PolicyTerm {
  start: IsoDate;
  end: IsoDate;
}

/** Layer k: full-term premium A_k, running over [start, end) (s_k, e_k). */
export interface PremiumLayer {
  premium: Decimal;
  start: IsoDate;
  end: IsoDate;
}

export type CancellationMethod =
  | { method: 'pro-rata' }
  | { method: 'short-rate'; shortRateFactor: Decimal };

/** What a cancellation fixed when it was decided: its date and the amount returned. */
export interface PremiumCancellation {
  effectiveDate: IsoDate;
  returnPremium: Decimal;
}

export interface PremiumFigures {
  written: Decimal;
  earned: Decimal;
  unearned: Decimal;
}

// Every figure of every policy counts days between the same few thousand
// dates: their day numbers are cached. A pure function's cache, bounded by the
// number of distinct dates, so it changes no result and leaks nothing.
const dayNumbers = new Map<IsoDate, number>();

function dayNumber(date: IsoDate): number {
  let day = dayNumbers.get(date);
  if (day === undefined) {
    day = epochDay(date);
    dayNumbers.set(date, day);
  }
  return day;
}

/** b - a in days. */
function daysBetween(a: IsoDate, b: IsoDate): number {
  return dayNumber(b) - dayNumber(a);
}

export function termDays(term: PolicyTerm): number {
  return daysBetween(term.start, term.end);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

function layerDays(layer: PremiumLayer): number {
  return daysBetween(layer.start, layer.end);
}

/** Days of the layer earned through `through` inclusive: clamp(V + 1 - s_k, 0, e_k - s_k). */
function earnedDays(layer: PremiumLayer, through: IsoDate): number {
  return clamp(daysBetween(layer.start, through) + 1, 0, layerDays(layer));
}

/** Days of the layer left on and after `date`: e_k - max(s_k, c), 0 for a layer no longer running. */
function unexpiredDays(layer: PremiumLayer, date: IsoDate): number {
  const from = layer.start > date ? layer.start : date;
  return Math.max(daysBetween(from, layer.end), 0);
}

/** sum(A_k * days_k) / termDays, the one division of every premium figure; unrounded. */
function prorate(layers: readonly PremiumLayer[], term: PolicyTerm, days: (layer: PremiumLayer) => number): Decimal {
  let weighted = ZERO;
  for (const layer of layers) weighted = weighted.plus(layer.premium.times(days(layer)));
  return weighted.div(termDays(term));
}

// The rounded figures, round(sum(A_k * days_k) / termDays), are computed in
// integer cents: A_k is money (whole cents), days are integers, so the sum is
// an exact integer and one integer division with half-up rounding (away from
// zero) gives the cent. That is the figure `round2(prorate(...))` gives: the
// quotient W/T is a half-cent tie exactly when it is one here, and otherwise
// lies at least 1/(200 T) from one, far beyond what rounding it to 60
// significant digits could move (money has at most 18 integer digits). It is
// what every command and as-of query computes, many times per policy, so it
// runs without a 60-digit division. A premium that is not whole cents (never
// stored, but a caller could build one) takes the Decimal route.

/** Each layer's premium in cents, or null when it is not whole cents; layers are immutable, so per layer object. */
const layerCents = new WeakMap<PremiumLayer, bigint | null>();

function centsOf(layer: PremiumLayer): bigint | null {
  let cents = layerCents.get(layer);
  if (cents === undefined) {
    // Whole cents: at most 2 decimal places, then its 2-place text without the point is the integer.
    cents = layer.premium.decimalPlaces() <= 2 ? BigInt(layer.premium.toFixed(2).replace('.', '')) : null;
    layerCents.set(layer, cents);
  }
  return cents;
}

const NEGATIVE_ZERO = new Decimal('-0');

/** sum(A_k * days_k) in cents x days, or null when a premium is not whole cents (then the Decimal route). */
function weightedCents(layers: readonly PremiumLayer[], days: (layer: PremiumLayer) => number): bigint | null {
  let weighted = 0n;
  for (const layer of layers) {
    const cents = centsOf(layer);
    if (cents === null) return null;
    const d = days(layer);
    if (d !== 0) weighted += cents * BigInt(d);
  }
  return weighted;
}

/** round(weighted / divisor), half-up away from zero, in cents. */
function roundedQuotient(weighted: bigint, divisor: bigint): bigint {
  const negative = weighted < 0n;
  const magnitude = negative ? -weighted : weighted;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** round2(prorate(layers, term, days)) in integer cents: what the report series add up. */
function prorateCents(layers: readonly PremiumLayer[], term: PolicyTerm, days: (layer: PremiumLayer) => number): bigint {
  const total = termDays(term);
  const weighted = total > 0 ? weightedCents(layers, days) : null;
  if (weighted === null) return toCents(round2(prorate(layers, term, days)));
  return roundedQuotient(weighted, BigInt(total));
}

/** round2(prorate(layers, term, days)), exactly, in integer cents (see above). */
function prorateRounded(layers: readonly PremiumLayer[], term: PolicyTerm, days: (layer: PremiumLayer) => number): Decimal {
  const total = termDays(term);
  if (!(total > 0)) return round2(prorate(layers, term, days));
  const weighted = weightedCents(layers, days);
  if (weighted === null) return round2(prorate(layers, term, days));
  const negative = weighted < 0n;
  const rounded = roundedQuotient(weighted, BigInt(total));
  const quotient = negative ? -rounded : rounded;
  // Decimal keeps the sign of a negative amount that rounds to zero: so does this.
  if (quotient === 0n) return negative ? NEGATIVE_ZERO : ZERO;
  const units = quotient / 100n;
  const fraction = (quotient % 100n).toString().padStart(2, '0');
  return new Decimal(`${negative ? '-' : ''}${units}.${fraction}`);
}

/** Written on V: round(sum of W_k over layers with s_k <= V); a layer is written on its effective date. */
export function writtenPremium(layers: readonly PremiumLayer[], term: PolicyTerm, asOf: IsoDate): Decimal {
  return prorateRounded(
    layers.filter((layer) => layer.start <= asOf),
    term,
    layerDays,
  );
}

/**
 * Written premium of every layer, whatever its effective date: the figure the
 * journal posts deltas of (a layer's posting is effective on its start date).
 */
export function totalWrittenPremium(layers: readonly PremiumLayer[], term: PolicyTerm): Decimal {
  return prorateRounded(layers, term, layerDays);
}

/** Written premium of one layer, W_k rounded: what an endorsement response reports. */
export function layerWrittenPremium(layer: PremiumLayer, term: PolicyTerm): Decimal {
  return totalWrittenPremium([layer], term);
}

/** earnedPremium in integer cents. */
export function earnedPremiumCents(layers: readonly PremiumLayer[], term: PolicyTerm, through: IsoDate): bigint {
  return prorateCents(layers, term, (layer) => earnedDays(layer, through));
}

/** writtenPremium in integer cents. */
export function writtenPremiumCents(layers: readonly PremiumLayer[], term: PolicyTerm, asOf: IsoDate): bigint {
  return prorateCents(
    layers.filter((layer) => layer.start <= asOf),
    term,
    layerDays,
  );
}

/** Cumulative earned through V inclusive: round(sum of E_k(V)). */
export function earnedPremium(layers: readonly PremiumLayer[], term: PolicyTerm, through: IsoDate): Decimal {
  return prorateRounded(layers, term, (layer) => earnedDays(layer, through));
}

/** Unrounded pro-rata premium of the layers still running on `date`, for days `date`..end. */
export function unexpiredPremium(layers: readonly PremiumLayer[], term: PolicyTerm, date: IsoDate): Decimal {
  return prorate(layers, term, (layer) => unexpiredDays(layer, date));
}

/** Return premium of a cancellation effective `date`: pro-rata, or the factor times the unrounded pro-rata sum. */
export function returnPremium(
  layers: readonly PremiumLayer[],
  term: PolicyTerm,
  date: IsoDate,
  method: CancellationMethod,
): Decimal {
  const proRata = unexpiredPremium(layers, term, date);
  return round2(method.method === 'short-rate' ? proRata.times(method.shortRateFactor) : proRata);
}

/**
 * Figures valid on `asOf`. On and after a cancellation date everything left is
 * earned: written = writtenBefore - returnPremium, earned = written.
 */
export function premiumFigures(
  layers: readonly PremiumLayer[],
  term: PolicyTerm,
  cancellation: PremiumCancellation | undefined,
  asOf: IsoDate,
): PremiumFigures {
  const writtenBefore = writtenPremium(layers, term, asOf);
  if (cancellation && asOf >= cancellation.effectiveDate) {
    const written = writtenBefore.minus(cancellation.returnPremium);
    return { written, earned: written, unearned: ZERO };
  }
  const earned = earnedPremium(layers, term, asOf);
  return { written: writtenBefore, earned, unearned: writtenBefore.minus(earned) };
}

/** premiumFigures(...).written alone (no earned figure computed). */
export function writtenPremiumOn(
  layers: readonly PremiumLayer[],
  term: PolicyTerm,
  cancellation: PremiumCancellation | undefined,
  asOf: IsoDate,
): Decimal {
  const writtenBefore = writtenPremium(layers, term, asOf);
  return cancellation && asOf >= cancellation.effectiveDate ? writtenBefore.minus(cancellation.returnPremium) : writtenBefore;
}

/** The full-term premium in force on `date`: sum of A_k over layers with s_k <= date < e_k. */
export function fullTermPremiumOn(layers: readonly PremiumLayer[], date: IsoDate): Decimal {
  let total = ZERO;
  for (const layer of layers) if (layer.start <= date && date < layer.end) total = total.plus(layer.premium);
  return total;
}

/** Dates in the term on which the full-term premium may change: layer starts and early layer ends. */
function changeDates(layers: readonly PremiumLayer[], term: PolicyTerm): IsoDate[] {
  const dates = new Set<IsoDate>([term.start]);
  for (const layer of layers) {
    dates.add(layer.start);
    if (layer.end < term.end) dates.add(layer.end);
  }
  return [...dates].filter((date) => date >= term.start && date < term.end).sort();
}

/** The lowest full-term premium on any date of the term (the premium is a step function of the date). */
export function lowestFullTermPremium(layers: readonly PremiumLayer[], term: PolicyTerm): Decimal {
  return changeDates(layers, term)
    .map((date) => fullTermPremiumOn(layers, date))
    .reduce((low, premium) => Decimal.min(low, premium));
}

/** The first date after `date` on which the full-term premium differs from its value on `date`, if any. */
export function premiumChangeAfter(layers: readonly PremiumLayer[], term: PolicyTerm, date: IsoDate): IsoDate | undefined {
  const premium = fullTermPremiumOn(layers, date);
  return changeDates(layers, term).find((d) => d > date && !fullTermPremiumOn(layers, d).eq(premium));
}
