// Fault injection (the `faults` open option): fsync and write errors, ENOSPC,
// short writes and a torn flush, each in both I/O modes. The log must fail-stop
// on errors (nothing more acknowledged, every pending append rejected), finish
// short writes before acking, and keep batches all-or-nothing across a crash.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { Wal, WalError, WalErrorCode, WalFaults } from '@app/wal';
import {
  expectRecords,
  expectWalError,
  KiB,
  readLog,
  readPartition,
  Rng,
  SEGMENT_BYTES,
  settleAll,
  suiteSeed,
  TempDirs,
  withContext,
} from './helpers';

const SEED = suiteSeed(0xfa017);
const MODES = ['io_uring', 'sync'] as const;
const ROOT = path.resolve(__dirname, '..', '..');
const DIST_WAL = path.join(ROOT, 'dist', 'libs', 'wal', 'src');

const temp = new TempDirs();
afterEach(() => temp.cleanup());

interface FailCase {
  name: string;
  faults: (at: number) => WalFaults;
  code: WalErrorCode;
  errno: number;
}

const FAIL_CASES: FailCase[] = [
  { name: 'fsync EIO', faults: (at) => ({ fsyncErrorAt: at }), code: 'WAL_IO_ERROR', errno: 5 },
  { name: 'write EIO', faults: (at) => ({ writeErrorAt: at }), code: 'WAL_IO_ERROR', errno: 5 },
  { name: 'write ENOSPC', faults: (at) => ({ enospcAt: at }), code: 'WAL_NO_SPACE', errno: 28 },
];

/**
 * Every append rejected: in submission order, those the log had taken (or
 * queued) before the fault reject with the fault itself, those offered after
 * it (if any) with WAL_FAILED. Nothing resolves.
 */
function expectFailStop(results: Awaited<ReturnType<typeof settleAll>>, code: WalErrorCode, errno: number): void {
  const codes = results.map((r) => (r.ok ? 'resolved' : r.error instanceof WalError ? r.error.code : String(r.error)));
  const firstFailed = codes.indexOf('WAL_FAILED');
  const faulted = firstFailed < 0 ? codes.length : firstFailed;
  expect({ faulted: faulted > 0 }).toEqual({ faulted: true });
  expect(codes).toEqual([...new Array(faulted).fill(code), ...new Array(codes.length - faulted).fill('WAL_FAILED')]);
  for (let i = 0; i < faulted; i++) expect((results[i] as { error: WalError }).error.errno).toBe(errno);
}

/**
 * Runs the compiled binding in a child process: opens `dir` with `options`,
 * appends the batches one after the other (each awaited), printing
 * "acked <i> lsn <first> count <n>" per batch. A torn flush ends it with exit code 86.
 */
