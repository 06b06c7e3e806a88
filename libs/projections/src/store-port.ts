// What the projections need of the persistent read model (libs/read-model
// implements it over LMDB): each entity's events in record order (its
// bitemporal history and its audit trail at once), the ids of each kind, and
// the general ledger's postings. Writes happen only inside the event store's
// commit, so they land in the same transaction as the checkpoint.
import type { EntityKind, Instant, IsoDate, JournalLine, RecordedEvent } from '@app/domain';

/** One event's journal lines, as the general ledger keeps them. */
export interface Posting {
  /** The event's: a line without its own effectiveDate is effective on it. */
  effectiveDate: IsoDate;
  /** The latest date of its lines: on or after it, every line counts. */
  lastDate: IsoDate;
  recordedAt: Instant;
  lines: JournalLine[];
}

export interface ProjectionStore {
  /** Events recorded for an entity (0: unknown entity). */
  eventCount(kind: EntityKind, id: string): number;
  /** Writes the entity's event number `index` (= its event count before). */
  appendEvent(kind: EntityKind, id: string, index: number, event: RecordedEvent): void;
  /** The entity's events in record order. */
  events(kind: EntityKind, id: string): Iterable<RecordedEvent>;
  /** Ids of one kind, ascending. */
  ids(kind: EntityKind): Iterable<string>;
  /** Every entity, by kind then id, ascending. */
  entities(): Iterable<{ kind: EntityKind; id: string }>;
  addPosting(posting: Posting): void;
  /** Every posting in record order. */
  postings(): Iterable<Posting>;
}
