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
import type { LogPort } from './log-port';
import { PeriodCalendar } from '@app/domain';
import { createHash } from 'node:crypto';
import { CommandRecord, canonicalJson, decodeRecord, encodeRecord } from './record';

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

export interface PriorOutcome {
  requestHash: string;
  status: number;
  body: unknown;
}

/** The log failed: nothing more is accepted (the API answers 503). */
export class LogUnavailableError extends Error {
  readonly code = 'log_unavailable';
  constructor(readonly reason: unknown) {
    super(`the log is unavailable: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

interface Pending {
  records: CommandRecord[];
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
  readonly clock = new LedgerClock();
  private lastStamped: Instant = '';
  /** Closes as stamped: books new commands and decides closes (a close moves it when stamped). */
  readonly calendar = new PeriodCalendar();
  /** Closes as applied (durable): what queries and digests see, so an unacknowledged close is never visible. */
  readonly appliedCalendar = new PeriodCalendar();
  private readonly outcomes = new Map<string, PriorOutcome>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending: Pending[] = [];
  private readonly lockTails = new Map<string, Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private failure: LogUnavailableError | null = null;
  private appliedThrough: Instant = '';
  private records = 0;
  /** Optional watcher of appends (metrics); null costs nothing. */
  observer: StoreObserver | null = null;

  private constructor(
    private readonly log: LogPort,
    private readonly subscribers: RecordSubscriber[],
    /** A replica (a replay audit's rebuild) reads the log and never appends to it. */
    private readonly readOnly: boolean,
  ) {}

  /** Replays the whole log into the subscribers, then accepts commands. */
  static async open(log: LogPort, subscribers: RecordSubscriber[]): Promise<EventStore> {
    const store = new EventStore(log, subscribers, false);
    await store.replay(undefined);
    return store;
  }

  /**
   * A read-only store rebuilt from the log's first record into fresh
   * subscribers, through the record stamped at `through` (default: all):
   * the replay audit's rebuild, next to the live store on the same log.
   */
  static async replica(log: LogPort, subscribers: RecordSubscriber[], through?: Instant): Promise<EventStore> {
    const store = new EventStore(log, subscribers, true);
    await store.replay(through);
    return store;
  }

  /** The store's own state (idempotency outcomes, closes) as one canonical hash; the projections hash theirs. */
  digest(): string {
    const hash = createHash('sha256');
    for (const id of [...this.outcomes.keys()].sort()) {
      const o = this.outcomes.get(id) as PriorOutcome;
      hash.update(`${id} ${o.status} ${o.requestHash} ${canonicalJson(o.body)}\n`);
    }
    hash.update(`records ${this.records} through ${this.appliedThrough}\n`);
    hash.update(`calendar ${canonicalJson(this.appliedCalendar.all())}\n`);
    return hash.digest('hex');
  }

  private async replay(through: Instant | undefined): Promise<void> {
    const all: CommandRecord[] = [];
    for (let p = 0; p < this.log.partitions; p++) {
      for await (const batch of this.log.scan(p, 0)) {
        for (const r of batch) {
          const record = decodeRecord(r.payload);
          if (through === undefined || record.recordedAt <= through) all.push(record);
        }
      }
    }
    // Partitions interleave in system time: merge them back into recordedAt order.
    all.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
    for (let i = 1; i < all.length; i++) {
      if (all[i].recordedAt === all[i - 1].recordedAt) throw new Error(`two records at ${all[i].recordedAt}`);
    }
    for (const record of all) {
      this.clock.observe(record.recordedAt);
      this.track(record);
      this.apply(record);
    }
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
    return this.outcomes.get(commandId);
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
    const entry: Pending = { records, durable: false, resolve, reject };
    this.pending.push(entry);
    for (const r of records) this.inFlight.set(r.commandId, done);
    const observer = this.observer;
    const started = observer ? performance.now() : 0;
    this.log.appendBatch(partition, payloads).then(
      () => {
        entry.durable = true;
        observer?.appended(payloads.length, (performance.now() - started) / 1000);
        this.drain();
      },
      (e: unknown) => this.fail(e),
    );
    return done;
  }

  private drain(): void {
    while (this.pending.length > 0 && this.pending[0].durable) {
      const entry = this.pending.shift() as Pending;
      for (const record of entry.records) {
        this.inFlight.delete(record.commandId);
        this.track(record);
        this.apply(record);
      }
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
    this.outcomes.set(record.commandId, { requestHash: record.requestHash, status: record.status, body: record.body });
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

/** FNV-1a of the entity key: the same entity always lands in the same partition. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
