/**
 * Benchmarks the native WAL against equally durable peers (fs + fdatasync, SQLite WAL
 * mode with synchronous=FULL), on the same records, in a fresh scratch directory.
 *
 *   --json           print exactly one JSON object { results, targets } on stdout
 *   --dir <parent>   create the scratch directory there (default: os.tmpdir())
 *   --records <n>    records of wal.concurrent_single, and total of the batched cases (default 1,000,000)
 *   --quick          tiny counts, for a smoke run
 *   --only <a,b,..>  run only the named cases
 *
 * Progress goes to stderr; stdout carries the report (a table, or one JSON object with
 * --json). Missed targets are reported, never turned into a failing exit code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Wal as WalClass } from '@app/wal';
import { UsageError, runCli } from './cli';
import { fsBatched, fsPerRecord, sqliteBatched, sqlitePerRecord } from './peers';
import {
  BATCH_RECORDS,
  CaseResult,
  LatencyRecorder,
  Measurement,
  PEER_COMPARISONS,
  RECORD_BYTES,
  RecordSet,
  TargetResult,
  elapsedSeconds,
  evaluateTargets,
  summarize,
  throughputRatio,
} from './stats';

const CASE_NAMES = [
  'wal.concurrent_single',
  'wal.batched',
  'wal.single_latency',
  'wal.replay_native',
  'wal.replay_js',
  'wal.replay_js_owned',
  'peer.fs_per_record',
  'peer.fs_batched',
  'peer.sqlite_per_record',
  'peer.sqlite_batched',
] as const;
type CaseName = (typeof CASE_NAMES)[number];

type Wal = Awaited<ReturnType<typeof WalClass.open>>;

const CONCURRENT_WORKERS = 1_024;

interface Config {
  json: boolean;
  /** The run's scratch directory is created (and removed) inside this directory. */
  parentDir: string;
  cases: readonly CaseName[];
  /** Records appended by wal.concurrent_single; wal.batched and the batched peers write as many, in whole batches. */
  records: number;
  perRecordPeerRecords: number;
  singleLatencyAppends: number;
}

const DEFAULT_COUNTS = { records: 1_000_000, perRecordPeerRecords: 5_000, singleLatencyAppends: 5_000 };
const QUICK_COUNTS = { records: 20_000, perRecordPeerRecords: 200, singleLatencyAppends: 200 };

const USAGE = 'usage: wal-bench [--json] [--dir <parent>] [--records <n>] [--quick] [--only <case,...>]';


function parseConfig(argv: string[]): Config {
  const { values } = parseCommandLine(argv);
  const counts = values.quick ? QUICK_COUNTS : DEFAULT_COUNTS;
  return {
    json: values.json,
    parentDir: path.resolve(values.dir),
    cases: values.only === undefined ? CASE_NAMES : parseCaseList(values.only),
    records: values.records === undefined ? counts.records : parsePositiveInt('--records', values.records),
    perRecordPeerRecords: counts.perRecordPeerRecords,
    singleLatencyAppends: counts.singleLatencyAppends,
  };
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        dir: { type: 'string', default: os.tmpdir() },
        records: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseCaseList(list: string): CaseName[] {
  const wanted = list.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !(CASE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown case(s) ${unknown.join(', ')}; known: ${CASE_NAMES.join(', ')}`);
  }
  return CASE_NAMES.filter((name) => wanted.includes(name));
}

function parsePositiveInt(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`${option} must be a positive integer, got ${text}`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[wal-bench] ${message}\n`);
}

/** The WAL under test, opened lazily so peer-only runs never load the native addon. */
class WalFixture {
  /** Records acknowledged during this run: what a full replay must find. */
  appended = 0;

  private constructor(
    readonly wal: Wal,
    readonly partitions: number,
  ) {}

  static async open(dir: string, coalesceWakes: boolean): Promise<WalFixture> {
    const walModule = await import('@app/wal');
    fs.mkdirSync(dir);
    const wal = await walModule.Wal.open(dir, { coalesceWakes });
    const status = wal.status();
    progress(`WAL opened at ${dir}: ${status.partitions.length} partitions, ioMode=${status.ioMode}, direct=${status.direct}, coalesceWakes=${coalesceWakes}`);
    return new WalFixture(wal, status.partitions.length);
  }

  checkReplayed(caseName: string, records: number): void {
    if (records !== this.appended) {
      progress(`WARNING ${caseName} replayed ${records} records, expected ${this.appended}`);
    }
  }
}

async function concurrentSingle(fx: WalFixture, data: RecordSet, total: number): Promise<Measurement> {
  const latencies = new LatencyRecorder(total);
  let next = 0;
  const worker = async (partition: number): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      await fx.wal.append(partition, data.record(i));
      latencies.record(t0);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENT_WORKERS }, (_, w) => worker(w % fx.partitions)));
  const seconds = elapsedSeconds(start);
  fx.appended += total;
  return { records: total, bytes: total * RECORD_BYTES, seconds, latencies };
}

