// The plain-arithmetic dates agree with Temporal's calendar, exhaustively.
import { Temporal } from 'temporal-polyfill';
import { isIsoDate, lastDay, nextPeriod, previousPeriod } from './dates';

describe('month arithmetic', () => {
  it('lastDay, nextPeriod and previousPeriod equal Temporal on every month of 0001-9998', () => {
    let checked = 0;
    for (let year = 1; year <= 9998; year++) {
      for (let month = 1; month <= 12; month++) {
        const p = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
        const ym = Temporal.PlainYearMonth.from(p);
        const expected = [ym.toPlainDate({ day: 1 }).add({ months: 1 }).subtract({ days: 1 }).toString(), ym.add({ months: 1 }).toString(), ym.subtract({ months: 1 }).toString()];
        const got = [lastDay(p), nextPeriod(p), previousPeriod(p)];
        if (got.join() !== expected.join()) expect({ p, got }).toEqual({ p, got: expected });
        checked++;
      }
    }
    expect(checked).toBe(9998 * 12);
  });

  it('refuses to step outside the years 0000-9999', () => {
    expect(() => nextPeriod('9999-12')).toThrow(RangeError);
    expect(() => previousPeriod('0000-01')).toThrow(RangeError);
    expect(lastDay('2028-02')).toBe('2028-02-29');
    expect(isIsoDate(lastDay('2100-02'))).toBe(true);
  });
});
