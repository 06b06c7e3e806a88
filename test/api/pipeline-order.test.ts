// The pipeline hands records to the store in stamp order, whatever mix of
// single commands, batches and barriers (period closes) runs at once: the
// store applies records in recordedAt order, so a record stamped later but
// pending earlier would stop the ledger ("record out of order"). The log
// here is an in-memory LogPort whose appends complete after random delays,
// so durability order differs from stamp order on purpose; the pipeline and
// the store are the real ones.
import 'reflect-metadata';

import type { LogPort, LogRecord } from '@app/event-store';
import { openLedger } from '@app/projections';

import { CommandPipeline, type CommandRequest } from '../../apps/api/src/ledger/command-pipeline';
import type { LedgerService } from '../../apps/api/src/ledger/ledger.service';
import { Rng } from '../e2e/support';
import { freshReadModel as readModel } from '../support/read-models';


class DelayedLog implements LogPort {
  readonly partitions = 4;
  readonly recordBytesMax = 1 << 20;
  readonly batchRecordsMax = 8192;
  readonly batchBytesMax = 3_000_000;
  private readonly parts: Buffer[][] = [[], [], [], []];

  constructor(private readonly rng: Rng) {}

  /** Like the WAL: the LSNs follow the calls (LogPort's contract); durability comes after a random delay, in any order. */
  appendBatch(partition: number, records: Buffer[]): Promise<number[]> {
    const delayMs = this.rng.int(0, 3);
    const first = this.parts[partition].length;
    this.parts[partition].push(...records);
    return new Promise((resolve) => setTimeout(() => resolve(records.map((_, i) => first + i)), delayMs));
  }

  async *scan(partition: number): AsyncIterable<LogRecord[]> {
    yield this.parts[partition].map((payload, lsn) => ({ lsn, payload }));
  }

  async close(): Promise<void> {}
}

const KEYS = ['policy/a', 'policy/b', 'fund/c', 'member/d'];

describe('pipeline: stamp order is pending order', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])('seed %i: singles, batches and barriers interleaved', async (seed) => {
    const rng = new Rng(seed);
    const ledger = await openLedger(new DelayedLog(rng), readModel());
    const pipeline = new CommandPipeline(ledger as unknown as LedgerService, null);
    let n = 0;
    const request = (barrier: boolean): CommandRequest => {
      const locks = barrier ? ['ledger/periods'] : KEYS.filter(() => rng.chance(0.4));
      if (locks.length === 0) locks.push(KEYS[0]);
      n++;
      return {
        path: '/test',
        body: { n },
        commandId: n.toString(16).padStart(32, '0'),
        actor: 'tester',
        locks,
        partitionKey: locks[0],
        barrier,
        decide: () => ({ events: [], result: { n } }),
      };
    };
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const r = rng.next();
      if (r < 0.2) all.push(pipeline.executeBatch([request(false), request(false), request(false)]));
      else if (r < 0.3) all.push(pipeline.execute(request(true)));
      else all.push(pipeline.execute(request(false)));
      if (rng.chance(0.5)) await new Promise((resolve) => (rng.chance(0.5) ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
    // A record applied out of order stops the store and leaves commands hanging: give up after 5 s.
    const settled = await Promise.race([Promise.allSettled(all), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000).unref())]);
    expect(settled).not.toBe('hung');
    expect((settled as PromiseSettledResult<unknown>[]).filter((s) => s.status === 'rejected')).toEqual([]);
    expect(ledger.store.failed).toBeNull();
    expect(ledger.store.recordCount).toBe(n);
  }, 10_000);
});
