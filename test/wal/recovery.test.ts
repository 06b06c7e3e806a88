// Recovery: truncations and bit flips at random offsets of a real multi-segment
// log are always classified (torn tail or corruption) and never served.
//
// One base log (2 partitions, 1 MiB segments, random batches of random-size
// records) is written once; every round damages a fresh copy of it. All
// randomness comes from a seeded PRNG: set WAL_TEST_SEED to replay a failure.
import * as fs from 'fs';
import * as path from 'path';

import { inspectLog, Wal, WalError } from '@app/wal';
import {
  copyDir,
  expectRecords,
  expectWalError,
  flipBit,
  frameBytes,
  frameCrc,
  Frame,
  HEADER_BYTES,
  listSegments,
  LogModel,
  partitionDir,
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

const SEED = suiteSeed(0x5eed2024);
const PARTITIONS = 2;
const OPTIONS = { partitions: PARTITIONS, segmentBytes: SEGMENT_BYTES };
const ROUNDS = 24;

const temp = new TempDirs();
let baseDir = '';
let model: LogModel;
/** Segment summaries of the base log, per partition (from inspectLog). */
let segments: Array<Array<{ firstLsn: number; records: number; usedBytes: number; sealed: boolean }>>;
/** Frames of every segment of the base log, per partition, by first LSN. */
let frames: Array<Map<number, Frame[]>>;

beforeAll(async () => {
  baseDir = temp.make('wal-recovery-base-');
  model = new LogModel(PARTITIONS);
  const wal = await Wal.open(baseDir, OPTIONS);
  try {
    const rng = new Rng(SEED);
    await writeRandomLog(wal, rng, model, { bytesPerPartition: 2_400_000 });
    // The last segment is where torn tails are told from corruption: give it
    // a fair share of the data (several hundred KiB in every partition).
    while (wal.status().partitions.some((s) => s.writeOffset < 300_000)) {
      await writeRandomLog(wal, rng, model, { bytesPerPartition: 60_000 });
    }
  } finally {
    await wal.close();
  }
  const inspected = await inspectLog(baseDir);
  segments = inspected.result.map((r) => r.segments);
  frames = segments.map((segs, p) => new Map(segs.map((s) => [s.firstLsn, readSegmentFrames(baseDir, p, s.firstLsn)])));
  // The base log must be what the suite needs: clean, several segments, and
  // our own reading of the frames must agree with the library's.
  for (let p = 0; p < PARTITIONS; p++) {
    const ctx = `seed ${SEED}: base log partition ${p}`;
    expect({ ctx, verdict: inspected.result[p].verdict }).toEqual({ ctx, verdict: 'ok' });
    expect({ ctx, records: inspected.result[p].records }).toEqual({ ctx, records: model.records[p].length });
    expect(segments[p].length).toBeGreaterThanOrEqual(3);
    for (const s of segments[p]) {
      const f = frames[p].get(s.firstLsn)!;
      expect({ ctx, usedBytes: f.length ? f[f.length - 1].end : 0 }).toEqual({ ctx, usedBytes: s.usedBytes });
      expect({ ctx, records: f.filter((x) => !x.pad).length }).toEqual({ ctx, records: s.records });
    }
  }
}, 60_000);

afterAll(() => temp.cleanup());

/** A fresh copy of the base log. */
function copyOfBase(): string {
  const dir = path.join(temp.make('wal-recovery-'), 'log');
  copyDir(baseDir, dir);
  return dir;
}

function frameAt(list: Frame[], offset: number): Frame {
  const f = list.find((x) => x.offset <= offset && offset < x.end);
  if (!f) throw new Error(`no frame holds offset ${offset}`);
  return f;
}

async function expectCleanReopen(dir: string, expected: Buffer[][], ctx: string): Promise<void> {
  const { records, wal } = await readLog(dir, OPTIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    const r = wal.report.partitions[p];
    expect({ ctx, p, defect: r.defect, nextLsn: r.nextLsn }).toEqual({ ctx, p, defect: null, nextLsn: expected[p].length });
    expectRecords(records[p], expected[p], `${ctx}: reopen, partition ${p}`);
  }
  const inspected = await inspectLog(dir);
  expect({ ctx, verdicts: inspected.result.map((r) => r.verdict) }).toEqual({ ctx, verdicts: ['ok', 'ok'] });
}

describe('a truncated last segment is a torn tail', () => {
  // Round 0 cuts at 0, round 1 exactly at the end of the data, rounds 2..5 on
  // frame boundaries (after a complete batch, inside a batch), the rest anywhere.
  it.each(Array.from({ length: ROUNDS }, (_, i) => i))('round %i', async (round) => {
    const rng = new Rng(SEED + 1000 + round);
    const p = rng.int(0, PARTITIONS - 1);
    const seg = segments[p][segments[p].length - 1];
    const list = frames[p].get(seg.firstLsn)!;
    let cut: number;
    if (round === 0) cut = 0;
    else if (round === 1) cut = seg.usedBytes;
    else if (round < 6 && list.length > 0) cut = rng.pick(list).end;
    else cut = rng.int(0, seg.usedBytes);
    const ctx = `seed ${SEED} round ${round}: partition ${p} last segment ${segmentName(seg.firstLsn)} cut at ${cut} of ${seg.usedBytes} used bytes`;

    // What recovery must keep: every batch whose last frame lies before the cut.
    let commitLsn = seg.firstLsn;
    let commitOffset = 0;
    let dropped = 0;
    for (const f of list) {
      if (f.end > cut) break;
      if (f.pad || f.batchEnd) {
        if (!f.pad) commitLsn = f.lsn + 1;
        commitOffset = f.end;
        dropped = 0;
      } else {
        dropped++;
      }
    }

    const dir = copyOfBase();
    const file = segmentPath(dir, p, seg.firstLsn);
    fs.truncateSync(file, cut);

    await withContext(ctx, async () => {
      const wal = await Wal.open(dir, OPTIONS);
      let closed = false;
      try {
        const r = wal.report.partitions[p];
        expect(r.nextLsn).toBe(commitLsn);
        // Each appendBatch is atomic: the log ends on a batch boundary.
        expect(commitLsn === 0 || model.batchEnds[p].has(commitLsn - 1)).toBe(true);
        if (cut === seg.usedBytes && r.defect === null) {
          // Nothing was lost: the cut removed only preallocated zeros.
        } else {
          expect(r.defect).toMatchObject({
            torn: true,
            segment: seg.firstLsn,
            offset: commitOffset,
            lsn: commitLsn,
            recordsDropped: dropped,
            repaired: true,
          });
          expect(wal.report.notes.join('\n')).toContain(`partition ${p}: torn tail truncated`);
        }
        const other = 1 - p;
        expect(wal.report.partitions[other].defect).toBeNull();
        expect(wal.report.partitions[other].nextLsn).toBe(model.records[other].length);
        // The repair restores the preallocated size.
        expect(fs.statSync(file).size).toBe(SEGMENT_BYTES);

        expectRecords(await readPartition(wal, p), model.records[p].slice(0, commitLsn), `${ctx}: partition ${p}`);
        expectRecords(await readPartition(wal, other), model.records[other], `${ctx}: partition ${other}`);

        // The log goes on from the cut.
        expect(wal.status().partitions[p].nextLsn).toBe(commitLsn);
        const more = [rng.bytes(rng.int(0, 3000)), rng.bytes(rng.int(0, 3000)), rng.bytes(17)];
        expect(await wal.appendBatch(p, more)).toEqual([commitLsn, commitLsn + 1, commitLsn + 2]);
        const single = rng.bytes(100);
        expect(await wal.append(other, single)).toBe(model.records[other].length);
        expect(wal.status().partitions[p]).toMatchObject({ durableLsn: commitLsn + 2, nextLsn: commitLsn + 3 });
        await wal.close();
        closed = true;

        const expected = [model.records[0], model.records[1]].map((list2) => list2.slice());
        expected[p] = model.records[p].slice(0, commitLsn).concat(more);
        expected[other] = model.records[other].concat([single]);
        await expectCleanReopen(dir, expected, ctx);
      } finally {
        if (!closed) await wal.close();
      }
    });
  });
});

describe('a flipped bit is corruption, refused without touching the files', () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i))('round %i', async (round) => {
    const rng = new Rng(SEED + 2000 + round);
    const p = rng.int(0, PARTITIONS - 1);
    // Even rounds hit the last segment, odd rounds a sealed one.
    const index = round % 2 === 0 ? segments[p].length - 1 : rng.int(0, segments[p].length - 2);
    const seg = segments[p][index];
    const last = index === segments[p].length - 1;
    const list = frames[p].get(seg.firstLsn)!;
    let offset: number;
    let frame: Frame;
    // The 0..7 alignment bytes after a record's payload are outside its CRC:
    // 'a flip in the alignment padding of a record is detected' covers them.
    // Every fourth round aims at a frame header, where the classification is subtle.
    do {
      offset = round % 4 === 2 ? rng.pick(list).offset + rng.int(0, HEADER_BYTES - 1) : rng.int(0, seg.usedBytes - 1);
      frame = frameAt(list, offset);
    } while (!frame.pad && offset >= frame.offset + HEADER_BYTES + frame.payloadSize);
    const bit = rng.int(0, 7);
    const finalPad = last && frame === list[list.length - 1] && frame.pad;
    const what = frame.pad ? `pad (lsn ${frame.lsn})` : `record lsn ${frame.lsn}`;
    const ctx =
      `seed ${SEED} round ${round}: partition ${p} segment ${segmentName(seg.firstLsn)} (${last ? 'last' : 'sealed'}) ` +
      `bit ${bit} of offset ${offset}, in the ${what} at ${frame.offset}`;

    const dir = copyOfBase();
    const file = segmentPath(dir, p, seg.firstLsn);
    flipBit(file, offset, bit);
    const damaged = snapshotDir(dir);

    await withContext(ctx, async () => {
      let opened: Wal | null = null;
      let refusal: unknown = null;
      try {
        opened = await Wal.open(dir, OPTIONS);
      } catch (e) {
        refusal = e;
      }
      if (opened !== null && finalPad) {
        // The last pad of the log holds no record: a damaged one is a torn
        // tail by design (reader.h). Acceptable only if nothing is lost.
        const wal = opened;
        try {
          expect(wal.report.partitions[p].defect).toMatchObject({ torn: true, recordsDropped: 0 });
          expect(wal.report.partitions[p].nextLsn).toBe(model.records[p].length);
          expectRecords(await readPartition(wal, p), model.records[p], `${ctx}: partition ${p}`);
        } finally {
          await wal.close();
        }
        await expectCleanReopen(dir, model.records, ctx);
        return;
      }
      if (opened !== null) {
        await opened.close();
        throw new Error(`open succeeded on a damaged log: defect ${JSON.stringify(opened.report.partitions[p].defect)}`);
      }
      expect(refusal).toBeInstanceOf(WalError);
      const error = refusal as WalError;
      expect(error.code).toBe('WAL_CORRUPT');
      expect(error.message).toContain(`partition ${p} segment ${segmentName(seg.firstLsn)} offset ${frame.offset} lsn ${frame.lsn}`);
      expect(error.message).toMatch(/^partition \d+ segment \d{20}\.seg offset \d+ lsn \d+: /);
      // No repair on refusal.
      expect(snapshotDir(dir)).toEqual(damaged);

      const inspected = await inspectLog(dir);
      expect(inspected.corrupt).toBe(true);
      expect(inspected.result[p].verdict).toBe('corrupt');
      expect(inspected.result[p].detail).toBe(error.message);
      expect(inspected.result[1 - p].verdict).toBe('ok');
      expect(snapshotDir(dir)).toEqual(damaged);
    });
  });

  it('a flip in the last pad of the log loses nothing', async () => {
    // The pad that ends the last flush holds no record. Damage in it may be
    // taken for a torn tail (reader.h) or refused as corruption; either way no
    // record may be lost.
    for (let p = 0; p < PARTITIONS; p++) {
      const seg = segments[p][segments[p].length - 1];
      const list = frames[p].get(seg.firstLsn)!;
      const pad = list[list.length - 1];
      if (!pad.pad) continue; // the last flush ended on a block boundary
      for (const offset of [pad.offset + 3, pad.offset + HEADER_BYTES + Math.floor((pad.payloadSize * 2) / 3)]) {
        const dir = copyOfBase();
        flipBit(segmentPath(dir, p, seg.firstLsn), offset, 2);
        const damaged = snapshotDir(dir);
        await withContext(`seed ${SEED}: partition ${p} last pad (${pad.size} bytes at ${pad.offset}), offset ${offset}`, async () => {
          let wal: Wal;
          try {
            wal = await Wal.open(dir, OPTIONS);
          } catch (e) {
            expect((e as WalError).code).toBe('WAL_CORRUPT');
            expect((e as WalError).message).toContain(`partition ${p} segment ${segmentName(seg.firstLsn)} offset ${pad.offset} lsn ${pad.lsn}`);
            expect(snapshotDir(dir)).toEqual(damaged);
            return;
          }
          try {
            expect(wal.report.partitions[p].defect).toMatchObject({ torn: true, recordsDropped: 0, lsn: pad.lsn });
            expectRecords(await readPartition(wal, p), model.records[p], `partition ${p}`);
          } finally {
            await wal.close();
          }
          await expectCleanReopen(dir, model.records, 'reopen');
        });
      }
    }
  });

  it('a flip in the alignment padding of a record is detected', async () => {
    // A record whose payload is not a multiple of 8 ends in 1..7 zero bytes
    // that the frame CRC does not cover (format.h). Flipping one is damage
    // like any other; it must not go unnoticed.
    const p = 0;
    const seg = segments[p][0];
    const list = frames[p].get(seg.firstLsn)!;
    const frame = list.find((f) => !f.pad && f.size > HEADER_BYTES + f.payloadSize)!;
    const offset = frame.offset + HEADER_BYTES + frame.payloadSize;
    const dir = copyOfBase();
    flipBit(segmentPath(dir, p, seg.firstLsn), offset, 0);
    const ctx = `seed ${SEED}: partition ${p} sealed segment ${segmentName(seg.firstLsn)}, alignment byte at offset ${offset} of record lsn ${frame.lsn}`;
    await withContext(ctx, async () => {
      const inspected = await inspectLog(dir);
      expect(inspected.result[p].verdict).toBe('corrupt');
      await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
    });
  });

  it('a flipped size bit of an acknowledged record in the last flush does not pass for a torn tail', async () => {
    // The last flush of the log was acknowledged. A bit flip in the size field
    // of its first record makes the frame reach into the zeros after the log,
    // which looks like a lost sector. Every record of that flush was durable
    // and acknowledged: recovery must refuse (corruption), or keep them all.
    const p = 1;
    const seg = segments[p][segments[p].length - 1];
    const list = frames[p].get(seg.firstLsn)!;
    const lastFrame = list[list.length - 1];
    const flushFirst = lastFrame.flushFirst;
    const victim = list.find((f) => !f.pad && f.lsn === flushFirst)!;
    expect(victim).toBeDefined();
    // The lowest clear bit of payload_size that makes the frame reach past the
    // end of the data (into the preallocated zeros), within the record limit.
    let bit = 12;
    while (bit < 20 && ((victim.payloadSize >> bit) & 1 || victim.offset + frameBytes(victim.payloadSize | (1 << bit)) <= seg.usedBytes)) bit++;
    expect(bit).toBeLessThan(20);
    const grown = victim.payloadSize | (1 << bit);
    const dir = copyOfBase();
    const ctx =
      `seed ${SEED}: partition ${p} segment ${segmentName(seg.firstLsn)} record lsn ${victim.lsn} at offset ${victim.offset}` +
      ` (first of the last flush, ${model.records[p].length - victim.lsn} acknowledged records): payload_size ${victim.payloadSize} -> ${grown}`;
    flipBit(segmentPath(dir, p, seg.firstLsn), victim.offset + 12 + (bit >> 3), bit & 7);
    expect(readAt(segmentPath(dir, p, seg.firstLsn), victim.offset + 12, 4).readUInt32LE(0)).toBe(grown);
    await withContext(ctx, async () => {
      let wal: Wal;
      try {
        wal = await Wal.open(dir, OPTIONS);
      } catch (e) {
        expect(e).toBeInstanceOf(WalError);
        expect((e as WalError).code).toBe('WAL_CORRUPT');
        expect((e as WalError).message).toContain(`partition ${p} segment ${segmentName(seg.firstLsn)} offset ${victim.offset} lsn ${victim.lsn}`);
        return;
      }
      try {
        expect({ nextLsn: wal.report.partitions[p].nextLsn, defect: wal.report.partitions[p].defect }).toEqual({
          nextLsn: model.records[p].length,
          defect: null,
        });
      } finally {
        await wal.close();
      }
    });
  });
});

