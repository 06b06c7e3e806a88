export { PgLog, PgLogError, connectTo, type PgLogOptions, type LogRecordRow } from './pg-log';
export { LogUrlError, isPostgresUrl, parseLogUrl, type LogTarget } from './log-url';
