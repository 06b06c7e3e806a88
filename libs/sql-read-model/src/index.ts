export { SqlProjector, type SqlProjectorOptions, type ProjectorProgress } from './projector';
export { SCHEMA_DDL, SQL_SCHEMA, PROJECTED_TABLES } from './schema';
