// Mirror mode: every flush is written and synced to a second directory; open
// heals a damaged or missing copy from the other and says so, and a scan that
// meets a bad frame serves (and rewrites) the mirror's good one.
import * as fs from 'fs';
import * as path from 'path';

import { inspectLog, Wal, WalError } from '@app/wal';
import {
  copyDir,
  expectRecords,
  expectWalError,
  flipBit,
  Frame,
  HEADER_BYTES,
  LogModel,
  readAt,
  readLog,
  readPartition,
  readSegmentFrames,
  Rng,
  SEGMENT_BYTES,
  segmentName,
  segmentPath,
  snapshotDir,
  suiteSeed,
  TempDirs,
  withContext,
  writeAt,
  writeRandomLog,
} from './helpers';

const SEED = suiteSeed(0x3177a);
const PARTITIONS = 2;
const OPTIONS = { partitions: PARTITIONS, segmentBytes: SEGMENT_BYTES };

const temp = new TempDirs();
let base = { primary: '', mirror: '' };
let model: LogModel;
let segments: number[][];

beforeAll(async () => {
  const root = temp.make('wal-mirror-base-');
  base = { primary: path.join(root, 'primary'), mirror: path.join(root, 'mirror') };
  model = new LogModel(PARTITIONS);
  const wal = await Wal.open(base.primary, { ...OPTIONS, mirrorDir: base.mirror });
  try {
    expect(wal.report.created).toBe(true);
    await writeRandomLog(wal, new Rng(SEED), model, { bytesPerPartition: 1_500_000 });
  } finally {
    await wal.close();
  }
  segments = [0, 1].map((p) => (fs.readdirSync(path.join(base.primary, `p00${p}`)).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b)));
  expect(segments[0].length).toBeGreaterThanOrEqual(2);
}, 60_000);

afterAll(() => temp.cleanup());

/** Fresh copies of the base primary and mirror. */
function copyOfBase(): { primary: string; mirror: string } {
  const root = temp.make('wal-mirror-');
  const dirs = { primary: path.join(root, 'primary'), mirror: path.join(root, 'mirror') };
  copyDir(base.primary, dirs.primary);
  copyDir(base.mirror, dirs.mirror);
  return dirs;
}

/** Both copies hold exactly the written log, each readable alone. */
async function expectBothCopiesGood(dirs: { primary: string; mirror: string }, expected: Buffer[][], ctx: string): Promise<void> {
  for (const dir of [dirs.primary, dirs.mirror]) {
    const inspected = await inspectLog(dir);
    expect({ ctx, dir, verdicts: inspected.result.map((r) => r.verdict) }).toEqual({ ctx, dir, verdicts: ['ok', 'ok'] });
    const { records } = await readLog(dir, OPTIONS);
    for (let p = 0; p < PARTITIONS; p++) expectRecords(records[p], expected[p], `${ctx}: ${dir} alone, partition ${p}`);
  }
  // The copies are byte for byte the same.
  expect(snapshotDir(dirs.mirror)).toEqual(snapshotDir(dirs.primary));
}

/** A record of a segment with a payload of at least `min` bytes. */
function recordIn(dir: string, p: number, firstLsn: number, rng: Rng, min = 16): Frame {
  const list = readSegmentFrames(dir, p, firstLsn).filter((f) => !f.pad && f.payloadSize >= min);
  return rng.pick(list);
}

it('writes the same bytes to both copies', async () => {
  expect(snapshotDir(base.mirror)).toEqual(snapshotDir(base.primary));
  await expectBothCopiesGood(copyOfBase(), model.records, `seed ${SEED}`);
});

it.each([
  ['a record of a sealed segment', 0, 0],
  ['a record of the last segment', 1, -1],
])('a flipped byte in %s of the primary is healed from the mirror at open', async (_what, p, index) => {
  const rng = new Rng(SEED + 1 + p);
  const dirs = copyOfBase();
  const first = segments[p].at(index)!;
  const victim = recordIn(dirs.primary, p, first, rng);
  const offset = victim.offset + HEADER_BYTES + rng.int(0, victim.payloadSize - 1);
  flipBit(segmentPath(dirs.primary, p, first), offset, rng.int(0, 7));
  const ctx = `seed ${SEED}: primary partition ${p} segment ${segmentName(first)} offset ${offset} (record lsn ${victim.lsn})`;
  await withContext(ctx, async () => {
    expect((await inspectLog(dirs.primary)).result[p].verdict).toBe('corrupt');
    const wal = await Wal.open(dirs.primary, { ...OPTIONS, mirrorDir: dirs.mirror });
    try {
      const notes = wal.report.notes.join('\n');
      expect(notes).toContain(`partition ${p}: healed the primary copy from the other`);
      expect(notes).toContain(`segment ${segmentName(first)} offset ${victim.offset} lsn ${victim.lsn}`);
      expect(notes).not.toContain(`partition ${1 - p}: healed`);
      expect(wal.report.partitions.map((r) => r.defect)).toEqual([null, null]);
      for (let q = 0; q < PARTITIONS; q++) expectRecords(await readPartition(wal, q), model.records[q], `partition ${q}`);
    } finally {
      await wal.close();
    }
    await expectBothCopiesGood(dirs, model.records, ctx);
  });
});

