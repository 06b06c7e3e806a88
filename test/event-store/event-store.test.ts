// The event store on the real WAL in a temp directory.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DomainEvent } from '@app/domain';
import { CommandRecord, EventStore, LogUnavailableError, WalLog, requestHash, verifyCheckpoint } from '@app/event-store';
import { freshReadModel as readModel } from '../support/read-models';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-'));
  dirs.push(d);
  return path.join(d, 'log');
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

class Collector {
  readonly records: CommandRecord[] = [];
  apply(r: CommandRecord): void {
    this.records.push(r);
  }
}

function event(id: string, date: string, n: number): DomainEvent {
  return { type: 'Noted', v: 1, entity: { kind: 'policy', id }, effectiveDate: date, payload: { n }, journal: { lines: [] } };
}

async function commit(store: EventStore, commandId: string, entity: string, date = '2026-03-10', n = 1): Promise<CommandRecord> {
  const record = store.stamp({
    commandId,
    requestHash: requestHash('/t', { n }),
    path: '/t',
    actor: 'alice',
    partitionKey: `policy/${entity}`,
    status: 201,
    events: [event(entity, date, n)],
    body: (recordedAt) => ({ commandId, recordedAt }),
  });
  await store.persist([record], `policy/${entity}`);
  return record;
}

test('records are applied in recordedAt order and replayed identically after reopen', async () => {
  const dir = tempDir();
  const live = new Collector();
  const store = await EventStore.open(await WalLog.open(dir, { partitions: 4 }), readModel(), [live]);
  const ids = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(32, '0').replace(/^0/, 'a'));
  await Promise.all(ids.map((id, i) => commit(store, id, `P${i % 13}`, '2026-03-10', i)));
  const order = live.records.map((r) => r.recordedAt);
  expect([...order].sort()).toEqual(order);
  expect(new Set(order).size).toBe(200);
  expect(store.horizon).toBe(order[order.length - 1]);
  await store.close();

  const replayed = new Collector();
  const again = await EventStore.open(await WalLog.open(dir), readModel(), [replayed]);
  expect(replayed.records).toEqual(live.records);
  expect(again.outcome(ids[7])?.status).toBe(201);
  // The clock continues after the last instant in the log.
  const next = await commit(again, 'b'.repeat(32), 'P1');
  expect(next.recordedAt > order[order.length - 1]).toBe(true);
  await again.close();
});

test('booking periods follow the close watermark, stamped at record time', async () => {
  const store = await EventStore.open(await WalLog.open(tempDir(), { partitions: 2 }), readModel(), []);
  const close = store.stamp({
    commandId: 'c'.repeat(32), requestHash: 'h', path: '/v1/periods/2026-03/close', actor: 'fin', partitionKey: 'ledger/periods',
    status: 201, events: [{ type: 'PeriodClosed', v: 1, entity: { kind: 'ledger', id: 'periods' }, effectiveDate: '2026-03-31', payload: { through: '2026-03' }, journal: { lines: [] } }],
    body: () => ({}),
  });
  // Stamped after the close but before it is durable: already booked into April.
  const late = store.stamp({
    commandId: 'd'.repeat(32), requestHash: 'h', path: '/t', actor: 'a', partitionKey: 'policy/P1',
    status: 201, events: [event('P1', '2026-02-15', 1)], body: () => ({}),
  });
  expect(late.events[0].bookingPeriod).toBe('2026-04');
  expect(close.events[0].bookingPeriod).toBe('2026-03'); // the close (and its true-up) belongs to the month it closes
  await Promise.all([store.persist([close], 'ledger/periods'), store.persist([late], 'policy/P1')]);
  expect(store.calendar.closedAt('2026-02')).toBe(close.recordedAt);
  expect(store.calendar.closedAt('2026-02', late.recordedAt)).toBe(close.recordedAt);
  expect(store.calendar.isClosed('2026-04')).toBe(false);
  await store.close();
});

test('locks serialize commands on one entity and not across entities', async () => {
  const store = await EventStore.open(await WalLog.open(tempDir(), { partitions: 2 }), readModel(), []);
  const trace: string[] = [];
  const run = (key: string, name: string) =>
    store.withLocks([key], async () => {
      trace.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 20));
      trace.push(`${name}-`);
    });
  await Promise.all([run('policy/A', 'a1'), run('policy/A', 'a2'), run('policy/B', 'b1')]);
  expect(trace.indexOf('a1-')).toBeLessThan(trace.indexOf('a2+'));
  expect(trace.indexOf('b1+')).toBeLessThan(trace.indexOf('a1-'));
  await store.close();
});

test('a log fault fails the pending commit and every later one with log_unavailable', async () => {
  const store = await EventStore.open(await WalLog.open(tempDir(), { partitions: 2, faults: { fsyncErrorAt: 1 } }), readModel(), []);
  await commit(store, 'e'.repeat(32), 'P1');
  await expect(commit(store, 'f'.repeat(32), 'P2')).rejects.toBeInstanceOf(LogUnavailableError);
  await expect(commit(store, '1'.repeat(32), 'P3')).rejects.toBeInstanceOf(LogUnavailableError);
  expect(() => store.stamp({ commandId: '2'.repeat(32), requestHash: 'h', path: '/t', actor: 'a', partitionKey: 'p', status: 201, events: [], body: () => ({}) })).toThrow(LogUnavailableError);
  expect(store.outcome('f'.repeat(32))).toBeUndefined();
  await store.close();
});

test('reopened on its read model, a store replays only the log after the checkpoint', async () => {
  const dir = tempDir();
  const model = readModel();
  const first = new Collector();
  const store = await EventStore.open(await WalLog.open(dir, { partitions: 4 }), model, [first]);
  const ids = Array.from({ length: 50 }, (_, i) => (i + 1).toString(16).padStart(32, 'c'));
  await Promise.all(ids.slice(0, 30).map((id, i) => commit(store, id, `P${i % 7}`, '2026-03-10', i)));
  const horizon = store.horizon;
  await store.close();
  const log = await WalLog.open(dir);
  expect(await verifyCheckpoint(log, model.checkpoint()!)).toBeNull();

  // Nothing after the checkpoint: nothing replayed; outcomes and the horizon come from the read model.
  const none = new Collector();
  const again = await EventStore.open(log, model, [none]);
  expect(none.records).toEqual([]);
  expect(again.horizon).toBe(horizon);
  expect(again.recordCount).toBe(30);
  expect(again.outcome(ids[3])?.status).toBe(201);
  await Promise.all(ids.slice(30).map((id, i) => commit(again, id, `P${i % 7}`, '2026-03-11', i)));
  await again.close();

  // Records appended by a store whose read model did not keep up (another read model): exactly those are the tail.
  const stale = readModel();
  const full = new Collector();
  const rebuilt = await EventStore.open(await WalLog.open(dir), stale, [full]);
  expect(full.records.map((r) => r.commandId).sort()).toEqual([...ids].sort());
  await rebuilt.close();
  const tail = new Collector();
  const reopened = await EventStore.open(await WalLog.open(dir), model, [tail]);
  expect(tail.records).toEqual([]);
  expect(reopened.recordCount).toBe(50);
  expect(reopened.outcome(ids[40])?.status).toBe(201);
  await reopened.close();
});
