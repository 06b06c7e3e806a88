// The general ledger's journal: every event's journal lines as one posting,
// kept in the read model in record order (and so in the state hash). The
// trial balance itself reads the control-account series and the subledger
// (reports.ts), not this journal.
import type { RecordedEvent } from '@app/domain';
import type { Posting, ProjectionStore } from './store-port';

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
}