/** One batch appender per partition, each appending whole batches until `batches` are written. */
async function batched(fx: WalFixture, data: RecordSet, batches: number): Promise<Measurement> {
  const latencies = new LatencyRecorder(batches);
  let next = 0;
  let records = 0;
  const appender = async (partition: number): Promise<void> => {
    for (let b = next++; b < batches; b = next++) {
      const batch = data.batch(b);
      const t0 = performance.now();
      await fx.wal.appendBatch(partition, batch);
      latencies.record(t0);
      records += batch.length;
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: fx.partitions }, (_, p) => appender(p)));
  const seconds = elapsedSeconds(start);
  fx.appended += records;
  return { records, bytes: records * RECORD_BYTES, seconds, latencies };
}

async function singleLatency(fx: WalFixture, data: RecordSet, count: number): Promise<Measurement> {
  const latencies = new LatencyRecorder(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fx.wal.append(i % fx.partitions, data.record(i));
    latencies.record(t0);
  }
  const seconds = elapsedSeconds(start);
  fx.appended += count;
  return { records: count, bytes: count * RECORD_BYTES, seconds, latencies };
}

async function replayNative(fx: WalFixture): Promise<Measurement> {
  let records = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  // Partitions are independent logs: a replay reads them side by side, as the audit does.
  const verified = await Promise.all(Array.from({ length: fx.partitions }, (_, p) => fx.wal.verify(p)));
  for (const v of verified) {
    records += v.records;
    bytes += v.bytes;
  }
  const seconds = elapsedSeconds(start);
  fx.checkReplayed('wal.replay_native', records);
  return { records, bytes, seconds };
}

/**
 * Every record into JS, partitions side by side. reuseBlocks: the way the
 * replay audit reads: payloads copied into three blocks per scan in turn;
 * otherwise (wal.replay_js_owned, the way the read model's catch-up reads, as
 * it keeps payloads across batches) into a new block per batch.
 */
async function replayJs(fx: WalFixture, reuseBlocks: boolean): Promise<Measurement> {
  let records = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const readPartition = async (p: number): Promise<void> => {
    for await (const batch of fx.wal.scan(p, 0, undefined, { reuseBlocks })) {
      for (const rec of batch) {
        records++;
        bytes += rec.payload.length;
      }
    }
  };
  await Promise.all(Array.from({ length: fx.partitions }, (_, p) => readPartition(p)));
  const seconds = elapsedSeconds(start);
  fx.checkReplayed(reuseBlocks ? 'wal.replay_js' : 'wal.replay_js_owned', records);
  return { records, bytes, seconds };
}

/** State shared by the cases of one run: config, records, scratch directory and the WAL. */
class BenchRun {
  readonly data = new RecordSet();
  /** The WAL's default mode: batched, single_latency, and the replays read it. */
  private fixture: Promise<WalFixture> | null = null;
  /**
   * concurrent_single's own WAL, opened as the ledger opens it (WalLog:
   * coalesceWakes, the appends of one event-loop turn share a flush). A lone
   * sequential appender has nothing to share a flush with, and waiting for
   * the turn's end only adds to its latency: single_latency keeps the default.
   */
  private coalesced: Promise<WalFixture> | null = null;