it.each([
  ['the last segment', -1],
  ['a middle segment', 1],
  ['the first segment', 0],
])('a deleted segment file of the mirror (%s) is healed from the primary at open', async (_what, index) => {
  const p = 0;
  const dirs = copyOfBase();
  const first = segments[p].at(index)!;
  fs.unlinkSync(segmentPath(dirs.mirror, p, first));
  const ctx = `seed ${SEED}: mirror partition ${p} segment ${segmentName(first)} deleted`;
  await withContext(ctx, async () => {
    const wal = await Wal.open(dirs.primary, { ...OPTIONS, mirrorDir: dirs.mirror });
    const more = Buffer.from('after the heal');
    try {
      expect(wal.report.notes.join('\n')).toContain(`partition ${p}: healed the mirror copy from the other`);
      expect(wal.report.notes.join('\n')).not.toContain('healed the primary');
      expectRecords(await readPartition(wal, p), model.records[p], `partition ${p}`);
      // Both copies go on being written.
      expect(await wal.append(p, more)).toBe(model.records[p].length);
    } finally {
      await wal.close();
    }
    const expected = model.records.map((r, q) => (q === p ? r.concat([more]) : r));
    await expectBothCopiesGood(dirs, expected, ctx);
  });
});

it('a primary that lost everything is rebuilt from the mirror', async () => {
  const dirs = copyOfBase();
  fs.rmSync(dirs.primary, { recursive: true });
  const wal = await Wal.open(dirs.primary, { ...OPTIONS, mirrorDir: dirs.mirror });
  try {
    const notes = wal.report.notes.join('\n');
    for (let p = 0; p < PARTITIONS; p++) {
      expect(notes).toContain(`partition ${p}: healed the primary copy from the other`);
      expectRecords(await readPartition(wal, p), model.records[p], `partition ${p}`);
    }
  } finally {
    await wal.close();
  }
  await expectBothCopiesGood(dirs, model.records, `seed ${SEED}: primary deleted`);
});

it('a new, empty mirror of an existing log gets every partition copied', async () => {
  const dirs = copyOfBase();
  fs.rmSync(dirs.mirror, { recursive: true });
  const wal = await Wal.open(dirs.primary, { ...OPTIONS, mirrorDir: dirs.mirror });
  try {
    const notes = wal.report.notes.join('\n');
    expect(notes).toContain('mirror created');
    for (let p = 0; p < PARTITIONS; p++) expect(notes).toContain(`partition ${p}: healed the mirror copy from the other`);
  } finally {
    await wal.close();
  }
  await expectBothCopiesGood(dirs, model.records, `seed ${SEED}: mirror deleted`);
});

it('the same record damaged in both copies is refused, and neither copy is touched', async () => {
  const rng = new Rng(SEED + 5);
  const dirs = copyOfBase();
  const p = 1;
  const first = segments[p][0];
  const victim = recordIn(dirs.primary, p, first, rng);
  const offset = victim.offset + HEADER_BYTES + rng.int(0, victim.payloadSize - 1);
  flipBit(segmentPath(dirs.primary, p, first), offset, 3);
  flipBit(segmentPath(dirs.mirror, p, first), offset, 3);
  const before = { primary: snapshotDir(dirs.primary), mirror: snapshotDir(dirs.mirror) };
  await withContext(`seed ${SEED}: partition ${p} segment ${segmentName(first)} offset ${offset} in both copies`, async () => {
    const error = await expectWalError(Wal.open(dirs.primary, { ...OPTIONS, mirrorDir: dirs.mirror }), 'WAL_CORRUPT');
    expect(error.message).toContain(`partition ${p} segment ${segmentName(first)} offset ${victim.offset} lsn ${victim.lsn}`);
    expect({ primary: snapshotDir(dirs.primary), mirror: snapshotDir(dirs.mirror) }).toEqual(before);
  });
});

