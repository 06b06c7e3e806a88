export { Wal, RecordBatch } from './wal';
export type { WalOpenOptions, WalFaults, WalRecord, WalStatus, WalPartitionStatus, WalOpenReport } from './wal';
export { WalError, WAL_ERROR_CODES } from './errors';
export type { WalErrorCode } from './errors';
export { inspectLog } from './inspect';
export type { InspectReport, InspectedPartition } from './inspect';
export { addon as walAddon } from './native';
