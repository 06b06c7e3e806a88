// Applying durable records to the read model, split from the event store so
// it can run on another thread. The event store decides what is durable and
// in what order (recordedAt order, a durable prefix at a time); an ApplyPort
// applies such a prefix in one read-model transaction with the checkpoint it
// reaches, and says when it is committed. Only then does the store answer
// the commands and move its horizon, so a query never sees a record the
// read model has not committed, and nothing is answered before it is durable.
//
// Two ports: InThreadApply commits synchronously on the caller's thread (the
// replay at open, a replica, tests); the API's apply thread runs a
// RecordApplier in a worker thread on the same LMDB environment and the JS
// thread only decides (apps/api/src/ledger/apply-thread.ts).
import { createHash } from 'node:crypto';
import { PeriodCalendar, type Instant } from '@app/domain';
import { outcomeOf, type CommandRecord } from './record';
import type { Checkpoint, LogPosition, ReadModelPort } from './read-model-port';

/** Event type that moves the period-close watermark; its payload names the month closed through. */
export const PERIOD_CLOSED = 'PeriodClosed';

export interface RecordSubscriber {
  /** A durable record, in recordedAt order (replay and live alike), inside the read model's transaction. */
  apply(record: CommandRecord): void;
  /**
   * A durable record another thread's subscriber applied and committed, in
   * the same order: keep in-memory views (caches) in step with the read
   * model, without writing it.
   */
  follow?(record: CommandRecord): void;
}

/** Records that became durable together in one partition: the unit the store hands to an ApplyPort. */
export interface DurableEntry {
  records: CommandRecord[];
  partition: number;
  /** The LSN of the last record. */
  lastLsn: number;
  /** The log's bytes of each record (the last one's hash is the checkpoint's proof of position; the apply thread decodes them all). */
  payloads: Buffer[];
}

/** Applies durable prefixes of the log, in order, one read-model transaction each. */
export interface ApplyPort {
  /**
   * Applies `entries` (the next durable prefix, in recordedAt order) in one
   * read-model transaction. Returns undefined once committed (in-thread), or
   * a promise that resolves when committed. The next call comes only after.
   */
  apply(entries: DurableEntry[]): Promise<void> | undefined;
  close(): Promise<void>;
}

/**
 * What has been applied, in order: the horizon, the count and the period
 * closes. The store keeps one (queries read it), an applier another (its
 * checkpoint states it); both are moved by `note`, record by record.
 */
export class AppliedState {
  through: Instant = '';
  records = 0;
  readonly calendar = new PeriodCalendar();

  constructor(checkpoint: Checkpoint | null) {
    if (!checkpoint) return;
    this.through = checkpoint.through;
    this.records = checkpoint.records;
    for (const close of checkpoint.closes) this.calendar.record(close);
  }

  /** Moves past `record`; `onClose` hears of each period close it applies. */
  note(record: CommandRecord, onClose?: (close: { through: string; closedAt: Instant }) => void): void {
    if (record.recordedAt <= this.through) throw new Error(`record out of order at ${record.recordedAt} (applied through ${this.through})`);
    this.through = record.recordedAt;
    this.records++;
    for (const e of record.events) {
      if (e.type !== PERIOD_CLOSED) continue;
      const close = { through: String(e.payload.through), closedAt: record.recordedAt };
      this.calendar.record(close);
      onClose?.(close);
    }
  }
}

/**
 * Applies records to the read model and its subscribers with the checkpoint
 * they reach (the log position per partition, the horizon, the count, the
 * closes), all in one transaction per call.
 */
export class RecordApplier {
  readonly applied: AppliedState;
  /** The last applied record of each partition (committed with the read model's data). */
  private readonly positions: (LogPosition | null)[];
  /** Partitions whose position moved since the last commit, with that record's bytes (hashed at commit). */
  private readonly movedPayloads = new Map<number, { lsn: number; recordedAt: Instant; payload: Buffer }>();

  constructor(
    private readonly readModel: ReadModelPort,
    private readonly subscribers: RecordSubscriber[],
    partitions: number,
  ) {
    const checkpoint = readModel.checkpoint();
    this.applied = new AppliedState(checkpoint);
    this.positions = checkpoint ? [...checkpoint.positions] : new Array<LogPosition | null>(partitions).fill(null);
    if (this.positions.length !== partitions) throw new Error(`the read model has ${this.positions.length} partitions, the log ${partitions}`);
  }

  /** The log position each partition's replay starts after. */
  get startPositions(): readonly (LogPosition | null)[] {
    return this.positions;
  }

  /** One transaction for a live durable prefix: every record of every entry, then the checkpoint. */
  commit(entries: readonly DurableEntry[]): void {
    if (entries.length === 0) throw new Error('nothing to apply');
    this.readModel.commit(
      () => {
        for (const entry of entries) {
          for (const record of entry.records) this.apply(record);
          if (entry.payloads.length !== entry.records.length) throw new Error(`${entry.records.length} records but ${entry.payloads.length} payloads`);
          this.moved(entry.partition, entry.lastLsn, entry.records[entry.records.length - 1].recordedAt, entry.payloads[entry.payloads.length - 1]);
        }
      },
      () => this.checkpoint(),
    );
  }

  /** One transaction for replayed records, each with its own log position. */
  commitReplayed(batch: readonly { record: CommandRecord; partition: number; lsn: number; payload: Buffer }[]): void {
    if (batch.length === 0) throw new Error('nothing to apply');
    this.readModel.commit(
      () => {
        for (const { record, partition, lsn, payload } of batch) {
          this.apply(record);
          this.moved(partition, lsn, record.recordedAt, payload);
        }
      },
      () => this.checkpoint(),
    );
  }

  private apply(record: CommandRecord): void {
    this.applied.note(record);
    this.readModel.putOutcome(record.commandId, outcomeOf(record));
    for (const s of this.subscribers) s.apply(record);
  }

  private moved(partition: number, lsn: number, recordedAt: Instant, payload: Buffer): void {
    const before = this.positions[partition];
    if (before && lsn <= before.lsn) throw new Error(`partition ${partition}: lsn ${lsn} applied after ${before.lsn}`);
    this.movedPayloads.set(partition, { lsn, recordedAt, payload });
  }

  /** The checkpoint the current transaction reaches (hashes each moved partition's last record once). */
  private checkpoint(): Checkpoint {
    for (const [p, m] of this.movedPayloads) this.positions[p] = { lsn: m.lsn, recordedAt: m.recordedAt, payloadHash: payloadHash(m.payload) };
    this.movedPayloads.clear();
    return { positions: [...this.positions], through: this.applied.through, records: this.applied.records, closes: [...this.applied.calendar.all()] };
  }
}

/** The applier on the caller's thread: `apply` commits before it returns. */
export class InThreadApply implements ApplyPort {
  constructor(readonly applier: RecordApplier) {}

  apply(entries: DurableEntry[]): undefined {
    this.applier.commit(entries);
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function payloadHash(payload: Buffer): string {
  return createHash('sha256').update(payload).digest('hex');
}
