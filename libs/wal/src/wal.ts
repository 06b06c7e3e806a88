// The TypeScript face of the native log. Appends return Promises that settle
// only after the record's flush is durable (fdatasync done on every copy);
// completions arrive from the native I/O thread through one coalesced callback.
import { WalError } from './errors';
import { addon, NativeOpenReport, NativePartitionStatus, NativeWalHandle, NativeScanBatch } from './native';

export interface WalFaults {
  writeErrorAt?: number;
  fsyncErrorAt?: number;
  shortWriteAt?: number;
  enospcAt?: number;
  tornFlushAt?: number;
}

export interface WalOpenOptions {
  /** Fixed at creation (default 8); must match an existing log if given. */
  partitions?: number;
  /** Fixed at creation (default 64 MiB); multiple of 4096 in [1 MiB, 1 GiB]. */
  segmentBytes?: number;
  /** A second directory (meant for another device) written and synced with every flush. */
  mirrorDir?: string;
  ioMode?: 'auto' | 'io_uring' | 'sync';
  direct?: 'auto' | 'on' | 'off';
  /** Create the log when the directory is missing or empty (default true). */
  create?: boolean;
  /**
   * How long open waits for another writer's lock (default 10,000 ms), then
   * WAL_LOCKED. A writer killed mid-write holds it until its last writes land.
   */
  lockWaitMs?: number;
  /** Test-only fault injection: the Nth write/fsync/flush (from 0) misbehaves. */
  faults?: WalFaults;
  /**
   * Group commit across the callers of one event-loop turn (default false):
   * an append holds its partition's buffer until the turn's I/O callbacks
   * are done (setImmediate): an idle I/O thread is not woken, and a busy one
   * does not take the buffer, so the appends of every request read in that
   * turn share one flush per partition, instead of the first taking a flush
   * of its own while the rest wait for the next. Nothing is written while the
   * JS thread is busy in between (the default wakes the I/O thread at once).
   */
  coalesceWakes?: boolean;
}

export interface WalRecord {
  lsn: number;
  payload: Buffer;
}

export type WalPartitionStatus = NativePartitionStatus;

export interface WalStatus {
  ioMode: 'io_uring' | 'sync';
  direct: boolean;
  failed: boolean;
  failure: { code: string; message: string } | null;
  partitions: WalPartitionStatus[];
}

export type WalOpenReport = NativeOpenReport;

/** A batch of verified records of one partition, in LSN order. */
export class RecordBatch implements Iterable<WalRecord> {
  constructor(
    readonly partition: number,
    readonly firstLsn: number,
    readonly count: number,
    /** All payloads back to back. */
    readonly data: Buffer,
    /** (offset, size) into `data` per record. */
    readonly spans: Uint32Array,
  ) {}

  payload(index: number): Buffer {
    const offset = this.spans[2 * index];
    return this.data.subarray(offset, offset + this.spans[2 * index + 1]);
  }

  *[Symbol.iterator](): Iterator<WalRecord> {
    for (let i = 0; i < this.count; i++) yield { lsn: this.firstLsn + i, payload: this.payload(i) };
  }
}

interface Pending {
  lastLsn: number;
  firstLsn: number;
  count: number;
  resolve: (firstLsn: number) => void;
  reject: (error: WalError) => void;
}

interface Blocked {
  records: Uint8Array[];
  resolve: (firstLsn: number) => void;
  reject: (error: WalError) => void;
}

/** Appends waiting for room in a full partition buffer, per partition. */
const BLOCKED_MAX = 65536;
const SCAN_BATCH_RECORDS = 16384;

export interface ScanOptions {
  /**
   * Copy payloads into three blocks the scan reuses, not a new block per
   * batch (default false). A batch's payloads then stay valid only until the
   * caller takes the batch two after it: for a reader that decodes or copies
   * what it keeps (a replay). Memory stays at three blocks per scan, and the
   * replay makes no new external memory for V8 to collect: with a new block
   * per batch, every 64 MiB read cost a full garbage collection.
   */
  reuseBlocks?: boolean;
}

/** Payload room of a reused scan block: a batch stops at about this many payload bytes. */
const SCAN_BLOCK_PAYLOAD_BYTES = 1 << 20;
const SCAN_BLOCKS_REUSED = 3;