async function runChild(
  dir: string,
  options: Record<string, unknown>,
  batches: Array<{ partition: number; records: Buffer[] }>,
): Promise<{ exitCode: number | null; out: string; err: string }> {
  const dataFile = `${dir}.batches.json`;
  fs.writeFileSync(dataFile, JSON.stringify(batches.map((b) => ({ partition: b.partition, records: b.records.map((r) => r.toString('base64')) }))));
  const script = `
    const { Wal } = require(${JSON.stringify(DIST_WAL)});
    const fs = require('fs');
    const batches = JSON.parse(fs.readFileSync(${JSON.stringify(dataFile)}, 'utf8'));
    (async () => {
      const wal = await Wal.open(${JSON.stringify(dir)}, ${JSON.stringify(options)});
      for (let i = 0; i < batches.length; i++) {
        const lsns = await wal.appendBatch(batches[i].partition, batches[i].records.map((s) => Buffer.from(s, 'base64')));
        process.stdout.write('acked ' + i + ' lsn ' + lsns[0] + ' count ' + lsns.length + '\\n');
      }
      await wal.close();
    })().catch((e) => { process.stdout.write('error ' + e.code + ' ' + e.message + '\\n'); process.exit(3); });
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { exitCode, out, err };
}

describe.each(MODES)('ioMode %s', (ioMode) => {
  describe.each(FAIL_CASES)('$name', ({ faults, code, errno, name }) => {
    it('fails every pending append, acknowledges nothing more, and keeps what was acknowledged', async () => {
      const rng = new Rng(SEED);
      const partitions = 3;
      const before = 4; // flushes that succeed: ops 0..3; op 4 fails
      const dir = temp.make('wal-faults-');
      const ctx = `seed ${SEED} ${ioMode} ${name} at op ${before}`;
      const wal = await Wal.open(dir, { partitions, segmentBytes: SEGMENT_BYTES, ioMode, faults: faults(before) });
      const acked: Buffer[][] = Array.from({ length: partitions }, () => []);
      const submitted: Buffer[][] = Array.from({ length: partitions }, () => []);
      await withContext(ctx, async () => {
        try {
          expect(wal.report.ioMode).toBe(ioMode);
          // One flush (one write, one fdatasync) per awaited append.
          for (let i = 0; i < before; i++) {
            const p = i % partitions;
            const payload = rng.bytes(rng.int(0, 3000));
            submitted[p].push(payload);
            expect(await wal.append(p, payload)).toBe(acked[p].length);
            acked[p].push(payload);
          }
          const durableBefore = wal.durableLsns();
          expect(durableBefore).toEqual(acked.map((a) => a.length - 1));

          // Many appends in flight on every partition; the next op fails.
          const wave: Array<Promise<unknown>> = [];
          for (let i = 0; i < 300; i++) {
            const p = i % partitions;
            if (i % 10 === 9) {
              const batch = [rng.bytes(rng.int(0, 3000)), rng.bytes(rng.int(0, 3000))];
              submitted[p].push(...batch);
              wave.push(wal.appendBatch(p, batch));
            } else {
              const payload = rng.bytes(rng.int(0, 3000));
              submitted[p].push(payload);
              wave.push(wal.append(p, payload));
            }
          }
          expectFailStop(await settleAll(wave), code, errno);

          const status = wal.status();
          expect(status.failed).toBe(true);
          expect(status.failure).toMatchObject({ code });
          // (That no flush of the wave became durable is 'once an I/O error is
          // seen, no other flush is acknowledged', which repeats the race.)
          const durableAtFailure = wal.durableLsns();
          for (let p = 0; p < partitions; p++) expect(durableAtFailure[p]).toBeGreaterThanOrEqual(durableBefore[p]);
          // Fail-stop: later appends are refused, and nothing more becomes durable.
          const later = await expectWalError(wal.append(0, Buffer.from('later')), 'WAL_FAILED');
          expect(later.message).toContain('fail-stopped');
          await expectWalError(wal.appendBatch(1, [Buffer.from('later')]), 'WAL_FAILED');
          await new Promise((r) => setTimeout(r, 50));
          expect(wal.durableLsns()).toEqual(durableAtFailure);
          expect(wal.status().partitions.map((x) => x.nextLsn)).toEqual(status.partitions.map((x) => x.nextLsn));
        } finally {
          await wal.close();
        }

        // Reopen without faults: every acknowledged record is there, intact;
        // anything beyond them is what was submitted next, in order.
        const { records, wal: reopened } = await readLog(dir, { partitions, segmentBytes: SEGMENT_BYTES, ioMode });
        for (let p = 0; p < partitions; p++) {
          expect(records[p].length).toBeGreaterThanOrEqual(acked[p].length);
          expectRecords(records[p], submitted[p].slice(0, records[p].length), `partition ${p}`);
          expect(reopened.report.partitions[p].nextLsn).toBe(records[p].length);
        }
        // And it is a working log again.
        const again = await Wal.open(dir, { partitions, segmentBytes: SEGMENT_BYTES, ioMode });
        try {
          expect(await again.append(2, Buffer.from('again'))).toBe(records[2].length);
          expect(again.status().failed).toBe(false);
        } finally {
          await again.close();
        }
      });
    });
  });

  it('a short write is finished before the append resolves; the data is intact', async () => {
    const rng = new Rng(SEED + 1);
    const dir = temp.make('wal-short-');
    const ctx = `seed ${SEED + 1} ${ioMode} short write`;
    const written: Buffer[] = [];
    await withContext(ctx, async () => {
      // Write op 1 (the second flush, many blocks) reports half its bytes.
      const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES, ioMode, faults: { shortWriteAt: 1 } });
      try {
        const first = [rng.bytes(100)];
        expect(await wal.appendBatch(0, first)).toEqual([0]);
        written.push(...first);
        const big = Array.from({ length: 40 }, () => rng.bytes(rng.int(500, 1500)));
        const lsns = await wal.appendBatch(0, big);
        expect(lsns).toEqual(big.map((_, i) => 1 + i));
        written.push(...big);
        for (let i = 0; i < 5; i++) {
          const b = rng.bytes(rng.int(0, 3000));
          expect(await wal.append(0, b)).toBe(written.length);
          written.push(b);
        }
        expect(wal.status()).toMatchObject({ failed: false, failure: null });
        expect(wal.status().partitions[0]).toMatchObject({ durableLsn: written.length - 1, flushes: 7 });
        expectRecords(await readPartition(wal, 0), written, 'scan while open');
      } finally {
        await wal.close();
      }
      const { records, wal: reopened } = await readLog(dir, { ioMode });
      expect(reopened.report.partitions[0].defect).toBeNull();
      expectRecords(records[0], written, 'after reopen');
    });
  });

  it('a short write costs exactly one more write (seen by where a later write fault lands)', async () => {
    // Flush 0 = write 0; flush 1 = write 1 (short) + write 2 (the rest);
    // flush 2 = write 3, which fails. Had the short write been acked as is,
    // flush 2 would be write 2 and succeed.
    const rng = new Rng(SEED + 2);
    const dir = temp.make('wal-short2-');
    await withContext(`seed ${SEED + 2} ${ioMode}`, async () => {
      const wal = await Wal.open(dir, {
        partitions: 1,
        segmentBytes: SEGMENT_BYTES,
        ioMode,
        faults: { shortWriteAt: 1, writeErrorAt: 3 },
      });
      const written: Buffer[] = [];
      try {
        written.push(rng.bytes(10));
        expect(await wal.append(0, written[0])).toBe(0);
        const big = Array.from({ length: 30 }, () => rng.bytes(1000));
        expect(await wal.appendBatch(0, big)).toHaveLength(30);
        written.push(...big);
        const e = await expectWalError(wal.append(0, rng.bytes(10)), 'WAL_IO_ERROR');
        expect(e.errno).toBe(5);
        expect(wal.durableLsns()).toEqual([30]);
      } finally {
        await wal.close();
      }
      const { records } = await readLog(dir, { ioMode });
      expectRecords(records[0].slice(0, written.length), written, 'after reopen');
    });
  });

  it('a torn flush loses the whole unacknowledged batch and nothing else', async () => {
    expect(fs.existsSync(path.join(DIST_WAL, 'index.js'))).toBe(true);
    const rng = new Rng(SEED + 3);
    const dir = path.join(temp.make('wal-torn-'), 'log');
    const first = Array.from({ length: 7 }, () => rng.bytes(rng.int(0, 3000)));
    // ~300 KiB: a flush of ~75 blocks of which the first half and the last land.
    const big = Array.from({ length: 300 }, () => rng.bytes(1000));
    const { exitCode, out, err } = await runChild(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES, ioMode, faults: { tornFlushAt: 1 } }, [
      { partition: 1, records: first },
      { partition: 1, records: big },
    ]);
    const ctx = `seed ${SEED + 3} ${ioMode} torn flush; child stdout: ${out} stderr: ${err}`;
    await withContext(ctx, async () => {
      expect(exitCode).toBe(86);
      expect(out).toContain(`acked 0 lsn 0 count ${first.length}\n`);
      expect(out).not.toContain('acked 1');

      const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES, ioMode });
      const more = [rng.bytes(55), rng.bytes(2000)];
      try {
        const r = wal.report.partitions[1];
        expect(r.nextLsn).toBe(first.length);
        // The torn flush left part of the batch on disk: it was dropped whole.
        expect(r.defect).toMatchObject({ torn: true, lsn: first.length, repaired: true });
        expect(r.defect!.recordsDropped).toBeGreaterThan(0);
        expect(r.defect!.recordsDropped).toBeLessThan(big.length);
        expect(wal.report.partitions[0]).toMatchObject({ nextLsn: 0, defect: null });
        expectRecords(await readPartition(wal, 1), first, 'partition 1 after the crash');
        expect(await wal.appendBatch(1, more)).toEqual([first.length, first.length + 1]);
      } finally {
        await wal.close();
      }
      const { records, wal: reopened } = await readLog(dir, { partitions: 2 });
      expect(reopened.report.partitions.map((p) => p.defect)).toEqual([null, null]);
      expectRecords(records[1], first.concat(more), 'partition 1 after reopen');
    });
  });

  it('a torn flush at a segment roll-over tears the new segment, like a real crash would', async () => {
    // Flushes 0 and 1 (~400 KiB each) fill most of the first 1 MiB segment;
    // flush 2 does not fit, so the writer seals it and starts segment 800:
    // that is where a crash during flush 2 leaves its partial blocks. The
    // sealed segment keeps its fixed size.
    const rng = new Rng(SEED + 6);
    const dir = path.join(temp.make('wal-torn-roll-'), 'log');
    const batches = [0, 1, 2].map(() => ({ partition: 0, records: Array.from({ length: 400 }, () => rng.bytes(1000)) }));
    const { exitCode, out, err } = await runChild(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES, ioMode, faults: { tornFlushAt: 2 } }, batches);
    await withContext(`seed ${SEED + 6} ${ioMode}; child stdout: ${out} stderr: ${err}`, async () => {
      expect(exitCode).toBe(86);
      expect(out).toContain('acked 1 lsn 400 count 400\n');
      expect(out).not.toContain('acked 2');
      const wal = await Wal.open(dir, { ioMode });
      try {
        expect(wal.report.partitions[0].nextLsn).toBe(800);
        expectRecords(await readPartition(wal, 0), batches[0].records.concat(batches[1].records), 'after the crash');
        expect(await wal.append(0, Buffer.from('next'))).toBe(800);
      } finally {
        await wal.close();
      }
      const sizes = fs.readdirSync(path.join(dir, 'p000')).map((n) => [n, fs.statSync(path.join(dir, 'p000', n)).size]);
      for (const [name, size] of sizes) expect({ name, size }).toEqual({ name, size: SEGMENT_BYTES });
    });
  });
});

it.each(MODES)('%s: a fault while appends wait for buffer room rejects the waiting ones too', async (ioMode) => {
  // Each batch fills most of a 1 MiB segment's flush buffer (512 KiB), so all
  // but the first two wait in the binding's queue (WAL_BUSY); the very first
  // flush fails. Every append must settle (none left hanging), rejected.
  const rng = new Rng(SEED + 4);
  const dir = temp.make('wal-faults-busy-');
  const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES, ioMode, faults: { fsyncErrorAt: 0 } });
  const batches = Array.from({ length: 12 }, () => Array.from({ length: 300 }, () => rng.bytes(1000)));
  let results: Awaited<ReturnType<typeof settleAll>>;
  try {
    results = await settleAll(batches.map((b) => wal.appendBatch(0, b)));
    expect(wal.durableLsns()).toEqual([-1]);
  } finally {
    await wal.close();
  }
  await withContext(`seed ${SEED + 4} ${ioMode}`, () => {
    expectFailStop(results, 'WAL_IO_ERROR', 5);
  });
});

it.each(MODES)('%s: an append made durable before a later fault resolves (promises agree with durableLsns)', async (ioMode) => {
  // Partition 0's flush (fsync 0) succeeds and is published durable; partition
  // 1's flush (fsync 1) fails. The JS thread is kept busy until both happened,
  // so one completion callback sees both. An append the log itself reports
  // durable must not be rejected: the client would be told a write failed
  // that is in the ledger (and would be recovered after a restart).
  const dir = temp.make('wal-faults-durable-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES, ioMode, faults: { fsyncErrorAt: 1 } });
  let durable: number[];
  let results: Awaited<ReturnType<typeof settleAll>>;
  try {
    const appends = [wal.append(0, Buffer.from('zero')), wal.append(1, Buffer.from('one'))];
    const deadline = Date.now() + 10_000;
    while (!wal.status().failed && Date.now() < deadline) {
      // spin: no callback may run before both flushes are done
    }
    durable = wal.durableLsns();
    results = await settleAll(appends);
  } finally {
    await wal.close();
  }
  const ctx = `${ioMode}: durableLsns ${JSON.stringify(durable)}, outcomes ${JSON.stringify(results.map((r) => (r.ok ? 'resolved' : (r.error as WalError).code)))}`;
  await withContext(ctx, () => {
    expect(durable.filter((d) => d === 0)).toHaveLength(1);
    for (let p = 0; p < 2; p++) expect({ p, resolved: results[p].ok }).toEqual({ p, resolved: durable[p] >= 0 });
  });
  const { records } = await readLog(dir, { ioMode });
  for (let p = 0; p < 2; p++) if (durable[p] >= 0) expect(records[p].map(String)).toEqual([p === 0 ? 'zero' : 'one']);
});

describe.each(MODES)('%s: once an I/O error is seen, no other flush is acknowledged', (ioMode) => {
  // Flushes of other partitions are in flight when one partition's write (or
  // fsync) fails. Fail-stop means none of them is acknowledged afterwards: the
  // durable LSNs stay where they were before the wave. The order in which the
  // kernel completes the flushes varies, so the race is run many times.
  it.each(FAIL_CASES)('$name', async ({ faults, code, name }) => {
    const partitions = 8;
    // The write faults of io_uring mode are where the window is (the failure is
    // declared only when the failed write's linked fsync completes): more runs.
    const iterations = ioMode === 'io_uring' && name.startsWith('write') ? 60 : 10;
    const rng = new Rng(SEED + 5);
    for (let it = 0; it < iterations; it++) {
      const dir = temp.make('wal-faults-race-');
      const wal = await Wal.open(dir, { partitions, segmentBytes: SEGMENT_BYTES, ioMode, faults: faults(partitions) });
      let before: number[] = [];
      let after: number[] = [];
      try {
        for (let p = 0; p < partitions; p++) expect(await wal.append(p, rng.bytes(100))).toBe(0);
        before = wal.durableLsns();
        const wave: Promise<unknown>[] = [];
        for (let i = 0; i < 240; i++) wave.push(wal.append(i % partitions, rng.bytes(rng.int(0, 3000))));
        await Promise.allSettled(wave);
        expect(wal.status().failure).toMatchObject({ code });
        after = wal.durableLsns();
      } finally {
        await wal.close();
      }
      expect({ iteration: it, durable: after }).toEqual({ iteration: it, durable: before });
      temp.cleanup();
    }
  });
});

it('faults are counted over the whole log, not per partition', async () => {
  // fsync 2 is the first flush of partition 1 after one flush on each partition.
  const dir = temp.make('wal-faults-count-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES, faults: { fsyncErrorAt: 2 } });
  try {
    expect(await wal.append(0, Buffer.from('a'))).toBe(0);
    expect(await wal.append(1, Buffer.from('b'))).toBe(0);
    const e = await expectWalError(wal.append(1, Buffer.from('c')), 'WAL_IO_ERROR');
    expect(e.errno).toBe(5);
    expect(e.message).toContain('partition 1');
    await expectWalError(wal.append(0, Buffer.from('d')), 'WAL_FAILED');
  } finally {
    await wal.close();
  }
  const { records } = await readLog(dir);
  expect(records[0].map(String)).toEqual(['a']);
  expect(records[1].slice(0, 1).map(String)).toEqual(['b']);
}, 20_000);

it('a record larger than half a 1 MiB segment is refused up front, not half-written', async () => {
  // Sanity of the limits used above: the flush buffer of a 1 MiB segment is
  // 512 KiB, of which 8 KiB are kept for pads.
  const dir = temp.make('wal-limit-');
  const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
  try {
    await expectWalError(wal.append(0, Buffer.alloc(600 * KiB)), 'WAL_RECORD_TOO_LARGE');
    expect(await wal.append(0, Buffer.alloc(400 * KiB, 7))).toBe(0);
  } finally {
    await wal.close();
  }
});
