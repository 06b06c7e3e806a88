// The apply thread's failure path, against a real worker on a real read
// model: a durable prefix the worker cannot apply (bytes that are no record)
// is refused, the failure is reported once, nothing later is committed, and
// the read model keeps its checkpoint (still empty here).
import { encodeRecord, type CommandRecord, type DurableEntry } from '@app/event-store';
import { temporaryReadModel } from '@app/read-model';

import { ApplyThread } from '../../apps/api/src/ledger/apply-thread';

jest.setTimeout(60_000);

function entry(payload: Buffer, lsn: number): DurableEntry {
  return { records: [{} as CommandRecord], payloads: [payload], partition: 0, lastLsn: lsn };
}

/** A well-formed record (a refusal: no events), which the worker would commit on its own. */
const valid = encodeRecord({ commandId: '0'.repeat(31) + '1', requestHash: 'h', path: '/v1/policies', actor: 'a', recordedAt: '2026-01-01T00:00:00.000000001Z', status: 422, body: {}, events: [] });

test('a prefix the worker cannot apply fails that call and every later one, once, and commits nothing', async () => {
  const { model, dispose } = temporaryReadModel('apply-thread-');
  const thread = await ApplyThread.start({ readModelDir: model.dir, mapSizeBytes: 1 << 30, partitions: 1, cacheEntities: 100 }, () => undefined);
  try {
    // Posted together: the second is queued behind the first, and must not be committed without it.
    const first = thread.apply([entry(Buffer.from('not a record'), 0)]);
    const second = thread.apply([entry(valid, 1)]);
    await expect(first).rejects.toThrow(/the apply thread could not commit: /);
    await expect(second).rejects.toThrow(/the apply thread could not commit: /);
    await expect(thread.failed).resolves.toBeInstanceOf(Error);
    await expect(thread.apply([entry(valid, 2)])).rejects.toThrow(/could not commit/);
    expect(model.checkpoint()).toBeNull();
  } finally {
    await thread.close();
    await dispose();
  }
});