  private readonly runners: Record<CaseName, () => Promise<Measurement> | Measurement> = {
    'wal.concurrent_single': async () => concurrentSingle(await this.coalescedWal(), this.data, this.config.records),
    'wal.batched': async () => batched(await this.wal(), this.data, this.batchCount()),
    'wal.single_latency': async () => singleLatency(await this.wal(), this.data, this.config.singleLatencyAppends),
    'wal.replay_native': async () => replayNative(await this.walWithData()),
    'wal.replay_js': async () => replayJs(await this.walWithData(), true),
    'wal.replay_js_owned': async () => replayJs(await this.walWithData(), false),
    'peer.fs_per_record': () => fsPerRecord(this.file('fs_per_record.log'), this.data, this.config.perRecordPeerRecords),
    'peer.fs_batched': () => fsBatched(this.file('fs_batched.log'), this.data, this.batchCount()),
    'peer.sqlite_per_record': () =>
      sqlitePerRecord(this.file('sqlite_per_record.db'), this.data, this.config.perRecordPeerRecords),
    'peer.sqlite_batched': () => sqliteBatched(this.file('sqlite_batched.db'), this.data, this.batchCount()),
  };

  constructor(
    readonly config: Config,
    readonly workDir: string,
  ) {}

  async runAll(): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    for (const name of this.config.cases) {
      progress(`running ${name}`);
      const result = summarize(name, await this.runners[name]());
      progress(`  ${result.records} records in ${result.seconds} s: ${result.records_per_s} records/s`);
      results.push(result);
    }
    return results;
  }

  async close(): Promise<void> {
    // A failed open has already surfaced through the case that triggered it.
    for (const fixture of [this.fixture, this.coalesced]) {
      const fx = await fixture?.catch(() => null);
      await fx?.wal.close();
    }
  }

  private wal(): Promise<WalFixture> {
    this.fixture ??= WalFixture.open(this.file('wal'), false);
    return this.fixture;
  }

  private coalescedWal(): Promise<WalFixture> {
    this.coalesced ??= WalFixture.open(this.file('wal-coalesced'), true);
    return this.coalesced;
  }

  /**
   * The WAL a replay reads, topped up (untimed, with the batched workload) to
   * twice --records: what a full run's write cases used to leave in one log,
   * so a replay is long enough that its first, cold reads do not dominate.
   */
  private async walWithData(): Promise<WalFixture> {
    const fx = await this.wal();
    const missing = 2 * this.config.records - fx.appended;
    if (missing > 0) {
      const batches = Math.ceil(missing / BATCH_RECORDS);
      progress(`  seeding the WAL with ${batches} batches for replay`);
      await batched(fx, this.data, batches);
    }
    return fx;
  }

  private batchCount(): number {
    return Math.ceil(this.config.records / BATCH_RECORDS);
  }

  private file(name: string): string {
    return path.join(this.workDir, name);
  }
}

function renderTable(results: CaseResult[]): string {
  const header = ['name', 'records', 'records/s', 'MB/s', 'p50 us', 'p99 us', 'vs peer'];
  const rows = results.map((r) => [
    r.name,
    r.records.toLocaleString('en-US'),
    r.records_per_s.toLocaleString('en-US'),
    r.mb_per_s.toFixed(1),
    r.p50_us?.toFixed(1) ?? '-',
    r.p99_us?.toFixed(1) ?? '-',
    peerRatios(results, r.name),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, col) => (col === 0 || col === cells.length - 1 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function peerRatios(results: CaseResult[], subject: string): string {
  return PEER_COMPARISONS.filter((c) => c.subject === subject)
    .flatMap(({ peer }) => {
      const ratio = throughputRatio(results, subject, peer);
      return ratio === null ? [] : [`${ratio}x ${peer}`];
    })
    .join(', ');
}

function renderTargets(targets: TargetResult[]): string {
  const verdict = (t: TargetResult): string => (t.pass === null ? 'SKIP' : t.pass ? 'PASS' : 'FAIL');
  const detail = (t: TargetResult): string =>
    t.actual === null ? `(not run) ${t.op} ${t.threshold}` : `${t.actual} ${t.op} ${t.threshold}`;
  return ['targets:', ...targets.map((t) => `  ${verdict(t)}  ${t.name}: ${detail(t)}`)].join('\n');
}

function report(config: Config, results: CaseResult[], targets: TargetResult[]): void {
  const output = config.json
    ? JSON.stringify({ results, targets }, null, 2)
    : `${renderTable(results)}\n\n${renderTargets(targets)}`;
  process.stdout.write(`${output}\n`);
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(config.parentDir, 'wal-bench-'));
  progress(`scratch directory ${workDir}`);
  const run = new BenchRun(config, workDir);
  try {
    const results = await run.runAll();
    report(config, results, evaluateTargets(results));
  } finally {
    await run.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

runCli(main, USAGE, progress);
