// The SQL read schema for the finance team's own tools, in schema
// `ledger_sql` of a PostgreSQL database (by default the log's). It holds
// what the API's reports are computed from, row by row, bitemporally:
//
//   report_movements  the report series (libs/projections/src/report-series.ts):
//                     each movement of a premium or claims figure, per
//                     currency and month bucket, stamped with its recordedAt
//   journal_lines     every journal line at control-account level
//                     (premium-receivable:EUR), dated (valid time) and
//                     stamped (system time): the general ledger
//   account_lines     the subledger: lines of accounts kept per entity
//                     (premium-receivable:EUR:policy/P-1), netted per record
//   entity_events     every event of every entity, with its payload
//   period_closes     each month close and when it was made
//   projector         the projector's position in the log (one row)
//
// Valid time is a `daterange` [date, infinity): a movement dated D counts for
// every asOf on or after D. System time is a `tstzrange` [recordedAt,
// infinity): nothing in the ledger is ever overwritten, a correction is a
// later row. Both carry GiST indexes for ad-hoc bitemporal queries. The
// ledger's instants have nanoseconds and timestamptz has microseconds, so
// `recorded_at` also keeps the exact instant as text (ISO-8601, 9 digits,
// compared in the "C" collation): the example queries in docs/sql.md compare
// on it, and so give the API's answers exactly, at any knownAt.
export const SQL_SCHEMA = 'ledger_sql';

export const SCHEMA_DDL = `
CREATE SCHEMA IF NOT EXISTS ledger_sql;
CREATE TABLE IF NOT EXISTS ledger_sql.projector (
  id smallint PRIMARY KEY CHECK (id = 1),
  positions jsonb NOT NULL,
  records bigint NOT NULL,
  through text COLLATE "C" NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_sql.report_movements (
  family text NOT NULL,
  name text NOT NULL,
  currency text NOT NULL,
  bucket text COLLATE "C" NOT NULL,
  recorded_at text COLLATE "C" NOT NULL,
  system_time tstzrange NOT NULL,
  cents bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS report_movements_series ON ledger_sql.report_movements (family, name, currency, bucket, recorded_at);
CREATE TABLE IF NOT EXISTS ledger_sql.journal_lines (
  control text COLLATE "C" NOT NULL,
  currency text NOT NULL,
  valid_on date NOT NULL,
  recorded_at text COLLATE "C" NOT NULL,
  valid_time daterange NOT NULL,
  system_time tstzrange NOT NULL,
  cents bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_lines_account ON ledger_sql.journal_lines (control, valid_on, recorded_at);
CREATE INDEX IF NOT EXISTS journal_lines_bitemporal ON ledger_sql.journal_lines USING gist (valid_time, system_time);
CREATE TABLE IF NOT EXISTS ledger_sql.account_lines (
  account text COLLATE "C" NOT NULL,
  control text COLLATE "C" NOT NULL,
  valid_on date NOT NULL,
  recorded_at text COLLATE "C" NOT NULL,
  valid_time daterange NOT NULL,
  system_time tstzrange NOT NULL,
  cents bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS account_lines_account ON ledger_sql.account_lines (account, valid_on, recorded_at);
CREATE INDEX IF NOT EXISTS account_lines_bitemporal ON ledger_sql.account_lines USING gist (valid_time, system_time);
CREATE TABLE IF NOT EXISTS ledger_sql.entity_events (
  kind text NOT NULL,
  id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  type text NOT NULL,
  effective_date date NOT NULL,
  recorded_at text COLLATE "C" NOT NULL,
  valid_time daterange NOT NULL,
  system_time tstzrange NOT NULL,
  command_id text NOT NULL,
  actor text NOT NULL,
  derived boolean NOT NULL,
  payload jsonb NOT NULL,
  PRIMARY KEY (kind, id, seq)
);
CREATE INDEX IF NOT EXISTS entity_events_bitemporal ON ledger_sql.entity_events USING gist (valid_time, system_time);
CREATE TABLE IF NOT EXISTS ledger_sql.period_closes (
  through text COLLATE "C" PRIMARY KEY,
  closed_at text COLLATE "C" NOT NULL
);`;

/** The projected tables, emptied together when the projector starts over. */
export const PROJECTED_TABLES = ['report_movements', 'journal_lines', 'account_lines', 'entity_events', 'period_closes', 'projector'];
