// The persistent read model: one LMDB environment (a memory-mapped B+tree;
// its pages are the kernel's file cache, not this process's heap) under
// <dataDir>/readmodel, holding everything the ledger derives from the log:
//
//   meta      schema version, the checkpoint (log position per partition), the owner
//   events    [kind, id, index]  -> event JSON    histories, audit trails, as-of folds
//   entities  [kind, id]         -> 1             ids per kind (written with the first event)
//   outcomes  commandId          -> outcome JSON  idempotent retries
//   series    family|name|currency|bucket|recordedAt -> "first total"  report totals: per commit that moved
//             the series, keyed by its last step, the first step's recordedAt and the running total (cents)
//   seriesSteps  same key -> every step of that commit ("recordedAt total" lines), when there were several
//   seriesIx  [family, name, currency, bucket] -> 1                                 the buckets a series has
//   acctLines [account, recordedAt, n] -> "date cents control"                     the subledger: entity accounts' lines
//
// Every write goes through `commit`, one synchronous LMDB write transaction
// that also writes the checkpoint, so the stored data is always exactly "the
// log through the checkpoint". The environment is opened with noSync: a
// process crash loses nothing committed (LMDB writes its meta page last); a
// machine crash may, so the owner record names the boot the read model was
// last written in, and a read model not closed cleanly in another boot is
// rebuilt (see open-read-model.ts). Values are JSON, exactly as the log holds
// them, so an event read here is the event a replay decodes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { trustStoredEvent, type EntityKind, type Instant, type IsoDate, type RecordedEvent } from '@app/domain';
import type { Checkpoint, ReadModelPort, StoredOutcome } from '@app/event-store';
import type { ProjectionStore, SeriesBucket, SeriesFamily } from '@app/projections';
import { HashSum, eventText, outcomeTermText, stateHashOf, type DigestSums, type StateHash } from './state-digest';

/** Bumped whenever what is stored, or how, changes: a read model of another version is rebuilt. */
export const READ_MODEL_SCHEMA = 7;

export interface ReadModelOptions {
  /** LMDB map size: the most the read model may grow to (address space, not memory). */
  mapSizeBytes: number;
  /** Open for reading only (an offline audit); it must exist. */
  readOnly?: boolean;
}

export interface ReadModelOwner {
  /** /proc/sys/kernel/random/boot_id of the boot that last opened it for writing. */
  bootId: string;
  /** Closed cleanly (synced to disk): safe to reuse after a reboot. */
  clean: boolean;
}

type Key = (string | number)[];

/** A series bucket's key: family, name, currency, bucket. */
export type SeriesKey = [SeriesFamily, string, string, string];

/** LMDB's meta pages: the P_META flag (byte 18 of the page header) and the magic 0xBEEFC0DE (bytes 24-27, little-endian) after it. */
const META_FLAG_OFFSET = 18;
const META_FLAG = 0x08;
const META_MAGIC_OFFSET = 24;
const META_MAGIC = 0xbeefc0de;
const PAGE_BYTES = 4096;

/**
 * Refuses a data file LMDB would not open cleanly, before LMDB sees it:
 * lmdb-js 3.5 frees its environment twice when mdb_env_open fails on a file
 * whose meta pages are damaged (MDB_INVALID), and the process dies of
 * SIGSEGV instead of getting an error. A missing file is fine (a new read
 * model); a file too short for its two meta pages, or either meta page
 * without LMDB's flag and magic, is "cannot be read" (then rebuilt).
 */
