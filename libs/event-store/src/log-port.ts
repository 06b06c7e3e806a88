// The storage port. The event store needs only this from a log, so a
// distributed log (NATS JetStream, Kafka) can replace the embedded WAL
// without touching the domain or the store.
import { Wal, WalOpenOptions, walAddon } from '@app/wal';

export interface LogRecord {
  lsn: number;
  payload: Buffer;
}

export interface LogPort {
  readonly partitions: number;
  /** The largest record the log takes, in bytes. */
  readonly recordBytesMax: number;
  /** The most records, and bytes of records, one atomic batch may carry. */
  readonly batchRecordsMax: number;
  readonly batchBytesMax: number;
  /**
   * Appends records atomically to one partition; resolves once durable, with
   * their LSNs. A partition's LSNs follow the order of the calls (the event
   * store appends in stamp order, and replays a partition in LSN order).
   */
  appendBatch(partition: number, records: Buffer[]): Promise<number[]>;
  /**
   * Every durable record of a partition from `fromLsn`, verified, in order;
   * with `throughLsn`, only through that record (a follower reads up to the
   * ends it saw in one snapshot of the log).
   */
  scan(partition: number, fromLsn: number, throughLsn?: number): AsyncIterable<LogRecord[]>;
  close(): Promise<void>;
}

/** The embedded native write-ahead log behind the port. */
export class WalLog implements LogPort {
  private constructor(readonly wal: Wal) {}

  /** The ledger's appends come from request handlers: the appends of one event-loop turn share a flush (coalesceWakes). */
  static async open(dir: string, options: WalOpenOptions = {}): Promise<WalLog> {
    return new WalLog(await Wal.open(dir, { coalesceWakes: true, ...options }));
  }

  get partitions(): number {
    return this.wal.partitions;
  }

  readonly recordBytesMax = walAddon.limits.recordBytesMax;
  readonly batchRecordsMax = walAddon.limits.batchRecordsMax;
  /** A batch is one flush: it must fit a 4 MiB flush buffer with its frame headers and padding. */
  readonly batchBytesMax = 3_000_000;

  appendBatch(partition: number, records: Buffer[]): Promise<number[]> {
    return this.wal.appendBatch(partition, records);
  }

  async *scan(partition: number, fromLsn: number, throughLsn?: number): AsyncIterable<LogRecord[]> {
    for await (const batch of this.wal.scan(partition, fromLsn)) {
      if (throughLsn === undefined) {
        yield Array.from(batch);
        continue;
      }
      const kept = Array.from(batch).filter((r) => r.lsn <= throughLsn);
      if (kept.length > 0) yield kept;
      if (kept.length < batch.count) return;
    }
  }

  close(): Promise<void> {
    return this.wal.close();
  }
}
