// The event store: idempotent commands over the log port.
//
// Order and durability. A command is stamped (recordedAt, bookingPeriod) and
// appended in one synchronous step, so recordedAt order is append order.
// Records become durable out of order across partitions; they are applied to
// subscribers (projections) strictly in recordedAt order, and only once
// durable, so a query never sees an unacknowledged event and the applied
// prefix only ever grows. Commands touching the same entity are serialized by
// `withLocks`, so a decider always sees every earlier command on its entities.
import { DomainError, type DomainEvent, type Instant, type RecordedEvent } from '@app/domain';
import { LedgerClock } from './clock';
import type { LogPort, LogRecord } from './log-port';
import { PeriodCalendar } from '@app/domain';
import { createHash } from 'node:crypto';
import { CommandRecord, decodeRecord, encodeRecord, outcomeOf } from './record';
import type { Checkpoint, LogPosition, ReadModelPort, StoredOutcome } from './read-model-port';

export interface RecordSubscriber {
  /** A durable record, in recordedAt order (replay and live alike). */
  apply(record: CommandRecord): void;
}

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

interface Pending {
  records: CommandRecord[];
  partition: number;
  /** The log's bytes of the last record (its hash is the checkpoint's proof of position). */
  lastPayload: Buffer;
  /** Set once durable: the LSN of the last record. */
  lastLsn: number;
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

/** Event type that moves the period-close watermark; its payload names the month closed through. */
export const PERIOD_CLOSED = 'PeriodClosed';

export class EventStore {
  /** A drain is queued (scheduleDrain). */
  private drainScheduled = false;
  readonly clock = new LedgerClock();
  private lastStamped: Instant = '';
  /** Closes as stamped: books new commands and decides closes (a close moves it when stamped). */
  readonly calendar = new PeriodCalendar();
  /** Closes as applied (durable): what queries and digests see, so an unacknowledged close is never visible. */
  readonly appliedCalendar = new PeriodCalendar();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending: Pending[] = [];
  private readonly lockTails = new Map<string, Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private failure: LogUnavailableError | null = null;
  private appliedThrough: Instant = '';
  private records = 0;
  /** The last applied record of each partition (committed with the read model's data). */
  private readonly positions: (LogPosition | null)[];
  /** Partitions whose position moved since the last commit, with that record's bytes (hashed at commit). */
  private readonly movedPayloads = new Map<number, { lsn: number; recordedAt: Instant; payload: Buffer }>();
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
    this.positions = checkpoint ? [...checkpoint.positions] : new Array<LogPosition | null>(log.partitions).fill(null);
    if (this.positions.length !== log.partitions) throw new Error(`the read model has ${this.positions.length} partitions, the log ${log.partitions}`);
    if (checkpoint) {
      this.appliedThrough = checkpoint.through;
      this.records = checkpoint.records;
      if (checkpoint.through !== '') this.clock.observe(checkpoint.through);
      for (const close of checkpoint.closes) {
        this.appliedCalendar.record(close);
        this.calendar.record(close);
      }
    }
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
    const heads = await Promise.all(this.positions.map((position, p) => PartitionCursor.open(this.log, p, position ? position.lsn + 1 : 0)));
    const started = this.records;
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
        onProgress?.({ records: this.records - started, through: this.appliedThrough });
      }
    }
    if (batch.length > 0) this.commitReplayed(batch);
    onProgress?.({ records: this.records - started, through: this.appliedThrough, done: true });
  }

  private commitReplayed(batch: { record: CommandRecord; partition: number; lsn: number; payload: Buffer }[]): void {
    this.readModel.commit(
      () => {
        for (const { record, partition, lsn, payload } of batch) {
          this.clock.observe(record.recordedAt);
          this.track(record);
          this.apply(record);
          this.moved(partition, lsn, record.recordedAt, payload);
        }
      },
      () => this.checkpoint(),
    );
  }

  private moved(partition: number, lsn: number, recordedAt: Instant, payload: Buffer): void {
    const before = this.positions[partition];
    if (before && lsn <= before.lsn) throw new Error(`partition ${partition}: lsn ${lsn} applied after ${before.lsn}`);
    this.movedPayloads.set(partition, { lsn, recordedAt, payload });
  }

  /** The checkpoint the current transaction reaches (hashes each moved partition's last record once). */
  private checkpoint(): Checkpoint {
    for (const [p, m] of this.movedPayloads) this.positions[p] = { lsn: m.lsn, recordedAt: m.recordedAt, payloadHash: payloadHash(m.payload) };
    this.movedPayloads.clear();
    return { positions: [...this.positions], through: this.appliedThrough, records: this.records, closes: [...this.appliedCalendar.all()] };
  }

  /** Records applied so far (durable, in order). */
  get recordCount(): number {
    return this.records;
  }

  /** Every record with recordedAt <= this is applied; later ones are not yet durable. */
  get horizon(): Instant {
    return this.appliedThrough;
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
    const entry: Pending = { records, partition, lastPayload: payloads[payloads.length - 1], lastLsn: -1, durable: false, resolve, reject };
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

  /** Applies the durable prefix of the pending records in one read-model transaction, then answers them. */
  private drain(): void {
    let ready = 0;
    while (ready < this.pending.length && this.pending[ready].durable) ready++;
    if (ready === 0) return;
    const entries = this.pending.slice(0, ready);
    this.readModel.commit(
      () => {
        for (const entry of entries) {
          for (const record of entry.records) {
            this.track(record);
            this.apply(record);
          }
          this.moved(entry.partition, entry.lastLsn, entry.records[entry.records.length - 1].recordedAt, entry.lastPayload);
        }
      },
      () => this.checkpoint(),
    );
    // Committed: only now may a retry find the outcome instead of the in-flight promise.
    this.pending.splice(0, ready);
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

  private track(record: CommandRecord): void {
    this.readModel.putOutcome(record.commandId, outcomeOf(record));
  }

  private apply(record: CommandRecord): void {
    if (record.recordedAt <= this.appliedThrough) throw new Error(`record out of order at ${record.recordedAt}`);
    this.appliedThrough = record.recordedAt;
    this.records++;
    for (const e of record.events) {
      if (e.type !== PERIOD_CLOSED) continue;
      const close = { through: String(e.payload.through), closedAt: record.recordedAt };
      this.appliedCalendar.record(close);
      // Replay: the stamped calendar learns the closes from the log.
      if (!this.calendar.isClosed(close.through)) this.calendar.record(close);
    }
    for (const s of this.subscribers) s.apply(record);
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}

/** Records applied per read-model transaction while replaying. */
const REPLAY_COMMIT_RECORDS = 5_000;

export interface ReplayProgressReport {
  /** Records applied by this replay so far. */
  records: number;
  through: Instant;
  done?: boolean;
}
export type ReplayProgress = (report: ReplayProgressReport) => void;

function payloadHash(payload: Buffer): string {
  return createHash('sha256').update(payload).digest('hex');
}

/** One partition's scan, a decoded record at a time (a batch of them in memory). */
class PartitionCursor {
  current: { record: CommandRecord; lsn: number; payload: Buffer } | null = null;
  private batch: LogRecord[] = [];
  private index = 0;

  private constructor(
    readonly partition: number,
    private readonly iterator: AsyncIterator<LogRecord[]>,
  ) {}

  static async open(log: LogPort, partition: number, fromLsn: number): Promise<PartitionCursor> {
    const cursor = new PartitionCursor(partition, log.scan(partition, fromLsn)[Symbol.asyncIterator]());
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
