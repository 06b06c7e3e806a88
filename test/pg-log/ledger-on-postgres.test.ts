// The ledger with its log on PostgreSQL (LEDGER_LOG=postgres://...), over
// real HTTP, against a primary and its synchronous standby on loopback. The
// book script (test/e2e/book-script.ts) must give exactly the answers it
// gives on the embedded WAL; the replay audit (its worker reading the log on
// its own connection) must match; a server restarted on a deleted read model
// rebuilds it from PostgreSQL to the same answers; a retry keeps its first
// answer; and every acknowledged record is on the standby. Then the API
// server (dist, a child process) is killed with SIGKILL under load three
// times: every command it acknowledged is in PostgreSQL with its answer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';

import { type PostgresServer, queryOne, startPostgres, startStandby } from '../../apps/bench/src/postgres';
import { script } from '../e2e/book-script';
import { ledgerUrl, rowsOnStandby } from './support';
import { type InProcessServer, CommandIds, REPO_ROOT, TOKENS, assertBuilt, freePort, removeDir, runAudit, startChild, startInProcess, tempDir, writeTokensFile } from '../e2e/support';

jest.setTimeout(180_000);

const progress = (line: string) => process.stderr.write(`ledger-on-postgres test: ${line}\n`);

describe('the ledger on a PostgreSQL log with a synchronous standby', () => {
  let root: string;
  let primary: PostgresServer;
  let standby: PostgresServer;
  let url: string;
  const servers: InProcessServer[] = [];

  beforeAll(async () => {
    root = tempDir('ledger-on-pg-');
    fs.chmodSync(root, 0o755); // the servers run as the postgres user
    primary = await startPostgres(path.join(root, 'primary'), await freePort(), progress, { synchronousStandbyNames: 'standby1' });
    standby = await startStandby(primary, path.join(root, 'standby'), await freePort(), 'standby1', progress);
    const client = new Client({ connectionString: primary.url });
    await client.connect();
    await client.query('CREATE DATABASE ledger');
    await client.end();
    url = ledgerUrl(primary);
  });

  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await standby?.stop();
    await primary?.stop();
    removeDir(root);
  });

  async function start(dataDir: string, log?: { kind: 'postgres'; url: string; singleNode: boolean }): Promise<InProcessServer> {
    const server = await startInProcess({ dataDir, tokensFile: path.join(root, 'tokens.json'), config: log ? { log } : {} });
    servers.push(server);
    return server;
  }
  async function stop(server: InProcessServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  }

  test('the same answers as on the WAL; the audit matches; a rebuild from PostgreSQL answers the same; every record is on the standby', async () => {
    writeTokensFile(root);
    const onWal = await start(path.join(root, 'wal-node'));
    const expected = await script(onWal.api);
    await stop(onWal);

    const log = { kind: 'postgres' as const, url, singleNode: false };
    const dataDir = path.join(root, 'pg-node');
    let node = await start(dataDir, log);
    const answers = await script(node.api);
    expect(answers).toEqual(expected);
    expect(fs.existsSync(path.join(dataDir, 'wal'))).toBe(false); // nothing went to a local log
    const audit = (await runAudit(node.api)).result;
    expect(audit.match).toBe(true);
    const records = Number(await queryOne(ledgerUrl(primary), 'SELECT count(*) FROM ledger_log'));
    expect(records).toBe(audit.recordsReplayed);
    const balance = await node.api.get('/v1/reports/trial-balance?asOf=2026-06-30&limit=10000', TOKENS.finance);
    await stop(node);

    // The read model deleted: rebuilt from PostgreSQL alone.
    fs.rmSync(path.join(dataDir, 'readmodel'), { recursive: true });
    node = await start(dataDir, log);
    expect((await node.api.get('/v1/reports/trial-balance?asOf=2026-06-30&limit=10000', TOKENS.finance)).text).toBe(balance.text);
    expect((await runAudit(node.api)).result.stateHash).toBe(audit.stateHash);
    // The script's first command again: its first answer, nothing appended.
    const retry = await node.api.post('/v1/funds', { commandId: new CommandIds(4242).next(), fundId: 'F-A', currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin']);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    await stop(node);

    // Acknowledged means on the standby too.
    expect(await rowsOnStandby(standby, records)).toBe(records);
  });

  test('the API server killed with SIGKILL under load, three times: every acknowledged command is in PostgreSQL, retries are recognised, the audit matches', async () => {
    assertBuilt();
    const dataDir = path.join(root, 'crash-node');
    const env = { LEDGER_LOG: url };
    const ids = new CommandIds(90210);
    const acknowledged: { commandId: string; policyId: string; body: unknown }[] = [];
    const sent: { commandId: string; policyId: string }[] = [];
    let n = 0;
    for (let kill = 1; kill <= 3; kill++) {
      const child = await startChild({ dataDir, tokensFile: path.join(root, 'tokens.json'), env });
      let stopped = false;
      const worker = async () => {
        while (!stopped) {
          const policyId = `K-${++n}`;
          const commandId = ids.next();
          sent.push({ commandId, policyId });
          const body = { commandId, policyId, currency: 'EUR', holder: { name: policyId }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '100.00' };
          try {
            const a = await child.api.post('/v1/policies', body, TOKENS.underwriter);
            if (a.status === 201) acknowledged.push({ commandId, policyId, body: a.body });
          } catch {
            return; // the connection died with the server
          }
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await new Promise((r) => setTimeout(r, 400 + 300 * kill));
      await child.kill('SIGKILL');
      stopped = true;
      await Promise.all(workers);
    }
    expect(acknowledged.length).toBeGreaterThan(300);
    const child = await startChild({ dataDir, tokensFile: path.join(root, 'tokens.json'), env });
    try {
      // Every acknowledged command is there, with the answer it was acknowledged with.
      for (const a of acknowledged) {
        const retry = await child.api.post('/v1/policies', { commandId: a.commandId, policyId: a.policyId, currency: 'EUR', holder: { name: a.policyId }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '100.00' }, TOKENS.underwriter);
        expect({ policyId: a.policyId, status: retry.status, replayed: retry.headers['idempotent-replayed'], body: retry.body }).toEqual({ policyId: a.policyId, status: 201, replayed: 'true', body: a.body });
      }
      expect((await runAudit(child.api)).result.match).toBe(true);
    } finally {
      await child.kill('SIGTERM');
    }
    progress(`${acknowledged.length} acknowledged of ${sent.length} sent over 3 SIGKILLs, all present`);
  });

  test('the offline CLI (npm run ledger) reads the embedded WAL only, and says so when LEDGER_LOG names PostgreSQL', () => {
    assertBuilt();
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'apps', 'ledger-cli', 'src', 'main.js'), 'audit', path.join(root, 'pg-node')], {
      env: { ...process.env, LEDGER_LOG: url },
      encoding: 'utf8',
    });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/LEDGER_LOG names a PostgreSQL log: this command reads the embedded WAL only; run the audit through the API/);
  });
});
