// Builders and folds shared by the non-life and claims tests. Not exported
// from the package index: only tests import it.
import { Decimal, ZERO } from '../common/decimal';
import { type IsoDate, epochDay } from '../common/dates';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent } from '../common/events';
import { assertBalanced } from '../common/journal';
import type { BindPolicy, CancelPolicy, EndorsePolicy, RecordPremiumPayment, RefundPremium } from './commands';
import { type PolicyState, decideBindPolicy, evolvePolicy } from './policy';

export const COMMAND_ID = '0123456789abcdef0123456789abcdef';

export const money = (text: string | number): Decimal => new Decimal(text);

export function bindCommand(overrides: Partial<BindPolicy> = {}): BindPolicy {
  return {
    commandId: COMMAND_ID,
    policyId: 'P-1',
    currency: 'EUR',
    holder: { name: 'Ada Lovelace' },
    term: { start: '2025-01-01', end: '2026-01-01' },
    premium: money('3000.00'),
    ...overrides,
  };
}

export const endorseCommand = (effectiveDate: IsoDate, change: string | number, policyId = 'P-1'): EndorsePolicy => ({
  commandId: COMMAND_ID,
  policyId,
  effectiveDate,
  annualPremiumChange: money(change),
});

export const cancelCommand = (effectiveDate: IsoDate, factor?: string | number, policyId = 'P-1'): CancelPolicy =>
  factor === undefined
    ? { commandId: COMMAND_ID, policyId, effectiveDate, method: 'pro-rata' }
    : { commandId: COMMAND_ID, policyId, effectiveDate, method: 'short-rate', shortRateFactor: money(factor) };

export const refundCommand = (paidDate: IsoDate, amount: string | number, policyId = 'P-1'): RefundPremium => ({
  commandId: COMMAND_ID,
  policyId,
  paidDate,
  amount: money(amount),
});

export const paymentCommand = (receivedDate: IsoDate, amount: string | number, policyId = 'P-1'): RecordPremiumPayment => ({
  commandId: COMMAND_ID,
  policyId,
  receivedDate,
  amount: money(amount),
});

/**
 * Folds a decision's events through JSON, as the log stores them, so a test
 * of the fold also checks that events survive storage.
 */
export function applyDecision<S>(state: S | undefined, decision: Decision, evolve: (s: S | undefined, e: DomainEvent) => S): S {
  let next = state;
  for (const event of decision.events) next = evolve(next, JSON.parse(JSON.stringify(event)) as DomainEvent);
  return next as S;
}

export function boundPolicy(overrides: Partial<BindPolicy> = {}): { state: PolicyState; events: DomainEvent[] } {
  const decision = decideBindPolicy(undefined, bindCommand(overrides));
  return { state: applyDecision(undefined, decision, evolvePolicy), events: decision.events };
}

/** Runs a decider; a DomainError means "refused" (undefined), anything else is a bug and rethrown. */
export function tryDecide(decide: () => Decision): Decision | undefined {
  try {
    return decide();
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

export function expectAllBalanced(events: readonly DomainEvent[]): void {
  for (const event of events) assertBalanced(event.journal, event.effectiveDate);
}

/** Credit minus debit of one account over the lines effective on or before `asOf` (a line's date, else its event's). */
export function creditBalance(events: readonly DomainEvent[], account: string, asOf = '9999-12-31'): Decimal {
  let balance = ZERO;
  for (const event of events) {
    for (const line of event.journal.lines) {
      if (line.account === account && (line.effectiveDate ?? event.effectiveDate) <= asOf) balance = balance.plus(line.credit).minus(line.debit);
    }
  }
  return balance;
}

/** The code of the DomainError `decide` throws, or undefined when it decides; other errors propagate. */
export function domainErrorCode(decide: () => unknown): DomainError['code'] | undefined {
  try {
    decide();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/** The date `days` after 1970-01-01 (inverse of epochDay), without a Temporal object per date. */
export function dateOfEpochDay(days: number): IsoDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** `count` consecutive dates from `first`. */
export function consecutiveDates(first: IsoDate, count: number): IsoDate[] {
  const day = epochDay(first);
  return Array.from({ length: count }, (_, i) => dateOfEpochDay(day + i));
}
