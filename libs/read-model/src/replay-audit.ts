// The replay audit: does the read model hold exactly what the log says?
//
// It takes one LMDB snapshot of the live read model (a read transaction: the
// writer goes on committing meanwhile) whose checkpoint names the cut, then:
//   1. streams the log, partition by partition up to the checkpoint's
//      position, and adds every record's contributions (state-digest.ts) to
//      fresh sums: the state the log implies (the WAL verifies every frame's
//      checksum and the chain as it is read);
//   2. scans the snapshot's stored events and outcomes and adds
//      the stored texts: the state the read model holds;
//   3. compares both with the sums the read model kept as it wrote.
// Sums do not depend on order, so neither pass holds more than a batch of
// records, whatever the size of the book. Only a mismatch costs more: a
// second pass sums per entity to name the first divergence.
import type { EntityKind, Instant, PeriodClose, RecordedEvent } from '@app/domain';
import { PERIOD_CLOSED, decodeRecord, type Checkpoint, type LogRecord } from '@app/event-store';
import type { LmdbReadModel, ReadModelSnapshot } from './lmdb-read-model';
import { HashSum, addRecord, emptySums, eventText, outcomeTermText, stateHashOf, sumsEqual, type DigestSums } from './state-digest';

export interface Divergence {
  /** "kind/id" of the entity, or `store` when every entity agrees. */
  entity: string;
  /**
   * events: the stored and replayed events differ from this index on;
   * missing: the entity exists on one side only;
   * store: the outcomes, the record count or the sums kept while writing differ.
   */
  reason: 'events' | 'missing' | 'store';
  eventIndex?: number;
  commandId?: string;
  type?: string;
  recordedAt?: Instant;
  liveHash?: string;
  replayedHash?: string;
}

export interface ReplayAuditResult {
  eventsReplayed: number;
  recordsReplayed: number;
  partitions: number;
  /** Through this instant (the read model's horizon when the audit took its snapshot). */
  through: Instant;
  /** The state hash the log implies. */
  stateHash: string;
  /** The live read model's state hash at the same cut (as it kept it while writing). */
  liveStateHash: string;
  /** The state hash of what the live read model actually stores (scanned). */
  storedStateHash: string;
  match: boolean;
  durationMs: number;
  firstDivergence?: Divergence;
}

export interface AuditProgressReport {
  phase: 'log' | 'read-model' | 'divergence';
  /** Records (log phase) or stored items (read-model phase) done, of `total`. */
  done: number;
  total: number;
}
export type AuditProgress = (report: AuditProgressReport) => void;

/**
 * What the audit reads of a log: its partition count and scans. A LogPort
 * will do (its scans stop at the durable LSN and may ignore `throughLsn`); a
 * read-only scanner beside the writer (the audit's worker thread) cannot know
 * the durable LSN and reads exactly through `throughLsn`, the checkpoint's
 * position, which the checkpoint guarantees durable.
 */
export interface AuditLog {
  readonly partitions: number;
  scan(partition: number, fromLsn: number, throughLsn?: number): AsyncIterable<LogRecord[]>;
}

/** Every record of the log through the checkpoint's position, partition by partition. */
async function* recordsThrough(log: AuditLog, checkpoint: Checkpoint): AsyncGenerator<ReturnType<typeof decodeRecord>> {
  for (let p = 0; p < log.partitions; p++) {
    const position = checkpoint.positions[p];
    if (!position) continue;
    for await (const batch of log.scan(p, 0, position.lsn)) {
      for (const r of batch) {
        if (r.lsn > position.lsn) break;
        const record = decodeRecord(r.payload);
        if (record.recordedAt > checkpoint.through) throw new Error(`partition ${p}: record ${r.lsn} at ${record.recordedAt} is past the checkpoint's horizon ${checkpoint.through}`);
        yield record;
      }
      if (batch.length > 0 && batch[batch.length - 1].lsn >= position.lsn) break;
    }
  }
}

const PROGRESS_EVERY = 10_000;

