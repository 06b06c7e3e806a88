// The shape of the compiled addon (native/addon/addon.cpp). Loaded once.
import * as path from 'path';

export interface NativeError extends Error {
  code: string;
  errno?: number;
}

export interface NativeDefect {
  torn: boolean;
  segment: number;
  offset: number;
  lsn: number;
  reason: string;
  recordsDropped: number;
  repaired: boolean;
}

export interface NativeRecovery {
  partition: number;
  nextLsn: number;
  segments: Array<{ firstLsn: number; records: number; usedBytes: number; sealed: boolean }>;
  defect: NativeDefect | null;
  error?: NativeError | null;
}

export interface NativeOpenReport {
  ioMode: 'io_uring' | 'sync';
  direct: boolean;
  created: boolean;
  notes: string[];
  partitions: NativeRecovery[];
}

export interface NativePartitionStatus {
  partition: number;
  /** Highest durable LSN, -1 when the partition is empty. */
  durableLsn: number;
  nextLsn: number;
  segmentFirstLsn: number;
  writeOffset: number;
  flushes: number;
}

export interface NativeWalHandle {
  /** `deferWake`: leave an idle I/O thread asleep until `kick()`. */
  append(partition: number, record: Uint8Array, deferWake?: boolean): number;
  appendBatch(partition: number, records: Uint8Array[], deferWake?: boolean): number;
  /** Wakes the I/O thread if an append deferred its wake. */
  kick(): void;
  durable(): number[];
  failure(): NativeError | null;
  status(): { ioMode: 'io_uring' | 'sync'; failed: boolean; partitions: NativePartitionStatus[] };
  ref(): void;
  unref(): void;
  close(): Promise<{ durable: number[]; failure: NativeError | null }>;
}

export interface NativeScanBatch {
  firstLsn: number;
  count: number;
  payloadBytes: number;
  healed: number;
  /** A view of the batch's block (the JS side wraps it as a Buffer without copying). */
  data?: Uint8Array;
  spans?: Uint32Array;
}

export interface NativeScanHandle {
  /**
   * `block`: an ArrayBuffer the payloads are copied into instead of a new
   * block per batch (8 bytes per record, one largest record, then at least
   * 64 KiB of payload room).
   */
  next(limitLsn: number, maxRecords: number, copyPayloads: boolean, block?: ArrayBuffer): Promise<NativeScanBatch>;
}

export interface NativeOpenOptions {
  dir: string;
  mirrorDir?: string;
  partitions?: number;
  segmentBytes?: number;
  ioMode?: 'auto' | 'io_uring' | 'sync';
  direct?: 'auto' | 'on' | 'off';
  create?: boolean;
  lockWaitMs?: number;
  faults?: Record<string, number>;
}

export interface NativeAddon {
  open(options: NativeOpenOptions, onDurable: () => void): Promise<{ handle: NativeWalHandle; report: NativeOpenReport }>;
  scanOpen(dir: string, mirrorDir: string | null, partition: number, fromLsn: number): NativeScanHandle;
  /** Bytes of a block for `next()` holding batches of `maxRecords` and about `payloadBytes` of payload (64 KiB to 4 MiB). */
  scanBlockBytes(maxRecords: number, payloadBytes: number): number;
  inspect(dir: string): Promise<{ partitions: number; segmentBytes: number; recovery: NativeRecovery[] }>;
  limits: { recordBytesMax: number; batchRecordsMax: number; partitionsMax: number; crc32cHardware: boolean };
}

function findRoot(): string {
  // Works from libs/wal/src (ts-jest) and dist/libs/wal/src (compiled).
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'build', 'native', 'bin', 'wal_addon.node');
    try {
      require.resolve(candidate);
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error('wal_addon.node not found: run `npm install` (it builds the addon)');
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const addon: NativeAddon = require(findRoot());
