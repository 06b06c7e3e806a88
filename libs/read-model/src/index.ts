export { LmdbReadModel, READ_MODEL_SCHEMA } from './lmdb-read-model';
export type { ReadModelOptions, ReadModelOwner, SeriesKey } from './lmdb-read-model';
export { openReadModel, scratchReadModel, temporaryReadModel, currentBootId } from './open-read-model';
export type { OpenedReadModel } from './open-read-model';
export type { ReadModelSnapshot } from './lmdb-read-model';
export { HashSum, addRecord, stateHashOf } from './state-digest';
export type { DigestSums, StateHash } from './state-digest';
export { replayAudit } from './replay-audit';
export type { ReplayAuditResult, Divergence, AuditProgress, AuditProgressReport } from './replay-audit';
