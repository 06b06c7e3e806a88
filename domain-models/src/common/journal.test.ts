import { Decimal } from './decimal';
import { type JournalLine, assertBalanced, lineEffectiveDate, pair } from './journal';

const line = (account: string, debit: string, credit: string, effectiveDate?: string): JournalLine => ({
  account,
  currency: 'EUR',
  debit,
  credit,
  ...(effectiveDate === undefined ? {} : { effectiveDate }),
});

describe('journal lines with their own effective date', () => {
  it('pair dates both lines only when asked', () => {
    expect(pair('a', 'b', 'EUR', new Decimal('-1.5'))).toEqual([line('b', '1.50', '0.00'), line('a', '0.00', '1.50')]);
    expect(pair('a', 'b', 'EUR', new Decimal('0.01'), '2025-01-09')).toEqual([line('a', '0.01', '0.00', '2025-01-09'), line('b', '0.00', '0.01', '2025-01-09')]);
    expect(lineEffectiveDate(line('a', '1.00', '0.00'), '2025-01-02')).toBe('2025-01-02');
    expect(lineEffectiveDate(line('a', '1.00', '0.00', '2025-01-09'), '2025-01-02')).toBe('2025-01-09');
  });

  it('must balance per currency on each date, not only over the entry', () => {
    const balancedPerDate = { lines: [line('a', '1.00', '0.00'), line('b', '0.00', '1.00'), line('a', '0.00', '0.01', '2025-01-09'), line('b', '0.01', '0.00', '2025-01-09')] };
    expect(() => assertBalanced(balancedPerDate, '2025-01-02')).not.toThrow();
    expect(() => assertBalanced(balancedPerDate)).not.toThrow();
    const acrossDates = { lines: [line('a', '1.00', '0.00'), line('b', '0.00', '1.00', '2025-01-09')] };
    expect(() => assertBalanced(acrossDates, '2025-01-02')).toThrow(/does not balance in EUR on/);
    expect(() => assertBalanced(acrossDates)).toThrow(/does not balance in EUR on/);
    // An explicit line date equal to the event date is that date.
    expect(() => assertBalanced({ lines: [line('a', '1.00', '0.00'), line('b', '0.00', '1.00', '2025-01-02')] }, '2025-01-02')).not.toThrow();
  });

  it('refuses a line dated before its event', () => {
    const early = { lines: [line('a', '1.00', '0.00', '2025-01-01'), line('b', '0.00', '1.00', '2025-01-01')] };
    expect(() => assertBalanced(early, '2025-01-02')).toThrow(/before its event/);
  });
});
