// Double entry: every event posts one balanced journal entry (per currency,
// sum of debits = sum of credits). Amounts are money strings ("12.34").
import { Decimal, ZERO, formatMoney } from './decimal';

export interface JournalLine {
  /** Namespaced by currency and, where it matters, entity: "upr:EUR:policy/P-1". */
  account: string;
  currency: string;
  /** Exactly one of debit/credit is non-zero; both are money strings >= 0. */
  debit: string;
  credit: string;
}

export interface JournalEntry {
  lines: JournalLine[];
}

export function account(name: string, currency: string, entity?: string): string {
  return entity ? `${name}:${currency}:${entity}` : `${name}:${currency}`;
}

/** A line of `amount` (signed: positive debits `debitAccount`, negative reverses it). */
export function pair(debitAccount: string, creditAccount: string, currency: string, amount: Decimal): JournalLine[] {
  if (amount.isZero()) return [];
  const value = formatMoney(amount.abs());
  const [dr, cr] = amount.isPositive() ? [debitAccount, creditAccount] : [creditAccount, debitAccount];
  return [
    { account: dr, currency, debit: value, credit: '0.00' },
    { account: cr, currency, debit: '0.00', credit: value },
  ];
}

/** Throws unless every currency balances: a wrong posting is a bug, never stored. */
export function assertBalanced(entry: JournalEntry): void {
  const net = new Map<string, Decimal>();
  for (const line of entry.lines) {
    const d = new Decimal(line.debit);
    const c = new Decimal(line.credit);
    if (d.isNegative() || c.isNegative() || (!d.isZero() && !c.isZero())) {
      throw new Error(`journal line on ${line.account} must be a debit or a credit >= 0`);
    }
    net.set(line.currency, (net.get(line.currency) ?? ZERO).plus(d).minus(c));
  }
  for (const [currency, value] of net) {
    if (!value.isZero()) throw new Error(`journal entry does not balance in ${currency}: ${value.toFixed(2)}`);
  }
}
