// Ledger accounts of the pension funds and their journal entries (domain.md,
// "Double entry"). Namespaced by currency and fund, and the unit liability
// also by member: "fund-cash:EUR:fund/F-1",
// "unit-liability:EUR:fund/F-1/member/M-1", "fees-payable:EUR:fund/F-1".
import { type Decimal } from '../common/decimal';
import { entityKey } from '../common/ids';
import { type JournalEntry, type JournalLine, account, assertBalanced, pair } from '../common/journal';

export const FUND_CASH = 'fund-cash';
export const UNIT_LIABILITY = 'unit-liability';
export const FEES_PAYABLE = 'fees-payable';

export function fundCashAccount(fundId: string, currency: string): string {
  return account(FUND_CASH, currency, entityKey({ kind: 'fund', id: fundId }));
}

export function unitLiabilityAccount(fundId: string, memberId: string, currency: string): string {
  return account(UNIT_LIABILITY, currency, `${entityKey({ kind: 'fund', id: fundId })}/${entityKey({ kind: 'member', id: memberId })}`);
}

export function feesPayableAccount(fundId: string, currency: string): string {
  return account(FEES_PAYABLE, currency, entityKey({ kind: 'fund', id: fundId }));
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

/** Fees by unit cancellation: per holding, member unit liability Dr / fees payable Cr. */
export function feeEntry(fundId: string, currency: string, fees: readonly { memberId: string; fee: Decimal }[]): JournalEntry {
  const payable = feesPayableAccount(fundId, currency);
  return balanced(fees.flatMap(({ memberId, fee }) => pair(unitLiabilityAccount(fundId, memberId, currency), payable, currency, fee)));
}
