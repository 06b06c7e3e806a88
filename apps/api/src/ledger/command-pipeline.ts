// How every command runs (single or in a batch), with TigerBeetle semantics:
//   1. a durable outcome for this commandId: same request -> that outcome again
//      (Idempotent-Replayed), different request -> 409 exists_with_different_fields;
//   2. otherwise, holding the locks of every entity it touches (and of its
//      commandId, so a concurrent retry waits for the first attempt):
//      decide against current state, stamp, append, and answer only once
//      durable. A domain rejection is recorded too: it stays the answer.
// Batches decide each command against the state left by the ones before it
// (an overlay), then make all of them durable together.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DomainError, NotFoundError, PeriodAlreadyClosedError, checkFigures, checkStoredEvent, derivedMemberEvents, derivesMemberEvents } from '@app/domain';
import type { ClaimState, Decision, DomainEvent, EntityKind, FundState, Instant, MemberState, PolicyState, RecordedEvent } from '@app/domain';
import { PERIOD_CLOSED, RecordTooLargeError, outcomeOf, requestHash } from '@app/event-store';
import type { CommandRecord, Draft, EventStore, StoredOutcome } from '@app/event-store';
import type { EntityStates, FoldedKind, HistoryMap, Projections } from '@app/projections';

import { ApiError, ExistsWithDifferentFieldsError } from '../errors/api-errors';
import { toProblem } from '../errors/problem';
import type { CommandOutcome } from '../http/reply';
import { LedgerService } from './ledger.service';

/** Current state as a decider sees it: the projections, plus a batch's earlier commands. */
export interface StateReader {
  /** The current state of an entity, undefined if it does not exist (yet). */
  entity<K extends FoldedKind>(kind: K, id: string): EntityStates[K] | undefined;
  policy(id: string): PolicyState | undefined;
  claim(id: string): ClaimState | undefined;
  fund(id: string): FundState | undefined;
  member(id: string): MemberState | undefined;
  /** Every policy id known: the projections' plus those a batch's earlier commands created; sorted. */
  policyIds(): string[];
  /** Every event of an entity known, in record order (the projections' audit trail plus a batch's earlier events). */
  trail(kind: EntityKind, id: string): readonly RecordedEvent[];
  /** The outcome of a command decided earlier in the same batch (a reversal of it finds it here: it is not durable yet). */
  batchOutcome(commandId: string): StoredOutcome | undefined;
  /** The instant the command being decided will be stamped with (reserved before deciding, so a decider may date by it). */
  readonly recordedAt: Instant;
  readonly store: EventStore;
}

export interface CommandRequest {
  /** The request path, e.g. /v1/policies/P-1/endorsements (part of the request identity). */
  path: string;
  /** The JSON body as received (hashed canonically). */
  body: unknown;
  /** Normalized 32-hex commandId. */
  commandId: string;
  actor: string;
  /** Entity keys ("policy/P-1") the command reads or writes. */
  locks: string[];
  /** The entity that orders it (picks the partition). */
  partitionKey: string;
  decide: (state: StateReader) => Decision;
  /** Fields of a 2xx body that depend on the stamp (e.g. a close's `closedAt`), merged after the decision's result. */
  stampFields?: (recordedAt: Instant) => Record<string, unknown>;
  /**
   * Decide only once every command stamped before it is durable and applied,
   * holding new commands back meanwhile (a period close reads every policy,
   * including ones whose bind is still in flight).
   */
  barrier?: boolean;
}

/**
 * The identity of a request for idempotency: path and canonical body, with the
 * commandId in its normalized form (a UUID and its 32-hex spelling are one id).
 */
function identityHash(request: CommandRequest): string {
  const body = request.body;
  const normalized = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, commandId: request.commandId } : body;
  return requestHash(request.path, normalized);
}

/**
 * Nothing replay could not read is ever written: a decision whose figures
 * pass what the ledger stores is refused (422 amount_out_of_range, recorded);
 * an event its family's schema refuses is a server fault (500, nothing
 * written). The schema check is remembered per payload, so the fold on apply
 * does not repeat it.
 */
function checkStorable(events: readonly DomainEvent[]): void {
  checkFigures(events);
  for (const e of events) checkStoredEvent(e);
}

