/**
 * Measurement primitives shared by the WAL benchmark and its peers:
 * the deterministic record set, latency recording, per-case results and targets.
 */

export const RECORD_BYTES = 256;
export const BATCH_RECORDS = 1_000;
const POOL_BATCHES = 64;
const SEED = 0x5eed_ba5e;

/**
 * A pool of deterministic pseudo-random records, generated once and cycled through
 * so every case (WAL and peers) writes exactly the same bytes in the same order.
 */
export class RecordSet {
  private readonly records: Buffer[];
  private readonly batches: Buffer[][];

  constructor() {
    const poolRecords = POOL_BATCHES * BATCH_RECORDS;
    const pool = Buffer.allocUnsafe(poolRecords * RECORD_BYTES);
    fillPseudoRandom(pool, SEED);
    this.records = Array.from({ length: poolRecords }, (_, i) =>
      pool.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES),
    );
    this.batches = Array.from({ length: POOL_BATCHES }, (_, b) =>
      this.records.slice(b * BATCH_RECORDS, (b + 1) * BATCH_RECORDS),
    );
  }

  /** Record number `index` of the benchmark stream. */
  record(index: number): Buffer {
    return this.records[index % this.records.length];
  }

  /** Batch number `index` of the benchmark stream: BATCH_RECORDS consecutive records. */
  batch(index: number): Buffer[] {
    return this.batches[index % this.batches.length];
  }
}

/** xorshift32, written little-endian word by word. */
function fillPseudoRandom(target: Buffer, seed: number): void {
  let state = seed >>> 0 || 1;
  for (let offset = 0; offset < target.length; offset += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    target.writeUInt32LE(state, offset);
  }
}

/** Ack latencies in microseconds, stored in a preallocated array (one slot per operation). */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  /**
   * Records the time elapsed since `startMs` (a `performance.now()` reading:
   * a double, where hrtime.bigint() allocated two BigInts per operation in
   * the loop being measured).
   */
  record(startMs: number): void {
    if (this.count === this.samples.length) throw new Error('LatencyRecorder capacity exceeded');
    this.samples[this.count++] = (performance.now() - startMs) * 1e3;
  }

  percentiles(): { p50: number; p99: number } | null {
    if (this.count === 0) return null;
    const sorted = this.samples.slice(0, this.count).sort();
    return { p50: nearestRank(sorted, 0.5), p99: nearestRank(sorted, 0.99) };
  }
}

function nearestRank(sorted: Float64Array, quantile: number): number {
  return sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)];
}

export function elapsedSeconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

export interface Measurement {
  records: number;
  bytes: number;
  seconds: number;
  /** Absent where per-operation latency is not meaningful (replay). */
  latencies?: LatencyRecorder;
}

export interface CaseResult {
  name: string;
  records: number;
  bytes: number;
  seconds: number;
  records_per_s: number;
  mb_per_s: number;
  p50_us: number | null;
  p99_us: number | null;
}

export function summarize(name: string, m: Measurement): CaseResult {
  const latency = m.latencies?.percentiles() ?? null;
  return {
    name,
    records: m.records,
    bytes: m.bytes,
    seconds: round(m.seconds, 4),
    records_per_s: Math.round(m.records / m.seconds),
    mb_per_s: round(m.bytes / m.seconds / 1e6, 2),
    p50_us: latency && round(latency.p50, 1),
    p99_us: latency && round(latency.p99, 1),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Throughput ratios reported in the "vs peer" column (records/s of `subject` over `peer`). */
export const PEER_COMPARISONS: ReadonlyArray<{ subject: string; peer: string }> = [
  { subject: 'wal.concurrent_single', peer: 'peer.fs_per_record' },
  { subject: 'wal.concurrent_single', peer: 'peer.sqlite_per_record' },
  { subject: 'wal.batched', peer: 'peer.fs_batched' },
  { subject: 'wal.batched', peer: 'peer.sqlite_batched' },
];

export function throughputRatio(results: CaseResult[], subject: string, peer: string): number | null {
  const s = results.find((r) => r.name === subject);
  const p = results.find((r) => r.name === peer);
  return s && p ? round(s.records_per_s / p.records_per_s, 2) : null;
}

export interface TargetResult {
  name: string;
  actual: number | null;
  op: '>=' | '<=';
  threshold: number;
  /** null when a case the target depends on was not run. */
  pass: boolean | null;
}

interface TargetSpec {
  name: string;
  op: '>=' | '<=';
  threshold: number;
  actual(results: CaseResult[]): number | null;
}

const metric =
  (caseName: string, pick: (r: CaseResult) => number | null) =>
  (results: CaseResult[]): number | null => {
    const r = results.find((x) => x.name === caseName);
    return r ? pick(r) : null;
  };

const ratio =
  (subject: string, peer: string) =>
  (results: CaseResult[]): number | null =>
    throughputRatio(results, subject, peer);

const TARGETS: TargetSpec[] = [
  {
    name: 'wal.concurrent_single / peer.fs_per_record (records/s ratio)',
    op: '>=',
    threshold: 100,
    actual: ratio('wal.concurrent_single', 'peer.fs_per_record'),
  },
  {
    name: 'wal.concurrent_single / peer.sqlite_per_record (records/s ratio)',
    op: '>=',
    threshold: 20,
    actual: ratio('wal.concurrent_single', 'peer.sqlite_per_record'),
  },
  {
    name: 'wal.batched / peer.fs_batched (records/s ratio)',
    op: '>=',
    threshold: 1.5,
    actual: ratio('wal.batched', 'peer.fs_batched'),
  },
  {
    name: 'wal.batched / peer.sqlite_batched (records/s ratio)',
    op: '>=',
    threshold: 3,
    actual: ratio('wal.batched', 'peer.sqlite_batched'),
  },
  {
    name: 'wal.single_latency p99 (us)',
    op: '<=',
    threshold: 500,
    actual: metric('wal.single_latency', (r) => r.p99_us),
  },
  {
    name: 'wal.replay_native (MB/s, 1 MB = 1e6 bytes)',
    op: '>=',
    threshold: 1_000,
    actual: metric('wal.replay_native', (r) => r.mb_per_s),
  },
  {
    name: 'wal.replay_js (records/s)',
    op: '>=',
    threshold: 3e6,
    actual: metric('wal.replay_js', (r) => r.records_per_s),
  },
];

export function evaluateTargets(results: CaseResult[]): TargetResult[] {
  return TARGETS.map(({ name, op, threshold, actual }) => {
    const value = actual(results);
    const pass = value === null ? null : op === '>=' ? value >= threshold : value <= threshold;
    return { name, actual: value, op, threshold, pass };
  });
}