export async function replayAudit(log: AuditLog, model: LmdbReadModel, onProgress?: AuditProgress): Promise<ReplayAuditResult> {
  const started = process.hrtime.bigint();
  const snapshot = model.snapshot();
  try {
    const { checkpoint } = snapshot;
    const cut: Checkpoint = checkpoint ?? { positions: [], through: '', records: 0, closes: [] };
    onProgress?.({ phase: 'log', done: 0, total: cut.records });
    const replayed = emptySums();
    let records = 0;
    // The log's own horizon and closes, so the replayed hash owes nothing to the live checkpoint but the cut.
    let through = '';
    const closes: PeriodClose[] = [];
    for await (const record of recordsThrough(log, cut)) {
      addRecord(replayed, record);
      if (record.recordedAt > through) through = record.recordedAt;
      for (const e of record.events) if (e.type === PERIOD_CLOSED) closes.push({ through: String(e.payload.through), closedAt: record.recordedAt });
      if (++records % PROGRESS_EVERY === 0) onProgress?.({ phase: 'log', done: records, total: cut.records });
    }
    closes.sort((a, b) => (a.closedAt < b.closedAt ? -1 : 1));
    onProgress?.({ phase: 'read-model', done: 0, total: cut.records });
    const stored = scanStored(snapshot, onProgress);
    const replayedHash = stateHashOf(replayed, { positions: cut.positions, records, through, closes });
    const storedHash = stateHashOf(stored, cut);
    const liveHash = stateHashOf(snapshot.sums, cut);
    const match = replayedHash.stateHash === liveHash.stateHash && sumsEqual(replayed, stored);
    const result: ReplayAuditResult = {
      eventsReplayed: replayed.events.count,
      recordsReplayed: records,
      partitions: log.partitions,
      through: cut.through,
      stateHash: replayedHash.stateHash,
      liveStateHash: liveHash.stateHash,
      storedStateHash: storedHash.stateHash,
      match,
      durationMs: 0,
    };
    if (!match) {
      onProgress?.({ phase: 'divergence', done: 0, total: cut.records });
      result.firstDivergence = await firstDivergence(log, cut, snapshot, replayed, stored);
    }
    result.durationMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
    return result;
  } finally {
    snapshot.done();
  }
}

function scanStored(snapshot: ReadModelSnapshot, onProgress?: AuditProgress): DigestSums {
  const sums = emptySums();
  let done = 0;
  const tick = () => {
    if (++done % PROGRESS_EVERY === 0) onProgress?.({ phase: 'read-model', done, total: snapshot.checkpoint?.records ?? 0 });
  };
  for (const { text } of snapshot.events()) {
    sums.events.addText(text);
    tick();
  }
  for (const [commandId, text] of snapshot.outcomes()) {
    sums.outcomes.addText(outcomeTermText(commandId, text));
    tick();
  }
  return sums;
}

/**
 * Names the divergence whose first differing event was recorded earliest:
 * sums per entity from the log and from the snapshot, then, for each entity
 * that differs, its events side by side. Then the store.
 */
async function firstDivergence(log: AuditLog, cut: Checkpoint, snapshot: ReadModelSnapshot, replayed: DigestSums, stored: DigestSums): Promise<Divergence> {
  if (!replayed.events.equals(stored.events) || !replayed.events.equals(snapshot.sums.events)) {
    const fromLog = new Map<string, HashSum>();
    for await (const record of recordsThrough(log, cut)) {
      for (const e of record.events) {
        const key = `${e.entity.kind}/${e.entity.id}`;
        let sum = fromLog.get(key);
        if (!sum) fromLog.set(key, (sum = new HashSum()));
        sum.addText(eventText(e));
      }
    }
    const fromStore = new Map<string, HashSum>();
    for (const { kind, id, text } of snapshot.events()) {
      const key = `${kind}/${id}`;
      let sum = fromStore.get(key);
      if (!sum) fromStore.set(key, (sum = new HashSum()));
      sum.addText(text);
    }
    const differing = [...new Set([...fromLog.keys(), ...fromStore.keys()])].filter((k) => !fromLog.get(k)?.equals(fromStore.get(k) ?? new HashSum())).sort();
    let first: Divergence | undefined;
    for (const key of differing) {
      const d = await entityDivergence(log, cut, snapshot, key, fromStore.get(key), fromLog.get(key));
      if (!first || (d.recordedAt ?? '') < (first.recordedAt ?? '')) first = d;
    }
    if (first) return first;
    // Every entity's events agree: the live sums were kept wrong while writing.
    return { entity: 'store', reason: 'store', liveHash: snapshot.sums.events.hex(), replayedHash: replayed.events.hex() };
  }
  return { entity: 'store', reason: 'store', liveHash: stored.outcomes.hex(), replayedHash: replayed.outcomes.hex() };
}

async function entityDivergence(log: AuditLog, cut: Checkpoint, snapshot: ReadModelSnapshot, key: string, live: HashSum | undefined, replayedSum: HashSum | undefined): Promise<Divergence> {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash) as EntityKind;
  const id = key.slice(slash + 1);
  const mine = [...snapshot.entityEvents(kind, id)];
  const theirs: string[] = [];
  for await (const record of recordsThrough(log, cut)) for (const e of record.events) if (e.entity.kind === kind && e.entity.id === id) theirs.push(eventText(e));
  const base = { entity: key, liveHash: live?.hex(), replayedHash: replayedSum?.hex() };
  const named = (i: number, reason: Divergence['reason']): Divergence => {
    const e = JSON.parse(mine[i] ?? theirs[i] ?? 'null') as RecordedEvent | null;
    return { ...base, reason, eventIndex: i, commandId: e?.commandId, type: e?.type, recordedAt: e?.recordedAt };
  };
  if (mine.length === 0 || theirs.length === 0) return named(0, 'missing');
  const n = Math.max(mine.length, theirs.length);
  for (let i = 0; i < n; i++) if (mine[i] !== theirs[i]) return named(i, 'events');
  // The same texts, so the same sums: not reached unless the stored sums alone differ.
  return named(mine.length - 1, 'events');
}
