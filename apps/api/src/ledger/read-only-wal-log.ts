// The log, read only, beside the process that writes it: what the replay
// audit's worker thread scans. It never opens the WAL (the server holds its
// lock and is its one writer): each scan is the addon's scanner over the
// segment files (Wal.scanReadOnly), checksums and chain verified as it reads.
// A reader cannot ask the writer for its durable LSN, so every scan names
// the last LSN it reads (the audit: the read model checkpoint's position,
// durable by construction); it never reads the tail the writer is filling.
import { Wal, WalError, walAddon } from '@app/wal';
import type { LogPort, LogRecord } from '@app/event-store';

export interface ReadOnlyWalLogOptions {
  /** The writer's partition count (fixed when the log was created). */
  partitions: number;
  /** The writer's mirror directory, if it has one (a bad frame is then read from the mirror). */
  mirrorDir?: string;
}

export class ReadOnlyWalLog implements LogPort {
  readonly partitions: number;
  readonly recordBytesMax = walAddon.limits.recordBytesMax;
  readonly batchRecordsMax = walAddon.limits.batchRecordsMax;
  readonly batchBytesMax = 0;

  constructor(
    readonly dir: string,
    private readonly options: ReadOnlyWalLogOptions,
  ) {
    if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new WalError('WAL_INVALID_ARGUMENT', 'partitions must be a whole number >= 1');
    this.partitions = options.partitions;
  }

  appendBatch(): Promise<number[]> {
    return Promise.reject(new WalError('WAL_INVALID_ARGUMENT', 'a read-only log takes no appends'));
  }

  /**
   * The records of a partition with LSNs from `fromLsn` through `throughLsn`,
   * verified, in order. `throughLsn` is required. Unlike the writer's scans,
   * payloads are read into blocks the scan reuses (reuseBlocks): a batch's
   * payloads stay valid until the batch two after it is taken, which suits
   * its reader, the audit, that decodes each record as it reads it.
   */
  async *scan(partition: number, fromLsn: number, throughLsn?: number): AsyncIterable<LogRecord[]> {
    if (throughLsn === undefined) throw new WalError('WAL_INVALID_ARGUMENT', 'a read-only scan needs the last LSN to read (it cannot know the durable LSN)');
    if (throughLsn < fromLsn) return;
    const batches = Wal.scanReadOnly(this.dir, partition, fromLsn, throughLsn + 1, {
      mirrorDir: this.options.mirrorDir,
      partitions: this.partitions,
      reuseBlocks: true,
    });
    for await (const batch of batches) yield Array.from(batch);
  }

  /** Nothing to release: each scan's reader is freed with it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
