// Appends and scans: LSN assignment under concurrency, batches, scans from any
// LSN and concurrent with the writer, typed errors on bad input, backpressure.
import { Wal, WalError } from '@app/wal';
import {
  expectRecords,
  expectWalError,
  KiB,
  LogModel,
  MiB,
  readLog,
  readPartition,
  Rng,
  SEGMENT_BYTES,
  settleAll,
  suiteSeed,
  TempDirs,
  withContext,
  writeRandomLog,
} from './helpers';

const SEED = suiteSeed(0xa99e7d);
const temp = new TempDirs();
afterEach(() => temp.cleanup());

it('5,000 concurrent single appends on 4 partitions get LSNs 0..n-1 in submission order', async () => {
  const rng = new Rng(SEED);
  const partitions = 4;
  const dir = temp.make('wal-appends-');
  const submitted: Buffer[][] = Array.from({ length: partitions }, () => []);
  const lsns: number[][] = Array.from({ length: partitions }, () => []);
  const ackOrder: number[][] = Array.from({ length: partitions }, () => []);
  const wal = await Wal.open(dir, { partitions, segmentBytes: SEGMENT_BYTES });
  try {
    const all: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) {
      const p = rng.int(0, partitions - 1);
      const payload = rng.bytes(rng.int(0, 400));
      const index = submitted[p].length;
      submitted[p].push(payload);
      all.push(
        wal.append(p, payload).then((lsn) => {
          lsns[p][index] = lsn;
          ackOrder[p].push(lsn);
        }),
      );
    }
    await Promise.all(all);
    const status = wal.status();
    for (let p = 0; p < partitions; p++) {
      const n = submitted[p].length;
      await withContext(`seed ${SEED}: partition ${p} (${n} appends)`, () => {
        expect(lsns[p]).toEqual(Array.from({ length: n }, (_, i) => i));
        // Acknowledged in LSN order, too.
        expect(ackOrder[p]).toEqual(lsns[p]);
        expect(status.partitions[p]).toMatchObject({ durableLsn: n - 1, nextLsn: n });
        // Group commit: far fewer flushes than appends.
        expect(status.partitions[p].flushes).toBeLessThan(n);
      });
    }
  } finally {
    await wal.close();
  }
  const { records, wal: reopened } = await readLog(dir);
  for (let p = 0; p < partitions; p++) {
    expect(reopened.report.partitions[p].defect).toBeNull();
    expectRecords(records[p], submitted[p], `seed ${SEED}: partition ${p} after reopen`);
  }
});

it('appendBatch returns consecutive LSNs, interleaved with single appends', async () => {
  const rng = new Rng(SEED + 1);
  const dir = temp.make('wal-batches-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES });
  const expected: Buffer[] = [];
  try {
    const checks: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const first = expected.length;
      if (rng.int(0, 2) === 0) {
        const b = rng.bytes(rng.int(0, 100));
        expected.push(b);
        checks.push(wal.append(1, b).then((lsn) => expect(lsn).toBe(first)));
      } else {
        const batch = Array.from({ length: rng.int(1, 50) }, () => rng.bytes(rng.int(0, 100)));
        expected.push(...batch);
        checks.push(wal.appendBatch(1, batch).then((got) => expect(got).toEqual(batch.map((_, k) => first + k))));
      }
    }
    await Promise.all(checks);
    // Uint8Array views (not Buffers, not at offset 0 of their memory) are records too.
    const backing = rng.bytes(64);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, 20);
    expect(await wal.appendBatch(1, [view, new Uint8Array(0)])).toEqual([expected.length, expected.length + 1]);
    expected.push(Buffer.from(backing.subarray(5, 25)), Buffer.alloc(0));
    expectRecords(await readPartition(wal, 1), expected, `seed ${SEED + 1}`);
    expect(wal.status().partitions[0].nextLsn).toBe(0);
  } finally {
    await wal.close();
  }
});

