// The bitemporal state of each entity: its events in record order, in the
// read model (see store-port.ts). A state "as known at K" folds the events
// recorded at or before K; figures "as of V" are then computed from that
// state by the domain. Latest states live in a shared cache of a fixed number
// of entities (deciders and most queries ask for them); an entity not in it
// is folded from its stored events when asked for, so memory is bounded by
// the cache, not by the book.
import type { EntityKind, Instant, RecordedEvent } from '@app/domain';
import type { ProjectionStore } from './store-port';

export type Evolve<S> = (state: S | undefined, event: RecordedEvent) => S;

interface Latest {
  state: unknown;
  /** Events folded into it. */
  count: number;
  /** recordedAt of its last event. */
  lastAt: Instant;
}

/**
 * Recently used latest states, at most `capacity` of them, keyed "kind/id":
 * two generations of at most capacity/2 each. A hit in the old generation
 * moves the entry to the new one; when the new one is full it becomes the old
 * one and the old one is dropped whole. Every operation is O(1). (A single
 * Map kept in LRU order by delete-and-reinsert evicts from its front, and
 * V8 skips the front's deleted slots one by one on every eviction: at 100,000
 * entities through a 50,000 cache that cost more than the states' folds.)
 */
export class EntityCache {
  private young = new Map<string, Latest>();
  private old = new Map<string, Latest>();
  private readonly generation: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`entity cache capacity must be a positive integer, got ${capacity}`);
    // Two generations of floor(capacity / 2) never hold more than capacity; a capacity of 1 keeps no old generation.
    this.generation = capacity === 1 ? 1 : Math.floor(capacity / 2);
  }

  get(key: string): Latest | undefined {
    const entry = this.young.get(key);
    if (entry !== undefined) return entry;
    const aged = this.old.get(key);
    if (aged === undefined) return undefined;
    this.old.delete(key);
    this.admit(key, aged);
    return aged;
  }

  /** Without making it recent (a report page or an existence check must not flush the hot entities). */
  peek(key: string): Latest | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  set(key: string, entry: Latest): void {
    if (this.young.has(key)) {
      this.young.set(key, entry);
      return;
    }
    this.old.delete(key);
    this.admit(key, entry);
  }

  private admit(key: string, entry: Latest): void {
    if (this.young.size >= this.generation) {
      this.old = this.capacity === 1 ? new Map() : this.young;
      this.young = new Map();
    }
    this.young.set(key, entry);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Drops the entries whose key starts with `prefix` and that `stale` picks: O(capacity), for rare events only. */
  dropWhere(prefix: string, stale: (entry: Latest) => boolean): void {
    for (const generation of [this.young, this.old]) {
      for (const [key, entry] of generation) if (key.startsWith(prefix) && stale(entry)) generation.delete(key);
    }
  }
}

/** One entity's history: a view over the store and the cache, cheap to make. */
export class EntityHistory<S> {
  constructor(
    private readonly map: HistoryMap<S>,
    readonly id: string,
  ) {}

  /** State as known now (every applied event). */
  current(): S | undefined {
    return this.map.latest(this.id)?.state as S | undefined;
  }

  /**
   * State as known at `knownAt`: undefined if the entity did not exist yet.
   * The cached latest state when nothing later is known; else one pass over
   * the stored events through knownAt (a report's page at a past knownAt
   * folds each of its entities once, and does not flush the cache).
   */
  knownAt(knownAt: Instant): S | undefined {
    return this.map.stateKnownAt(this.id, knownAt);
  }
}

/** Histories of every entity of one kind. */
export class HistoryMap<S> {
  constructor(
    readonly kind: Exclude<EntityKind, 'ledger'>,
    readonly evolve: Evolve<S>,
    readonly store: ProjectionStore,
    private readonly cache: EntityCache,
  ) {}

  /**
   * Inside the store's commit: records the event, and folds it into the
   * latest state when that is cached; an entity not in the cache is not
   * folded (the next reader folds it from the store). `derived`: the event is
   * not in the log's record but derived from one on apply (a fee's member
   * events).
   */
  append(id: string, event: RecordedEvent, derived = false): void {
    const key = `${this.kind}/${id}`;
    const cached = this.cache.peek(key);
    if (cached === undefined) {
      this.store.appendEvent(this.kind, id, this.store.eventCount(this.kind, id), event, derived);
      return;
    }
    this.store.appendEvent(this.kind, id, cached.count, event, derived);
    this.cache.set(key, { state: this.evolve(cached.state as S | undefined, event), count: cached.count + 1, lastAt: event.recordedAt });
  }

