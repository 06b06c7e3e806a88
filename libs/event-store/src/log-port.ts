// The storage port. The event store needs only this from a log, so a
// distributed log (NATS JetStream, Kafka) can replace the embedded WAL
// without touching the domain or the store.
import { Wal, WalOpenOptions } from '@app/wal';

export interface LogRecord {
  lsn: number;
  payload: Buffer;
}

export interface LogPort {
  readonly partitions: number;
  /** Appends records atomically to one partition; resolves once durable. */
  appendBatch(partition: number, records: Buffer[]): Promise<number[]>;
  /** Every durable record of a partition from `fromLsn`, verified, in order. */
  scan(partition: number, fromLsn: number): AsyncIterable<LogRecord[]>;
  close(): Promise<void>;
}

/** The embedded native write-ahead log behind the port. */
export class WalLog implements LogPort {
  private constructor(readonly wal: Wal) {}

  static async open(dir: string, options: WalOpenOptions = {}): Promise<WalLog> {
    return new WalLog(await Wal.open(dir, options));
  }

  get partitions(): number {
    return this.wal.partitions;
  }

  appendBatch(partition: number, records: Buffer[]): Promise<number[]> {
    return this.wal.appendBatch(partition, records);
  }

  async *scan(partition: number, fromLsn: number): AsyncIterable<LogRecord[]> {
    for await (const batch of this.wal.scan(partition, fromLsn)) yield Array.from(batch);
  }

  close(): Promise<void> {
    return this.wal.close();
  }
}
