// Jest global setup of `npm run test:cluster`: a PostgreSQL primary and a
// synchronous standby on loopback (Debian's postgresql, installed when
// missing), for the acceptance suites to run with their log on it (see
// clusterLogUrl in test/e2e/support.ts). Teardown: test/cluster-teardown.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { type PostgresServer, startPostgres, startStandby } from '../apps/bench/src/postgres';
import { freePort } from './e2e/support';

export default async function setup(): Promise<void> {
  const progress = (line: string) => process.stderr.write(`test:cluster: ${line}\n`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-test-cluster-'));
  fs.chmodSync(root, 0o755); // the servers run as the postgres user
  const primary = await startPostgres(path.join(root, 'primary'), await freePort(), progress, { synchronousStandbyNames: 'standby1' });
  const standby = await startStandby(primary, path.join(root, 'standby'), await freePort(), 'standby1', progress);
  process.env.LEDGER_TEST_CLUSTER = `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`;
  progress(`primary on ${primary.port}, synchronous standby on ${standby.port}: every server of these suites logs there`);
  (globalThis as unknown as { ledgerTestCluster: { root: string; servers: PostgresServer[] } }).ledgerTestCluster = { root, servers: [standby, primary] };
}