/** Domain refusals are final outcomes and recorded; anything else is a server fault. */
function isRecordedRejection(e: unknown): boolean {
  return e instanceof DomainError || e instanceof NotFoundError || e instanceof PeriodAlreadyClosedError;
}

class Overlay implements StateReader {
  /** States a batch's earlier commands changed, by "kind/id" (undefined: never, since folds only create). */
  private readonly changed = new Map<string, unknown>();
  private readonly createdPolicies = new Set<string>();
  private readonly trails = new Map<string, RecordedEvent[]>();
  /** Set by the pipeline before each decision. */
  recordedAt: Instant = '';

  constructor(
    private readonly projections: Projections,
    readonly store: EventStore,
    /** A batch's commands stamped so far, by commandId (the batch's own map; empty for a command alone). */
    private readonly batch: ReadonlyMap<string, CommandRecord> = new Map(),
  ) {}

  entity<K extends FoldedKind>(kind: K, id: string): EntityStates[K] | undefined {
    if (this.changed.size > 0) {
      const key = `${kind}/${id}`;
      if (this.changed.has(key)) return this.changed.get(key) as EntityStates[K];
    }
    return this.projections.history(kind).get(id)?.current();
  }

  policy(id: string): PolicyState | undefined {
    return this.entity('policy', id);
  }

  claim(id: string): ClaimState | undefined {
    return this.entity('claim', id);
  }

  fund(id: string): FundState | undefined {
    return this.entity('fund', id);
  }

  member(id: string): MemberState | undefined {
    return this.entity('member', id);
  }

  policyIds(): string[] {
    const ids = new Set(this.projections.policies.ids());
    for (const id of this.createdPolicies) ids.add(id);
    return [...ids].sort();
  }

  trail(kind: EntityKind, id: string): readonly RecordedEvent[] {
    const known = this.projections.auditTrail(kind, id) ?? [];
    const added = this.trails.get(`${kind}/${id}`);
    return added ? [...known, ...added] : known;
  }

  batchOutcome(commandId: string): StoredOutcome | undefined {
    const record = this.batch.get(commandId);
    return record === undefined ? undefined : outcomeOf(record);
  }

  /**
   * Folds a batch command's events so the next command of the batch sees them
   * (folds never mutate a state); a fee's or a NAV correction's member events
   * are derived from it as the projections derive them on apply.
   */
  add(events: RecordedEvent[]): void {
    for (const e of events) {
      const derived = derivesMemberEvents(e) ? derivedMemberEvents(this.fund(e.entity.id) as FundState, e) : [];
      this.fold(e);
      for (const d of derived) this.fold(d);
    }
  }

  private fold(e: RecordedEvent): void {
    const { kind, id } = e.entity;
    const key = `${kind}/${id}`;
    const trail = this.trails.get(key);
    if (trail) trail.push(e);
    else this.trails.set(key, [e]);
    if (kind === 'ledger') return;
    if (kind === 'policy') this.createdPolicies.add(id);
    const history = this.projections.history(kind) as HistoryMap<unknown>;
    this.changed.set(key, history.evolve(this.entity(kind, id), e));
  }
}

/** Sees every command's answer (the API's metrics); optional, provided under COMMAND_OBSERVER. Called per command: keep it cheap. */
export interface CommandObserver {
  /** `path` as requested; `status` as answered (a thrown error's problem status); `replayed` for an idempotent replay. */
  answered(path: string, status: number, replayed: boolean): void;
}

export const COMMAND_OBSERVER = Symbol('COMMAND_OBSERVER');

/** A stamped record and the bytes the log will store for it (encoded once). */
interface Stamped {
  record: CommandRecord;
  bytes: Buffer;
}

@Injectable()
export class CommandPipeline {
  /** Closed while a barrier command waits for the log to drain; commands wait at it before deciding. */
  private gate: Promise<void> | null = null;

  constructor(
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Optional() @Inject(COMMAND_OBSERVER) private readonly observer: CommandObserver | null = null,
  ) {}

