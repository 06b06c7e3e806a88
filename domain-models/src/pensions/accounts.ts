// Ledger accounts of the pension funds and their journal entries (domain.md,
// "Double entry"). Namespaced by currency and fund, and the unit liability
// also by member: "fund-cash:EUR:fund/F-1",
// "unit-liability:EUR:fund/F-1/member/M-1", "fees-payable:EUR:fund/F-1".
import type { IsoDate } from '../common/dates';
import { type Decimal } from '../common/decimal';
import { entityKey } from '../common/ids';
import { type JournalEntry, type JournalLine, account, assertBalanced, pair } from '../common/journal';

export const FUND_CASH = 'fund-cash';
export const UNIT_LIABILITY = 'unit-liability';
export const FEES_PAYABLE = 'fees-payable';
export const INVESTMENT_GAINS = 'investment-gains';
export const MEMBER_ALLOCATION = 'member-allocation';
export const UNIT_ROUNDING = 'unit-rounding';
export const MEMBER_PAYABLE = 'member-payable';

export function fundCashAccount(fundId: string, currency: string): string {
  return account(FUND_CASH, currency, entityKey({ kind: 'fund', id: fundId }));
}

export function unitLiabilityAccount(fundId: string, memberId: string, currency: string): string {
  return account(UNIT_LIABILITY, currency, `${entityKey({ kind: 'fund', id: fundId })}/${entityKey({ kind: 'member', id: memberId })}`);
}

export function feesPayableAccount(fundId: string, currency: string): string {
  return account(FEES_PAYABLE, currency, entityKey({ kind: 'fund', id: fundId }));
}

/** The fund's part of the unit liability: the members' units revalued at each NAV (the members' own accounts hold what they paid in and out). */
export function unitRevaluationAccount(fundId: string, currency: string): string {
  return account(UNIT_LIABILITY, currency, `${entityKey({ kind: 'fund', id: fundId })}/revaluation`);
}

const fundAccount = (name: string) => (fundId: string, currency: string) => account(name, currency, entityKey({ kind: 'fund', id: fundId }));
export const investmentGainsAccount = fundAccount(INVESTMENT_GAINS);
/** The change in net assets attributable to members: what the valuation's gain is allocated to. */
export const memberAllocationAccount = fundAccount(MEMBER_ALLOCATION);
/** What per-holding rounding of the members' values leaves of the net assets. */
export const unitRoundingAccount = fundAccount(UNIT_ROUNDING);

/** What the fund owes a member (or, negative, is owed by one) outside its units: a NAV correction's cash. */
export function memberPayableAccount(fundId: string, memberId: string, currency: string): string {
  return account(MEMBER_PAYABLE, currency, `${entityKey({ kind: 'fund', id: fundId })}/${entityKey({ kind: 'member', id: memberId })}`);
}

/** A NAV correction's cash owed to a member (signed): member unit liability Dr / member payable Cr. */
export function cashOwedEntry(fundId: string, memberId: string, currency: string, amounts: readonly Decimal[]): JournalEntry {
  return balanced(amounts.flatMap((amount) => pair(unitLiabilityAccount(fundId, memberId, currency), memberPayableAccount(fundId, memberId, currency), currency, amount)));
}

function balanced(lines: JournalLine[]): JournalEntry {
  const entry = { lines };
  assertBalanced(entry);
  return entry;
}

export const EMPTY_ENTRY: JournalEntry = Object.freeze({ lines: [] }) as JournalEntry;

/** Money paid into a fund for units (contribution, or the buying leg of a switch): fund cash Dr / member unit liability Cr. */
export function unitsIssuedEntry(fundId: string, memberId: string, currency: string, amount: Decimal): JournalEntry {
  return balanced(pair(fundCashAccount(fundId, currency), unitLiabilityAccount(fundId, memberId, currency), currency, amount));
}

/** Money paid out of a fund for cancelled units (the selling leg of a switch): member unit liability Dr / fund cash Cr. */
export function unitsCancelledEntry(fundId: string, memberId: string, currency: string, amount: Decimal): JournalEntry {
  return balanced(pair(unitLiabilityAccount(fundId, memberId, currency), fundCashAccount(fundId, currency), currency, amount));
}

/** What a valuation posts (fund.ts, valuationPosting), each amount signed. */
export interface ValuationAmounts {
  gain: Decimal;
  revaluation: Decimal;
  rounding: Decimal;
}

function valuationLines(fundId: string, currency: string, amounts: ValuationAmounts, effectiveDate?: IsoDate): JournalLine[] {
  const allocation = memberAllocationAccount(fundId, currency);
  return [
    ...pair(fundCashAccount(fundId, currency), investmentGainsAccount(fundId, currency), currency, amounts.gain, effectiveDate),
    ...pair(allocation, unitRevaluationAccount(fundId, currency), currency, amounts.revaluation, effectiveDate),
    ...pair(allocation, unitRoundingAccount(fundId, currency), currency, amounts.rounding, effectiveDate),
  ];
}

/**
 * A valuation: fund assets Dr / investment gains Cr by the gain (a loss
 * reverses it), its allocation to the members: member allocation Dr / unit
 * liability revaluation Cr, and what per-holding rounding leaves to the unit
 * rounding account. When handed back on a later valuation's date, the same
 * lines reversed, dated then.
 */
export function valuationEntry(fundId: string, currency: string, amounts: ValuationAmounts, eventDate: IsoDate, handBackDate?: IsoDate): JournalEntry {
  const lines = valuationLines(fundId, currency, amounts);
  if (handBackDate !== undefined) {
    const back = { gain: amounts.gain.neg(), revaluation: amounts.revaluation.neg(), rounding: amounts.rounding.neg() };
    lines.push(...valuationLines(fundId, currency, back, handBackDate));
  }
  const entry = { lines };
  assertBalanced(entry, eventDate);
  return entry;
}

/** Fees paid out of the fund: fees payable Dr / fund assets Cr. */
export function feeSettlementEntry(fundId: string, currency: string, amount: Decimal): JournalEntry {
  return balanced(pair(feesPayableAccount(fundId, currency), fundCashAccount(fundId, currency), currency, amount));
}

/** Fees by unit cancellation: per holding, member unit liability Dr / fees payable Cr. */
export function feeEntry(fundId: string, currency: string, fees: readonly { memberId: string; fee: Decimal }[]): JournalEntry {
  const payable = feesPayableAccount(fundId, currency);
  return balanced(fees.flatMap(({ memberId, fee }) => pair(unitLiabilityAccount(fundId, memberId, currency), payable, currency, fee)));
}
