// Report bases over cumulative figures (domain-models/README.md): with C(M, K)
// the cumulative figure at the last day of month M as known at K, and T(M) the
// time month M was closed, the booked cumulative is C(M, T(M)) once M was
// closed by knownAt, else C(M, knownAt). Restated is always C(M, knownAt).
// A period's figure is cumulative(to) - cumulative(from - 1), so closed months
// never change under the booked basis and late changes land in the first open
// month.
import { lastDay, previousPeriod, type Instant, type IsoDate, type Period } from '@app/domain';

export type Basis = 'booked' | 'restated';

export interface Calendar {
  closedAt(period: Period, knownAt?: Instant): Instant | undefined;
}

/** The (valid date, known at) pair at which to read a cumulative figure for month `period`. */
export function cumulativePoint(period: Period, basis: Basis, knownAt: Instant, calendar: Calendar): { asOf: IsoDate; knownAt: Instant } {
  const closedAt = basis === 'booked' ? calendar.closedAt(period, knownAt) : undefined;
  return { asOf: lastDay(period), knownAt: closedAt ?? knownAt };
}

/** The two points a period report [from, to] differences: opening (end of from - 1) and closing (end of to). */
export function periodPoints(from: Period, to: Period, basis: Basis, knownAt: Instant, calendar: Calendar) {
  return {
    opening: cumulativePoint(previousPeriod(from), basis, knownAt, calendar),
    closing: cumulativePoint(to, basis, knownAt, calendar),
  };
}