/** The blocks a scan reuses, in turn (null when each batch gets a new block). */
function scanBlocks(options: ScanOptions, batchRecords: number): ArrayBuffer[] | null {
  if (options.reuseBlocks !== true) return null;
  const bytes = addon.scanBlockBytes(batchRecords, SCAN_BLOCK_PAYLOAD_BYTES);
  return Array.from({ length: SCAN_BLOCKS_REUSED }, () => new ArrayBuffer(bytes));
}

/**
 * Batches from `read` until an empty one; the next batch is read on the pool
 * while the caller works on this one. With blocks, batch n is read into block
 * n % 3: when batch n + 3 is read, the caller has taken batch n + 2.
 */
async function* scanBatches(
  partition: number,
  read: (block: ArrayBuffer | undefined) => Promise<NativeScanBatch>,
  blocks: ArrayBuffer[] | null,
): AsyncGenerator<RecordBatch> {
  let turn = 0;
  const nextBlock = (): ArrayBuffer | undefined => (blocks === null ? undefined : blocks[turn++ % blocks.length]);
  let next = read(nextBlock());
  for (;;) {
    const batch = await next;
    if (batch.count === 0) return;
    next = read(nextBlock());
    next.catch(() => undefined);  // surfaced by the await above on the next turn
    const data = batch.data as Uint8Array;
    const payloads = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    yield new RecordBatch(partition, batch.firstLsn, batch.count, payloads, batch.spans as Uint32Array);
  }
}

export class Wal {
  private readonly pending: Pending[][];
  private readonly pendingHead: number[];
  private readonly blocked: Blocked[][];
  private pendingTotal = 0;
  private closed = false;
  /** coalesceWakes: appends leave waking the I/O thread to one kick per event-loop turn. */
  private readonly deferWake: boolean;
  /** A kick of the I/O thread is scheduled for the end of this event-loop turn. */
  private kickScheduled = false;
  private readonly kick = (): void => {
    this.kickScheduled = false;
    if (!this.closed) this.handle.kick();
  };
  private failure: WalError | null = null;

  private constructor(
    readonly dir: string,
    private readonly options: WalOpenOptions,
    private handle: NativeWalHandle,
    readonly report: WalOpenReport,
  ) {
    const n = report.partitions.length;
    this.pending = Array.from({ length: n }, () => []);
    this.pendingHead = new Array<number>(n).fill(0);
    this.blocked = Array.from({ length: n }, () => []);
    this.deferWake = options.coalesceWakes === true;
  }

  static async open(dir: string, options: WalOpenOptions = {}): Promise<Wal> {
    if (typeof dir !== 'string' || dir.length === 0) throw new WalError('WAL_INVALID_ARGUMENT', 'dir must be a non-empty string');
    let self: Wal | null = null;
    const onDurable = (): void => self?.settle();
    try {
      const { coalesceWakes: _jsOnly, ...native } = options;
      const { handle, report } = await addon.open({ ...native, faults: options.faults as Record<string, number>, dir }, onDurable);
      self = new Wal(dir, options, handle, report);
      return self;
    } catch (e) {
      throw WalError.from(e);
    }
  }

  get partitions(): number {
    return this.pending.length;
  }

  /** Appends one record; resolves with its LSN once durable. */
  append(partition: number, record: Uint8Array): Promise<number> {
    return this.submit(partition, [record], true);
  }

  /** Appends records atomically (all or none after a crash); resolves with their LSNs once durable. */
  appendBatch(partition: number, records: Uint8Array[]): Promise<number[]> {
    if (!Array.isArray(records)) return Promise.reject(new WalError('WAL_INVALID_ARGUMENT', 'records must be an array'));
    return this.submit(partition, records, false).then((first) => {
      const lsns = new Array<number>(records.length);
      for (let i = 0; i < records.length; i++) lsns[i] = first + i;
      return lsns;
    });
  }

