// A period close moves the stamped watermark at once (later commands book
// into the next open month) but is visible to queries and to the state
// digest only once durable: an unacknowledged close is never served.
import { openLedger, digestLedger } from '@app/projections';
import type { LogPort, LogRecord } from '@app/event-store';
import { freshReadModel as readModel } from '../support/read-models';


/** A log whose appends complete only when the test says so. */
class HeldLog implements LogPort {
  readonly partitions = 1;
  readonly recordBytesMax = 1 << 20;
  readonly batchRecordsMax = 8192;
  readonly batchBytesMax = 3_000_000;
  readonly records: Buffer[] = [];
  private held: (() => void)[] = [];

  appendBatch(_partition: number, records: Buffer[]): Promise<number[]> {
    return new Promise((resolve) =>
      this.held.push(() => {
        this.records.push(...records);
        resolve(records.map((_, i) => this.records.length - records.length + i));
      }),
    );
  }

  release(): void {
    for (const done of this.held.splice(0)) done();
  }

  async *scan(): AsyncIterable<LogRecord[]> {
    yield this.records.map((payload, lsn) => ({ lsn, payload }));
  }

  async close(): Promise<void> {}
}

test('a close is booked at once, served only once durable', async () => {
  const log = new HeldLog();
  const ledger = await openLedger(log, readModel());
  const before = digestLedger(ledger).stateHash;
  const close = ledger.store.stamp({
    commandId: '0000000000000000000000000000000a',
    requestHash: 'h',
    path: '/v1/periods/2026-01/close',
    actor: 'finance',
    partitionKey: 'ledger/periods',
    status: 201,
    events: [
      {
        type: 'PeriodClosed',
        v: 1,
        entity: { kind: 'ledger', id: 'periods' },
        effectiveDate: '2026-01-31',
        payload: { through: '2026-01', previouslyClosedThrough: null, trueUps: [] },
        journal: { lines: [] },
      },
    ],
    body: () => ({}),
  });
  const durable = ledger.store.persist([close], 'ledger/periods');
  // Stamped: new commands book past January ...
  expect(ledger.store.calendar.bookingPeriod('2026-01-15')).toBe('2026-02');
  // ... but no query or digest sees the close before it is durable.
  expect(ledger.store.appliedCalendar.isClosed('2026-01')).toBe(false);
  expect(digestLedger(ledger).stateHash).toBe(before);
  log.release();
  await durable;
  expect(ledger.store.appliedCalendar.closedAt('2026-01')).toBe(close.recordedAt);
  expect(digestLedger(ledger).stateHash).not.toBe(before);
});