describe('other corruption', () => {
  it.each([0, 1, 2, 3, 4])('a sealed segment cut short (round %i) is refused', async (round) => {
    const rng = new Rng(SEED + 3000 + round);
    const p = rng.int(0, PARTITIONS - 1);
    const index = rng.int(0, segments[p].length - 2);
    const seg = segments[p][index];
    const next = segments[p][index + 1];
    const list = frames[p].get(seg.firstLsn)!;
    const cut = round === 0 ? list[Math.floor(list.length / 2)].offset + 5 : rng.int(1, seg.usedBytes - 1);
    // What the reader meets: the frames wholly before the cut, then the cut.
    let at = 0;
    let lsn = seg.firstLsn;
    let clean = true;
    for (const f of list) {
      if (f.end > cut) break;
      at = f.end;
      lsn = f.pad ? f.lsn : f.lsn + 1;
      clean = f.pad || f.batchEnd;
    }
    clean = clean && at === cut;
    const expected = clean
      ? `partition ${p} segment ${segmentName(next.firstLsn)} offset 0 lsn ${lsn}`
      : `partition ${p} segment ${segmentName(seg.firstLsn)} offset ${at} lsn ${lsn}`;
    const ctx = `seed ${SEED} round ${round}: partition ${p} sealed segment ${segmentName(seg.firstLsn)} cut at ${cut} of ${seg.usedBytes}`;
    const dir = copyOfBase();
    fs.truncateSync(segmentPath(dir, p, seg.firstLsn), cut);
    const damaged = snapshotDir(dir);
    await withContext(ctx, async () => {
      const error = await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
      expect(error.message).toContain(expected);
      expect(snapshotDir(dir)).toEqual(damaged);
      expect((await inspectLog(dir)).result[p].verdict).toBe('corrupt');
    });
  });

  it('a missing middle segment is refused', async () => {
    const p = 0;
    const gone = segments[p][1];
    const dir = copyOfBase();
    fs.unlinkSync(segmentPath(dir, p, gone.firstLsn));
    const error = await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
    expect(error.message).toContain(`partition ${p} segment ${segmentName(segments[p][2].firstLsn)} offset 0 lsn ${gone.firstLsn}`);
  });

  it("a segment of another partition in a partition's folder is refused", async () => {
    const dir = copyOfBase();
    // Same name (first LSN 0) in both partitions: a misdirected file.
    fs.copyFileSync(segmentPath(dir, 0, 0), segmentPath(dir, 1, 0));
    const error = await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
    expect(error.message).toContain(`partition 1 segment ${segmentName(0)} offset 0 lsn 0`);
  });

  it('a well-formed record that breaks the chain is refused', async () => {
    // Rewrite a record of the last segment with a wrong prev_crc and a CRC that
    // matches: each frame checks out alone, only the chain can tell.
    const p = 0;
    const seg = segments[p][segments[p].length - 1];
    const list = frames[p].get(seg.firstLsn)!;
    const victim = list.filter((f) => !f.pad)[1];
    const dir = copyOfBase();
    const file = segmentPath(dir, p, seg.firstLsn);
    const bytes = readAt(file, victim.offset, victim.size);
    bytes.writeUInt32LE((bytes.readUInt32LE(8) ^ 0x1) >>> 0, 8);
    bytes.writeUInt32LE(frameCrc(bytes, victim.payloadSize), 4);
    writeAt(file, victim.offset, bytes);
    expect(frameBytes(victim.payloadSize)).toBe(victim.size);
    const error = await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
    expect(error.message).toContain(`partition ${p} segment ${segmentName(seg.firstLsn)} offset ${victim.offset} lsn ${victim.lsn}`);
    expect(error.message).toContain('chain');
  });

  it('an unexpected file in a partition folder is refused', async () => {
    const dir = copyOfBase();
    fs.writeFileSync(path.join(partitionDir(dir, 1), 'notes.txt'), 'hello');
    await expectWalError(Wal.open(dir, OPTIONS), 'WAL_CORRUPT');
    fs.unlinkSync(path.join(partitionDir(dir, 1), 'notes.txt'));
    await expectCleanReopen(dir, model.records, `seed ${SEED}: after removing the stray file`);
  });
});

