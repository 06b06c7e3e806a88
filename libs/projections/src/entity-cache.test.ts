import { EntityCache } from './history';

const entry = (n: number) => ({ state: n, count: n, lastAt: String(n) });

test.each([1, 2, 3, 10, 1001])('a cache of %i never holds more than its capacity, and keeps what was used since the last eviction', (capacity) => {
  const cache = new EntityCache(capacity);
  for (let i = 0; i < capacity * 5 + 7; i++) {
    cache.set(`k${i}`, entry(i));
    expect(cache.size).toBeLessThanOrEqual(capacity);
    // The entry just set is always there.
    expect(cache.peek(`k${i}`)?.count).toBe(i);
  }
  expect(cache.size).toBeGreaterThanOrEqual(Math.max(1, Math.floor(capacity / 2)));
});

test('a get keeps a hot entry through evictions; a peek does not make it recent', () => {
  const cache = new EntityCache(10);
  cache.set('hot', entry(-1));
  cache.set('cold', entry(-2));
  for (let i = 0; i < 100; i++) {
    cache.set(`k${i}`, entry(i));
    expect(cache.get('hot')?.count).toBe(-1);
    if (i < 3) cache.peek('cold');
  }
  expect(cache.peek('cold')).toBeUndefined();
  expect(cache.get('hot')?.state).toBe(-1);
});

test('capacity must be a positive integer', () => {
  expect(() => new EntityCache(0)).toThrow(/positive integer/);
  expect(() => new EntityCache(1.5)).toThrow(/positive integer/);
});
