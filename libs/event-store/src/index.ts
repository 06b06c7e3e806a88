export { EventStore, LogUnavailableError, PERIOD_CLOSED, RecordTooLargeError, partitionOf, verifyCheckpoint } from './event-store';
export type { Draft, PriorOutcome, RecordSubscriber, ReplayProgress, ReplayProgressReport, StoreObserver } from './event-store';
export type { Checkpoint, LogPosition, ReadModelPort, StoredOutcome } from './read-model-port';
export { WalLog } from './log-port';
export type { LogPort, LogRecord } from './log-port';
export { canonicalJson, decodeRecord, encodeRecord, outcomeOf, requestHash, RECORD_FORMAT } from './record';
export type { CommandRecord } from './record';
export { LedgerClock } from './clock';
export type { WallClock } from './clock';