  /**
   * Runs `decideAndStamp` (synchronous) once admitted: at once, unless a
   * barrier is waiting; a barrier itself closes the gate and runs when nothing
   * stamped is still in flight. Each check and its `run` share one turn of the
   * event loop, so nothing can be stamped in between.
   */
  private async admitted<T>(barrier: boolean, run: () => T): Promise<T> {
    while (this.gate) await this.gate;
    if (!barrier) return run();
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    try {
      const store = this.ledger.store;
      while (store.pendingCount > 0) await store.whenIdle();
      return run();
    } finally {
      this.gate = null;
      open();
    }
  }

  execute(request: CommandRequest): Promise<CommandOutcome> {
    const observer = this.observer;
    if (!observer) return this.executeOne(request);
    return this.executeOne(request).then(
      (outcome) => {
        observer.answered(request.path, outcome.status, outcome.replayed);
        return outcome;
      },
      (e: unknown) => {
        observer.answered(request.path, toProblem(e).status, false);
        throw e;
      },
    );
  }

  private async executeOne(request: CommandRequest): Promise<CommandOutcome> {
    const hash = identityHash(request);
    const prior = this.replay(request.commandId, hash);
    if (prior) return prior;
    const { store, projections } = this.ledger;
    return store.withLocks([...request.locks, `command/${request.commandId}`], async () => {
      const again = this.replay(request.commandId, hash);
      if (again) return again;
      const overlay = new Overlay(projections, store);
      // Stamping and handing the record to the store are one synchronous step:
      // the store applies records in recordedAt order, so a record must be
      // pending before any later stamp is (and a barrier must see it pending).
      const decideAndPersist = () => {
        const { record, bytes } = this.decideAndStamp(request, hash, overlay);
        return { record, durable: store.persist([record], request.partitionKey, [bytes]) };
      };
      // No gate and no barrier: decide in this very turn (what `admitted` would do, minus its promise).
      const fast = this.gate === null && request.barrier !== true;
      const { record, durable } = fast ? decideAndPersist() : await this.admitted(request.barrier === true, decideAndPersist);
      await durable;
      return { status: record.status, body: record.body, replayed: false };
    });
  }

  /** Runs commands in order, each as if alone, durable together; `null` entries were refused before deciding. */
  executeBatch(requests: CommandRequest[]): Promise<CommandOutcome[]> {
    const observer = this.observer;
    if (!observer) return this.runBatch(requests);
    return this.runBatch(requests).then(
      (outcomes) => {
        for (let i = 0; i < outcomes.length; i++) observer.answered(requests[i].path, outcomes[i].status, outcomes[i].replayed);
        return outcomes;
      },
      (e: unknown) => {
        const status = toProblem(e).status;
        for (const r of requests) observer.answered(r.path, status, false);
        throw e;
      },
    );
  }

  private async runBatch(requests: CommandRequest[]): Promise<CommandOutcome[]> {
    const { store, projections } = this.ledger;
    const locks = requests.flatMap((r) => [...r.locks, `command/${r.commandId}`]);
    const barrier = requests.some((r) => r.barrier === true);
    return store.withLocks(locks, async () => {
      const inBatch = new Map<string, CommandRecord>();
      const overlay = new Overlay(projections, store, inBatch);
      const outcomes: CommandOutcome[] = [];
      const records: Stamped[] = [];
      // Decided, stamped and pending in one synchronous step (see executeOne).
      const { durable } = await this.admitted(barrier, () => {
        this.decideBatch(requests, overlay, outcomes, records, inBatch);
        return { durable: this.persistAll(store, records, requests[0]?.partitionKey ?? 'batch') };
      });
      await durable;
      return outcomes;
    });
  }

