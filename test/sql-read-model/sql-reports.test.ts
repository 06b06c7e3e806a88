// The SQL read schema against the API, over real HTTP and a real PostgreSQL:
// the ledger runs on a PostgreSQL log; the SQL projector (libs/sql-read-model)
// follows it into ledger_sql; the queries of docs/sql.md, taken from the
// document as written, must give the premium report's and the claims report's
// totals and the trial balance exactly as the API does, at a grid of
// (from, to, basis, asOf, knownAt) that spans a month close and back-dated
// changes after it. Then the projector is stopped and restarted (it resumes),
// and started over after a simulated crash between its two commits (it
// rebuilds), with the same answers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

import { type PostgresServer, startPostgres } from '../../apps/bench/src/postgres';
import { SqlProjector } from '../../libs/sql-read-model/src';
import { commands } from '../e2e/book-script';
import { type InProcessServer, CommandIds, REPO_ROOT, TOKENS, freePort, removeDir, startInProcess, tempDir, writeTokensFile } from '../e2e/support';
import { ledgerUrl } from '../pg-log/support';

jest.setTimeout(240_000);

const progress = (line: string) => process.stderr.write(`sql-reports test: ${line}\n`);

/** The named queries of docs/sql.md (```sql name ... ```), as the document has them. */
function documentedQueries(): Record<string, string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'sql.md'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/```sql ([a-z-]+)\n([\s\S]*?)```/g)) out[m[1]] = m[2];
  return out;
}