describe('a bad frame met by a scan after open', () => {
  // The log is open; a record that is durable (in the page cache) is damaged
  // in the primary behind the writer's back.
  async function openWithData(rng: Rng): Promise<{ dirs: { primary: string; mirror: string }; wal: Wal; model: LogModel }> {
    const root = temp.make('wal-mirror-live-');
    const dirs = { primary: path.join(root, 'primary'), mirror: path.join(root, 'mirror') };
    const m = new LogModel(1);
    const wal = await Wal.open(dirs.primary, { partitions: 1, segmentBytes: SEGMENT_BYTES, mirrorDir: dirs.mirror });
    await writeRandomLog(wal, rng, m, { bytesPerPartition: 1_300_000 });
    return { dirs, wal, model: m };
  }

  it('is served from the mirror and written back (scan, then verify)', async () => {
    const rng = new Rng(SEED + 6);
    const { dirs, wal, model: m } = await openWithData(rng);
    try {
      const firsts = fs.readdirSync(path.join(dirs.primary, 'p000')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
      expect(firsts.length).toBeGreaterThanOrEqual(2);
      // One record in the sealed first segment, one in the active segment.
      for (const first of [firsts[0], firsts[firsts.length - 1]]) {
        const file = segmentPath(dirs.primary, 0, first);
        const victim = recordIn(dirs.primary, 0, first, rng);
        const offset = victim.offset + HEADER_BYTES + rng.int(0, victim.payloadSize - 1);
        const good = readAt(file, victim.offset, victim.size);
        const ctx = `seed ${SEED + 6}: segment ${segmentName(first)} record lsn ${victim.lsn} byte ${offset}`;
        await withContext(ctx, async () => {
          const bad = readAt(file, offset, 1);
          bad[0] ^= 0x5a;
          writeAt(file, offset, bad);
          expect(readAt(file, offset, 1)).toEqual(bad);

          const read = await readPartition(wal, 0, 0, 500);
          expectRecords(read, m.records[0], 'scan');
          // The good frame was written back over the bad one.
          expect(readAt(file, victim.offset, victim.size).equals(good)).toBe(true);
          expect(await wal.verify(0)).toEqual({ records: m.records[0].length, bytes: expect.any(Number), healed: 0 });

          // Damage it again: verify meets it and heals it.
          writeAt(file, offset, bad);
          const v = await wal.verify(0);
          expect(v.records).toBe(m.records[0].length);
          expect(v.healed).toBeGreaterThanOrEqual(1);
          expect(readAt(file, victim.offset, victim.size).equals(good)).toBe(true);
        });
      }
      // The log is still writable and both copies agree after close.
      const more = Buffer.from('still writable');
      expect(await wal.append(0, more)).toBe(m.records[0].length);
      m.records[0].push(more);
    } finally {
      await wal.close();
    }
    for (const dir of [dirs.primary, dirs.mirror]) {
      expect((await inspectLog(dir)).result[0].verdict).toBe('ok');
      const { records } = await readLog(dir);
      expectRecords(records[0], m.records[0], dir);
    }
    expect(snapshotDir(dirs.mirror)).toEqual(snapshotDir(dirs.primary));
  });

  it('without a mirror is an error, never served', async () => {
    const rng = new Rng(SEED + 7);
    const dir = temp.make('wal-nomirror-live-');
    const m = new LogModel(1);
    const wal = await Wal.open(dir, { partitions: 1, segmentBytes: SEGMENT_BYTES });
    try {
      await writeRandomLog(wal, rng, m, { bytesPerPartition: 300_000 });
      const victim = recordIn(dir, 0, 0, rng);
      const offset = victim.offset + HEADER_BYTES + rng.int(0, victim.payloadSize - 1);
      flipBit(segmentPath(dir, 0, 0), offset, 1);
      const served: Buffer[] = [];
      const error = await expectWalError(
        (async () => {
          for await (const batch of wal.scan(0, 0, 100)) for (const r of batch) served.push(Buffer.from(r.payload));
        })(),
        'WAL_CORRUPT',
      );
      expect(error.message).toContain(`partition 0 segment ${segmentName(0)} offset ${victim.offset} lsn ${victim.lsn}`);
      // Everything before the bad record, nothing from it on.
      expect(served.length).toBeLessThanOrEqual(victim.lsn);
      expectRecords(served, m.records[0].slice(0, served.length), 'served before the error');
      await expectWalError(wal.verify(0), 'WAL_CORRUPT');
      // Appends go on; the damage is the reader's to report, not the writer's.
      expect(await wal.append(0, Buffer.from('x'))).toBe(m.records[0].length);
    } finally {
      await wal.close();
    }
  });
});

it.each(['io_uring', 'sync'] as const)('%s: an I/O error on either copy fails the append (acked only when both are durable)', async (ioMode) => {
  // Writes 0 and 1 are the two copies of flush 0; write 3 is a copy of flush 1.
  const root = temp.make('wal-mirror-fault-');
  const dirs = { primary: path.join(root, 'primary'), mirror: path.join(root, 'mirror') };
  const wal = await Wal.open(dirs.primary, { partitions: 1, segmentBytes: SEGMENT_BYTES, mirrorDir: dirs.mirror, ioMode, faults: { writeErrorAt: 3 } });
  try {
    expect(await wal.append(0, Buffer.from('one'))).toBe(0);
    const e = await expectWalError(wal.append(0, Buffer.from('two')), 'WAL_IO_ERROR');
    expect(e).toBeInstanceOf(WalError);
    expect(e.errno).toBe(5);
    expect(wal.durableLsns()).toEqual([0]);
  } finally {
    await wal.close();
  }
  // Reopen heals whichever copy is behind; the acked record is in both.
  const wal2 = await Wal.open(dirs.primary, { partitions: 1, segmentBytes: SEGMENT_BYTES, mirrorDir: dirs.mirror });
  try {
    const records = await readPartition(wal2, 0);
    expect(records[0].toString()).toBe('one');
  } finally {
    await wal2.close();
  }
  expect(snapshotDir(dirs.mirror)).toEqual(snapshotDir(dirs.primary));
});
