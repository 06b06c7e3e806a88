// What the PostgreSQL log's suites share: the URL of the ledger database on a
// server of the test cluster, and the count of log rows a standby shows once
// it has replayed them.
import { type PostgresServer, queryOne } from '../../apps/bench/src/postgres';

export const ledgerUrl = (server: PostgresServer): string => server.url.replace(/\/postgres$/, '/ledger');

/**
 * The rows of ledger_log on `standby`, polled until `expected` (at most 5 s):
 * synchronous_commit on means flushed there once acknowledged, shown once replayed.
 */
export async function rowsOnStandby(standby: PostgresServer, expected: number): Promise<number> {
  let rows = 0;
  for (let i = 0; i < 100 && rows < expected; i++) {
    rows = Number(await queryOne(ledgerUrl(standby), 'SELECT count(*) FROM ledger_log'));
    if (rows < expected) await new Promise((r) => setTimeout(r, 50));
  }
  return rows;
}
