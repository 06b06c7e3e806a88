// Ledger accounts of claims and their journal entries (domain.md, "Double
// entry"). The case reserve and the amounts paid are namespaced by claim so
// the ledger ties to the claims report claim by claim.
import { Decimal } from '../common/decimal';
import { entityKey } from '../common/ids';
import { type JournalEntry, account, assertBalanced, pair } from '../common/journal';
import { CASH } from '../nonlife/accounts';

export const CLAIMS_RESERVE = 'claims-reserve';
export const CHANGE_IN_CLAIMS_RESERVE = 'change-in-claims-reserve';
export const CLAIMS_PAID = 'claims-paid';
export const CLAIMS_RECOVERIES = 'claims-recoveries';

export interface ClaimAccounts {
  currency: string;
  claimsReserve: string;
  changeInClaimsReserve: string;
  claimsPaid: string;
  claimsRecoveries: string;
  cash: string;
}

export function claimAccounts(claimId: string, currency: string): ClaimAccounts {
  const claim = entityKey({ kind: 'claim', id: claimId });
  return {
    currency,
    claimsReserve: account(CLAIMS_RESERVE, currency, claim),
    changeInClaimsReserve: account(CHANGE_IN_CLAIMS_RESERVE, currency),
    claimsPaid: account(CLAIMS_PAID, currency, claim),
    claimsRecoveries: account(CLAIMS_RECOVERIES, currency, claim),
    cash: account(CASH, currency),
  };
}

function balanced(entry: JournalEntry): JournalEntry {
  assertBalanced(entry);
  return entry;
}

/** Reserve set or changed (signed): change in claims reserve Dr / claims reserve Cr; negative reverses. */
export function reserveChangeEntry(accounts: ClaimAccounts, change: Decimal): JournalEntry {
  return balanced({ lines: pair(accounts.changeInClaimsReserve, accounts.claimsReserve, accounts.currency, change) });
}

/** A payment is an expense paid in cash, and it uses up as much of the case reserve. */
export function claimPaymentEntry(accounts: ClaimAccounts, amount: Decimal): JournalEntry {
  const { currency } = accounts;
  return balanced({
    lines: [
      ...pair(accounts.claimsPaid, accounts.cash, currency, amount),
      ...pair(accounts.claimsReserve, accounts.changeInClaimsReserve, currency, amount),
    ],
  });
}

/** A recovery (subrogation, salvage) is cash received against the claim's cost; it does not move the case reserve. */
export function claimRecoveryEntry(accounts: ClaimAccounts, amount: Decimal): JournalEntry {
  return balanced({ lines: pair(accounts.cash, accounts.claimsRecoveries, accounts.currency, amount) });
}
