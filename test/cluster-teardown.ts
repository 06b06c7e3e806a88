// Stops the servers test/cluster-setup.ts started and removes their directory.
import * as fs from 'node:fs';

import type { PostgresServer } from '../apps/bench/src/postgres';

export default async function teardown(): Promise<void> {
  const cluster = (globalThis as unknown as { ledgerTestCluster?: { root: string; servers: PostgresServer[] } }).ledgerTestCluster;
  if (!cluster) return;
  for (const server of cluster.servers) await server.stop();
  fs.rmSync(cluster.root, { recursive: true, force: true });
}
