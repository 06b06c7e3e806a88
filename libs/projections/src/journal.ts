// The general ledger: every event's journal lines, for a trial balance at any
// (asOf, knownAt): lines of events effective on or before asOf and recorded
// at or before knownAt.
import { Decimal, ZERO, formatMoney, type Instant, type IsoDate, type JournalLine, type RecordedEvent } from '@app/domain';

interface Posting {
  effectiveDate: IsoDate;
  recordedAt: Instant;
  lines: JournalLine[];
}

export interface TrialBalanceLine {
  account: string;
  debit: string;
  credit: string;
}

export interface TrialBalance {
  accounts: TrialBalanceLine[];
  totals: { debit: string; credit: string };
}

export class GeneralLedger {
  private readonly postings: Posting[] = [];

  add(event: RecordedEvent): void {
    if (event.journal.lines.length > 0) {
      this.postings.push({ effectiveDate: event.effectiveDate, recordedAt: event.recordedAt, lines: event.journal.lines });
    }
  }

  /** Net balance per account, shown on its debit or credit side; accounts sorted by name. */
  trialBalance(asOf: IsoDate, knownAt: Instant): TrialBalance {
    const net = new Map<string, Decimal>();
    for (const p of this.postings) {
      if (p.effectiveDate > asOf || p.recordedAt > knownAt) continue;
      for (const l of p.lines) net.set(l.account, (net.get(l.account) ?? ZERO).plus(l.debit).minus(l.credit));
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

