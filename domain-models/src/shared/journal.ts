// Double entry: every event posts one balanced journal entry (per currency,
// sum of debits = sum of credits). Amounts are money strings ("12.34").
//
// A line may carry its own effectiveDate (on or after its event's): an event
// that changes a cumulative figure on several later dates (a back-dated
// endorsement moves the rounded written premium on every later layer start
// too) posts each change on its own date, so a trial balance cut at any asOf
// ties to the figures valid on asOf. Without it a line is effective on its
// event's date (every event stored before line dates existed means that).
// The lines of each date balance on their own.
import type { IsoDate } from './dates';
import { Decimal, ZERO, formatMoney } from './decimal';

export interface JournalLine {
  /** Namespaced by currency and, where it matters, entity: "premium-receivable:EUR:policy/P-1", "upr:EUR". */
  account: string;
  currency: string;
  /** Exactly one of debit/credit is non-zero; both are money strings >= 0. */
  debit: string;
  credit: string;
  /** Valid from this date (>= the event's effectiveDate); absent: the event's effectiveDate. */
  effectiveDate?: IsoDate;
}

export interface JournalEntry {
  lines: JournalLine[];
}

export function account(name: string, currency: string, entity?: string): string {
  return entity ? `${name}:${currency}:${entity}` : `${name}:${currency}`;
}

/**
 * A line of `amount` (signed: positive debits `debitAccount`, negative reverses it),
 * dated `effectiveDate` when given (omit it for the event's own date).
 */
export function pair(debitAccount: string, creditAccount: string, currency: string, amount: Decimal, effectiveDate?: IsoDate): JournalLine[] {
  if (amount.isZero()) return [];
  const value = formatMoney(amount.abs());
  const [dr, cr] = amount.isPositive() ? [debitAccount, creditAccount] : [creditAccount, debitAccount];
  const dated = effectiveDate === undefined ? {} : { effectiveDate };
  return [
    { account: dr, currency, debit: value, credit: '0.00', ...dated },
    { account: cr, currency, debit: '0.00', credit: value, ...dated },
  ];
}

/** The date a line is effective on: its own, else its event's. */
export function lineEffectiveDate(line: JournalLine, eventDate: IsoDate): IsoDate {
  return line.effectiveDate ?? eventDate;
}

/**
 * Throws unless every currency balances, over the whole entry and on each
 * date of its lines on its own (so a trial balance cut at any asOf balances):
 * a wrong posting is a bug, never stored. With `eventDate`, a line without a
 * date is on `eventDate`, and a line dated before it is refused.
 */
export function assertBalanced(entry: JournalEntry, eventDate?: IsoDate): void {
  const net = new Map<string, Decimal>();
  const netByDate = new Map<string, Decimal>();
  for (const line of entry.lines) {
    const d = new Decimal(line.debit);
    const c = new Decimal(line.credit);
    if (d.isNegative() || c.isNegative() || (!d.isZero() && !c.isZero())) {
      throw new Error(`journal line on ${line.account} must be a debit or a credit >= 0`);
    }
    if (eventDate !== undefined && line.effectiveDate !== undefined && line.effectiveDate < eventDate) {
      throw new Error(`journal line on ${line.account} dated ${line.effectiveDate}, before its event (${eventDate})`);
    }
    net.set(line.currency, (net.get(line.currency) ?? ZERO).plus(d).minus(c));
    const key = `${line.effectiveDate ?? eventDate ?? ''} ${line.currency}`;
    netByDate.set(key, (netByDate.get(key) ?? ZERO).plus(d).minus(c));
  }
  for (const [currency, value] of net) {
    if (!value.isZero()) throw new Error(`journal entry does not balance in ${currency}: ${value.toFixed(2)}`);
  }
  for (const [key, value] of netByDate) {
    const [date, currency] = key.split(' ');
    if (!value.isZero()) throw new Error(`journal entry does not balance in ${currency} on ${date || 'its event date'}: ${value.toFixed(2)}`);
  }
}
