// What the projections need of the persistent read model (libs/read-model
// implements it over LMDB): each entity's events in record order (its
// bitemporal history and its audit trail at once), the ids of each kind, and
// the report series and the subledger. Writes happen only inside the event store's
// commit, so they land in the same transaction as the checkpoint.
import type { EntityKind, Instant, IsoDate, RecordedEvent } from '@app/domain';
import type { SeriesFamily } from './report-series';

export interface ProjectionStore {
  /** Events recorded for an entity (0: unknown entity). */
  eventCount(kind: EntityKind, id: string): number;
  /**
   * Writes the entity's event number `index` (= its event count before).
   * `derived`: not in a log record but derived from one on apply (a fee's
   * member events); served like any event, but outside the state hash, which
   * sums what the log records (the audit recomputes it from the log alone).
   */
  appendEvent(kind: EntityKind, id: string, index: number, event: RecordedEvent, derived: boolean): void;
  /** The entity's events in record order. */
  events(kind: EntityKind, id: string): Iterable<RecordedEvent>;
  /** Ids of one kind, ascending. */
  ids(kind: EntityKind): Iterable<string>;
  /** Every entity, by kind then id, ascending. */
  entities(): Iterable<{ kind: EntityKind; id: string }>;
  /** Adds `cents` to a series' running total at `recordedAt` (report-series.ts). */
  addToSeries(family: SeriesFamily, name: string, currency: string, bucket: string, recordedAt: Instant, cents: bigint): void;
  /** A series' running total as known at `knownAt`; undefined when nothing was recorded in it by then. */
  seriesAt(family: SeriesFamily, name: string, currency: string, bucket: string, knownAt: Instant): bigint | undefined;
  /** The (currency, bucket) pairs a series name has, ascending by currency then bucket. */
  seriesBuckets(family: SeriesFamily, name: string): readonly SeriesBucket[];
  /** The names a family has (the control accounts of gl-month), ascending. */
  seriesNames(family: SeriesFamily): readonly string[];

  /** Subledger: a journal line of an entity account (one with a kind/id part). */
  addAccountLine(account: string, control: string, recordedAt: Instant, date: IsoDate, cents: bigint): void;
  /** Entity accounts after `cursor` (exclusive; null: from the first), ascending; with `knownAt`, only those posted to by then. */
  accountsAfter(cursor: string | null, knownAt?: Instant): Iterable<{ account: string; control: string }>;
  /** An entity account's lines in record order. */
  accountLines(account: string): Iterable<{ recordedAt: Instant; date: IsoDate; cents: bigint }>;
  /** Ids of one kind after `cursor` (exclusive), ascending; with `knownAt`, only entities whose first event was recorded by then. */
  idsAfter(kind: EntityKind, cursor: string | null, knownAt?: Instant): Iterable<string>;
}

export interface SeriesBucket {
  currency: string;
  bucket: string;
}
