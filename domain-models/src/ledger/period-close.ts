// Closing a month (domain.md, "Time" and "Double entry"). Closing month M at
// system time T seals M and every earlier month still open, and posts the
// earned-premium true-up per currency: UPR Dr / change in UPR Cr for the
// premium earned through the last day of M, summed over the currency's
// policies, that no earlier close posted.
//
// The unearned premium reserve is a portfolio account per currency
// (`upr:EUR`, like `change-in-upr:EUR`). What earlier closes posted is read
// from the log itself (the UPR lines of every earlier PeriodClosed event, per
// currency), never kept aside: after a close the posted total of a currency
// is the sum of its policies' cumulative earned premium through the end of
// that month, as known then. A change recorded later for a closed month (a
// back-dated endorsement, a cancellation) therefore lands in the true-up of
// the next close: booked in the first open month, as catch-up. A policy's own
// unearned premium is the premium report's (the subledger's) figure.
//
// Size. One close is one log record (at most 1 MiB): its journal has two
// lines per currency and its payload per-currency totals, whatever the number
// of policies.
import { z } from 'zod';
import { lastDay, nextPeriod, isPeriod, type Period } from '../common/dates';
import { type Decimal, ZERO, formatMoney } from '../common/decimal';
import { PeriodAlreadyClosedError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { EntityRef } from '../common/ids';
import { account, assertBalanced, type JournalLine } from '../common/journal';
import { CHANGE_IN_UPR, UNEARNED_PREMIUM_RESERVE } from '../nonlife/accounts';
import { StoredMoneySchema } from '../nonlife/events';
import { CommandIdSchema, CurrencySchema } from '../nonlife/fields';
import { earnedTrueUp, type PolicyState } from '../nonlife/policy';
import type { PeriodCalendar } from './periods';

/** The event type that moves the close watermark (@app/event-store's PERIOD_CLOSED is the same string). */
export const PERIOD_CLOSED_TYPE = 'PeriodClosed';
export const PERIOD_CLOSED_EVENT_VERSION = 1;
/** The one entity every close belongs to: closes are ordered (and locked) on it. */
export const PERIODS_ENTITY: EntityRef = Object.freeze({ kind: 'ledger', id: 'periods' });

/** POST /v1/periods/{period}/close: the month comes from the path, the body is the command id only. */
export const ClosePeriodBodySchema = z.strictObject({ commandId: CommandIdSchema });
export type ClosePeriodBody = z.output<typeof ClosePeriodBodySchema>;

const PeriodSchema = z.string().refine(isPeriod, { message: 'must be a month YYYY-MM' });

/** The true-ups of one close in one currency. */
export const PeriodTrueUpTotalSchema = z.strictObject({
  currency: CurrencySchema,
  /** The currency's policies with premium earned through the month end (those the cumulative true-up sums over). */
  policies: z.number().int().nonnegative(),
  /** Net amount posted (UPR Dr / change in UPR Cr; negative reverses an over-posting). */
  amount: StoredMoneySchema,
});
export type PeriodTrueUpTotal = z.infer<typeof PeriodTrueUpTotalSchema>;

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
  /** Per currency (sorted), the currencies with a non-zero true-up; the journal has one UPR and one change-in-UPR line each. */
  trueUps: z.array(PeriodTrueUpTotalSchema),
});
export type PeriodClosedPayload = z.infer<typeof PeriodClosedPayloadSchema>;
export type PeriodClosed = DomainEvent<typeof PERIOD_CLOSED_TYPE, PeriodClosedPayload>;

