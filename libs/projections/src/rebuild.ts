// The ledger's state rebuilt from a log: an event store and the projections
// it feeds. The API opens the live one this way; a replay audit builds a
// read-only replica next to it, into fresh state, and compares digests.
import { createHash } from 'node:crypto';
import type { Instant } from '@app/domain';
import { EventStore, type LogPort } from '@app/event-store';
import { Projections, type ProjectionsDigest } from './projections';

export interface Ledger {
  store: EventStore;
  projections: Projections;
}

function build(open: (projections: Projections) => Promise<EventStore>): Promise<Ledger> {
  // The projections read the applied (durable) closes from the store, which exists only once replay starts.
  let store: EventStore | null = null;
  const projections = new Projections({ closedAt: (period, knownAt) => store?.appliedCalendar.closedAt(period, knownAt) });
  return open(projections).then((opened) => {
    store = opened;
    return { store: opened, projections };
  });
}

/** The live ledger: replays the whole log, then takes commands. */
export function openLedger(log: LogPort): Promise<Ledger> {
  return build((projections) => EventStore.open(log, [projections]));
}

/** A read-only rebuild from the log's first record through `through` (default: every record). */
export function rebuildLedger(log: LogPort, through?: Instant): Promise<Ledger> {
  return build((projections) => EventStore.replica(log, [projections], through));
}

export interface LedgerDigest {
  /** sha256 over the store's digest (outcomes, closes) and every projection's. */
  stateHash: string;
  projections: ProjectionsDigest;
}

/** The deterministic hash of a ledger's full state: same log, same hash, on any machine, any run. */
export function digestLedger(ledger: Ledger): LedgerDigest {
  const projections = ledger.projections.digest();
  const stateHash = createHash('sha256').update(`store ${ledger.store.digest()}\nprojections ${projections.hash}\n`).digest('hex');
  return { stateHash, projections };
}
