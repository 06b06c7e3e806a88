// The general ledger: every event's journal lines (postings, kept in the
// read model), for a trial balance at any (asOf, knownAt): lines effective on
// or before asOf (a line's own effectiveDate, else its event's: see
// JournalLine) of events recorded at or before knownAt.
import { Decimal, ZERO, formatMoney, type Instant, type IsoDate, type RecordedEvent } from '@app/domain';
import type { Posting, ProjectionStore } from './store-port';

export interface TrialBalanceLine {
  account: string;
  debit: string;
  credit: string;
}

export interface TrialBalance {
  accounts: TrialBalanceLine[];
  totals: { debit: string; credit: string };
}

/** The posting an event makes in the general ledger; null for an event without journal lines. */
export function postingOf(event: RecordedEvent): Posting | null {
  const { effectiveDate, recordedAt, journal } = event;
  if (journal.lines.length === 0) return null;
  const lastDate = journal.lines.reduce((last, l) => (l.effectiveDate !== undefined && l.effectiveDate > last ? l.effectiveDate : last), effectiveDate);
  return { effectiveDate, lastDate, recordedAt, lines: journal.lines };
}

export class GeneralLedger {
  constructor(private readonly store: ProjectionStore) {}

  /** Inside the store's commit. */
  add(event: RecordedEvent): void {
    const posting = postingOf(event);
    if (posting) this.store.addPosting(posting);
  }

  /** Every posting, in record order (for digests). */
  postings(): Iterable<Readonly<Posting>> {
    return this.store.postings();
  }

  /** Net balance per account, shown on its debit or credit side; accounts sorted by name. */
  trialBalance(asOf: IsoDate, knownAt: Instant): TrialBalance {
    const net = new Map<string, Decimal>();
    for (const p of this.store.postings()) {
      if (p.effectiveDate > asOf || p.recordedAt > knownAt) continue;
      const every = p.lastDate <= asOf;
      for (const l of p.lines) {
        if (!every && (l.effectiveDate ?? p.effectiveDate) > asOf) continue;
        net.set(l.account, (net.get(l.account) ?? ZERO).plus(l.debit).minus(l.credit));
      }
    }
    let debit = ZERO;
    let credit = ZERO;
    const accounts = [...net.keys()].sort().map((account) => {
      const balance = net.get(account) as Decimal;
      if (balance.isNegative()) credit = credit.plus(balance.neg());
      else debit = debit.plus(balance);
      return {
        account,
        debit: formatMoney(balance.isNegative() ? ZERO : balance),
        credit: formatMoney(balance.isNegative() ? balance.neg() : ZERO),
      };
    });
    return { accounts, totals: { debit: formatMoney(debit), credit: formatMoney(credit) } };
  }
}

