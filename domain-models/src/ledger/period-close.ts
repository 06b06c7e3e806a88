// Closing a month (domain.md, "Time" and "Double entry"). Closing month M at
// system time T seals M and every earlier month still open, and posts the
// earned-premium true-up of every policy: UPR Dr / change in UPR Cr for the
// premium earned through the last day of M that no earlier close posted.
//
// What earlier closes posted is read from the log itself (the journal lines of
// every earlier PeriodClosed event on the policy's UPR account), never kept
// aside: after a close the posted total of a policy is its cumulative earned
// premium through the end of that month, as known then. A change recorded
// later for a closed month (a back-dated endorsement, a cancellation)
// therefore lands in the true-up of the next close: booked in the first open
// month, as catch-up.
//
// Size. One close is one log record, and a record is at most 1 MiB: the
// journal names every policy's UPR (one line each, ~80-140 bytes), while the
// P&L side (change in UPR, an account per currency) gets one net line per
// currency and the payload and response carry per-currency totals only.
import { z } from 'zod';
import { lastDay, nextPeriod, isPeriod, type Period } from '../shared/dates';
import { type Decimal, ZERO, formatMoney } from '../shared/decimal';
import { PeriodAlreadyClosedError } from '../shared/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../shared/events';
import type { EntityRef } from '../shared/ids';
import { account, assertBalanced, type JournalLine } from '../shared/journal';
import { CHANGE_IN_UPR, policyAccounts } from '../nonlife/accounts';
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
  /** Policies with a non-zero true-up. */
  policies: z.number().int().positive(),
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
  /** Per currency (sorted); the amount per policy is its UPR line in the journal. */
  trueUps: z.array(PeriodTrueUpTotalSchema),
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
 * What the PeriodClosed events among `events` posted, per account: debits
 * minus credits (other events are ignored). A policy's posted earned premium
 * is the entry of its UPR account (postedTrueUp).
 */
export function postedTrueUps(events: Iterable<DomainEvent | RecordedEvent>): Map<string, Decimal> {
  const posted = new Map<string, Decimal>();
  for (const event of events) {
    if (!isPeriodClosedEvent(event)) continue;
    for (const line of parsePeriodClosedEvent(event).journal.lines) {
      posted.set(line.account, (posted.get(line.account) ?? ZERO).plus(line.debit).minus(line.credit));
    }
  }
  return posted;
}

/** The earned premium earlier closes posted for `policy`, from postedTrueUps. */
export function postedTrueUp(posted: ReadonlyMap<string, Decimal>, policy: Pick<PolicyState, 'policyId' | 'currency'>): Decimal {
  return posted.get(policyAccounts(policy.policyId, policy.currency).upr) ?? ZERO;
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
  const sorted = [...bases].sort((a, b) => (a.policy.policyId < b.policy.policyId ? -1 : a.policy.policyId > b.policy.policyId ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].policy.policyId === sorted[i - 1].policy.policyId) throw new Error(`policy ${sorted[i].policy.policyId} given twice`);
  }
  const lines: JournalLine[] = [];
  const byCurrency = new Map<string, { policies: number; amount: Decimal }>();
  for (const { policy, posted } of sorted) {
    const amount = earnedTrueUp(policy, throughDate).minus(posted);
    if (amount.isZero()) continue;
    const { upr } = policyAccounts(policy.policyId, policy.currency);
    lines.push(uprLine(upr, policy.currency, amount));
    const total = byCurrency.get(policy.currency) ?? { policies: 0, amount: ZERO };
    byCurrency.set(policy.currency, { policies: total.policies + 1, amount: total.amount.plus(amount) });
  }
  const currencies = [...byCurrency.keys()].sort();
  for (const currency of currencies) {
    const net = (byCurrency.get(currency) as { amount: Decimal }).amount;
    if (!net.isZero()) lines.push(changeInUprLine(account(CHANGE_IN_UPR, currency), currency, net));
  }
  const trueUps: PeriodTrueUpTotal[] = currencies.map((currency) => {
    const { policies, amount } = byCurrency.get(currency) as { policies: number; amount: Decimal };
    return { currency, policies, amount: formatMoney(amount) };
  });
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

/** The policy's side of a true-up: UPR debited by what was earned (credited when reversing). */
function uprLine(name: string, currency: string, amount: Decimal): JournalLine {
  const value = formatMoney(amount.abs());
  return amount.isPositive() ? { account: name, currency, debit: value, credit: '0.00' } : { account: name, currency, debit: '0.00', credit: value };
}

/** The P&L side, netted per currency: change in UPR credited by the net earned (debited when net negative). */
function changeInUprLine(name: string, currency: string, net: Decimal): JournalLine {
  const value = formatMoney(net.abs());
  return net.isPositive() ? { account: name, currency, debit: '0.00', credit: value } : { account: name, currency, debit: value, credit: '0.00' };
}
