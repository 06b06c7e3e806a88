export { LmdbReadModel, READ_MODEL_SCHEMA } from './lmdb-read-model';
export type { ReadModelOptions, ReadModelOwner } from './lmdb-read-model';
export { openReadModel, scratchReadModel, temporaryReadModel, currentBootId } from './open-read-model';
export type { OpenedReadModel } from './open-read-model';
