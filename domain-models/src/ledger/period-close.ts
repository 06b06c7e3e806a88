// Closing a month (domain.md, "Time" and "Double entry"). Closing month M at
// system time T seals M and every earlier month still open, and posts the
// earned-premium true-up of every policy: UPR Dr / change in UPR Cr for the
// premium earned through the last day of M that no earlier close posted.
//
// What earlier closes posted is read from the log itself (the `trueUps` of
// every earlier PeriodClosed event, summed per policy), never kept aside:
// after a close the posted total of a policy is its cumulative earned premium
// through the end of that month, as known then. A change recorded later for
// a closed month (a back-dated endorsement, a cancellation) therefore lands in
// the true-up of the next close: booked in the first open month, as catch-up.
import { z } from 'zod';
import { lastDay, nextPeriod, isPeriod, type Period } from '../shared/dates';
import { Decimal, ZERO, formatMoney } from '../shared/decimal';
import { PeriodAlreadyClosedError } from '../shared/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../shared/events';
import type { EntityRef } from '../shared/ids';
import { assertBalanced, type JournalLine } from '../shared/journal';
import { earnedPremiumEntry, policyAccounts } from '../nonlife/accounts';
import { StoredMoneySchema } from '../nonlife/events';
import { CurrencySchema, EntityIdSchema } from '../nonlife/fields';
import { earnedTrueUp, type PolicyState } from '../nonlife/policy';
import type { PeriodCalendar } from './periods';

/** The event type that moves the close watermark (@app/event-store's PERIOD_CLOSED is the same string). */
export const PERIOD_CLOSED_TYPE = 'PeriodClosed';
export const PERIOD_CLOSED_EVENT_VERSION = 1;
/** The one entity every close belongs to: closes are ordered (and locked) on it. */
export const PERIODS_ENTITY: EntityRef = Object.freeze({ kind: 'ledger', id: 'periods' });

const PeriodSchema = z.string().refine(isPeriod, { message: 'must be a month YYYY-MM' });

export const PeriodTrueUpSchema = z.strictObject({
  policyId: EntityIdSchema,
  currency: CurrencySchema,
  /** Cumulative earned premium through the last day of `through`, as known at the close. */
  earnedToDate: StoredMoneySchema,
  /** Posted by this close: earnedToDate minus what earlier closes posted (negative reverses). */
  amount: StoredMoneySchema,
});
export type PeriodTrueUp = z.infer<typeof PeriodTrueUpSchema>;

export const PeriodClosedPayloadSchema = z.strictObject({
  /** Every month up to and including this one is closed. */
  through: PeriodSchema,
  /** The month closed through before this close; null on the first close. */
  previousThrough: PeriodSchema.nullable(),
  /**
   * The months this close sealed, oldest first: previousThrough + 1 .. through.
   * The first close seals every month up to `through` (there is no earliest
   * month) and lists `through` alone.
   */
  periods: z.array(PeriodSchema).min(1),
  /** One line per policy with a non-zero true-up, by policyId. */
  trueUps: z.array(PeriodTrueUpSchema),
});
export type PeriodClosedPayload = z.infer<typeof PeriodClosedPayloadSchema>;
export type PeriodClosed = DomainEvent<typeof PERIOD_CLOSED_TYPE, PeriodClosedPayload>;

/** A policy as the close reads it, with the earned premium earlier closes posted for it (see postedTrueUps). */
export interface PolicyTrueUpBasis {
  policy: PolicyState;
  posted: Decimal;
}

export function isPeriodClosedEvent(event: DomainEvent | RecordedEvent): boolean {
  return event.type === PERIOD_CLOSED_TYPE;
}

/** Checks a stored PeriodClosed event; throws on anything a v1 reader cannot read. */
export function parsePeriodClosedEvent(event: DomainEvent | RecordedEvent): PeriodClosed {
  if (event.type !== PERIOD_CLOSED_TYPE) throw new Error(`not a period close: ${event.type}`);
  if (event.v !== PERIOD_CLOSED_EVENT_VERSION) {
    throw new Error(`${event.type} v${event.v} is not v${PERIOD_CLOSED_EVENT_VERSION}: upcast it first (migrations/)`);
  }
  return { ...event, type: PERIOD_CLOSED_TYPE, payload: PeriodClosedPayloadSchema.parse(event.payload) };
}