  /**
   * Inside the store's commit: records the event and folds it into the latest
   * state (cached); returns both versions. `derived`: as for append.
   */
  add(id: string, event: RecordedEvent, derived = false): { before: S | undefined; after: S } {
    const key = `${this.kind}/${id}`;
    const latest = this.latest(id);
    const count = latest ? latest.count : 0;
    this.store.appendEvent(this.kind, id, count, event, derived);
    const before = latest?.state as S | undefined;
    const after = this.evolve(before, event);
    this.cache.set(key, { state: after, count: count + 1, lastAt: event.recordedAt });
    return { before, after };
  }

  /**
   * Off the commit (another thread applied and committed `event`): folds it
   * into the cached latest state, unless that state holds it already (folded
   * from the store after that commit). An entity not cached is left alone:
   * the next reader folds it from the store, which has the event. A record
   * may carry several events of one entity, so the choice is made at its
   * first and remembered in `following` (by key, for the one record).
   * Returns the state before the event when it was folded in.
   */
  follow(id: string, event: RecordedEvent, following: Map<string, boolean>): { before: S } | undefined {
    const key = `${this.kind}/${id}`;
    const cached = this.cache.peek(key);
    let follows = following.get(key);
    if (follows === undefined) {
      follows = cached !== undefined && cached.lastAt < event.recordedAt;
      following.set(key, follows);
    }
    if (!follows || cached === undefined) return undefined;
    const before = cached.state as S;
    this.cache.set(key, { state: this.evolve(before, event), count: cached.count + 1, lastAt: event.recordedAt });
    return { before };
  }

  /** A view of the entity's history; undefined when it has no event (a cache hit, else one seek). */
  get(id: string): EntityHistory<S> | undefined {
    const exists = this.cache.peek(`${this.kind}/${id}`) !== undefined || this.store.eventCount(this.kind, id) > 0;
    return exists ? new EntityHistory(this, id) : undefined;
  }

  /** See EntityHistory#knownAt. */
  stateKnownAt(id: string, knownAt: Instant): S | undefined {
    const key = `${this.kind}/${id}`;
    const cached = this.cache.peek(key);
    if (cached && cached.lastAt <= knownAt) return cached.state as S;
    const folded = this.fold(id, knownAt);
    // Every stored event was at or before knownAt: that is the latest state, worth caching.
    if (!cached && folded.count > 0 && folded.complete) this.cache.set(key, { state: folded.state, count: folded.count, lastAt: folded.lastAt });
    return folded.state;
  }

  /**
   * The states as known at `a` and at `b` (a report's opening and closing),
   * in one pass over the stored events: a report's page folds each of its
   * entities once, whatever the two instants.
   */
  statesKnownAt(id: string, a: Instant, b: Instant): [S | undefined, S | undefined] {
    const cached = this.cache.peek(`${this.kind}/${id}`);
    if (cached && cached.lastAt <= a && cached.lastAt <= b) return [cached.state as S, cached.state as S];
    const last = a > b ? a : b;
    let state: S | undefined;
    let atA: S | undefined;
    let atB: S | undefined;
    let haveA = false;
    let haveB = false;
    for (const e of this.store.events(this.kind, id)) {
      if (!haveA && e.recordedAt > a) [atA, haveA] = [state, true];
      if (!haveB && e.recordedAt > b) [atB, haveB] = [state, true];
      if (e.recordedAt > last) break;
      state = this.evolve(state, e);
    }
    return [haveA ? atA : state, haveB ? atB : state];
  }

  /** The latest state, from the cache or folded from the store (and then cached). */
  latest(id: string): Latest | undefined {
    const key = `${this.kind}/${id}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const folded = this.fold(id);
    if (folded.count === 0) return undefined;
    this.cache.set(key, folded);
    return folded;
  }

  /** Folds the stored events recorded at or before `knownAt` (default: all); `complete` when no later event was left out. */
  fold(id: string, knownAt?: Instant): { state: S | undefined; count: number; lastAt: Instant; complete: boolean } {
    let state: S | undefined;
    let count = 0;
    let lastAt = '';
    for (const e of this.store.events(this.kind, id)) {
      if (knownAt !== undefined && e.recordedAt > knownAt) return { state, count, lastAt, complete: false };
      state = this.evolve(state, e);
      count++;
      lastAt = e.recordedAt;
    }
    return { state, count, lastAt, complete: true };
  }

  /** Every id of this kind, ascending. */
  ids(): string[] {
    return [...this.store.ids(this.kind)];
  }
}
