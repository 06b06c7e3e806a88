// The apply thread: durable records applied to the read model on the second
// core, while the JS thread decides the next commands. It is an ApplyPort
// (libs/event-store/src/applier.ts) for the live event store:
//   - the JS thread stamps, appends and waits for durability as before; the
//     store then hands a durable prefix here, as the records' log bytes
//     (one transferred buffer: nothing is cloned field by field);
//   - the worker (apply.worker.ts) decodes them as a replay would, applies
//     them with its own projections to its own handle on the same LMDB
//     environment, with the checkpoint, in one transaction, and answers;
//   - only then does the store move its horizon, keep its cached states in
//     step (Projections#follow) and answer the commands. So nothing is
//     acknowledged before it is durable, and a query (read at the horizon)
//     never sees a record before the read model has committed it.
// The store hands over each durable prefix as soon as it is durable, also
// while the worker is still committing earlier ones, so the worker never
// waits for this thread to hear of a commit. The worker commits in order, and
// takes every request queued while it was busy into one transaction (a group
// commit of the read model); each request is answered, in order. A worker
// that fails or exits fails the store: commands get 503 log_unavailable, and
// a restart replays the log after the read model's checkpoint.
import type { Worker } from 'node:worker_threads';
import type { ApplyPort, DurableEntry } from '@app/event-store';
import type { SeriesKey } from '@app/read-model';

import { spawnWorker } from './worker-thread';

/** What the worker opens and how. */
export interface ApplyWorkerData {
  readModelDir: string;
  mapSizeBytes: number;
  partitions: number;
  /** The worker's own entity cache (the before-states its report series need). */
  cacheEntities: number;
}

/** One durable prefix: every record's bytes back to back in `bytes`, `lengths[i]` each, grouped by `entries`. */
export interface ApplyRequest {
  type: 'apply';
  bytes: ArrayBuffer;
  lengths: Uint32Array;
  entries: { partition: number; lastLsn: number; records: number }[];
}

export type ApplyWorkerMessage =
  | { type: 'ready' }
  | { type: 'applied'; buckets: SeriesKey[] }
  | { type: 'failed'; message: string };

const WORKER_FILE = 'apply.worker';

export class ApplyThread implements ApplyPort {
  /** Requests posted and not yet answered, in the order posted (the worker answers in that order). */
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly exited: Promise<void>;
  private onFailure!: (e: Error) => void;
  /** Resolves with the first failure (a commit refused, the worker gone); never on a clean close. */
  readonly failed = new Promise<Error>((resolve) => (this.onFailure = resolve));

  private constructor(
    private readonly worker: Worker,
    /** Series buckets the worker created and committed: the JS thread's read model handle lists them. */
    private readonly onBuckets: (buckets: SeriesKey[]) => void,
    ready: { resolve: () => void; reject: (e: Error) => void },
  ) {
    worker.on('message', (m: ApplyWorkerMessage) => this.received(m, ready));
    worker.on('messageerror', (e) => this.fail(new Error(`a message of the apply thread could not be read: ${e.message}`), ready));
    worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e)), ready));
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        this.fail(new Error(`the apply thread ended (exit code ${code})`), ready);
        resolve();
      }),
    );
  }

  /** Starts the worker; resolves once it has opened the read model at its checkpoint. */
  static start(data: ApplyWorkerData, onBuckets: (buckets: SeriesKey[]) => void): Promise<ApplyThread> {
    return new Promise<ApplyThread>((resolve, reject) => {
      let thread!: ApplyThread;
      const ready = { resolve: () => resolve(thread), reject };
      thread = new ApplyThread(spawnWorker(__dirname, WORKER_FILE, { apply: data }), onBuckets, ready);
    });
  }

  apply(entries: DurableEntry[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) throw new Error('no apply after close');
    if (entries.length === 0) throw new Error('nothing to apply');
    let total = 0;
    let count = 0;
    for (const entry of entries) {
      count += entry.payloads.length;
      for (const p of entry.payloads) total += p.length;
    }
    const bytes = new ArrayBuffer(total);
    const view = new Uint8Array(bytes);
    const lengths = new Uint32Array(count);
    let at = 0;
    let i = 0;
    for (const entry of entries) {
      for (const p of entry.payloads) {
        view.set(p, at);
        at += p.length;
        lengths[i++] = p.length;
      }
    }
    const request: ApplyRequest = {
      type: 'apply',
      bytes,
      lengths,
      entries: entries.map((e) => ({ partition: e.partition, lastLsn: e.lastLsn, records: e.records.length })),
    };
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(request, [bytes, lengths.buffer as ArrayBuffer]);
    });
  }

  /** Lets the worker finish (the store calls this once nothing is pending), close its handle and exit. */
  close(): Promise<void> {
    this.closing ??= this.failure ? this.worker.terminate().then(() => this.exited) : (this.worker.postMessage({ type: 'close' }), this.exited);
    return this.closing;
  }

  private received(m: ApplyWorkerMessage, ready: { resolve: () => void }): void {
    if (m.type === 'ready') ready.resolve();
    else if (m.type === 'applied') {
      const waiting = this.waiting.shift();
      if (!waiting) {
        this.fail(new Error('the apply thread answered a request never made'), null);
        return;
      }
      if (m.buckets.length > 0) this.onBuckets(m.buckets);
      waiting.resolve();
    } else if (m.type === 'failed') this.fail(new Error(`the apply thread could not commit: ${m.message}`), null);
  }

  private fail(e: Error, ready: { reject: (e: Error) => void } | null): void {
    // A clean exit after close is not a failure.
    if (this.closing && this.waiting.length === 0) return;
    if (this.failure === null) this.onFailure(e);
    this.failure ??= e;
    ready?.reject(e);
    for (const waiting of this.waiting.splice(0)) waiting.reject(this.failure);
  }
}