export function checkDataFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const head = Buffer.alloc(2 * PAGE_BYTES);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    if (got < head.length) throw new Error(`${file} holds ${got} bytes, less than LMDB's two meta pages`);
    for (const page of [0, 1]) {
      const at = page * PAGE_BYTES;
      if ((head[at + META_FLAG_OFFSET] & META_FLAG) === 0 || head.readUInt32LE(at + META_MAGIC_OFFSET) !== META_MAGIC) {
        throw new Error(`${file}: meta page ${page} is not an LMDB meta page`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A series' key prefix (a string key: cheaper to encode than an array; the separator sorts below every character of a name). */
function seriesPrefix(family: SeriesFamily, name: string, currency: string, bucket: string): string {
  return `${family}\u001f${name}\u001f${currency}\u001f${bucket}\u001f`;
}

function compareBuckets(a: SeriesBucket, b: SeriesBucket): number {
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
  return a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0;
}

/** Where `item` goes in the ascending `list` (after equal items). */
function sortedIndex<T>(list: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(list[mid], item) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The state hash's sums as the meta table stores them (absent: none yet). */
function sumsFrom(stored: unknown): DigestSums {
  const s = stored as Partial<Record<keyof DigestSums, { sum: string; count: number }>> | undefined;
  return { events: HashSum.from(s?.events), outcomes: HashSum.from(s?.outcomes) };
}

/** A consistent read of the whole read model (see LmdbReadModel#snapshot). */
export interface ReadModelSnapshot {
  checkpoint: Checkpoint | null;
  /** The sums kept while writing, as of this cut. */
  sums: DigestSums;
  /** Every stored event's text, by entity and index: those the log records (derived events left out, see appendEvent). */
  events(): Iterable<{ kind: EntityKind; id: string; text: string }>;
  entityEvents(kind: EntityKind, id: string): Iterable<string>;
  outcomes(): Iterable<[string, string]>;
  done(): void;
}

/** Prefix of a derived event's stored text (an event's JSON starts with "{"). */
const DERIVED_MARK = '~';

function isDerived(stored: string): boolean {
  return stored.charCodeAt(0) === 0x7e;
}

function unmarked(stored: string): string {
  return isDerived(stored) ? stored.slice(1) : stored;
}

export class LmdbReadModel implements ReadModelPort, ProjectionStore {
  private readonly meta: Database<unknown, string>;
  private readonly eventsDb: Database<string, Key>;
  private readonly entitiesDb: Database<string, Key>;
  private readonly outcomesDb: Database<string, string>;
  private readonly seriesDb: Database<string, string>;
  private readonly seriesStepsDb: Database<string, string>;
  private readonly seriesIndexDb: Database<number, Key>;
  private readonly accountLinesDb: Database<string, Key>;
  /** Entity account -> "<recordedAt of its first line> <control>": the subledger's accounts in pages, without a seek per account. */
  private readonly accountsDb: Database<string, string>;
  /** Buckets per "family name", ascending by currency then bucket: the calendar's size (months, days, accounts), not the book's. */
  private readonly buckets = new Map<string, SeriesBucket[]>();
  private readonly names = new Map<SeriesFamily, string[]>();
  /** The last running total of each series written since open (written series only). */
  private readonly lastTotals = new Map<string, bigint>();
  /** Buckets indexed since the last takeNewBuckets (the apply thread hands them to the JS thread's handle). */
  private newBuckets: SeriesKey[] = [];
  /** The steps of each series moved by the open transaction, in recordedAt order (flushed at commit). */
  private readonly pendingSeries = new Map<string, { recordedAt: Instant; total: bigint }[]>();
  /** The record whose lines are being added, and how many (an account line's key). */
  private lineRecord = '';
  private lineCount = 0;
  /** The state hash's sums over everything stored, as of the last commit plus the open transaction's writes. */
  private sums: DigestSums;
  private writing = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
  ) {
    this.meta = root.openDB<unknown, string>('meta', { encoding: 'json' });
    this.eventsDb = root.openDB<string, Key>('events', { encoding: 'string' });
    this.entitiesDb = root.openDB<string, Key>('entities', { encoding: 'string' });
    this.outcomesDb = root.openDB<string, string>('outcomes', { encoding: 'string' });
    this.seriesDb = root.openDB<string, string>('series', { encoding: 'string' });
    this.seriesStepsDb = root.openDB<string, string>('seriesSteps', { encoding: 'string' });
    this.seriesIndexDb = root.openDB<number, Key>('seriesIx', { encoding: 'ordered-binary' });
    this.accountLinesDb = root.openDB<string, Key>('acctLines', { encoding: 'string' });
    this.accountsDb = root.openDB<string, string>('accounts', { encoding: 'string' });
    for (const key of this.seriesIndexDb.getKeys({})) this.indexBucket(key[0] as SeriesFamily, key[1] as string, key[2] as string, key[3] as string);
    this.sums = this.storedSums();
  }

  private storedSums(): DigestSums {
    return sumsFrom(this.meta.get('digest'));
  }

  /**
   * The state hash of what is committed: the sums and the checkpoint as one
   * commit wrote them (kept as it is written: reading it costs two gets). Read
   * from the store, not from this instance's sums: with the apply thread,
   * another handle on this environment writes.
   */
  stateHash(): StateHash {
    if (this.writing) throw new Error('the state hash is read outside commit only');
    const cut = this.snapshot();
    try {
      return stateHashOf(cut.sums, cut.checkpoint);
    } finally {
      cut.done();
    }
  }

  /** Opens (or creates) the environment; throws if LMDB cannot read it. */
  static open(dir: string, options: ReadModelOptions): LmdbReadModel {
    if (!(options.mapSizeBytes >= 1 << 20)) throw new Error(`read model map size must be at least 1 MiB, got ${options.mapSizeBytes}`);
    checkDataFile(path.join(dir, 'data.mdb'));
    const root = open({ path: dir, mapSize: options.mapSizeBytes, noSync: true, maxDbs: 12, compression: false, readOnly: options.readOnly === true });
    const model = new LmdbReadModel(dir, root);
    if (!options.readOnly && model.schemaVersion() === undefined && model.checkpoint() === null) {
      root.transactionSync(() => model.meta.putSync('schema', READ_MODEL_SCHEMA));
    }
    return model;
  }

  schemaVersion(): number | undefined {
    return this.meta.get('schema') as number | undefined;
  }

  owner(): ReadModelOwner | undefined {
    return this.meta.get('owner') as ReadModelOwner | undefined;
  }

  setOwner(owner: ReadModelOwner): void {
    this.root.transactionSync(() => this.meta.putSync('owner', owner));
  }

  // ---------------------------------------------------------------- event store port

  checkpoint(): Checkpoint | null {
    return (this.meta.get('checkpoint') as Checkpoint | undefined) ?? null;
  }

  outcome(commandId: string): StoredOutcome | undefined {
    const text = this.outcomesDb.get(commandId);
    return text === undefined ? undefined : (JSON.parse(text) as StoredOutcome);
  }

  *outcomes(): Iterable<[string, StoredOutcome]> {
    for (const { key, value } of this.outcomesDb.getRange({})) yield [key, JSON.parse(value) as StoredOutcome];
  }

  commit(apply: () => void, checkpoint: () => Checkpoint): void {
    if (this.writing) throw new Error('read model commits do not nest');
    if (this.closed) throw new Error('the read model is closed');
    try {
      this.root.transactionSync(() => {
        this.writing = true;
        try {
          apply();
          this.flushSeries();
          this.meta.putSync('checkpoint', checkpoint());
          this.meta.putSync('digest', { events: this.sums.events.toJSON(), outcomes: this.sums.outcomes.toJSON() });
        } finally {
          this.writing = false;
        }
      });
    } catch (e) {
      // Aborted: the sums go back to what is committed.
      this.sums = this.storedSums();
      this.lastTotals.clear();
      this.pendingSeries.clear();
      throw e;
    }
  }

  putOutcome(commandId: string, outcome: StoredOutcome): void {
    this.assertWriting();
    const text = JSON.stringify(outcome);
    this.outcomesDb.putSync(commandId, text);
    this.sums.outcomes.addText(outcomeTermText(commandId, text));
  }

  // ---------------------------------------------------------------- projection store port

  eventCount(kind: EntityKind, id: string): number {
    // The last event's index + 1: one reverse seek (the count is not written per event: a put costs more than this seek).
    for (const key of this.eventsDb.getKeys({ start: [kind, id, Number.MAX_SAFE_INTEGER], end: [kind, id], reverse: true, limit: 1 })) return (key[2] as number) + 1;
    return 0;
  }

  appendEvent(kind: EntityKind, id: string, index: number, event: RecordedEvent, derived: boolean): void {
    this.assertWriting();
    if (event.entity.kind !== kind || event.entity.id !== id) throw new Error(`event of ${event.entity.kind}/${event.entity.id} stored under ${kind}/${id}`);
    const text = eventText(event);
    // A derived event is stored marked, outside the sums: the state hash sums what the log records.
    this.eventsDb.putSync([kind, id, index], derived ? DERIVED_MARK + text : text);
    // The entity's first event lists it (ids per kind, in pages), with when it became known (a page at a past knownAt skips later ones unread).
    if (index === 0) this.entitiesDb.putSync([kind, id], event.recordedAt);
    if (!derived) this.sums.events.addText(text);
  }

  *events(kind: EntityKind, id: string): Iterable<RecordedEvent> {
    for (const { value } of this.eventsDb.getRange({ start: [kind, id, 0], end: [kind, id, Number.MAX_SAFE_INTEGER] })) yield trustStoredEvent(JSON.parse(unmarked(value)) as RecordedEvent);
  }

  *ids(kind: EntityKind): Iterable<string> {
    // [kind] sorts before every [kind, id]; [kind, '\uffff'] after every id of the kind (ids are printable ASCII).
    for (const key of this.entitiesDb.getKeys({ start: [kind], end: [kind, '\uffff'] })) yield key[1] as string;
  }

  *entities(): Iterable<{ kind: EntityKind; id: string }> {
    for (const key of this.entitiesDb.getKeys({})) yield { kind: key[0] as EntityKind, id: key[1] as string };
  }

  // ---------------------------------------------------------------- report series

  addToSeries(family: SeriesFamily, name: string, currency: string, bucket: string, recordedAt: Instant, cents: bigint): void {
    this.assertWriting();
    const prefix = seriesPrefix(family, name, currency, bucket);
    let total = this.lastTotals.get(prefix);
    if (total === undefined) {
      total = this.seriesAt(family, name, currency, bucket, '\uffff');
      if (total === undefined) {
        this.seriesIndexDb.putSync([family, name, currency, bucket], 1);
        this.indexBucket(family, name, currency, bucket);
        this.newBuckets.push([family, name, currency, bucket]);
      }
    }
    total = (total ?? 0n) + cents;
    this.lastTotals.set(prefix, total);
    let steps = this.pendingSeries.get(prefix);
    if (!steps) this.pendingSeries.set(prefix, (steps = []));
    const last = steps[steps.length - 1];
    if (last && last.recordedAt === recordedAt) last.total = total;
    else steps.push({ recordedAt, total });
  }

  /**
   * Writes the series the open transaction moved: per series, one entry keyed
   * by its last step's recordedAt holding its first step's recordedAt and the
   * final total, and, when it moved more than once, the steps themselves
   * (a batch of 4,000 binds moves each month's series 4,000 times: two puts,
   * not 4,000).
   */
  private flushSeries(): void {
    for (const [prefix, steps] of this.pendingSeries) {
      const first = steps[0];
      const last = steps[steps.length - 1];
      this.seriesDb.putSync(`${prefix}${last.recordedAt}`, `${first.recordedAt} ${last.total}`);
      if (steps.length > 1) this.seriesStepsDb.putSync(`${prefix}${last.recordedAt}`, steps.map((step) => `${step.recordedAt} ${step.total}`).join('\n'));
    }
    this.pendingSeries.clear();
  }

  seriesAt(family: SeriesFamily, name: string, currency: string, bucket: string, knownAt: Instant): bigint | undefined {
    const prefix = seriesPrefix(family, name, currency, bucket);
    const at = `${prefix}${knownAt}`;
    // A commit whose steps straddle knownAt: its entry sorts after knownAt but its first step is at or before it.
    for (const { key, value } of this.seriesDb.getRange({ start: at, end: `${prefix}\uffff`, exclusiveStart: true, limit: 1 })) {
      if (value.slice(0, value.indexOf(' ')) > knownAt) break;
      const steps = (this.seriesStepsDb.get(key) as string).split('\n');
      let total: string | undefined;
      for (const step of steps) {
        const space = step.indexOf(' ');
        if (step.slice(0, space) > knownAt) break;
        total = step.slice(space + 1);
      }
      return BigInt(total as string);
    }
    // Else the last commit at or before knownAt: its final total.
    for (const { value } of this.seriesDb.getRange({ start: at, end: prefix, reverse: true, limit: 1 })) return BigInt(value.slice(value.indexOf(' ') + 1));
    return undefined;
  }

  seriesBuckets(family: SeriesFamily, name: string): readonly SeriesBucket[] {
    return this.buckets.get(`${family} ${name}`) ?? [];
  }

  seriesNames(family: SeriesFamily): readonly string[] {
    return this.names.get(family) ?? [];
  }

  /** The series buckets this handle created since the last call (committed, when called after commit). */
  takeNewBuckets(): SeriesKey[] {
    const taken = this.newBuckets;
    this.newBuckets = [];
    return taken;
  }

  /** Buckets another handle on this environment created and committed: reports list them from now on. */
  indexBuckets(keys: readonly SeriesKey[]): void {
    for (const [family, name, currency, bucket] of keys) {
      const list = this.buckets.get(`${family} ${name}`);
      if (list?.some((b) => b.currency === currency && b.bucket === bucket)) continue;
      this.indexBucket(family, name, currency, bucket);
    }
  }

  private indexBucket(family: SeriesFamily, name: string, currency: string, bucket: string): void {
    const key = `${family} ${name}`;
    let list = this.buckets.get(key);
    if (!list) {
      this.buckets.set(key, (list = []));
      const names = this.names.get(family) ?? [];
      names.splice(sortedIndex(names, name, (a, b) => (a < b ? -1 : a > b ? 1 : 0)), 0, name);
      this.names.set(family, names);
    }
    const entry = { currency, bucket };
    list.splice(sortedIndex(list, entry, compareBuckets), 0, entry);
  }

  // ---------------------------------------------------------------- subledger

  addAccountLine(account: string, control: string, recordedAt: Instant, date: IsoDate, cents: bigint): void {
    this.assertWriting();
    if (this.lineRecord !== recordedAt) {
      this.lineRecord = recordedAt;
      this.lineCount = 0;
    }
    this.accountLinesDb.putSync([account, recordedAt, this.lineCount++], `${date} ${cents} ${control}`);
    // Reads inside the write transaction see its own writes: an account is listed once, at its first line.
    if (this.accountsDb.get(account) === undefined) this.accountsDb.putSync(account, `${recordedAt} ${control}`);
  }

  *accountsAfter(cursor: string | null, knownAt?: Instant): Iterable<{ account: string; control: string }> {
    const range = cursor === null ? {} : { start: cursor, exclusiveStart: true };
    for (const { key, value } of this.accountsDb.getRange(range)) {
      const space = value.indexOf(' ');
      // An account first posted after knownAt has no line known by then: skipped unread.
      if (knownAt !== undefined && value.slice(0, space) > knownAt) continue;
      yield { account: key, control: value.slice(space + 1) };
    }
  }

  *accountLines(account: string): Iterable<{ recordedAt: Instant; date: IsoDate; cents: bigint }> {
    for (const { key, value } of this.accountLinesDb.getRange({ start: [account], end: [account, '\uffff'] })) {
      const [date, cents] = value.split(' ');
      yield { recordedAt: key[1] as Instant, date, cents: BigInt(cents) };
    }
  }

  *idsAfter(kind: EntityKind, cursor: string | null, knownAt?: Instant): Iterable<string> {
    const range = cursor === null ? { start: [kind], end: [kind, '\uffff'] } : { start: [kind, cursor], exclusiveStart: true, end: [kind, '\uffff'] };
    if (knownAt === undefined) {
      for (const key of this.entitiesDb.getKeys(range)) yield key[1] as string;
      return;
    }
    for (const { key, value } of this.entitiesDb.getRange(range)) if (value <= knownAt) yield key[1] as string;
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * One consistent cut of everything stored (an LMDB read transaction): the
   * checkpoint, the sums and the stored texts as of one commit, while the
   * writer goes on. Call `done()` when finished: a snapshot held open keeps
   * LMDB from reusing the pages freed since.
   */
  snapshot(): ReadModelSnapshot {
    const transaction = this.root.useReadTransaction();
    const eventsDb = this.eventsDb;
    const outcomesDb = this.outcomesDb;
    return {
      checkpoint: (this.meta.get('checkpoint', { transaction }) as Checkpoint | undefined) ?? null,
      sums: sumsFrom(this.meta.get('digest', { transaction })),
      *events() {
        for (const { key, value } of eventsDb.getRange({ transaction })) if (!isDerived(value)) yield { kind: key[0] as EntityKind, id: key[1] as string, text: value };
      },
      *entityEvents(kind: EntityKind, id: string) {
        for (const { value } of eventsDb.getRange({ start: [kind, id, 0], end: [kind, id, Number.MAX_SAFE_INTEGER], transaction })) if (!isDerived(value)) yield value;
      },
      *outcomes() {
        for (const { key, value } of outcomesDb.getRange({ transaction })) yield [key, value] as [string, string];
      },
      done: () => transaction.done(),
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes every committed page to disk (off the JS thread). */
  sync(): Promise<void> {
    // lmdb-js has RootDatabase#sync (mdb_env_sync, forced) but does not declare it.
    const root = this.root as unknown as { sync(done: (error?: unknown) => void): void };
    return new Promise((resolve, reject) => root.sync((error) => (error ? reject(error) : resolve())));
  }

  /** Syncs, marks the read model closed cleanly, syncs that too, and closes. */
  async close(owner?: ReadModelOwner): Promise<void> {
    if (this.closed) return;
    if (owner) {
      await this.sync();
      this.setOwner({ ...owner, clean: true });
      await this.sync();
    }
    this.closed = true;
    await this.root.close();
  }

  /** Disk use and entry counts (metrics, the CLI). */
  stats(): { events: number; entities: number; outcomes: number } {
    const count = (db: { getStats(): object }) => (db.getStats() as { entryCount: number }).entryCount;
    return { events: count(this.eventsDb), entities: count(this.entitiesDb), outcomes: count(this.outcomesDb) };
  }

  private assertWriting(): void {
    if (!this.writing) throw new Error('read model writes happen inside commit only');
  }
}
