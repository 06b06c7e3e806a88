import { AppendLog, Decimal } from '@app/domain';
import { canonical } from './canonical';

describe('canonical', () => {
  it('ignores key and map insertion order, keeps list order', () => {
    const a = { b: 1, a: new Map([['y', 2], ['x', 1]]), list: [3, 1] };
    const b = { list: [3, 1], a: new Map([['x', 1], ['y', 2]]), b: 1 };
    expect(canonical(a)).toBe(canonical(b));
    expect(canonical({ list: [1, 3] })).not.toBe(canonical({ list: [3, 1] }));
  });

  it('writes decimals by their exact digits and tells apart values JSON would merge', () => {
    expect(canonical(new Decimal('1e-7'))).toBe('d0.0000001');
    expect(canonical(new Decimal('1.50'))).toBe(canonical(new Decimal('1.5')));
    expect(canonical(new Decimal('1.5'))).not.toBe(canonical('1.5'));
    expect(canonical({ a: undefined })).toBe(canonical({}));
    expect(canonical(new Set(['b', 'a']))).toBe(canonical(new Set(['a', 'b'])));
    expect(canonical(AppendLog.empty<number>().append(1, 2))).toBe(canonical([1, 2]));
  });

  it('refuses what has no canonical form', () => {
    expect(() => canonical(NaN)).toThrow(/no canonical form/);
    expect(() => canonical(() => 1)).toThrow(/function/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonical(cycle)).toThrow(/deeper/);
  });
});
