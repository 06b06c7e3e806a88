/**
 * The child of the SIGKILL crash test (test/wal/crash.test.ts).
 *
 *   node dist/apps/wal-cli/src/crash-child.js <dir> <partitions> [seed]
 *
 * Opens (or creates) the log, prints `READY <ioMode> <direct 0|1> <nextLsn,...>`,
 * then appends forever from several concurrent appenders: single appends and
 * atomic batches of 1-5 records, payloads of 1..2000 bytes. After an append's
 * promise resolved it prints `A <partition> <firstLsn> <count> <batchSeq>`;
 * nothing else is ever acknowledged. Errors go to stderr as `E <code> <message>`
 * and end the process with a non-zero code.
 *
 * Every payload describes itself so the parent can check each byte without the
 * acks (see encodeRecord / checkRecord, shared with the test).
 */
import * as fs from 'node:fs';
import { Wal, WalError } from '@app/wal';

// ---------------------------------------------------------------- payload codec

/**
 * Payload of HEADER_BYTES or more bytes, little-endian:
 *   0  u8  partition
 *   1  u8  index in batch << 4 | batch size (1..5)
 *   2  u16 run tag (one per child process)
 *   4  u32 batch sequence number (per child process)
 *   8  u32 sequence number = the record's LSN, predicted by the child
 *  12  u32 payload length
 *  16  body: a stream derived from all of the above
 * A payload shorter than HEADER_BYTES is always a lone single append, and is
 * the first bytes of a stream derived from (partition, LSN, length).
 */
export const HEADER_BYTES = 16;
export const PAYLOAD_MAX = 2000;
export const BATCH_MAX = 5;

export interface RecordFields {
  partition: number;
  lsn: number;
  index: number;
  size: number;
  runTag: number;
  batchSeq: number;
  length: number;
}

/** What a valid payload says about itself; `small` records carry no batch fields. */
export type Decoded = { small: true } | { small: false; index: number; size: number; runTag: number; batchSeq: number };

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

function fillStream(out: Buffer, from: number, seed: number): void {
  let x = seed >>> 0 || 0x6d2b79f5;
  let at = from;
  for (; at + 4 <= out.length; at += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, at);
  }
  for (; at < out.length; at++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[at] = x & 0xff;
  }
}

function bodySeed(f: RecordFields): number {
  let h = 0x811c9dc5;
  for (const v of [f.partition, f.lsn, f.index, f.size, f.runTag, f.batchSeq, f.length]) h = mix(h, v);
  return h;
}

export function encodeSmall(partition: number, lsn: number, length: number): Buffer {
  if (length < 1 || length >= HEADER_BYTES) throw new RangeError(`small payloads are 1..${HEADER_BYTES - 1} bytes`);
  const out = Buffer.allocUnsafe(length);
  fillStream(out, 0, mix(mix(mix(0x2545f491, partition), lsn), length));
  return out;
}

export function encodeRecord(f: RecordFields): Buffer {
  if (f.length < HEADER_BYTES || f.length > PAYLOAD_MAX) throw new RangeError(`payload length ${f.length} out of range`);
  const out = Buffer.allocUnsafe(f.length);
  out[0] = f.partition;
  out[1] = (f.index << 4) | f.size;
  out.writeUInt16LE(f.runTag, 2);
  out.writeUInt32LE(f.batchSeq >>> 0, 4);
  out.writeUInt32LE(f.lsn >>> 0, 8);
  out.writeUInt32LE(f.length, 12);
  fillStream(out, HEADER_BYTES, bodySeed(f));
  return out;
}

/** Decodes the payload found at (partition, lsn) and checks every byte; a string says what is wrong. */
export function checkRecord(partition: number, lsn: number, payload: Buffer): Decoded | string {
  const length = payload.length;
  if (length < 1 || length > PAYLOAD_MAX) return `payload length ${length} out of range`;
  if (length < HEADER_BYTES) {
    return payload.equals(encodeSmall(partition, lsn, length)) ? { small: true } : 'small payload bytes differ';
  }
  const f: RecordFields = {
    partition: payload[0],
    index: payload[1] >> 4,
    size: payload[1] & 0x0f,
    runTag: payload.readUInt16LE(2),
    batchSeq: payload.readUInt32LE(4),
    lsn: payload.readUInt32LE(8),
    length: payload.readUInt32LE(12),
  };
  if (f.partition !== partition) return `header says partition ${f.partition}`;
  if (f.lsn !== lsn >>> 0) return `header says lsn ${f.lsn}`;
  if (f.length !== length) return `header says length ${f.length}, payload has ${length}`;
  if (f.size < 1 || f.size > BATCH_MAX || f.index >= f.size) return `bad batch position ${f.index}/${f.size}`;
  if (!payload.equals(encodeRecord({ ...f, lsn }))) return 'payload bytes differ from what its header predicts';
  return { small: false, index: f.index, size: f.size, runTag: f.runTag, batchSeq: f.batchSeq };
}

