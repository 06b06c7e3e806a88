// The apply thread's worker (started by apply-thread.ts): its own handle on
// the read model's LMDB environment (lmdb-js shares one environment between
// the threads of a process; LMDB serialises writers), its own projections and
// entity cache, and a RecordApplier reading the checkpoint the JS thread's
// replay left. Each request is a durable prefix of the log as bytes: decoded
// as a replay decodes them, applied with those queued behind it in one
// transaction, each answered in order.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { RecordApplier, decodeRecord, type DurableEntry } from '@app/event-store';
import { Projections } from '@app/projections';
import { LmdbReadModel } from '@app/read-model';
import { trustStoredEvent } from '@app/domain';

import type { ApplyRequest, ApplyWorkerData, ApplyWorkerMessage } from './apply-thread';

function open(data: ApplyWorkerData): { model: LmdbReadModel; applier: RecordApplier } {
  const model = LmdbReadModel.open(data.readModelDir, { mapSizeBytes: data.mapSizeBytes });
  // The projections' calendar serves reports, which this thread never answers; it reads the applied closes all the same.
  let applier: RecordApplier | null = null;
  const projections = new Projections({ closedAt: (period, knownAt) => applier?.applied.calendar.closedAt(period, knownAt) }, model, data.cacheEntities);
  applier = new RecordApplier(model, [projections], data.partitions);
  return { model, applier };
}

/** The request's records, decoded, in its entries. */
function entriesOf(request: ApplyRequest): DurableEntry[] {
  const entries: DurableEntry[] = [];
  let at = 0;
  let i = 0;
  for (const e of request.entries) {
    if (e.records < 1) throw new Error(`an entry of partition ${e.partition} carries no record`);
    const entry: DurableEntry = { records: [], payloads: [], partition: e.partition, lastLsn: e.lastLsn };
    for (let n = 0; n < e.records; n++) {
      const length = request.lengths[i++];
      const payload = Buffer.from(request.bytes, at, length);
      at += length;
      entry.payloads.push(payload);
      const record = decodeRecord(payload);
      // The JS thread checked these events against their family's schema before it encoded them (checkStorable):
      // like an event read back from the read model, they are trusted, and the fold on apply does not check them again.
      for (const event of record.events) trustStoredEvent(event);
      entry.records.push(record);
    }
    entries.push(entry);
  }
  if (at !== request.bytes.byteLength || i !== request.lengths.length) throw new Error(`the request's ${request.bytes.byteLength} bytes were not its records'`);
  return entries;
}

/** Records one transaction takes from queued requests: the first request whole, then more only while under this. */
const MERGE_RECORDS_MAX = 10_000;

function run(data: ApplyWorkerData, post: (m: ApplyWorkerMessage) => void): void {
  if (!parentPort) throw new Error('apply.worker runs in a worker thread (see apply-thread.ts)');
  const port = parentPort;
  const { model, applier } = open(data);
  // Once a commit failed, nothing later is committed: the read model must stay "the log through its checkpoint".
  let failure: string | null = null;
  const close = () =>
    void model.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  port.on('message', (first: ApplyRequest | { type: 'close' }) => {
    if (first.type === 'close') return close();
    // The requests queued while the last transaction ran go into this one, in order.
    const requests: ApplyRequest[] = [first];
    let records = first.lengths.length;
    let closing = false;
    while (records < MERGE_RECORDS_MAX) {
      const next = receiveMessageOnPort(port)?.message as ApplyRequest | { type: 'close' } | undefined;
      if (next === undefined) break;
      if (next.type === 'close') {
        closing = true;
        break;
      }
      requests.push(next);
      records += next.lengths.length;
    }
    if (failure === null) {
      try {
        applier.commit(requests.flatMap(entriesOf));
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
    }
    // Every series bucket the transaction created goes with its first answer: the JS thread lists them before it answers any of its records.
    const buckets = model.takeNewBuckets();
    for (let i = 0; i < requests.length; i++) post(failure === null ? { type: 'applied', buckets: i === 0 ? buckets : [] } : { type: 'failed', message: failure });
    if (closing) close();
  });
  post({ type: 'ready' });
}

run((workerData as { apply: ApplyWorkerData }).apply, (m) => parentPort?.postMessage(m));