  /** Decides and stamps a batch's commands in order (synchronous: one turn of the event loop). */
  private decideBatch(
    requests: CommandRequest[],
    overlay: Overlay,
    outcomes: CommandOutcome[],
    records: Stamped[],
    inBatch: Map<string, CommandRecord>,
  ): void {
    for (const request of requests) {
      const hash = identityHash(request);
      const earlier = inBatch.get(request.commandId);
      let prior: CommandOutcome | null;
      try {
        prior = earlier ? this.sameOrConflict(request.commandId, hash, earlier) : this.replay(request.commandId, hash);
      } catch (e) {
        // A reused commandId with another body is that command's answer (409), not the batch's.
        if (!(e instanceof ExistsWithDifferentFieldsError)) throw e;
        outcomes.push({ status: 409, body: toProblem(e), replayed: false });
        continue;
      }
      if (prior) {
        outcomes.push(prior);
        continue;
      }
      let stamped: Stamped;
      try {
        stamped = this.decideAndStamp(request, hash, overlay);
      } catch (e) {
        // A refusal decided before any decision would have been (a reversal's role, checked once its original, earlier in the
        // batch, is found) is that command's answer, unrecorded, as alone; a server fault in one command is its 500 (nothing stamped).
        const problem = toProblem(e);
        outcomes.push({ status: e instanceof ApiError && problem.status < 500 ? problem.status : 500, body: problem, replayed: false });
        continue;
      }
      const { record } = stamped;
      overlay.add(record.events);
      inBatch.set(request.commandId, record);
      records.push(stamped);
      outcomes.push({ status: record.status, body: record.body, replayed: false });
    }
  }

  private replay(commandId: string, hash: string): CommandOutcome | null {
    const prior = this.ledger.store.outcome(commandId);
    return prior ? this.sameOrConflict(commandId, hash, prior) : null;
  }

  private sameOrConflict(commandId: string, hash: string, prior: { requestHash: string; status: number; body: unknown }): CommandOutcome {
    if (prior.requestHash !== hash) throw new ExistsWithDifferentFieldsError(commandId);
    return { status: prior.status, body: prior.body, replayed: true };
  }

  /**
   * Decides, stamps and encodes a command. A refusal by a domain rule is its
   * outcome; so is a decision whose record would not fit the log (then the
   * refusal is stamped instead, and nothing of the decision is kept).
   */
  private decideAndStamp(request: CommandRequest, hash: string, state: Overlay): Stamped {
    const store = this.ledger.store;
    // Reserved first, so a decider may date by it (a launch is dated the day it is recorded).
    const recordedAt = store.clock.next();
    state.recordedAt = recordedAt;
    const draft: Draft = {
      commandId: request.commandId,
      requestHash: hash,
      path: request.path,
      actor: request.actor,
      partitionKey: request.partitionKey,
      status: 201,
      events: [],
      body: () => ({}),
    };
    try {
      const decision = request.decide(state);
      checkStorable(decision.events);
      draft.events = decision.events;
      const { stampFields } = request;
      draft.body = (recordedAt: Instant) => ({ commandId: request.commandId, recordedAt, ...decision.result, ...stampFields?.(recordedAt) });
    } catch (e) {
      if (!isRecordedRejection(e)) throw e;
      return this.stampRejection(draft, e, recordedAt);
    }
    const record = store.stamp(draft, recordedAt);
    try {
      return { record, bytes: store.encode(record) };
    } catch (e) {
      if (!(e instanceof RecordTooLargeError)) throw e;
      // A close moves the calendar when stamped; its record is small by construction (one true-up per currency).
      if (record.events.some((ev) => ev.type === PERIOD_CLOSED)) throw new Error(`a period close over the record limit: ${e.message}`);
      return this.stampRejection(draft, e);
    }
  }

  private stampRejection(draft: Draft, error: unknown, recordedAt?: Instant): Stamped {
    const problem = toProblem(error);
    const record = this.ledger.store.stamp({ ...draft, status: problem.status, events: [], body: () => problem }, recordedAt);
    return { record, bytes: this.ledger.store.encode(record) };
  }

  /** One atomic append per chunk that fits a log batch; every chunk is stamped and encoded already, in order. */
  private persistAll(store: EventStore, stamped: Stamped[], partitionKey: string): Promise<void> {
    const limits = store.batchLimits;
    const chunks: Stamped[][] = [];
    let chunk: Stamped[] = [];
    let bytes = 0;
    for (const s of stamped) {
      if (chunk.length > 0 && (chunk.length >= limits.records || bytes + s.bytes.length > limits.bytes)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(s);
      bytes += s.bytes.length;
    }
    if (chunk.length > 0) chunks.push(chunk);
    // Every chunk is handed to the store now, synchronously, in stamp order.
    const durable = Promise.all(
      chunks.map((c) =>
        store.persist(
          c.map((s) => s.record),
          partitionKey,
          c.map((s) => s.bytes),
        ),
      ),
    );
    return durable.then(() => undefined);
  }
}
