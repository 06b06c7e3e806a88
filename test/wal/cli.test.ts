/**
 * The operator CLI (dist/apps/wal-cli/src/main.js) run as a separate process
 * against logs built here with the binding, then damaged on purpose.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Wal } from '@app/wal';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'apps', 'wal-cli', 'src', 'main.js');
const SEGMENT_BYTES = 1 << 20;
const HEADER_BYTES = 32;
const FLAG_PAD = 2;

/** Records written per partition: p0 spans several segments, p2 stays empty. */
const WRITTEN = [3000, 10, 0];
const P0_RECORD_BYTES = 700;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface SegmentJson {
  file: string;
  path: string;
  firstLsn: number;
  records: number;
  usedBytes: number;
  sealed: boolean;
}

interface PartitionJson {
  partition: number;
  records: number;
  lastLsn: number;
  verdict: 'ok' | 'torn' | 'corrupt';
  detail: string | null;
  segments: SegmentJson[];
}

interface ReportJson {
  dir: string;
  segmentBytes: number;
  verdict: string;
  partitions: PartitionJson[];
  exitCode?: number;
}

function cli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: CliResult): ReportJson {
  try {
    return JSON.parse(r.stdout) as ReportJson;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

function payload(partition: number, lsn: number, size: number): Buffer {
  const b = Buffer.alloc(size, (partition * 31 + lsn) & 0xff);
  b.writeUInt32LE(lsn, 0);
  return b;
}

async function buildLog(dir: string): Promise<string> {
  const wal = await Wal.open(dir, { partitions: WRITTEN.length, segmentBytes: SEGMENT_BYTES });
  try {
    for (let lsn = 0; lsn < WRITTEN[0]; lsn += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => payload(0, lsn + i, P0_RECORD_BYTES));
      await wal.appendBatch(0, batch);
    }
    for (let lsn = 0; lsn < WRITTEN[1]; lsn++) await wal.append(1, payload(1, lsn, 100 + lsn));
    return wal.status().ioMode;
  } finally {
    await wal.close();
  }
}

function segmentPath(dir: string, partition: number, firstLsn: number): string {
  return path.join(dir, `p${String(partition).padStart(3, '0')}`, `${String(firstLsn).padStart(20, '0')}.seg`);
}

/** Offsets of the record frames (pads skipped) at the start of a segment file. */
function recordOffsets(file: string, count: number): number[] {
  const data = fs.readFileSync(file);
  const offsets: number[] = [];
  for (let at = 0; offsets.length < count && at + HEADER_BYTES <= data.length; ) {
    const size = data.readUInt32LE(at + 12);
    if ((data[at + 31] & FLAG_PAD) === 0) offsets.push(at);
    at += Math.ceil((HEADER_BYTES + size) / 8) * 8;
  }
  if (offsets.length < count) throw new Error(`${file}: only ${offsets.length} records`);
  return offsets;
}

function flipBit(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] ^= 0x10;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

function ioUringAllowed(): boolean {
  try {
    return fs.readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0';
  } catch {
    return true; // older kernels have no such switch
  }
}

describe('wal CLI', () => {
  let tmp: string;
  let log: string;
  let ioMode: string;

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) {
      throw new Error(`${path.relative(ROOT, CLI)} is missing: build it with \`npm run build:ts\` (npm install runs the build)`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-cli-'));
    log = path.join(tmp, 'log');
    ioMode = await buildLog(log);
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('inspect --json reports what was written', () => {
    const r = cli('inspect', log, '--json');
    expect(r.code).toBe(0);
    const report = json(r);
    expect(report.segmentBytes).toBe(SEGMENT_BYTES);
    expect(report.verdict).toBe('ok');
    expect(report.partitions.map((p) => p.records)).toEqual(WRITTEN);
    expect(report.partitions.map((p) => p.lastLsn)).toEqual(WRITTEN.map((n) => n - 1));
    for (const p of report.partitions) {
      expect(p.verdict).toBe('ok');
      expect(p.detail).toBeNull();
      expect(p.segments.reduce((n, s) => n + s.records, 0)).toBe(p.records);
      let next = 0;
      p.segments.forEach((s, i) => {
        expect(s.firstLsn).toBe(next);
        expect(s.file).toBe(`${String(s.firstLsn).padStart(20, '0')}.seg`);
        expect(fs.existsSync(path.join(log, s.path))).toBe(true);
        expect(s.sealed).toBe(i < p.segments.length - 1);
        expect(s.usedBytes > 0).toBe(s.records > 0);
        expect(s.usedBytes).toBeLessThanOrEqual(SEGMENT_BYTES);
        next += s.records;
      });
    }
    // 3000 records of 700 bytes do not fit one 1 MiB segment.
    expect(report.partitions[0].segments.length).toBeGreaterThan(1);
  });

  test('inspect prints a table without --json', () => {
    const r = cli('inspect', log);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PART\s+RECORDS\s+LAST LSN\s+SEGMENTS\s+VERDICT/);
    expect(r.stdout).toMatch(/^\s*0\s+3000\s+2999\s+\d+\s+ok/m);
    expect(r.stdout).toContain('00000000000000000000.seg');
  });

  test('verify: 0 on a good log', () => {
    const r = cli('verify', log);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(json(cli('verify', log, '--json')).verdict).toBe('ok');
  });

  test('verify: 1 after a bit flip in a sealed segment, naming segment and offset', () => {
    const report = json(cli('inspect', log, '--json'));
    expect(report.partitions[0].segments[0].sealed).toBe(true);
    const file = segmentPath(log, 0, 0);
    const frame = recordOffsets(file, 4)[3];
    flipBit(file, frame + HEADER_BYTES + 50);
    try {
      const r = cli('verify', log);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('WAL_CORRUPT');
      expect(r.stderr).toContain('00000000000000000000.seg');
      expect(r.stderr).toContain(`offset ${frame}`);
      const j = json(cli('verify', log, '--json'));
      expect(j.verdict).toBe('corrupt');
      expect(j.exitCode).toBe(1);
      expect(j.partitions[0].verdict).toBe('corrupt');
      expect(j.partitions[0].detail).toMatch(new RegExp(`segment 00000000000000000000\\.seg offset ${frame}\\b`));
      expect(j.partitions.slice(1).map((p) => p.verdict)).toEqual(['ok', 'ok']);
    } finally {
      flipBit(file, frame + HEADER_BYTES + 50);
    }
    expect(cli('verify', log).code).toBe(0);
  });

  test('verify: 1 after a bit flip in the active segment followed by valid records', () => {
    const file = segmentPath(log, 1, 0);
    const frame = recordOffsets(file, 5)[4];
    flipBit(file, frame + HEADER_BYTES + 3);
    try {
      const r = cli('verify', log, '--json');
      expect(r.code).toBe(1);
      const p1 = json(r).partitions[1];
      expect(p1.verdict).toBe('corrupt');
      expect(p1.detail).toContain(`segment 00000000000000000000.seg offset ${frame}`);
      expect(r.stderr).toContain(`offset ${frame}`);
    } finally {
      flipBit(file, frame + HEADER_BYTES + 3);
    }
    expect(cli('verify', log).code).toBe(0);
  });

  test('verify: 2 after truncating the tail; read-only; status then truncates it', () => {
    const copy = path.join(tmp, 'torn');
    fs.cpSync(log, copy, { recursive: true });
    const file = segmentPath(copy, 1, 0);
    const last = recordOffsets(file, WRITTEN[1])[WRITTEN[1] - 1];
    fs.truncateSync(file, last + HEADER_BYTES + 8);

    const r = cli('verify', copy);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/torn/);
    const j = json(cli('verify', copy, '--json'));
    expect(j.exitCode).toBe(2);
    expect(j.partitions.map((p) => p.verdict)).toEqual(['ok', 'torn', 'ok']);
    expect(j.partitions[1].records).toBe(WRITTEN[1] - 1);
    expect(fs.statSync(file).size).toBe(last + HEADER_BYTES + 8); // verify repaired nothing

    const s = cli('status', copy);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/notes:\n\s+\S/); // the open report says what it truncated
    expect(cli('verify', copy).code).toBe(0);
    expect(json(cli('inspect', copy, '--json')).partitions[1].records).toBe(WRITTEN[1] - 1);
  });

  test('66 for a directory that is not a log, with the error code on stderr', () => {
    const notALog = path.join(tmp, 'not-a-log');
    fs.mkdirSync(notALog);
    fs.writeFileSync(path.join(notALog, 'readme.txt'), 'hello');
    for (const command of ['verify', 'inspect']) {
      const r = cli(command, notALog);
      expect(r.code).toBe(66);
      expect(r.stderr).toMatch(/^WAL_NOT_A_LOG: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(cli('verify', path.join(tmp, 'missing')).code).toBe(66);
    expect(cli('status', notALog).code).toBe(66);
  });

  test('64 for usage errors', () => {
    for (const args of [[], ['frobnicate', log], ['verify'], ['verify', log, '--nope'], ['inspect', log, '--partitions', '2'], ['status', log, '--partitions', 'x']]) {
      const r = cli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 64 });
      expect(r.stderr).toContain('usage: wal');
    }
    expect(cli('--help').code).toBe(0);
  });

  test('status prints the I/O mode in use and the durable LSNs', () => {
    const r = cli('status', log);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`io          ${ioMode}, `);
    if (ioUringAllowed()) expect(r.stdout).toMatch(/io\s+io_uring, (O_DIRECT|buffered)/);
    expect(r.stdout).toMatch(/partitions\s+3/);
    expect(r.stdout).toMatch(/^\s*0\s+2999\s+3000\s/m);
    expect(r.stdout).toMatch(/^\s*2\s+-1\s+0\s/m);
    const j = JSON.parse(cli('status', log, '--json').stdout) as { ioMode: string; partitions: Array<{ durableLsn: number }> };
    expect(j.ioMode).toBe(ioMode);
    expect(j.partitions.map((p) => p.durableLsn)).toEqual(WRITTEN.map((n) => n - 1));
  });

  test('status creates a log in a missing directory, with --partitions', () => {
    const fresh = path.join(tmp, 'fresh');
    const r = cli('status', fresh, '--partitions', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(created)');
    expect(json(cli('inspect', fresh, '--json')).partitions.map((p) => p.records)).toEqual([0, 0]);
    expect(cli('status', fresh, '--partitions', '3').stderr).toMatch(/^WAL_OPTION_MISMATCH: /);
  });
});
