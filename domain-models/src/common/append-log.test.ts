import { AppendLog } from './append-log';

describe('AppendLog', () => {
  it('appends without changing earlier versions', () => {
    const a = AppendLog.empty<number>().append(1, 2);
    const b = a.append(3);
    expect(a.toArray()).toEqual([1, 2]);
    expect(b.toArray()).toEqual([1, 2, 3]);
    expect([...b]).toEqual([1, 2, 3]);
    expect(b.at(2)).toBe(3);
    expect(() => a.at(2)).toThrow(/outside/);
  });

  it('a branch from an older version never sees the newer items, nor they its', () => {
    const base = AppendLog.empty<string>().append('x');
    const overlay = base.append('batch-1', 'batch-2');
    const real = base.append('real');
    expect(overlay.toArray()).toEqual(['x', 'batch-1', 'batch-2']);
    expect(real.toArray()).toEqual(['x', 'real']);
    expect(base.toArray()).toEqual(['x']);
    const next = real.append('after');
    expect(next.toArray()).toEqual(['x', 'real', 'after']);
    expect(overlay.append('more').toArray()).toEqual(['x', 'batch-1', 'batch-2', 'more']);
    expect(real.toArray()).toEqual(['x', 'real']);
  });
});