describe('scans', () => {
  const scanTemp = new TempDirs();
  let dir = '';
  let model: LogModel;
  let wal: Wal;

  beforeAll(async () => {
    dir = scanTemp.make('wal-scan-');
    model = new LogModel(1);
    wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
    await writeRandomLog(wal, new Rng(SEED + 2), model, { bytesPerPartition: 2_500_000 });
  }, 60_000);

  afterAll(async () => {
    await wal.close();
    scanTemp.cleanup();
  });

  it('from a middle LSN returns the records from that LSN on', async () => {
    const rng = new Rng(SEED + 3);
    const n = model.records[0].length;
    const active = wal.status().partitions[0].segmentFirstLsn;
    expect(active).toBeGreaterThan(0); // several segments
    const starts = [0, 1, active - 1, active, active + 1, n - 1, n, n + 10, ...Array.from({ length: 6 }, () => rng.int(0, n - 1))];
    for (const from of starts) {
      // One-record batches (one native call per record) only near the end.
      for (const batchRecords of n - from <= 100 ? [1, 7, 16384] : [7, 16384]) {
        await withContext(`seed ${SEED + 2}: scan from ${from} of ${n}, batches of ${batchRecords}`, async () => {
          const got: Buffer[] = [];
          let expectLsn = Math.min(from, n);
          for await (const batch of wal.scan(0, from, batchRecords)) {
            expect(batch.count).toBeGreaterThan(0);
            expect(batch.count).toBeLessThanOrEqual(batchRecords);
            expect(batch.firstLsn).toBe(expectLsn);
            for (const r of batch) {
              expect(r.lsn).toBe(expectLsn++);
              got.push(Buffer.from(r.payload));
            }
          }
          expectRecords(got, model.records[0].slice(from), 'records');
        });
      }
    }
  });

  it('rejects a bad start or partition with a typed error', async () => {
    const drain = async (it: AsyncGenerator<unknown>): Promise<void> => {
      for await (const _ of it) void _;
    };
    await expectWalError(drain(wal.scan(0, -1)), 'WAL_INVALID_ARGUMENT');
    await expectWalError(drain(wal.scan(0, 1.5)), 'WAL_INVALID_ARGUMENT');
    await expectWalError(drain(wal.scan(0, NaN)), 'WAL_INVALID_ARGUMENT');
    await expectWalError(drain(wal.scan(1)), 'WAL_UNKNOWN_PARTITION');
    await expectWalError(drain(wal.scan(-1)), 'WAL_UNKNOWN_PARTITION');
    await expectWalError(() => wal.verify(3), 'WAL_UNKNOWN_PARTITION');
  });

  it('verify agrees with what was written', async () => {
    const bytes = model.records[0].reduce((s, b) => s + b.length, 0);
    expect(await wal.verify(0)).toEqual({ records: model.records[0].length, bytes, healed: 0 });
  });
});

