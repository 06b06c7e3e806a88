// THE premium rules of domain.md ("Non-life premium"), in one place.
//
// Every figure is a day-weighted sum sum(A_k * days_k), divided by termDays
// once and rounded once (half-up, 2 digits). Dividing a sum of exact products
// once means no daily rate, nor any other intermediate figure, is ever rounded:
// the quotient is exact to 60 significant digits, far from any half-cent tie
// it could misround.
import { type IsoDate, epochDay } from '../shared/dates';
import { Decimal, ZERO, round2 } from '../shared/decimal';

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

/** Written on V: round(sum of W_k over layers with s_k <= V); a layer is written on its effective date. */
export function writtenPremium(layers: readonly PremiumLayer[], term: PolicyTerm, asOf: IsoDate): Decimal {
  return round2(prorate(layers.filter((layer) => layer.start <= asOf), term, layerDays));
}

/**
 * Written premium of every layer, whatever its effective date: the figure the
 * journal posts deltas of (a layer's posting is effective on its start date).
 */
export function totalWrittenPremium(layers: readonly PremiumLayer[], term: PolicyTerm): Decimal {
  return round2(prorate(layers, term, layerDays));
}

/** Written premium of one layer, W_k rounded: what an endorsement response reports. */
export function layerWrittenPremium(layer: PremiumLayer, term: PolicyTerm): Decimal {
  return totalWrittenPremium([layer], term);
}

/** Cumulative earned through V inclusive: round(sum of E_k(V)). */
export function earnedPremium(layers: readonly PremiumLayer[], term: PolicyTerm, through: IsoDate): Decimal {
  return round2(prorate(layers, term, (layer) => earnedDays(layer, through)));
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
