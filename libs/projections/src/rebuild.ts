// The ledger's state from a log: an event store and the projections it
// feeds, both over one persistent read model (the event store's checkpoint
// and outcomes, the projections' histories and report series, in one transaction
// per commit). The API opens the live one this way, replaying only the log
// after the read model's checkpoint; a replay audit builds a read-only
// replica into an empty scratch read model and compares digests.
import type { Instant } from '@app/domain';
import { EventStore, type LogPort, type ReadModelPort, type ReplayProgress } from '@app/event-store';
import { Projections } from './projections';
import type { ProjectionStore } from './store-port';

/** The ledger's state hash and what it counts (see libs/read-model/src/state-digest.ts). */
export interface LedgerDigest {
  stateHash: string;
  events: number;
  outcomes: number;
  records: number;
  through: string;
}

/** Everything the ledger keeps outside the log, behind its two ports, and the hash of it. */
export type LedgerReadModel = ReadModelPort & ProjectionStore & { stateHash(): LedgerDigest };

export interface Ledger {
  store: EventStore;
  projections: Projections;
  readModel: LedgerReadModel;
}

export interface LedgerOpenOptions {
  /** Latest states kept in memory (the entity cache's capacity). */
  cacheEntities?: number;
  onProgress?: ReplayProgress;
}

function build(readModel: LedgerReadModel, options: LedgerOpenOptions, open: (projections: Projections) => Promise<EventStore>): Promise<Ledger> {
  // The projections read the applied (durable) closes from the store, which exists only once replay starts.
  let store: EventStore | null = null;
  const projections = new Projections({ closedAt: (period, knownAt) => store?.appliedCalendar.closedAt(period, knownAt) }, readModel, options.cacheEntities);
  return open(projections).then((opened) => {
    store = opened;
    return { store: opened, projections, readModel };
  });
}

/** The live ledger: replays the log after the read model's checkpoint, then takes commands. */
export function openLedger(log: LogPort, readModel: LedgerReadModel, options: LedgerOpenOptions = {}): Promise<Ledger> {
  return build(readModel, options, (projections) => EventStore.open(log, readModel, [projections], options.onProgress));
}

/** A read-only rebuild from the log's first record through `through` (default: every record) into an empty read model. */
export function rebuildLedger(log: LogPort, readModel: LedgerReadModel, through?: Instant, options: LedgerOpenOptions = {}): Promise<Ledger> {
  return build(readModel, options, (projections) => EventStore.replica(log, readModel, [projections], through, options.onProgress));
}

/** The deterministic hash of a ledger's full state: same log, same hash, on any machine, any run (kept as the read model writes). */
export function digestLedger(ledger: Ledger): LedgerDigest {
  return ledger.readModel.stateHash();
}