/**
 * Earned premium already posted per policy: the sum of the true-ups of every
 * PeriodClosed event among `events` (other events are ignored).
 */
export function postedTrueUps(events: Iterable<DomainEvent | RecordedEvent>): Map<string, Decimal> {
  const posted = new Map<string, Decimal>();
  for (const event of events) {
    if (!isPeriodClosedEvent(event)) continue;
    for (const line of parsePeriodClosedEvent(event).payload.trueUps) {
      posted.set(line.policyId, (posted.get(line.policyId) ?? ZERO).plus(line.amount));
    }
  }
  return posted;
}

/** Months newly sealed by closing through `through` when `previous` was closed through already. */
export function newlyClosedPeriods(previous: Period | null, through: Period): Period[] {
  if (previous === null) return [through];
  const periods: Period[] = [];
  for (let p = nextPeriod(previous); p <= through; p = nextPeriod(p)) periods.push(p);
  return periods;
}

/**
 * Closes `period` (and every earlier open month). `bases`: every policy the
 * close reads, with what earlier closes posted for it. Throws
 * PeriodAlreadyClosedError when `period` is already closed.
 */
export function decideClosePeriod(
  calendar: Pick<PeriodCalendar, 'closedThrough'>,
  period: Period,
  bases: readonly PolicyTrueUpBasis[],
): Decision {
  if (!isPeriod(period)) throw new Error(`not a month: ${period}`);
  const previous = calendar.closedThrough;
  if (previous !== null && period <= previous) throw new PeriodAlreadyClosedError(period);
  const throughDate = lastDay(period);
  const trueUps: PeriodTrueUp[] = [];
  const lines: JournalLine[] = [];
  const sorted = [...bases].sort((a, b) => (a.policy.policyId < b.policy.policyId ? -1 : a.policy.policyId > b.policy.policyId ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].policy.policyId === sorted[i - 1].policy.policyId) throw new Error(`policy ${sorted[i].policy.policyId} given twice`);
  }
  for (const { policy, posted } of sorted) {
    const earned = earnedTrueUp(policy, throughDate);
    const amount = earned.minus(posted);
    if (amount.isZero()) continue;
    trueUps.push({ policyId: policy.policyId, currency: policy.currency, earnedToDate: formatMoney(earned), amount: formatMoney(amount) });
    lines.push(...earnedPremiumEntry(policyAccounts(policy.policyId, policy.currency), amount).lines);
  }
  const journal = { lines };
  assertBalanced(journal);
  const payload: PeriodClosedPayload = { through: period, previousThrough: previous, periods: newlyClosedPeriods(previous, period), trueUps };
  const event: PeriodClosed = {
    type: PERIOD_CLOSED_TYPE,
    v: PERIOD_CLOSED_EVENT_VERSION,
    entity: { ...PERIODS_ENTITY },
    effectiveDate: throughDate,
    payload,
    journal,
  };
  return {
    events: [event as DomainEvent],
    result: {
      period,
      status: 'closed',
      previousThrough: previous,
      periods: payload.periods,
      trueUps,
      trueUpTotals: totalsByCurrency(trueUps),
    },
  };
}

/** Sum of the true-ups per currency, currencies sorted: [{ currency, amount }]. */
function totalsByCurrency(trueUps: readonly PeriodTrueUp[]): { currency: string; amount: string }[] {
  const totals = new Map<string, Decimal>();
  for (const t of trueUps) totals.set(t.currency, (totals.get(t.currency) ?? ZERO).plus(new Decimal(t.amount)));
  return [...totals.keys()].sort().map((currency) => ({ currency, amount: formatMoney(totals.get(currency) as Decimal) }));
}
