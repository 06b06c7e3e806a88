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
  if (balancedInCents(entry, eventDate)) return;
  assertBalancedDecimal(entry, eventDate); // the refusal, with its message (or the check of amounts not written in cents)
}

/** Money as its stores writes it ("1200.00"): whole cents. */
const CENTS_TEXT = /^(0|[1-9][0-9]*)\.[0-9]{2}$/;

/**
 * The check of assertBalanced in integer cents, for an entry whose amounts
 * are all written as money is ("12.34", what formatMoney gives): true when it
 * passes; false when it does not, or when an amount is written otherwise.
 */
function balancedInCents(entry: JournalEntry, eventDate: IsoDate | undefined): boolean {
  const net = new Map<string, bigint>();
  const netByDate = new Map<string, bigint>();
  for (const line of entry.lines) {
    if (!CENTS_TEXT.test(line.debit) || !CENTS_TEXT.test(line.credit)) return false;
    const d = BigInt(line.debit.slice(0, -3) + line.debit.slice(-2));
    const c = BigInt(line.credit.slice(0, -3) + line.credit.slice(-2));
    if (d !== 0n && c !== 0n) return false;
    if (eventDate !== undefined && line.effectiveDate !== undefined && line.effectiveDate < eventDate) return false;
    net.set(line.currency, (net.get(line.currency) ?? 0n) + d - c);
    const key = `${line.effectiveDate ?? eventDate ?? ''} ${line.currency}`;
    netByDate.set(key, (netByDate.get(key) ?? 0n) + d - c);
  }
  for (const value of net.values()) if (value !== 0n) return false;
  for (const value of netByDate.values()) if (value !== 0n) return false;
  return true;
}

function assertBalancedDecimal(entry: JournalEntry, eventDate?: IsoDate): void {
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