  private submit(partition: number, records: Uint8Array[], single: boolean): Promise<number> {
    if (this.closed) return Promise.reject(new WalError('WAL_CLOSED', 'the log is closed'));
    if (this.failure) return Promise.reject(new WalError('WAL_FAILED', `the log is fail-stopped: ${this.failure.message}`));
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.pending.length) {
      return Promise.reject(new WalError('WAL_UNKNOWN_PARTITION', `partition ${String(partition)} does not exist`));
    }
    if (this.blocked[partition].length > 0) return this.block(partition, records);
    let first: number;
    try {
      const defer = this.deferWake;
      first = single ? this.handle.append(partition, records[0], defer) : this.handle.appendBatch(partition, records, defer);
    } catch (e) {
      const error = WalError.from(e);
      if (error.code === 'WAL_BUSY') return this.block(partition, records);
      return Promise.reject(error);
    }
    this.scheduleKick();
    return this.track(partition, first, records.length);
  }

  /** coalesceWakes: one kick of the I/O thread per event-loop turn, after its I/O callbacks. */
  private scheduleKick(): void {
    if (!this.deferWake || this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(this.kick);
  }

  private track(partition: number, first: number, count: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.pendingTotal++ === 0) this.handle.ref();
      this.pending[partition].push({ firstLsn: first, lastLsn: first + count - 1, count, resolve, reject });
    });
  }

  private block(partition: number, records: Uint8Array[]): Promise<number> {
    const queue = this.blocked[partition];
    if (queue.length >= BLOCKED_MAX) {
      return Promise.reject(new WalError('WAL_BUSY', `partition ${partition}: ${BLOCKED_MAX} appends already wait for room`));
    }
    return new Promise<number>((resolve, reject) => queue.push({ records, resolve, reject }));
  }

  /** Called (coalesced) from the I/O thread after flushes complete or the log fails. */
  private settle(): void {
    if (this.closed) return;
    // Read the failure first: every LSN published as durable before it was acknowledged durably.
    const failure = this.handle.failure();
    const durable = this.handle.durable();
    for (let p = 0; p < durable.length; p++) this.resolveUpTo(p, durable[p]);
    if (failure) return this.failAll(WalError.from(failure));
    for (let p = 0; p < durable.length; p++) this.retryBlocked(p);
  }

  private resolveUpTo(partition: number, durableLsn: number): void {
    const queue = this.pending[partition];
    let head = this.pendingHead[partition];
    while (head < queue.length && queue[head].lastLsn <= durableLsn) {
      const entry = queue[head++];
      entry.resolve(entry.firstLsn);
      if (--this.pendingTotal === 0) this.handle.unref();
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 4096) {
      queue.splice(0, head);
      head = 0;
    }
    this.pendingHead[partition] = head;
  }

  private retryBlocked(partition: number): void {
    const queue = this.blocked[partition];
    let taken = 0;
    while (taken < queue.length) {
      const entry = queue[taken];
      let first: number;
      try {
        first = this.handle.appendBatch(partition, entry.records, this.deferWake);
        this.scheduleKick();
      } catch (e) {
        const error = WalError.from(e);
        if (error.code === 'WAL_BUSY') break;
        entry.reject(error);
        taken++;
        continue;
      }
      taken++;
      this.track(partition, first, entry.records.length).then(entry.resolve, entry.reject);
    }
    if (taken > 0) queue.splice(0, taken);
  }

  private failAll(error: WalError): void {
    this.failure = error;
    for (let p = 0; p < this.pending.length; p++) {
      const queue = this.pending[p];
      for (let i = this.pendingHead[p]; i < queue.length; i++) queue[i].reject(error);
      queue.length = 0;
      this.pendingHead[p] = 0;
      for (const entry of this.blocked[p]) entry.reject(error);
      this.blocked[p].length = 0;
    }
    if (this.pendingTotal > 0) this.handle.unref();
    this.pendingTotal = 0;
  }

  /** Durable LSN per partition (-1 when empty). */
  durableLsns(): number[] {
    if (this.closed) throw new WalError('WAL_CLOSED', 'the log is closed');
    return this.handle.durable();
  }

  status(): WalStatus {
    if (this.closed) throw new WalError('WAL_CLOSED', 'the log is closed');
    const s = this.handle.status();
    const failure = this.handle.failure();
    return {
      ioMode: s.ioMode,
      direct: this.report.direct,
      failed: s.failed,
      failure: failure ? { code: failure.code, message: failure.message } : null,
      partitions: s.partitions,
    };
  }

  /** Verified records of a partition from `fromLsn`, up to the durable LSN, in batches. */
  async *scan(partition: number, fromLsn = 0, batchRecords = SCAN_BATCH_RECORDS, options: ScanOptions = {}): AsyncGenerator<RecordBatch> {
    const scanner = this.openScan(partition, fromLsn);
    const blocks = scanBlocks(options, batchRecords);
    yield* scanBatches(partition, (block) => this.nextBatch(scanner, partition, batchRecords, true, block), blocks);
  }

  /**
   * Verified records of a partition of the log in `dir` with LSNs in
   * [fromLsn, limitLsn), in batches, without opening the log: no lock, no
   * recovery, no writer. For a reader beside the process that writes (a
   * replay audit in a worker thread): the caller must know the records below
   * `limitLsn` are durable (a checkpoint names them), since a reader cannot
   * ask the writer for its durable LSN; a log that ends before the limit is
   * WAL_CORRUPT. `partitions`, when given, bounds the partition number.
   */
  static async *scanReadOnly(
    dir: string,
    partition: number,
    fromLsn: number,
    limitLsn: number,
    options: ScanOptions & { mirrorDir?: string; partitions?: number; batchRecords?: number } = {},
  ): AsyncGenerator<RecordBatch> {
    if (typeof dir !== 'string' || dir.length === 0) throw new WalError('WAL_INVALID_ARGUMENT', 'dir must be a non-empty string');
    const partitions = options.partitions ?? addon.limits.partitionsMax;
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new WalError('WAL_UNKNOWN_PARTITION', `partition ${String(partition)} does not exist`);
    }
    if (!Number.isInteger(fromLsn) || fromLsn < 0) throw new WalError('WAL_INVALID_ARGUMENT', 'fromLsn must be a whole number >= 0');
    if (!Number.isInteger(limitLsn) || limitLsn < 0) throw new WalError('WAL_INVALID_ARGUMENT', 'limitLsn must be a whole number >= 0');
    let scanner: ReturnType<typeof addon.scanOpen>;
    try {
      scanner = addon.scanOpen(dir, options.mirrorDir ?? null, partition, fromLsn);
    } catch (e) {
      throw WalError.from(e);
    }
    const batchRecords = options.batchRecords ?? SCAN_BATCH_RECORDS;
    const blocks = scanBlocks(options, batchRecords);
    const read = async (block: ArrayBuffer | undefined): Promise<NativeScanBatch> => {
      try {
        return await scanner.next(limitLsn, batchRecords, true, block);
      } catch (e) {
        throw WalError.from(e);
      }
    };
    yield* scanBatches(partition, read, blocks);
  }

  /** Reads and verifies a whole partition inside the addon: checksums, chain, order. */
  async verify(partition: number): Promise<{ records: number; bytes: number; healed: number }> {
    const scanner = this.openScan(partition, 0);
    let records = 0;
    let bytes = 0;
    let healed = 0;
    for (;;) {
      const batch = await this.nextBatch(scanner, partition, 65536, false);
      if (batch.count === 0) return { records, bytes, healed };
      records += batch.count;
      bytes += batch.payloadBytes;
      healed = batch.healed;
    }
  }

  private openScan(partition: number, fromLsn: number): ReturnType<typeof addon.scanOpen> {
    if (this.closed) throw new WalError('WAL_CLOSED', 'the log is closed');
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.pending.length) {
      throw new WalError('WAL_UNKNOWN_PARTITION', `partition ${String(partition)} does not exist`);
    }
    if (!Number.isInteger(fromLsn) || fromLsn < 0) throw new WalError('WAL_INVALID_ARGUMENT', 'fromLsn must be a whole number >= 0');
    return addon.scanOpen(this.dir, this.options.mirrorDir ?? null, partition, fromLsn);
  }

  private async nextBatch(
    scanner: ReturnType<typeof addon.scanOpen>,
    partition: number,
    maxRecords: number,
    copy: boolean,
    block?: ArrayBuffer,
  ): Promise<NativeScanBatch> {
    if (this.closed) throw new WalError('WAL_CLOSED', 'the log is closed');
    const limit = this.handle.durable()[partition] + 1;
    try {
      return await scanner.next(limit, maxRecords, copy, block);
    } catch (e) {
      throw WalError.from(e);
    }
  }

  /** Flushes what was appended, settles every promise, stops the I/O thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.settle();
    this.closed = true;
    const { durable, failure } = await this.handle.close();
    const error = failure ? WalError.from(failure) : new WalError('WAL_CLOSED', 'the log was closed before this append was durable');
    for (let p = 0; p < this.pending.length; p++) {
      const queue = this.pending[p];
      for (let i = this.pendingHead[p]; i < queue.length; i++) {
        if (queue[i].lastLsn <= durable[p]) queue[i].resolve(queue[i].firstLsn);
        else queue[i].reject(error);
      }
      queue.length = 0;
      for (const entry of this.blocked[p]) entry.reject(new WalError('WAL_CLOSED', 'the log was closed'));
      this.blocked[p].length = 0;
    }
    this.pendingTotal = 0;
  }
}