it('a scan running with the writer sees only durable records, never errors', async () => {
  const rng = new Rng(SEED + 4);
  const dir = temp.make('wal-scan-live-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES });
  const submitted: Buffer[] = [];
  let writing = true;
  const observed: number[] = [];
  try {
    const writer = (async () => {
      try {
        for (let wave = 0; wave < 120; wave++) {
          const pending: Promise<unknown>[] = [];
          for (let b = 0; b < rng.int(1, 4); b++) {
            const batch = Array.from({ length: rng.int(1, 10) }, () => rng.bytes(rng.int(0, 3000)));
            submitted.push(...batch);
            pending.push(wal.appendBatch(0, batch));
            pending.push(wal.append(1, rng.bytes(10)));
          }
          await Promise.all(pending);
        }
      } finally {
        writing = false;
      }
    })();
    const reader = (async () => {
      let scans = 0;
      // The last scan must begin after the writer ended: one that began while
      // it wrote may finish after it did, short of its last records.
      let last = false;
      while (!last || scans < 2) {
        last = !writing;
        let seen = 0;
        for await (const batch of wal.scan(0, 0, 200)) {
          const durable = wal.durableLsns()[0];
          const last = batch.firstLsn + batch.count - 1;
          if (last > durable) throw new Error(`scan ${scans} returned lsn ${last} while durable is ${durable}`);
          for (const r of batch) {
            if (r.lsn !== seen) throw new Error(`scan ${scans}: lsn ${r.lsn}, expected ${seen}`);
            if (!submitted[r.lsn] || !submitted[r.lsn].equals(r.payload)) throw new Error(`scan ${scans}: lsn ${r.lsn} payload differs`);
            seen++;
          }
        }
        observed.push(seen);
        scans++;
      }
    })();
    await withContext(`seed ${SEED + 4}`, async () => {
      await Promise.all([writer, reader]);
      // The reader overlapped the writer: it saw the log grow.
      expect(observed.length).toBeGreaterThanOrEqual(2);
      expect(observed.some((n) => n < submitted.length)).toBe(true);
      expect(observed[observed.length - 1]).toBe(submitted.length);
      for (let i = 1; i < observed.length; i++) expect(observed[i]).toBeGreaterThanOrEqual(observed[i - 1]);
      expect(wal.status().partitions[0].segmentFirstLsn).toBeGreaterThan(0); // it crossed segment roll-overs
    });
  } finally {
    writing = false;
    await wal.close();
  }
});

describe('bad input gets a typed error and leaves the log intact', () => {
  it('with default (64 MiB) segments', async () => {
    const dir = temp.make('wal-bad-input-');
    const wal = await Wal.open(dir, { partitions: 2 });
    const good: Buffer[] = [Buffer.from('first')];
    let closed = false;
    try {
      expect(await wal.append(0, good[0])).toBe(0);
      const before = wal.status().partitions.map((p) => p.nextLsn);
      /* eslint-disable @typescript-eslint/no-explicit-any */
      await expectWalError(wal.append(0, 'text' as any), 'WAL_INVALID_ARGUMENT');
      await expectWalError(wal.append(0, [1, 2, 3] as any), 'WAL_INVALID_ARGUMENT');
      await expectWalError(wal.append(0, undefined as any), 'WAL_INVALID_ARGUMENT');
      await expectWalError(wal.append(0, new Uint16Array(4) as any), 'WAL_INVALID_ARGUMENT');
      await expectWalError(wal.appendBatch(0, 'nope' as any), 'WAL_INVALID_ARGUMENT');
      // A bad record anywhere in a batch: none of the batch is taken.
      await expectWalError(wal.appendBatch(0, [Buffer.from('a'), 42 as any, Buffer.from('c')]), 'WAL_INVALID_ARGUMENT');
      await expectWalError(wal.appendBatch(0, []), 'WAL_EMPTY_BATCH');
      await expectWalError(wal.append(0, Buffer.alloc(MiB + 1)), 'WAL_RECORD_TOO_LARGE');
      await expectWalError(wal.appendBatch(1, [Buffer.from('a'), Buffer.alloc(MiB + 1)]), 'WAL_RECORD_TOO_LARGE');
      await expectWalError(wal.appendBatch(0, new Array(8193).fill(Buffer.alloc(0))), 'WAL_BATCH_TOO_LARGE');
      // More bytes than one flush holds (4 MiB with these segments).
      await expectWalError(wal.appendBatch(0, new Array(5).fill(Buffer.alloc(MiB))), 'WAL_BATCH_TOO_LARGE');
      for (const p of [2, -1, 1.5, NaN, Infinity, '0' as any, null as any]) {
        await expectWalError(wal.append(p, Buffer.from('x')), 'WAL_UNKNOWN_PARTITION', `partition ${String(p)}`);
        await expectWalError(wal.appendBatch(p, [Buffer.from('x')]), 'WAL_UNKNOWN_PARTITION', `partition ${String(p)}`);
      }
      /* eslint-enable @typescript-eslint/no-explicit-any */
      expect(wal.status().partitions.map((p) => p.nextLsn)).toEqual(before);
      expect(wal.status().failed).toBe(false);

      // The limits themselves are allowed.
      const max = Buffer.alloc(MiB, 0xab);
      expect(await wal.append(0, max)).toBe(1);
      good.push(max);
      const many = Array.from({ length: 8192 }, (_, i) => Buffer.from([i & 0xff]));
      const lsns = await wal.appendBatch(0, many);
      expect(lsns[0]).toBe(2);
      expect(lsns[8191]).toBe(8193);
      good.push(...many);
      expect(await wal.append(0, Buffer.from('last'))).toBe(good.length);
      good.push(Buffer.from('last'));
      expectRecords(await readPartition(wal, 0), good, 'partition 0');
      expect(await readPartition(wal, 1)).toEqual([]);

      await wal.close();
      closed = true;
      await expectWalError(wal.append(0, Buffer.from('x')), 'WAL_CLOSED');
      await expectWalError(wal.appendBatch(0, [Buffer.from('x')]), 'WAL_CLOSED');
      await expectWalError(() => wal.status(), 'WAL_CLOSED');
      await expectWalError(() => wal.durableLsns(), 'WAL_CLOSED');
      await expectWalError(async () => {
        for await (const _ of wal.scan(0)) void _;
      }, 'WAL_CLOSED');
      await wal.close(); // a second close is a no-op
    } finally {
      if (!closed) await wal.close();
    }
    const { records, wal: reopened } = await readLog(dir);
    expect(reopened.report.partitions.map((p) => p.defect)).toEqual([null, null]);
    expectRecords(records[0], good, 'partition 0 after reopen');
    expect(records[1]).toEqual([]);
  });

  it('with 1 MiB segments a batch must fit half a segment', async () => {
    // The flush buffer of a 1 MiB segment is 512 KiB (8 KiB kept for pads):
    // 500 x 1 KiB records (528,000 bytes of frames) do not fit, 400 do.
    const dir = temp.make('wal-bad-input-small-');
    const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
    try {
      await expectWalError(wal.appendBatch(0, Array.from({ length: 500 }, () => Buffer.alloc(KiB))), 'WAL_BATCH_TOO_LARGE');
      expect(await wal.appendBatch(0, Array.from({ length: 400 }, () => Buffer.alloc(KiB)))).toHaveLength(400);
      expect(wal.status().partitions[0].nextLsn).toBe(400);
    } finally {
      await wal.close();
    }
  });
});

it('backpressure: far more than a partition buffer holds, appended at once, resolves in order', async () => {
  // 100 batches of 400 x 1 KiB (~40 MiB) to one partition whose flush buffer
  // is 512 KiB: the binding queues what does not fit (WAL_BUSY) and retries.
  const rng = new Rng(SEED + 5);
  const dir = temp.make('wal-backpressure-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES });
  const batches = Array.from({ length: 100 }, () => Array.from({ length: 400 }, () => rng.bytes(KiB)));
  const acks: number[] = [];
  let results: number[][];
  try {
    const pending = batches.map((b) => wal.appendBatch(0, b).then((lsns) => (acks.push(lsns[0]), lsns)));
    // A small append on another partition is not stuck behind them.
    const other = await wal.append(1, Buffer.from('other'));
    expect(other).toBe(0);
    results = await Promise.all(pending);
    const status = wal.status();
    expect(status.failed).toBe(false);
    expect(status.partitions[0]).toMatchObject({ durableLsn: 40_000 - 1, nextLsn: 40_000 });
    expect(status.partitions[0].segmentFirstLsn).toBeGreaterThan(0);
  } finally {
    await wal.close();
  }
  await withContext(`seed ${SEED + 5}`, async () => {
    results.forEach((lsns, i) => {
      expect(lsns[0]).toBe(i * 400);
      expect(lsns[399]).toBe(i * 400 + 399);
    });
    expect(acks).toEqual(batches.map((_, i) => i * 400));
    const { records } = await readLog(dir);
    expectRecords(records[0], batches.flat(), 'partition 0 after reopen');
    expect(records[1].map(String)).toEqual(['other']);
  });
});

it('WalError carries a stable code', async () => {
  const dir = temp.make('wal-errors-');
  const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
  try {
    const e = await expectWalError(wal.appendBatch(0, []), 'WAL_EMPTY_BATCH');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(WalError);
    expect(e.name).toBe('WalError');
    expect(e.message.length).toBeGreaterThan(0);
  } finally {
    await wal.close();
  }
});

it('a log that is open is not opened a second time (exactly one writer per partition)', async () => {
  // Two handles on one directory would both write LSN n of a partition at
  // the same offset: both appends are acknowledged, one is overwritten.
  const dir = temp.make('wal-one-writer-');
  const options = { partitions: 1, segmentBytes: SEGMENT_BYTES };
  const first = await Wal.open(dir, options);
  let second: Wal | null = null;
  try {
    expect(await first.append(0, Buffer.from('first-0'))).toBe(0);
    let refusal: unknown = null;
    try {
      // A short wait: the first writer is alive and will not let go.
      second = await Wal.open(dir, { ...options, lockWaitMs: 200 });
    } catch (e) {
      refusal = e;
    }
    if (second !== null) {
      const a = await first.append(0, Buffer.from('first-1'));
      const b = await second.append(0, Buffer.from('second-1'));
      await first.close();
      await second.close();
      const { records } = await readLog(dir, options);
      throw new Error(
        `a second Wal.open of an open log succeeded; 'first-1' was acknowledged at lsn ${a}, 'second-1' at lsn ${b}; ` +
          `the log now holds ${JSON.stringify(records[0].map(String))}`,
      );
    }
    expect(refusal).toBeInstanceOf(WalError);
    expect((refusal as WalError).code).toBe('WAL_LOCKED');
    // The first handle is unaffected.
    expect(await first.append(0, Buffer.from('first-1'))).toBe(1);
  } finally {
    await first.close();
    if (second !== null) await (second as Wal).close();
  }
  // Once closed, the log opens again.
  const { records } = await readLog(dir, options);
  expect(records[0].map(String)).toEqual(['first-0', 'first-1']);
});

it('close() settles every append: the taken ones resolve and are durable, queued ones reject WAL_CLOSED', async () => {
  // 20 batches that each fill most of a 512 KiB flush buffer: one or two are
  // in the log's buffers when close() is called, the rest wait in the queue.
  const rng = new Rng(SEED + 6);
  const dir = temp.make('wal-close-pending-');
  const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
  const batches = Array.from({ length: 20 }, () => Array.from({ length: 300 }, () => rng.bytes(1000)));
  const singles = Array.from({ length: 50 }, () => rng.bytes(rng.int(0, 100)));
  const singleAppends = singles.map((s) => wal.append(0, s));
  const pending = batches.map((b) => wal.appendBatch(0, b));
  const closing = wal.close();
  const results = await settleAll(pending);
  const singleResults = await settleAll(singleAppends);
  await closing;
  const codes = results.map((r) => (r.ok ? 'resolved' : (r.error as WalError).code));
  await withContext(`seed ${SEED + 6}: ${JSON.stringify(codes)}`, async () => {
    expect(singleResults.every((r) => r.ok)).toBe(true);
    const taken = codes.indexOf('WAL_CLOSED') < 0 ? codes.length : codes.indexOf('WAL_CLOSED');
    expect(taken).toBeGreaterThanOrEqual(1);
    expect(codes).toEqual([...new Array(taken).fill('resolved'), ...new Array(codes.length - taken).fill('WAL_CLOSED')]);
    const { records } = await readLog(dir);
    expectRecords(records[0], singles.concat(batches.slice(0, taken).flat()), 'after reopen');
  });
});

it('a scan that reuses its blocks serves every record as the owned scan does, batch after batch', async () => {
  const rng = new Rng(SEED ^ 0x5eb1);
  const dir = temp.make('wal-reuse-');
  const wal = await Wal.open(dir, { partitions: 2, segmentBytes: SEGMENT_BYTES });
  try {
    const written: Buffer[] = [];
    // 3 MB of records: a reused block takes about 1 MiB a batch, so the three blocks go round.
    for (let b = 0; b < 30; b++) {
      const batch = Array.from({ length: 50 }, () => rng.bytes(rng.int(0, 4000)));
      written.push(...batch);
      await wal.appendBatch(1, batch);
    }
    const owned = await readPartition(wal, 1);
    const reused: Buffer[] = [];
    let batches = 0;
    let expectLsn = 0;
    for await (const batch of wal.scan(1, 0, 16_384, { reuseBlocks: true })) {
      batches++;
      for (const record of batch) {
        expect(record.lsn).toBe(expectLsn++);
        reused.push(Buffer.from(record.payload));  // a reused block's payloads are copied before the batch two after
      }
    }
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(reused.length).toBe(written.length);
    expect(reused.every((payload, i) => payload.equals(written[i]))).toBe(true);
    expect(owned.every((payload, i) => payload.equals(written[i]))).toBe(true);
    // A scan from the middle with small batches reuses its blocks too.
    const tail: Buffer[] = [];
    for await (const batch of wal.scan(1, 1234, 7, { reuseBlocks: true })) for (const r of batch) tail.push(Buffer.from(r.payload));
    expect(tail.length).toBe(written.length - 1234);
    expect(tail.every((payload, i) => payload.equals(written[1234 + i]))).toBe(true);
  } finally {
    await wal.close();
  }
});
