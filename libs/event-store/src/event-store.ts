// The event store: idempotent commands over the log port.
//
// Order and durability. A command is stamped (recordedAt, bookingPeriod) and
// appended in one synchronous step, so recordedAt order is append order.
// Records become durable out of order across partitions; they are applied to
// subscribers (projections) strictly in recordedAt order, and only once
// durable, so a query never sees an unacknowledged event and the applied
// prefix only ever grows. Commands touching the same entity are serialized by
// `withLocks`, so a decider always sees every earlier command on its entities.
// Applying (the read model's transaction) goes through an ApplyPort
// (applier.ts): on this thread, or on the API's apply thread.
import { DomainError, type DomainEvent, type Instant, type RecordedEvent } from '@app/domain';
import { LedgerClock } from './clock';
import type { LogPort, LogRecord } from './log-port';
import { PeriodCalendar } from '@app/domain';
import { CommandRecord, decodeRecord, encodeRecord } from './record';
import type { Checkpoint, ReadModelPort, StoredOutcome } from './read-model-port';
import { AppliedState, InThreadApply, PERIOD_CLOSED, RecordApplier, payloadHash, type ApplyPort, type DurableEntry, type RecordSubscriber } from './applier';

export { PERIOD_CLOSED } from './applier';
export type { RecordSubscriber } from './applier';

/** Watches the store's log appends (the API's metrics implement it); called on the hot path, so it must be cheap. */
export interface StoreObserver {
  /** One `persist` call is durable: `records` went to the log as one batch, `seconds` after the call. */
  appended(records: number, seconds: number): void;
}

export interface Draft {
  commandId: string;
  requestHash: string;
  path: string;
  actor: string;
  /** The entity that orders this command: it picks the partition. */
  partitionKey: string;
  status: number;
  events: DomainEvent[];
  /** The response body, given the stamp (2xx bodies carry recordedAt). */
  body: (recordedAt: Instant) => unknown;
}

/** A command's durable outcome (the read model's StoredOutcome). */
export type PriorOutcome = StoredOutcome;

