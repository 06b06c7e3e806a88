// The period-close watermark. Closing month M at system time T closes M and
// every earlier open month; after T an event whose natural month is <= M is
// booked into the first open month (domain.md).
import { nextPeriod, periodOf, type Instant, type IsoDate, type Period } from '../common/dates';

export interface PeriodClose {
  /** Every month up to and including this one is closed. */
  through: Period;
  closedAt: Instant;
}

export class PeriodCalendar {
  /** Closes in recordedAt order; `through` strictly increases. */
  private readonly closes: PeriodClose[] = [];

  get closedThrough(): Period | null {
    return this.closes.length === 0 ? null : this.closes[this.closes.length - 1].through;
  }

  /** The booking period of an event effective on `date`, recorded now. */
  bookingPeriod(date: IsoDate): Period {
    const natural = periodOf(date);
    const through = this.closedThrough;
    return through !== null && natural <= through ? nextPeriod(through) : natural;
  }

  isClosed(period: Period, knownAt?: Instant): boolean {
    return this.closedAt(period, knownAt) !== undefined;
  }

  /** When `period` was closed, if it was closed by `knownAt` (default: now). */
  closedAt(period: Period, knownAt?: Instant): Instant | undefined {
    for (const close of this.closes) {
      if (knownAt !== undefined && close.closedAt > knownAt) return undefined;
      if (period <= close.through) return close.closedAt;
    }
    return undefined;
  }

  record(close: PeriodClose): void {
    const through = this.closedThrough;
    if (through !== null && close.through <= through) throw new Error(`period ${close.through} is already closed`);
    this.closes.push(close);
  }

  all(): readonly PeriodClose[] {
    return this.closes;
  }
}