describe('what is not a log, or not this log', () => {
  it('a non-empty directory without a manifest is WAL_NOT_A_LOG, and is left alone', async () => {
    const dir = temp.make('wal-notalog-');
    fs.writeFileSync(path.join(dir, 'important.txt'), 'not a log');
    const before = snapshotDir(dir);
    await expectWalError(Wal.open(dir, OPTIONS), 'WAL_NOT_A_LOG');
    await expectWalError(Wal.open(dir), 'WAL_NOT_A_LOG');
    await expectWalError(inspectLog(dir), 'WAL_NOT_A_LOG');
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('an empty directory is WAL_NOT_A_LOG with create: false, a new log without', async () => {
    const dir = temp.make('wal-empty-');
    await expectWalError(Wal.open(dir, { ...OPTIONS, create: false }), 'WAL_NOT_A_LOG');
    expect(fs.readdirSync(dir)).toEqual([]);
    const wal = await Wal.open(dir, OPTIONS);
    try {
      expect(wal.report.created).toBe(true);
      expect(wal.partitions).toBe(PARTITIONS);
    } finally {
      await wal.close();
    }
    expect(listSegments(dir, 0)).toEqual([0]);
  });

  it('options that disagree with the manifest are WAL_OPTION_MISMATCH; the log is unchanged', async () => {
    const dir = copyOfBase();
    const before = snapshotDir(dir);
    await expectWalError(Wal.open(dir, { partitions: 3, segmentBytes: SEGMENT_BYTES }), 'WAL_OPTION_MISMATCH');
    await expectWalError(Wal.open(dir, { partitions: 1 }), 'WAL_OPTION_MISMATCH');
    await expectWalError(Wal.open(dir, { partitions: PARTITIONS, segmentBytes: 2 * SEGMENT_BYTES }), 'WAL_OPTION_MISMATCH');
    expect(snapshotDir(dir)).toEqual(before);
    // Without options the manifest decides.
    const { records, wal } = await readLog(dir);
    expect(wal.partitions).toBe(PARTITIONS);
    expect(wal.report.created).toBe(false);
    for (let p = 0; p < PARTITIONS; p++) expectRecords(records[p], model.records[p], `seed ${SEED}: partition ${p}`);
  });
});