/** The log failed: nothing more is accepted (the API answers 503). */
export class LogUnavailableError extends Error {
  readonly code = 'log_unavailable';
  constructor(readonly reason: unknown) {
    super(`the log is unavailable: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

interface Pending extends DurableEntry {
  /** Set once durable (lastLsn is then the LSN of the last record). */
  durable: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A stamped record over the log's record limit. A command's events go into
 * one record (that is what makes them atomic), so such a command is refused,
 * and the refusal is its recorded outcome like any domain rule's.
 */
export class RecordTooLargeError extends DomainError {
  constructor(commandId: string, bytes: number, bytesMax: number) {
    super('command_too_large', `command ${commandId} would write a ${bytes}-byte log record; the ledger takes at most ${bytesMax} bytes per command`);
  }
}

export class EventStore {
  /** A drain is queued (scheduleDrain). */
  private drainScheduled = false;
  readonly clock = new LedgerClock();
  private lastStamped: Instant = '';
  /** Closes as stamped: books new commands and decides closes (a close moves it when stamped). */
  readonly calendar = new PeriodCalendar();
  /** What is applied (durable and committed): the horizon, the count, the closes queries and digests see. */
  private readonly applied: AppliedState;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending: Pending[] = [];
  private readonly lockTails = new Map<string, Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  /** Queries waiting for the horizon to reach their minPosition (whenHorizon). */
  private readonly horizonWaiters: { at: Instant; wake: (reached: boolean) => void }[] = [];
  private failure: LogUnavailableError | null = null;
  /** Applies on this thread: the replay, and live records until `applyOn` hands them to another port. */
  private readonly applier: RecordApplier;
  private applyPort: ApplyPort;
  /** Pending entries handed to an asynchronous ApplyPort and not yet committed: the first `posted` of `pending`. */
  private posted = 0;
  /** Calls to an asynchronous ApplyPort not yet committed (at most APPLY_CALLS_MAX). */
  private applyCalls = 0;
  /** Optional watcher of appends (metrics); null costs nothing. */
  observer: StoreObserver | null = null;

  private constructor(
    private readonly log: LogPort,
    private readonly readModel: ReadModelPort,
    private readonly subscribers: RecordSubscriber[],
    /** A replica (a replay audit's rebuild) reads the log and never appends to it. */
    private readonly readOnly: boolean,
  ) {
    const checkpoint = readModel.checkpoint();
    this.applier = new RecordApplier(readModel, subscribers, log.partitions);
    this.applyPort = new InThreadApply(this.applier);
    this.applied = new AppliedState(checkpoint);
    if (checkpoint) {
      if (checkpoint.through !== '') this.clock.observe(checkpoint.through);
      for (const close of checkpoint.closes) this.calendar.record(close);
    }
  }

  /** Closes as applied (durable): what queries and digests see, so an unacknowledged close is never visible. */
  get appliedCalendar(): PeriodCalendar {
    return this.applied.calendar;
  }

  /**
   * From now on, live records are applied by `port` (the apply thread, on the
   * same read model): the store then only follows what it commits (its
   * subscribers' `follow`). Call once, after open, before any command.
   */
  applyOn(port: ApplyPort): void {
    if (this.readOnly) throw new Error('a replica store applies on its own thread');
    if (this.pending.length > 0) throw new Error('the apply port changes only while nothing is pending');
    if (!(this.applyPort instanceof InThreadApply)) throw new Error('the apply port was handed over already');
    this.applyPort = port;
  }

  /**
   * Replays the log after the read model's checkpoint (every record, for an
   * empty read model), committing as it goes, then accepts commands. The
   * caller has checked the checkpoint against the log (verifyCheckpoint).
   */
  static async open(log: LogPort, readModel: ReadModelPort, subscribers: RecordSubscriber[], onProgress?: ReplayProgress): Promise<EventStore> {
    const store = new EventStore(log, readModel, subscribers, false);
    await store.replay(undefined, onProgress);
    return store;
  }

  /**
   * A read-only store rebuilt from the log's first record into an empty read
   * model, through the record stamped at `through` (default: all): the replay
   * audit's rebuild, next to the live store on the same log.
   */
  static async replica(log: LogPort, readModel: ReadModelPort, subscribers: RecordSubscriber[], through?: Instant, onProgress?: ReplayProgress): Promise<EventStore> {
    if (readModel.checkpoint() !== null) throw new Error('a replica starts from an empty read model');
    const store = new EventStore(log, readModel, subscribers, true);
    await store.replay(through, onProgress);
    return store;
  }

  /**
   * Applies the records after the checkpoint, in recordedAt order: each
   * partition is in stamp order already (appends are made in stamp order), so
   * a k-way merge of the partitions' scans streams the log with a batch per
   * partition in memory, whatever its length. Commits every
   * REPLAY_COMMIT_RECORDS records, so a crash mid-replay keeps the work done.
   */
  private async replay(through: Instant | undefined, onProgress: ReplayProgress | undefined): Promise<void> {
    const heads = await Promise.all(this.applier.startPositions.map((position, p) => PartitionCursor.open(this.log, p, position ? position.lsn + 1 : 0)));
    await this.mergeApply(heads, through, onProgress);
  }

  /**
   * A follower's step (another node appends): applies every record after the
   * read model's positions through `ends` (each partition's last LSN, -1 for
   * none), read from the log in one snapshot. The leader commits its flushes
   * in stamp order, so such a snapshot is a prefix of the log in recordedAt
   * order, and merging it keeps the applied prefix growing in that order,
   * with every outcome (idempotency) stored as on the node that wrote it.
   * Only while nothing is pending here and records are applied on this
   * thread (a follower appends nothing and runs no apply thread).
   */
  async catchUp(ends: readonly number[]): Promise<number> {
    if (this.pending.length > 0 || !(this.applyPort instanceof InThreadApply)) throw new Error('only a follower catches up: nothing pending, applied on this thread');
    if (ends.length !== this.log.partitions) throw new Error(`${ends.length} partition ends for ${this.log.partitions} partitions`);
    if (this.failure) throw this.failure;
    const before = this.applied.records;
    const cursors: PartitionCursor[] = [];
    const starts = this.applier.startPositions;
    for (let p = 0; p < ends.length; p++) {
      const from = starts[p] ? starts[p]!.lsn + 1 : 0;
      if (ends[p] >= from) cursors.push(await PartitionCursor.open(this.log, p, from, ends[p]));
    }
    if (cursors.length > 0) await this.mergeApply(cursors, undefined, undefined);
    return this.applied.records - before;
  }

  /**
   * Resolves true once the horizon reaches `at` (every record stamped at or
   * before it is applied here), false after `timeoutMs`: a read of one's own
   * writes on a node that follows the log (a query's minPosition).
   */
  whenHorizon(at: Instant, timeoutMs: number): Promise<boolean> {
    if (this.applied.through >= at) return Promise.resolve(true);
    if (!(timeoutMs > 0)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = { at, wake: resolve };
      this.horizonWaiters.push(waiter);
      setTimeout(() => {
        const i = this.horizonWaiters.indexOf(waiter);
        if (i >= 0) this.horizonWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  private wakeHorizon(): void {
    const through = this.applied.through;
    let kept = 0;
    for (const waiter of this.horizonWaiters) {
      if (waiter.at <= through) waiter.wake(true);
      else this.horizonWaiters[kept++] = waiter;
    }
    this.horizonWaiters.length = kept;
  }

  /** The k-way merge of partition cursors by recordedAt, committed every REPLAY_COMMIT_RECORDS records. */
  private async mergeApply(heads: PartitionCursor[], through: Instant | undefined, onProgress: ReplayProgress | undefined): Promise<void> {
    const started = this.applied.records;
    let batch: { record: CommandRecord; partition: number; lsn: number; payload: Buffer }[] = [];
    for (;;) {
      let next: PartitionCursor | null = null;
      for (const head of heads) if (head.current && (next === null || head.current.record.recordedAt < next.current!.record.recordedAt)) next = head;
      const item = next?.current;
      if (!next || !item || (through !== undefined && item.record.recordedAt > through)) break;
      if (batch.length > 0 && batch[batch.length - 1].record.recordedAt === item.record.recordedAt) throw new Error(`two records at ${item.record.recordedAt}`);
      batch.push({ ...item, partition: next.partition });
      await next.advance();
      if (batch.length >= REPLAY_COMMIT_RECORDS) {
        this.commitReplayed(batch);
        batch = [];
        onProgress?.({ records: this.applied.records - started, through: this.applied.through });
        // A turn of the event loop after each commit: the scans' reads may all resolve as microtasks (their data read
        // ahead), and without this a long replay would answer no request (no /health/ready with its progress) until done.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (batch.length > 0) this.commitReplayed(batch);
    onProgress?.({ records: this.applied.records - started, through: this.applied.through, done: true });
  }

  private commitReplayed(batch: { record: CommandRecord; partition: number; lsn: number; payload: Buffer }[]): void {
    this.applier.commitReplayed(batch);
    for (const { record } of batch) {
      this.clock.observe(record.recordedAt);
      this.noteApplied(record);
    }
    if (this.horizonWaiters.length > 0) this.wakeHorizon();
  }

  /** Moves the store's horizon past a committed record; the stamped calendar learns a close from the log on replay. */
  private noteApplied(record: CommandRecord): void {
    this.applied.note(record, (close) => {
      if (!this.calendar.isClosed(close.through)) this.calendar.record(close);
    });
  }

  /** Records applied so far (durable, in order). */
  get recordCount(): number {
    return this.applied.records;
  }

  /** Every record with recordedAt <= this is applied; later ones are not yet durable. */
  get horizon(): Instant {
    return this.applied.through;
  }

  /** Records stamped and appended but not yet durable and applied. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Records appended but not yet durable and applied, and the stamp of the oldest of them (projection lag, for metrics). */
  get backlog(): { records: number; oldestAt: Instant | undefined } {
    let records = 0;
    for (const entry of this.pending) records += entry.records.length;
    return { records, oldestAt: this.pending[0]?.records[0]?.recordedAt };
  }

  /** The log under the store (its status, for metrics). */
  get logPort(): LogPort {
    return this.log;
  }

  /** Resolves once every record stamped so far is applied (or the log failed). */
  whenIdle(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    if (this.pending.length > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  get failed(): LogUnavailableError | null {
    return this.failure;
  }

  /** The durable outcome of a command id, if it has one. */
  outcome(commandId: string): PriorOutcome | undefined {
    return this.readModel.outcome(commandId);
  }

  /** Waits while a command with this id is in flight (a concurrent retry). */
  async settled(commandId: string): Promise<void> {
    const inFlight = this.inFlight.get(commandId);
    if (inFlight) await inFlight.catch(() => undefined);
  }

  /** Runs `fn` holding every lock in `keys`; acquisition is atomic, so it cannot deadlock. */
  async withLocks<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const unique = new Set(keys);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waits: Promise<void>[] | null = null;
    for (const k of unique) {
      const tail = this.lockTails.get(k);
      if (tail) (waits ??= []).push(tail);
      this.lockTails.set(k, gate);
    }
    if (waits) await Promise.all(waits); // uncontended: straight on, without a turn of the microtask queue
    try {
      return await fn();
    } finally {
      release();
      for (const k of unique) if (this.lockTails.get(k) === gate) this.lockTails.delete(k);
    }
  }

  /** Stamps a draft into a record: recordedAt, bookingPeriod, actor on every event. Synchronous. */
  stamp(draft: Draft, reserved?: Instant): CommandRecord {
    if (this.failure) throw this.failure;
    // `reserved`: an instant taken from this clock for this command just before deciding it; nothing was stamped since.
    const recordedAt = reserved ?? this.clock.next();
    if (recordedAt <= this.lastStamped) throw new Error(`stamp ${recordedAt} is not after the last one, ${this.lastStamped}`);
    this.lastStamped = recordedAt;
    const events: RecordedEvent[] = new Array(draft.events.length);
    for (let i = 0; i < events.length; i++) {
      const e = draft.events[i];
      // The fields of a DomainEvent, in the order deciders write them, then the stamp: one object shape for every event.
      events[i] = {
        type: e.type,
        v: e.v,
        entity: e.entity,
        effectiveDate: e.effectiveDate,
        payload: e.payload,
        journal: e.journal,
        recordedAt,
        bookingPeriod: this.calendar.bookingPeriod(e.effectiveDate),
        commandId: draft.commandId,
        actor: draft.actor,
      };
    }
    // A close moves the stamped watermark at once: commands stamped after it (in the same batch too) book into the next open month.
    for (const e of events) if (e.type === PERIOD_CLOSED) this.calendar.record({ through: String(e.payload.through), closedAt: recordedAt });
    return {
      commandId: draft.commandId,
      requestHash: draft.requestHash,
      path: draft.path,
      actor: draft.actor,
      recordedAt,
      status: draft.status,
      body: draft.body(recordedAt),
      events,
    };
  }

  /** The bytes the log stores for a record; RecordTooLargeError past the log's record limit. */
  encode(record: CommandRecord): Buffer {
    const bytes = encodeRecord(record);
    if (bytes.length > this.log.recordBytesMax) throw new RecordTooLargeError(record.commandId, bytes.length, this.log.recordBytesMax);
    return bytes;
  }

  /** How many records, and bytes of records, one `persist` may carry. */
  get batchLimits(): { records: number; bytes: number } {
    return { records: this.log.batchRecordsMax, bytes: this.log.batchBytesMax };
  }

  /**
   * Appends stamped records atomically (one partition, one batch) and resolves
   * once they are durable and applied. Call right after `stamp`, in stamp order.
   * `encoded`: the records' bytes from `encode`, when the caller has them already.
   */
  persist(records: CommandRecord[], partitionKey: string, encoded?: Buffer[]): Promise<void> {
    if (this.readOnly) throw new Error('a replica store never appends');
    if (this.failure) return Promise.reject(this.failure);
    const payloads = encoded ?? records.map((r) => this.encode(r));
    if (payloads.length !== records.length) throw new Error(`${records.length} records but ${payloads.length} payloads`);
    const partition = partitionOf(partitionKey, this.log.partitions);
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Pending = { records, partition, payloads, lastLsn: -1, durable: false, resolve, reject };
    this.pending.push(entry);
    for (const r of records) this.inFlight.set(r.commandId, done);
    const observer = this.observer;
    const started = observer ? performance.now() : 0;
    this.log.appendBatch(partition, payloads).then(
      (lsns) => {
        entry.lastLsn = lsns[lsns.length - 1];
        entry.durable = true;
        observer?.appended(payloads.length, (performance.now() - started) / 1000);
        this.scheduleDrain();
      },
      (e: unknown) => this.fail(e),
    );
    return done;
  }

  /**
   * One drain for every append the log made durable together: a group commit
   * resolves its appends' promises in one go, and each marks itself durable
   * in its own reaction, so draining in the first reaction would commit one
   * read-model transaction per append. A microtask queued by the first runs
   * after the other reactions already queued, and applies them all in one
   * transaction (the read model's commit is the costly part of a command).
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /**
   * Hands the durable prefix of the pending records not handed yet to the
   * apply port. On this thread it is committed at once and answered. An
   * asynchronous port (the apply thread) gets it while it may still be
   * committing earlier calls, so it never waits for this thread to hear of a
   * commit before it has the next records; it commits calls in order (and
   * merges those queued while it was busy into one transaction), and each is
   * answered when its commit is confirmed, in order.
   */
  private drain(): void {
    if (this.failure || this.applyCalls >= APPLY_CALLS_MAX) return;
    let ready = this.posted;
    while (ready < this.pending.length && this.pending[ready].durable) ready++;
    if (ready === this.posted) return;
    const entries = this.pending.slice(this.posted, ready);
    // A throw here (a broken invariant of this thread's commit) propagates: the process stops rather than serve past it.
    const committed = this.applyPort.apply(entries);
    if (committed === undefined) {
      if (this.posted !== 0) throw new Error('an in-thread apply port with calls in flight');
      this.answer(entries, false);
      return;
    }
    this.posted = ready;
    this.applyCalls++;
    committed.then(
      () => {
        this.applyCalls--;
        if (this.failure) return;
        this.posted -= entries.length;
        this.answer(entries, true);
        this.drain();
      },
      (e: unknown) => {
        this.applyCalls--;
        this.fail(e);
      },
    );
  }

  /** The entries (the first of `pending`) are committed: the horizon moves past them, and they are answered. */
  private answer(entries: Pending[], elsewhere: boolean): void {
    if (this.pending[0] !== entries[0]) throw new Error('records committed out of order');
    for (const entry of entries) {
      for (const record of entry.records) {
        this.noteApplied(record);
        // Applied by another thread's subscribers: ours only keep their in-memory views in step.
        if (elsewhere) for (const s of this.subscribers) s.follow?.(record);
      }
    }
    if (this.horizonWaiters.length > 0) this.wakeHorizon();
    // Committed: only now may a retry find the outcome instead of the in-flight promise.
    this.pending.splice(0, entries.length);
    for (const entry of entries) {
      for (const record of entry.records) this.inFlight.delete(record.commandId);
      entry.resolve();
    }
    this.wakeIdle();
  }

  private fail(cause: unknown): void {
    this.failure ??= new LogUnavailableError(cause);
    for (const entry of this.pending.splice(0)) {
      for (const r of entry.records) this.inFlight.delete(r.commandId);
      entry.reject(this.failure);
    }
    this.wakeIdle();
  }

  /** Flushes the log, lets every durable record be applied, then closes the apply port. */
  async close(): Promise<void> {
    await this.log.close();
    await this.whenIdle();
    await this.applyPort.close();
  }
}

/** Calls to an asynchronous apply port in flight at once (each one durable prefix; the apply thread merges queued ones). */
const APPLY_CALLS_MAX = 16;

/** Records applied per read-model transaction while replaying. */
const REPLAY_COMMIT_RECORDS = 5_000;

export interface ReplayProgressReport {
  /** Records applied by this replay so far. */
  records: number;
  through: Instant;
  done?: boolean;
}
export type ReplayProgress = (report: ReplayProgressReport) => void;

/** One partition's scan, a decoded record at a time (a batch of them in memory). */
class PartitionCursor {
  current: { record: CommandRecord; lsn: number; payload: Buffer } | null = null;
  private batch: LogRecord[] = [];
  private index = 0;

  private constructor(
    readonly partition: number,
    private readonly iterator: AsyncIterator<LogRecord[]>,
  ) {}

  static async open(log: LogPort, partition: number, fromLsn: number, throughLsn?: number): Promise<PartitionCursor> {
    const cursor = new PartitionCursor(partition, log.scan(partition, fromLsn, throughLsn)[Symbol.asyncIterator]());
    await cursor.advance();
    return cursor;
  }

  async advance(): Promise<void> {
    while (this.index >= this.batch.length) {
      const next = await this.iterator.next();
      if (next.done) {
        this.current = null;
        return;
      }
      this.batch = next.value;
      this.index = 0;
    }
    const r = this.batch[this.index++];
    const record = decodeRecord(r.payload);
    if (this.current && record.recordedAt <= this.current.record.recordedAt) throw new Error(`partition ${this.partition}: record at ${record.recordedAt} after ${this.current.record.recordedAt}`);
    this.current = { record, lsn: r.lsn, payload: r.payload };
  }
}

/**
 * Whether a read model's checkpoint describes this log: each partition's
 * position must name a record the log holds, with the same bytes. Returns
 * why not, or null when it matches.
 */
export async function verifyCheckpoint(log: LogPort, checkpoint: Checkpoint): Promise<string | null> {
  if (checkpoint.positions.length !== log.partitions) return `the read model has ${checkpoint.positions.length} partitions, the log ${log.partitions}`;
  for (let p = 0; p < log.partitions; p++) {
    const position = checkpoint.positions[p];
    if (!position) continue;
    let found: LogRecord | undefined;
    for await (const batch of log.scan(p, position.lsn)) {
      found = batch[0];
      break;
    }
    if (!found || found.lsn !== position.lsn) return `partition ${p}: the log has no record ${position.lsn}`;
    if (payloadHash(found.payload) !== position.payloadHash) return `partition ${p}: record ${position.lsn} in the log is not the one the read model applied`;
  }
  return null;
}

/** FNV-1a of the entity key: the same entity always lands in the same partition. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
