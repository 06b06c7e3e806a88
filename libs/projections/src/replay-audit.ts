// The replay audit: rebuild every projection from the log's first record into
// fresh state (the log verifies every record's checksum and its chain while
// it is read) and compare with the live state, digest against digest.
//
// The live digest is taken first, synchronously, at the live horizon (every
// record stamped up to it is applied, none after); the rebuild then reads
// exactly the records through that horizon, so commands arriving meanwhile
// do not make a false divergence.
import type { Instant } from '@app/domain';
import { canonical } from './canonical';
import { digestLedger, type Ledger, type LedgerDigest } from './rebuild';

export interface Divergence {
  /** "kind/id" of the entity, or `general-ledger` / `store` when every entity agrees. */
  entity: string;
  /**
   * events: the live and replayed events differ from this index on;
   * state: every event agrees but the state folded from them does not (named: the entity's last event);
   * missing: the entity exists on one side only.
   */
  reason: 'events' | 'state' | 'missing' | 'general-ledger' | 'store';
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
  /** Through this instant (the live horizon when the audit began). */
  through: Instant;
  stateHash: string;
  liveStateHash: string;
  match: boolean;
  durationMs: number;
  firstDivergence?: Divergence;
}

export async function replayAudit(live: Ledger, partitions: number, rebuild: (through: Instant) => Promise<Ledger>): Promise<ReplayAuditResult> {
  const started = process.hrtime.bigint();
  const through = live.store.horizon;
  const liveDigest = digestLedger(live);
  const replica = await rebuild(through);
  const replayed = digestLedger(replica);
  const match = replayed.stateHash === liveDigest.stateHash;
  const result: ReplayAuditResult = {
    eventsReplayed: replayed.projections.events,
    recordsReplayed: replica.store.recordCount,
    partitions,
    through,
    stateHash: replayed.stateHash,
    liveStateHash: liveDigest.stateHash,
    match,
    durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
  };
  if (!match) result.firstDivergence = firstDivergence(live, liveDigest, replica, replayed);
  return result;
}

/** The divergence whose first differing event was recorded earliest; then the ledger, then the store. */
export function firstDivergence(live: Ledger, liveDigest: LedgerDigest, replica: Ledger, replayed: LedgerDigest): Divergence {
  const keys = new Set([...liveDigest.projections.entities.keys(), ...replayed.projections.entities.keys()]);
  let first: Divergence | undefined;
  for (const key of [...keys].sort()) {
    const a = liveDigest.projections.entities.get(key);
    const b = replayed.projections.entities.get(key);
    if (a && b && a.hash === b.hash) continue;
    const d = entityDivergence(key, live, replica, a?.hash, b?.hash);
    if (!first || (d.recordedAt ?? '') < (first.recordedAt ?? '')) first = d;
  }
  if (first) return first;
  if (liveDigest.projections.ledgerHash !== replayed.projections.ledgerHash) {
    return { entity: 'general-ledger', reason: 'general-ledger', liveHash: liveDigest.projections.ledgerHash, replayedHash: replayed.projections.ledgerHash };
  }
  return { entity: 'store', reason: 'store', liveHash: liveDigest.stateHash, replayedHash: replayed.stateHash };
}

function entityDivergence(key: string, live: Ledger, replica: Ledger, liveHash: string | undefined, replayedHash: string | undefined): Divergence {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash) as Parameters<Ledger['projections']['auditTrail']>[0];
  const id = key.slice(slash + 1);
  const mine = live.projections.auditTrail(kind, id) ?? [];
  const theirs = replica.projections.auditTrail(kind, id) ?? [];
  const base = { entity: key, liveHash, replayedHash };
  const named = (i: number, reason: Divergence['reason']): Divergence => {
    const e = mine[i] ?? theirs[i];
    return { ...base, reason, eventIndex: i, commandId: e?.commandId, type: e?.type, recordedAt: e?.recordedAt };
  };
  if (mine.length === 0 || theirs.length === 0) return named(0, 'missing');
  const n = Math.max(mine.length, theirs.length);
  for (let i = 0; i < n; i++) {
    if (i >= mine.length || i >= theirs.length || canonical(mine[i]) !== canonical(theirs[i])) return named(i, 'events');
  }
  return named(mine.length - 1, 'state');
}
