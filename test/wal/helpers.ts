// Shared helpers of the WAL test suites: a seeded PRNG, temp directories, an
// independent reader of the on-disk frame format (native/core/format.h), file
// damage helpers, and a model of what was written.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Wal, WalError, WalErrorCode, WalOpenOptions } from '@app/wal';

export const KiB = 1024;
export const MiB = 1024 * 1024;
/** The smallest segment size: several segments with little data. */
export const SEGMENT_BYTES = MiB;

// ---------------------------------------------------------------------------
// Seeded PRNG (mulberry32): every random choice of a test comes from here, so a
// failure reproduces from the seed printed in its message.

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`Rng.int(${lo}, ${hi})`);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bytes(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    let i = 0;
    for (; i + 4 <= size; i += 4) out.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (; i < size; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** The seed of a suite: WAL_TEST_SEED overrides the fixed default (runs stay deterministic). */
export function suiteSeed(fallback: number): number {
  const env = process.env.WAL_TEST_SEED;
  if (env !== undefined && env !== '' && Number.isFinite(Number(env))) return Number(env) >>> 0;
  return fallback >>> 0;
}

// ---------------------------------------------------------------------------
// Temp directories, removed in afterEach/afterAll.

export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'wal-test-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Layout of a log directory (native/core/files.cpp).

export function segmentName(firstLsn: number): string {
  return `${String(firstLsn).padStart(20, '0')}.seg`;
}

export function partitionDir(dir: string, partition: number): string {
  return path.join(dir, `p${String(partition).padStart(3, '0')}`);
}

export function segmentPath(dir: string, partition: number, firstLsn: number): string {
  return path.join(partitionDir(dir, partition), segmentName(firstLsn));
}

/** First LSNs of a partition's segment files, ascending. */
export function listSegments(dir: string, partition: number): number[] {
  return fs
    .readdirSync(partitionDir(dir, partition))
    .filter((n) => /^\d{20}\.seg$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------
// CRC32C (Castagnoli), software, for an independent check of frames and for
// crafting frames that are valid on their own but wrong in context.

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------
// The frame format (native/core/format.h), read independently of the library.

export const FRAME_MAGIC = 0x4c41574c;
export const HEADER_BYTES = 32;
export const FLAG_BATCH_END = 1;
export const FLAG_PAD = 2;
export const BLOCK_BYTES = 4096;

export interface Frame {
  offset: number;
  /** Bytes of the whole frame (header + payload + alignment tail). */
  size: number;
  end: number;
  payloadSize: number;
  crc: number;
  prevCrc: number;
  lsn: number;
  flushOffset: number;
  /** First LSN of the flush that wrote the frame. */
  flushFirst: number;
  partition: number;
  pad: boolean;
  batchEnd: boolean;
}

export function frameBytes(payloadSize: number): number {
  return Math.ceil((HEADER_BYTES + payloadSize) / 8) * 8;
}

/** The CRC a frame must carry: CRC32C over [0,4) ++ [8, 32 + payload). */
export function frameCrc(frame: Buffer, payloadSize: number): number {
  return crc32c(frame.subarray(8, HEADER_BYTES + payloadSize), crc32c(frame.subarray(0, 4)));
}

/**
 * Every frame of a segment file from offset 0 until a zero header (the end of
 * the log in the segment). Throws on anything that is not a valid frame: the
 * suites only parse files they have not damaged yet.
 */
export function parseFrames(data: Buffer, partition: number): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= data.length) {
    const header = data.subarray(at, at + HEADER_BYTES);
    if (header.every((b) => b === 0)) break;
    const magic = header.readUInt32LE(0);
    const payloadSize = header.readUInt32LE(12);
    const size = frameBytes(payloadSize);
    if (magic !== FRAME_MAGIC || at + size > data.length) throw new Error(`no frame at offset ${at}`);
    const frame: Frame = {
      offset: at,
      size,
      end: at + size,
      payloadSize,
      crc: header.readUInt32LE(4),
      prevCrc: header.readUInt32LE(8),
      lsn: Number(header.readBigUInt64LE(16)),
      flushOffset: header.readUInt32LE(24),
      flushFirst: 0,
      partition: header.readUInt16LE(28),
      pad: (header[31] & FLAG_PAD) !== 0,
      batchEnd: (header[31] & FLAG_BATCH_END) !== 0,
    };
    frame.flushFirst = frame.lsn - frame.flushOffset;
    if (frame.partition !== partition) throw new Error(`frame of partition ${frame.partition} at offset ${at}`);
    if (frameCrc(data.subarray(at, at + size), payloadSize) !== frame.crc) throw new Error(`bad crc at offset ${at}`);
    frames.push(frame);
    at += size;
  }
  return frames;
}

export function readSegmentFrames(dir: string, partition: number, firstLsn: number): Frame[] {
  return parseFrames(fs.readFileSync(segmentPath(dir, partition, firstLsn)), partition);
}

// ---------------------------------------------------------------------------
// Damage.

export function flipBit(file: string, offset: number, bit: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    if (fs.readSync(fd, b, 0, 1, offset) !== 1) throw new Error(`offset ${offset} is past the end of ${file}`);
    b[0] ^= 1 << bit;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeAt(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export function readAt(file: string, offset: number, size: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(size);
    const n = fs.readSync(fd, b, 0, size, offset);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Path -> sha256 of every file under dir: proves a refused open wrote nothing. */
export function snapshotDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

// ---------------------------------------------------------------------------
// Errors.

/** Awaits a promise (or runs a function) that must fail with a WalError of `code`. */
export async function expectWalError(
  action: Promise<unknown> | (() => unknown),
  code: WalErrorCode,
  context = '',
): Promise<WalError> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    const value = typeof action === 'function' ? await action() : await action;
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) throw new Error(`${context} expected ${code}, but it succeeded with ${String(outcome.value)}`);
  const error = outcome.error;
  if (!(error instanceof WalError)) throw new Error(`${context} expected a WalError ${code}, got ${String(error)}`);
  if (error.code !== code) throw new Error(`${context} expected ${code}, got ${error.code}: ${error.message}`);
  return error;
}

// ---------------------------------------------------------------------------
// Reading back.

export async function readPartition(wal: Wal, partition: number, fromLsn = 0, batchRecords?: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let expectLsn = fromLsn;
  for await (const batch of wal.scan(partition, fromLsn, batchRecords)) {
    for (const record of batch) {
      if (record.lsn !== expectLsn) throw new Error(`scan of partition ${partition}: lsn ${record.lsn}, expected ${expectLsn}`);
      expectLsn++;
      out.push(Buffer.from(record.payload));
    }
  }
  return out;
}

/** Opens the log, reads every partition, closes it. */
export async function readLog(dir: string, options: WalOpenOptions = {}): Promise<{ records: Buffer[][]; wal: Wal }> {
  const wal = await Wal.open(dir, options);
  try {
    const records: Buffer[][] = [];
    for (let p = 0; p < wal.partitions; p++) records.push(await readPartition(wal, p));
    return { records, wal };
  } finally {
    await wal.close();
  }
}

/** Index of the first differing record, or -1 when equal. */
export function firstMismatch(actual: Buffer[], expected: Buffer[]): number {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) if (!actual[i].equals(expected[i])) return i;
  return actual.length === expected.length ? -1 : n;
}

/** Throws with a readable message unless the two lists of payloads are equal. */
export function expectRecords(actual: Buffer[], expected: Buffer[], context: string): void {
  const at = firstMismatch(actual, expected);
  if (at >= 0) {
    throw new Error(
      `${context}: ${actual.length} records read, ${expected.length} expected; first difference at lsn ${at}` +
        (at < actual.length && at < expected.length
          ? ` (read ${actual[at].length} bytes, expected ${expected[at].length} bytes)`
          : ''),
    );
  }
}

// ---------------------------------------------------------------------------
// A model of a log: the payload of every LSN and where the batches end.

export class LogModel {
  readonly records: Buffer[][];
  /** Per partition, the LSNs that end an appended batch. */
  readonly batchEnds: Set<number>[];

  constructor(readonly partitions: number) {
    this.records = Array.from({ length: partitions }, () => []);
    this.batchEnds = Array.from({ length: partitions }, () => new Set<number>());
  }

  add(partition: number, firstLsn: number, payloads: Buffer[]): void {
    const list = this.records[partition];
    if (firstLsn !== list.length) throw new Error(`partition ${partition}: batch got lsn ${firstLsn}, expected ${list.length}`);
    list.push(...payloads);
    this.batchEnds[partition].add(list.length - 1);
  }
}

/**
 * Writes random batches (1..maxBatch records of 0..maxPayload bytes) to every
 * partition until each holds at least `bytesPerPartition` of payload. Batches
 * go out in concurrent waves so group commit packs several into one flush.
 */
export async function writeRandomLog(
  wal: Wal,
  rng: Rng,
  model: LogModel,
  options: { bytesPerPartition: number; maxBatch?: number; maxPayload?: number; maxWave?: number },
): Promise<void> {
  const maxBatch = options.maxBatch ?? 12;
  const maxPayload = options.maxPayload ?? 3000;
  const maxWave = options.maxWave ?? 6;
  const written = new Array<number>(model.partitions).fill(0);
  while (written.some((b) => b < options.bytesPerPartition)) {
    const wave: Promise<void>[] = [];
    for (let p = 0; p < model.partitions; p++) {
      if (written[p] >= options.bytesPerPartition) continue;
      const batches = rng.int(1, maxWave);
      for (let b = 0; b < batches; b++) {
        const payloads = Array.from({ length: rng.int(1, maxBatch) }, () => rng.bytes(rng.int(0, maxPayload)));
        for (const x of payloads) written[p] += x.length;
        const first = model.records[p].length;
        // The model is filled in submission order; the LSNs must agree.
        model.add(p, first, payloads);
        wave.push(
          wal.appendBatch(p, payloads).then((lsns) => {
            if (lsns[0] !== first || lsns.length !== payloads.length) {
              throw new Error(`partition ${p}: batch submitted at lsn ${first} resolved with ${lsns[0]}..`);
            }
          }),
        );
      }
    }
    await Promise.all(wave);
  }
}

/** Runs `fn`; a failure's message is prefixed with `context` (seed, round, what was done). */
export async function withContext<T>(context: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error) error.message = `${context}\n${error.message}`;
    throw error;
  }
}

/** Settles every promise; returns ok values and errors in submission order. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<Array<{ ok: true; value: T } | { ok: false; error: unknown }>> {
  const results = await Promise.allSettled(promises);
  return results.map((r) => (r.status === 'fulfilled' ? { ok: true as const, value: r.value } : { ok: false as const, error: r.reason }));
}
