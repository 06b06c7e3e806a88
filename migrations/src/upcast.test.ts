import { UPCASTERS, upcast, type Upcaster } from '@app/migrations';

test('an event is upcast step by step to its latest version; unknown types and current versions pass through', () => {
  const registry: Record<string, Record<number, Upcaster>> = {
    PolicyBound: {
      1: (p) => ({ ...p, holder: { name: p.holderName } }),
      2: ({ holderName: _dropped, ...rest }) => ({ ...rest, channel: 'direct' }),
    },
  };
  const v1 = { type: 'PolicyBound', v: 1, payload: { holderName: 'Ann', premium: '3000.00' } };
  expect(upcast(v1, registry)).toEqual({
    type: 'PolicyBound',
    v: 3,
    payload: { premium: '3000.00', holder: { name: 'Ann' }, channel: 'direct' },
  });
  const current = { type: 'PolicyBound', v: 3, payload: { premium: '1.00' } };
  expect(upcast(current, registry)).toBe(current);
  const other = { type: 'ClaimPaid', v: 1, payload: {} };
  expect(upcast(other, registry)).toBe(other);
});

test('no released event type needs an upcaster yet: every stored version is current', () => {
  expect(Object.keys(UPCASTERS)).toEqual([]);
});
