// Report series as the read model stores them: per commit, the last step
// (and every step when there were several), so a total as known at any
// instant is exact, inside a commit's steps too.
import { checkDataFile } from './lmdb-read-model';
import { temporaryReadModel } from './open-read-model';

const at = (n: number) => `2026-01-01T00:00:00.${String(n).padStart(9, '0')}Z`;

describe('report series', () => {
  const { model, dispose } = temporaryReadModel('series-test-');
  afterAll(() => dispose());
  const commit = (steps: [number, bigint][]) =>
    model.commit(
      () => {
        for (const [n, cents] of steps) model.addToSeries('premium', 'earned', 'EUR', '2026-03', at(n), cents);
      },
      () => ({ positions: [], through: at(steps[steps.length - 1][0]), records: steps.length, closes: [] }),
    );

  it('answers every instant: before, inside and between commits, after', () => {
    commit([[10, 100n]]);
    commit([
      [20, 5n],
      [30, -7n],
      [30, 1n],
      [40, 50n],
    ]);
    commit([[50, 1000n]]);
    const expected: [number, bigint | undefined][] = [
      [9, undefined],
      [10, 100n],
      [15, 100n],
      [20, 105n],
      [29, 105n],
      [30, 99n],
      [39, 99n],
      [40, 149n],
      [49, 149n],
      [50, 1149n],
      [999, 1149n],
    ];
    for (const [n, total] of expected) expect({ n, total: model.seriesAt('premium', 'earned', 'EUR', '2026-03', at(n)) }).toEqual({ n, total });
    expect(model.seriesAt('premium', 'earned', 'EUR', '2026-04', at(999))).toBeUndefined();
    expect(model.seriesBuckets('premium', 'earned')).toEqual([{ currency: 'EUR', bucket: '2026-03' }]);
  });

  it('an aborted commit leaves no step behind', () => {
    expect(() =>
      model.commit(
        () => {
          model.addToSeries('premium', 'earned', 'EUR', '2026-03', at(60), 1n);
          throw new Error('abort');
        },
        () => ({ positions: [], through: at(60), records: 1, closes: [] }),
      ),
    ).toThrow('abort');
    expect(model.seriesAt('premium', 'earned', 'EUR', '2026-03', at(999))).toBe(1149n);
    commit([[70, 1n]]);
    expect(model.seriesAt('premium', 'earned', 'EUR', '2026-03', at(999))).toBe(1150n);
  });
});

describe('the data file check before LMDB opens it', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require('node:fs') as typeof import('node:fs');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const path = require('node:path') as typeof import('node:path');

  it('passes a real read model, refuses damaged meta pages and short files, ignores a missing one', async () => {
    const { model, dispose } = temporaryReadModel('datafile-test-');
    const file = path.join(model.dir, 'data.mdb');
    await model.close();
    expect(() => checkDataFile(file)).not.toThrow();
    const good = fs.readFileSync(file);
    const variants: [string, Buffer][] = [
      ['garbage over page 0', Buffer.concat([Buffer.alloc(4096, 0x5a), good.subarray(4096)])],
      ['zeros over page 1', Buffer.concat([good.subarray(0, 4096), Buffer.alloc(4096), good.subarray(8192)])],
      ['cut to 7 bytes', good.subarray(0, 7)],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of variants) {
      fs.writeFileSync(file, bytes);
      expect({ what, threw: (() => { try { checkDataFile(file); return false; } catch { return true; } })() }).toEqual({ what, threw: true });
    }
    fs.rmSync(file);
    expect(() => checkDataFile(file)).not.toThrow();
    await dispose();
  });
});