describe('the SQL read schema gives the API reports to the cent', () => {
  let root: string;
  let pg: PostgresServer;
  let server: InProcessServer;
  let sql: Client;
  let url: string;
  const queries = documentedQueries();
  const knownAts: string[] = [];

  beforeAll(async () => {
    root = tempDir('ledger-sql-');
    fs.chmodSync(root, 0o755); // the server runs as the postgres user
    pg = await startPostgres(path.join(root, 'pg'), await freePort(), progress);
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE ledger');
    await admin.end();
    url = ledgerUrl(pg);
    server = await startInProcess({ dataDir: path.join(root, 'node'), tokensFile: writeTokensFile(root), config: { log: { kind: 'postgres', url, singleNode: true } } });
    sql = new Client({ connectionString: url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await server?.close();
    await pg?.stop();
    removeDir(root);
  });

  async function post(p: string, body: Record<string, unknown>, token: string, ids: CommandIds): Promise<string> {
    const a = await server.api.post(p, { commandId: ids.next(), ...body }, token);
    if (a.status >= 300) throw new Error(`${p}: ${a.status} ${a.text.slice(0, 300)}`);
    return String(a.headers['ledger-position']);
  }

  async function waitFor(projector: SqlProjector, position: string): Promise<void> {
    for (let i = 0; i < 400 && projector.position.through < position; i++) await new Promise((r) => setTimeout(r, 50));
    expect(projector.position.through >= position).toBe(true);
  }

  async function sqlRows(name: string, params: string[]): Promise<Record<string, string | null>[]> {
    expect(queries[name]).toBeDefined();
    return (await sql.query(queries[name], params)).rows;
  }

  /** Compares every documented query with the API over the grid; returns how many comparisons were made. */
  async function compareAll(): Promise<number> {
    let compared = 0;
    const ranges = [
      ['2026-01', '2026-12'],
      ['2026-02', '2026-03'],
      ['2026-03', '2026-03'],
      ['2026-04', '2026-07'],
    ];
    for (const knownAt of knownAts) {
      for (const [from, to] of ranges) {
        for (const basis of ['booked', 'restated']) {
          for (const [report, name] of [
            ['premiums', 'premium-totals'],
            ['claims', 'claims-totals'],
          ]) {
            const api = await server.api.get(`/v1/reports/${report}?from=${from}&to=${to}&basis=${basis}&knownAt=${knownAt}&limit=1`, TOKENS.finance);
            expect(api.status).toBe(200);
            const rows = await sqlRows(name, [from, to, basis, knownAt]);
            const total = rows.find((r) => r.currency === null)!;
            const { currency: _c, ...totals } = total;
            expect({ report, from, to, basis, knownAt, totals }).toEqual({ report, from, to, basis, knownAt, totals: api.body.totals });
            expect(rows.filter((r) => r.currency !== null)).toEqual(api.body.totalsByCurrency);
            compared++;
          }
        }
      }
      for (const asOf of ['2026-02-28', '2026-03-31', '2026-06-30', '2026-12-31']) {
        const api = await server.api.get(`/v1/reports/trial-balance?asOf=${asOf}&knownAt=${knownAt}&limit=1`, TOKENS.finance);
        expect(api.status).toBe(200);
        const rows = await sqlRows('trial-balance', [asOf, knownAt]);
        expect({ asOf, knownAt, accounts: rows.filter((r) => r.account !== null) }).toEqual({ asOf, knownAt, accounts: api.body.accounts });
        const { account: _a, ...totals } = rows.find((r) => r.account === null)!;
        expect(totals).toEqual(api.body.totals);
        compared++;
      }
    }
    return compared;
  }

  test('the documented queries equal the API at every point of the grid; the projector resumes after a stop and rebuilds after a crash between its commits', async () => {
    const ids = new CommandIds(977);
    const { mid } = await commands(server.api);
    knownAts.push(mid);
    // More of a book: a second currency, a claim with a reserve change and a recovery, then March closed, then back-dated
    // changes into closed months (booked and restated now differ), then a claim closed.
    await post('/v1/policies', { policyId: 'U-1', currency: 'USD', holder: { name: 'U' }, term: { start: '2026-02-15', end: '2027-02-15' }, premium: '999.99' }, TOKENS.underwriter, ids);
    await post('/v1/claims', { claimId: 'C-2', policyId: 'U-1', lossDate: '2026-03-01', reportedDate: '2026-03-02', initialReserve: '500.00' }, TOKENS.claims, ids);
    await post('/v1/claims/C-2/reserve', { effectiveDate: '2026-03-15', change: '250.00' }, TOKENS.claims, ids);
    await post('/v1/claims/C-2/payments', { effectiveDate: '2026-03-20', amount: '300.00' }, TOKENS.claims, ids);
    const beforeClose = await post('/v1/policies/P-3/payments', { receivedDate: '2026-03-10', amount: '300.00' }, TOKENS.underwriter, ids);
    knownAts.push(beforeClose);
    await post('/v1/periods/2026-03/close', {}, TOKENS.finance, ids);
    await post('/v1/policies/P-2/endorsements', { effectiveDate: '2026-02-01', annualPremiumChange: '-240.00' }, TOKENS.underwriter, ids);
    await post('/v1/claims/C-1/reserve', { effectiveDate: '2026-03-25', change: '-100.00' }, TOKENS.claims, ids);
    const last = await post('/v1/claims/C-2/close', { effectiveDate: '2026-04-10' }, TOKENS.claims, ids);
    knownAts.push(last);

    const dir = path.join(root, 'projector');
    let projector = await SqlProjector.start({ logUrl: url, dir, intervalMs: 50 });
    try {
      expect(projector.rebuilt).toBe(false); // a new projector on an empty schema: nothing to start over
      await waitFor(projector, last);
      const compared = await compareAll();
      progress(`${compared} reports compared at ${knownAts.length} knownAt instants`);
      // The books differ across the grid (the comparison can fail): booked and restated differ after the back-dated change.
      const booked = await sqlRows('premium-totals', ['2026-02', '2026-03', 'booked', last]);
      const restated = await sqlRows('premium-totals', ['2026-02', '2026-03', 'restated', last]);
      expect(booked).not.toEqual(restated);
      const rows = Number((await sql.query('SELECT count(*) AS n FROM ledger_sql.journal_lines')).rows[0].n);
      expect(rows).toBeGreaterThan(50);

      // Stopped and started again: it resumes where it was, then follows new commands.
      await projector.stop();
      const more = await post('/v1/policies', { policyId: 'P-9', currency: 'EUR', holder: { name: 'Nine' }, term: { start: '2026-05-01', end: '2027-05-01' }, premium: '600.00' }, TOKENS.underwriter, ids);
      projector = await SqlProjector.start({ logUrl: url, dir, intervalMs: 50 });
      expect(projector.rebuilt).toBe(false);
      await waitFor(projector, more);
      knownAts.push(more);
      expect(Number((await sql.query('SELECT count(*) AS n FROM ledger_sql.journal_lines')).rows[0].n)).toBeGreaterThan(rows);
      await compareAll();

      // A crash between its read model's commit and the SQL commit leaves the two positions apart: it starts over.
      await projector.stop();
      await sql.query(`UPDATE ledger_sql.projector SET positions = '[]'::jsonb`);
      projector = await SqlProjector.start({ logUrl: url, dir, intervalMs: 50 });
      expect(projector.rebuilt).toBe(true);
      await waitFor(projector, more);
      expect(Number((await sql.query('SELECT count(*) AS n FROM ledger_sql.journal_lines')).rows[0].n)).toBeGreaterThan(rows);
      await compareAll();
    } finally {
      await projector.stop();
    }
  });
});