/** What the close reads: every policy, and what earlier closes posted per currency (see postedTrueUps). */
export interface TrueUpBasis {
  policies: readonly PolicyState[];
  posted: ReadonlyMap<string, Decimal>;
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
 * The earned premium the PeriodClosed events among `events` posted, per
 * currency: debits minus credits of their UPR lines (other events are
 * ignored). A line on a UPR account namespaced below the currency (a
 * per-policy UPR of an older log) counts for its currency too.
 */
export function postedTrueUps(events: Iterable<DomainEvent | RecordedEvent>): Map<string, Decimal> {
  const posted = new Map<string, Decimal>();
  for (const event of events) {
    if (!isPeriodClosedEvent(event)) continue;
    for (const line of parsePeriodClosedEvent(event).journal.lines) {
      const upr = account(UNEARNED_PREMIUM_RESERVE, line.currency);
      if (line.account !== upr && !line.account.startsWith(`${upr}:`)) continue;
      posted.set(line.currency, (posted.get(line.currency) ?? ZERO).plus(line.debit).minus(line.credit));
    }
  }
  return posted;
}

/** The earned premium earlier closes posted in `currency`, from postedTrueUps. */
export function postedTrueUp(posted: ReadonlyMap<string, Decimal>, currency: string): Decimal {
  return posted.get(currency) ?? ZERO;
}

/** Months newly sealed by closing through `through` when `previous` was closed through already. */
export function newlyClosedPeriods(previous: Period | null, through: Period): Period[] {
  if (previous === null) return [through];
  const periods: Period[] = [];
  for (let p = nextPeriod(previous); p <= through; p = nextPeriod(p)) periods.push(p);
  return periods;
}

/**
 * Closes `period` (and every earlier open month). `basis`: every policy the
 * close reads, and what earlier closes posted per currency. Per currency with
 * a non-zero true-up the journal has one UPR line and one change-in-UPR line.
 * Throws PeriodAlreadyClosedError when `period` is already closed.
 */
export function decideClosePeriod(calendar: Pick<PeriodCalendar, 'closedThrough'>, period: Period, basis: TrueUpBasis): Decision {
  if (!isPeriod(period)) throw new Error(`not a month: ${period}`);
  const previous = calendar.closedThrough;
  if (previous !== null && period <= previous) throw new PeriodAlreadyClosedError(period);
  const throughDate = lastDay(period);
  const seen = new Set<string>();
  const earned = new Map<string, { policies: number; amount: Decimal }>();
  for (const currency of basis.posted.keys()) earned.set(currency, { policies: 0, amount: ZERO });
  for (const policy of basis.policies) {
    if (seen.has(policy.policyId)) throw new Error(`policy ${policy.policyId} given twice`);
    seen.add(policy.policyId);
    const amount = earnedTrueUp(policy, throughDate);
    const total = earned.get(policy.currency) ?? { policies: 0, amount: ZERO };
    earned.set(policy.currency, { policies: total.policies + (amount.isZero() ? 0 : 1), amount: total.amount.plus(amount) });
  }
  const lines: JournalLine[] = [];
  const trueUps: PeriodTrueUpTotal[] = [];
  for (const currency of [...earned.keys()].sort()) {
    const { policies, amount: cumulative } = earned.get(currency) as { policies: number; amount: Decimal };
    const amount = cumulative.minus(postedTrueUp(basis.posted, currency));
    if (amount.isZero()) continue;
    lines.push(uprLine(account(UNEARNED_PREMIUM_RESERVE, currency), currency, amount));
    lines.push(changeInUprLine(account(CHANGE_IN_UPR, currency), currency, amount));
    trueUps.push({ currency, policies, amount: formatMoney(amount) });
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
    },
  };
}

/** The reserve side of a true-up: the currency's UPR debited by what was earned (credited when reversing). */
function uprLine(name: string, currency: string, amount: Decimal): JournalLine {
  const value = formatMoney(amount.abs());
  return amount.isPositive() ? { account: name, currency, debit: value, credit: '0.00' } : { account: name, currency, debit: '0.00', credit: value };
}

/** The P&L side: change in UPR credited by what was earned (debited when reversing). */
function changeInUprLine(name: string, currency: string, net: Decimal): JournalLine {
  const value = formatMoney(net.abs());
  return net.isPositive() ? { account: name, currency, debit: '0.00', credit: value } : { account: name, currency, debit: value, credit: '0.00' };
}
