// Ledger accounts of non-life premium and their journal entries (domain.md,
// "Double entry"). Accounts a holder or auditor drills into are namespaced by
// policy (receivable, written premium, return premium payable); the unearned
// premium reserve is a portfolio account per currency (`upr:EUR`), like the
// P&L-side movement account and cash: the period close trues it up with one
// line per currency, and a policy's own unearned premium is in the premium
// report (the subledger), not in a ledger account.
import type { IsoDate } from '../common/dates';
import { type Decimal, ZERO } from '../common/decimal';
import { entityKey } from '../common/ids';
import { type JournalEntry, type JournalLine, account, assertBalanced, pair } from '../common/journal';

export const CASH = 'cash';
export const PREMIUM_RECEIVABLE = 'premium-receivable';
export const WRITTEN_PREMIUM = 'written-premium';
export const UNEARNED_PREMIUM_RESERVE = 'upr';
export const CHANGE_IN_UPR = 'change-in-upr';
export const RETURN_PREMIUM_PAYABLE = 'return-premium-payable';

export interface PolicyAccounts {
  currency: string;
  premiumReceivable: string;
  writtenPremium: string;
  upr: string;
  changeInUpr: string;
  returnPremiumPayable: string;
  cash: string;
}

export function policyAccounts(policyId: string, currency: string): PolicyAccounts {
  const policy = entityKey({ kind: 'policy', id: policyId });
  return {
    currency,
    premiumReceivable: account(PREMIUM_RECEIVABLE, currency, policy),
    writtenPremium: account(WRITTEN_PREMIUM, currency, policy),
    upr: account(UNEARNED_PREMIUM_RESERVE, currency),
    changeInUpr: account(CHANGE_IN_UPR, currency),
    returnPremiumPayable: account(RETURN_PREMIUM_PAYABLE, currency, policy),
    cash: account(CASH, currency),
  };
}

function balanced(entry: JournalEntry, eventDate?: IsoDate): JournalEntry {
  assertBalanced(entry, eventDate);
  return entry;
}

/** A change of a cumulative figure valid from `effectiveDate` on. */
export interface DatedChange {
  effectiveDate: IsoDate;
  amount: Decimal;
}

/**
 * A change of written premium (signed, already a rounded delta). Written
 * premium is unearned when written, so the UPR moves with it; it is earned
 * later by the period-close true-up. A decrease (negative endorsement,
 * cancellation) is owed back: written premium Dr / return premium payable Cr,
 * and the UPR it held is reversed.
 */
export function writtenPremiumEntry(accounts: PolicyAccounts, change: Decimal): JournalEntry {
  return balanced({ lines: writtenPremiumLines(accounts, change.isNegative(), change) });
}

/**
 * An event's changes of the written premium, each on its own date (the
 * event's effective date, then later dates on which the rounded written
 * premium moves differently because of it). Lines on `eventDate` carry no
 * date of their own. The pair is chosen by the sign of the event's total
 * change (receivable for an increase, return premium payable for a decrease);
 * a date's change of the other sign (a rounding cent) reverses that pair.
 * The UPR mirrors every change on the same date. Each date balances.
 */
export function datedWrittenPremiumEntry(accounts: PolicyAccounts, eventDate: IsoDate, changes: readonly DatedChange[]): JournalEntry {
  const total = changes.reduce((s, c) => s.plus(c.amount), ZERO);
  const lines: JournalLine[] = [];
  for (const { effectiveDate, amount } of changes) {
    if (effectiveDate < eventDate) throw new Error(`a change dated ${effectiveDate} precedes its event (${eventDate})`);
    lines.push(...writtenPremiumLines(accounts, total.isNegative(), amount, effectiveDate === eventDate ? undefined : effectiveDate));
  }
  return balanced({ lines }, eventDate);
}

function writtenPremiumLines(accounts: PolicyAccounts, decrease: boolean, change: Decimal, effectiveDate?: IsoDate): JournalLine[] {
  const { currency } = accounts;
  const written = decrease
    ? pair(accounts.writtenPremium, accounts.returnPremiumPayable, currency, change.neg(), effectiveDate)
    : pair(accounts.premiumReceivable, accounts.writtenPremium, currency, change, effectiveDate);
  return [...written, ...pair(accounts.changeInUpr, accounts.upr, currency, change, effectiveDate)];
}

export function premiumPaymentEntry(accounts: PolicyAccounts, amount: Decimal): JournalEntry {
  return balanced({ lines: pair(accounts.cash, accounts.premiumReceivable, accounts.currency, amount) });
}

/** A credit balance paid back to the holder: return premium payable Dr / cash Cr. */
export function premiumRefundEntry(accounts: PolicyAccounts, amount: Decimal): JournalEntry {
  return balanced({ lines: pair(accounts.returnPremiumPayable, accounts.cash, accounts.currency, amount) });
}

/**
 * Period-close true-up: `amount` = earnedTrueUp(state, periodEnd) minus the
 * earned premium already posted (negative reverses an over-posting).
 */
export function earnedPremiumEntry(accounts: PolicyAccounts, amount: Decimal): JournalEntry {
  return balanced({ lines: pair(accounts.upr, accounts.changeInUpr, accounts.currency, amount) });
}
