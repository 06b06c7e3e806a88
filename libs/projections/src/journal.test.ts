import type { JournalLine, RecordedEvent } from '@app/domain';
import { temporaryReadModel } from '@app/read-model';
import { GeneralLedger } from './journal';

const line = (account: string, debit: string, credit: string, effectiveDate?: string): JournalLine => ({
  account,
  currency: 'EUR',
  debit,
  credit,
  ...(effectiveDate === undefined ? {} : { effectiveDate }),
});

function recorded(effectiveDate: string, recordedAt: string, lines: JournalLine[]): RecordedEvent {
  return {
    type: 'PolicyEndorsed',
    v: 1,
    entity: { kind: 'policy', id: 'P-1' },
    effectiveDate,
    payload: {},
    journal: { lines },
    recordedAt,
    bookingPeriod: effectiveDate.slice(0, 7),
    commandId: '0'.repeat(31) + '1',
    actor: 'test',
  };
}

const T1 = '2025-02-01T00:00:00.000000001Z';
const T2 = '2025-02-01T00:00:00.000000002Z';

describe('GeneralLedger', () => {
  const store = temporaryReadModel();
  afterAll(() => store.dispose());
  const ledger = new GeneralLedger(store.model);
  const checkpoint = () => ({ positions: [], through: T2, records: 2, closes: [] });
  store.model.commit(() => {
    // An event without line dates (every line on its event's date), then one with a line pair dated later.
    ledger.add(recorded('2025-01-09', T1, [line('r:EUR:p', '417.43', '0.00'), line('w:EUR:p', '0.00', '417.43')]));
    ledger.add(
      recorded('2025-01-02', T2, [
        line('r:EUR:p', '23559.70', '0.00'),
        line('w:EUR:p', '0.00', '23559.70'),
        line('w:EUR:p', '0.01', '0.00', '2025-01-09'),
        line('r:EUR:p', '0.00', '0.01', '2025-01-09'),
      ]),
    );
  }, checkpoint);
  const written = (asOf: string, knownAt: string) => ledger.trialBalance(asOf, knownAt).accounts.find((a) => a.account === 'w:EUR:p')?.credit;

  it('counts a line on its own effectiveDate, else on its event date', () => {
    expect(written('2025-01-01', T2)).toBeUndefined();
    expect(written('2025-01-02', T2)).toBe('23559.70');
    expect(written('2025-01-08', T2)).toBe('23559.70');
    expect(written('2025-01-09', T2)).toBe('23977.12');
    expect(written('2025-12-31', T2)).toBe('23977.12');
  });

  it('still cuts by recordedAt, and balances at every asOf', () => {
    expect(written('2025-01-09', T1)).toBe('417.43');
    expect(written('2025-01-08', T1)).toBeUndefined();
    for (const asOf of ['2025-01-02', '2025-01-08', '2025-01-09']) {
      const { totals } = ledger.trialBalance(asOf, T2);
      expect(totals.debit).toBe(totals.credit);
    }
  });
});
