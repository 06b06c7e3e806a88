// System time of the ledger: nanoseconds, strictly increasing across the whole
// ledger; bumped by 1 ns when the wall clock stands still or steps back, and
// never below the last instant found in the log (a restart after the clock
// went back keeps the order).
import { formatInstant, parseInstant, type Instant } from '@app/domain';

export interface WallClock {
  nowNanos(): bigint;
}

export const systemWallClock: WallClock = {
  nowNanos: () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
};

export class LedgerClock {
  private last = 0n;

  constructor(private readonly wall: WallClock = systemWallClock) {}

  /** The next recordedAt: strictly after every earlier one. */
  next(): Instant {
    const now = this.wall.nowNanos();
    this.last = now > this.last ? now : this.last + 1n;
    return formatInstant(this.last);
  }

  /** Replay: the clock never issues an instant at or before one already in the log. */
  observe(instant: Instant): void {
    const nanos = parseInstant(instant);
    if (nanos === null) throw new Error(`bad instant in the log: ${instant}`);
    if (nanos > this.last) this.last = nanos;
  }

  /** Now, for query defaults: never before the last issued instant. */
  now(): Instant {
    const now = this.wall.nowNanos();
    return formatInstant(now > this.last ? now : this.last);
  }
}