/** The run tag a child with this seed writes into its records. */
export function runTagOf(seed: number): number {
  return mix(0x1b873593, seed) & 0xffff;
}

// ---------------------------------------------------------------- the child

/** mulberry32: small, seeded, good enough for choosing sizes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Segment size of a log the child creates: small, so crashes also hit segment rollover. */
const SEGMENT_BYTES = 1 << 20;
const APPENDERS_PER_PARTITION = 2;

/** Lines written with fs.writeSync once the current burst of completions settled. */
class AckWriter {
  private lines: string[] = [];
  private scheduled = false;

  push(line: string): void {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    writeAll(1, this.lines.join(''));
    this.lines = [];
  }
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  let at = 0;
  while (at < data.length) {
    try {
      at += fs.writeSync(fd, data, at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      process.exit(code === 'EPIPE' ? 0 : 1); // the parent is gone
    }
  }
}

function fail(error: unknown): never {
  const code = error instanceof WalError ? error.code : 'CHILD';
  writeAll(2, `E ${code} ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

interface ChildState {
  wal: Wal;
  rand: () => number;
  nextLsn: number[];
  batchSeq: number;
  runTag: number;
  acks: AckWriter;
}

function payloadLength(rand: () => number, allowSmall: boolean): number {
  if (allowSmall && rand() < 0.05) return 1 + Math.floor(rand() * (HEADER_BYTES - 1));
  return HEADER_BYTES + Math.floor(rand() * (PAYLOAD_MAX - HEADER_BYTES + 1));
}

function buildBatch(s: ChildState, partition: number, size: number, batchSeq: number, first: number): Buffer[] {
  const records: Buffer[] = [];
  for (let index = 0; index < size; index++) {
    const length = payloadLength(s.rand, size === 1);
    const lsn = first + index;
    records.push(
      length < HEADER_BYTES
        ? encodeSmall(partition, lsn, length)
        : encodeRecord({ partition, lsn, index, size, runTag: s.runTag, batchSeq, length }),
    );
  }
  return records;
}

async function appendOne(s: ChildState, partition: number): Promise<void> {
  const single = s.rand() < 0.5;
  const size = single ? 1 : 1 + Math.floor(s.rand() * BATCH_MAX);
  const batchSeq = s.batchSeq++;
  // LSNs are handed out in call order, so the child knows them in advance.
  const first = s.nextLsn[partition];
  s.nextLsn[partition] += size;
  const records = buildBatch(s, partition, size, batchSeq, first);
  const got = single ? await s.wal.append(partition, records[0]) : (await s.wal.appendBatch(partition, records))[0];
  if (got !== first) throw new Error(`partition ${partition}: expected LSN ${first}, got ${got}`);
  s.acks.push(`A ${partition} ${got} ${size} ${batchSeq}\n`);
}

async function appender(s: ChildState, partition: number): Promise<never> {
  for (;;) await appendOne(s, partition);
}

async function main(argv: string[]): Promise<void> {
  const [dir, partitionsArg, seedArg] = argv;
  const partitions = Number(partitionsArg);
  const seed = seedArg === undefined ? Date.now() >>> 0 : Number(seedArg) >>> 0;
  if (!dir || !Number.isInteger(partitions) || partitions < 1) {
    writeAll(2, 'usage: crash-child <dir> <partitions> [seed]\n');
    process.exit(64);
  }
  const wal = await Wal.open(dir, { partitions, segmentBytes: SEGMENT_BYTES });
  const status = wal.status();
  const nextLsn = status.partitions.map((p) => p.nextLsn);
  const s: ChildState = { wal, rand: prng(seed), nextLsn, batchSeq: 0, runTag: runTagOf(seed), acks: new AckWriter() };
  writeAll(1, `READY ${status.ioMode} ${status.direct ? 1 : 0} ${nextLsn.join(',')}\n`);
  // A safety net for an orphaned child: the parent kills it long before this.
  setTimeout(() => process.exit(3), 10 * 60_000).unref();
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < APPENDERS_PER_PARTITION; i++) appender(s, p).catch(fail);
  }
}

if (require.main === module) main(process.argv.slice(2)).catch(fail);
