import type { JournalLine, RecordedEvent } from '@app/domain';
import { temporaryReadModel } from '@app/read-model';
import { Projections } from './projections';

const line = (account: string, debit: string, credit: string, effectiveDate?: string): JournalLine => ({
  account,
  currency: 'EUR',
  debit,
  credit,
  ...(effectiveDate === undefined ? {} : { effectiveDate }),
});

function recorded(effectiveDate: string, recordedAt: string, lines: JournalLine[]): RecordedEvent {
  return {
    type: 'Posted',
    v: 1,
    entity: { kind: 'ledger', id: 'journal' },
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

describe('trial balance from the general ledger series', () => {
  const store = temporaryReadModel();
  afterAll(() => store.dispose());
  const projections = new Projections({ closedAt: () => undefined }, store.model);
  const apply = (recordedAt: string, event: RecordedEvent) =>
    store.model.commit(
      () => projections.apply({ commandId: event.commandId, requestHash: 'h', path: '/t', actor: 'test', recordedAt, status: 201, body: {}, events: [event] }),
      () => ({ positions: [], through: recordedAt, records: 1, closes: [] }),
    );
  // An event without line dates (every line on its event's date), then one with a line pair dated later.
  apply(T1, recorded('2025-01-09', T1, [line('r:EUR:p', '417.43', '0.00'), line('w:EUR:p', '0.00', '417.43')]));
  apply(
    T2,
    recorded('2025-01-02', T2, [
      line('r:EUR:p', '23559.70', '0.00'),
      line('w:EUR:p', '0.00', '23559.70'),
      line('w:EUR:p', '0.01', '0.00', '2025-01-09'),
      line('r:EUR:p', '0.00', '0.01', '2025-01-09'),
    ]),
  );
  const written = (asOf: string, knownAt: string) => projections.reports.controlAccounts(asOf, knownAt).accounts.find((a) => a.account === 'w:EUR')?.credit;
  const subledger = (asOf: string, knownAt: string) => projections.reports.subledger(asOf, knownAt, { limit: 10, cursor: null }).lines;

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
      const { totals } = projections.reports.controlAccounts(asOf, T2);
      expect(totals.debit).toBe(totals.credit);
    }
  });

  it('keeps entity accounts in the subledger, summing to their control accounts', () => {
    expect(subledger('2025-01-09', T2)).toEqual([
      { account: 'r:EUR:p', control: 'r:EUR', debit: '23977.12', credit: '0.00' },
      { account: 'w:EUR:p', control: 'w:EUR', debit: '0.00', credit: '23977.12' },
    ]);
    expect(subledger('2025-01-08', T1)).toEqual([]);
    expect(projections.reports.subledger('2025-01-09', T2, { limit: 1, cursor: null })).toEqual({ lines: [subledger('2025-01-09', T2)[0]], nextCursor: 'r:EUR:p' });
    expect(projections.reports.subledger('2025-01-09', T2, { limit: 1, cursor: 'r:EUR:p' })).toEqual({ lines: [subledger('2025-01-09', T2)[1]], nextCursor: null });
  });

  it('lists an account from its first line on: a page at an earlier knownAt skips it, a later one shows it', () => {
    const T3 = '2025-02-01T00:00:00.000000003Z';
    apply(T3, recorded('2025-01-03', T3, [line('a:EUR:q', '5.00', '0.00'), line('w:EUR:p', '0.00', '5.00')]));
    expect(subledger('2025-01-09', T2).map((l) => l.account)).toEqual(['r:EUR:p', 'w:EUR:p']);
    expect(subledger('2025-01-09', T3)).toEqual([
      { account: 'a:EUR:q', control: 'a:EUR', debit: '5.00', credit: '0.00' },
      { account: 'r:EUR:p', control: 'r:EUR', debit: '23977.12', credit: '0.00' },
      { account: 'w:EUR:p', control: 'w:EUR', debit: '0.00', credit: '23982.12' },
    ]);
    expect(projections.reports.subledger('2025-01-09', T2, { limit: 1, cursor: null })).toEqual({ lines: [subledger('2025-01-09', T2)[0]], nextCursor: 'r:EUR:p' });
  });
});
