// A fee charges every holding of a fund in one command, so its record grows
// with the number of members. Past the log's record limit the command is
// refused with a recorded 422 command_too_large; the ledger stays up and
// unchanged. Below it, a fee on a fund with many holdings goes through.
import { type Api, type InProcessServer, CommandIds, TOKENS, removeDir, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(120_000);

const DAY = '2026-03-02';

describe('pension fee over many holdings', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(77);

  beforeAll(async () => {
    dir = tempDir('ledger-pensions-limits-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  /** A fund with `members` holdings of 100.00 at the launch NAV 1.000000, all dealt on DAY. */
  async function fundWithMembers(fundId: string, members: number): Promise<void> {
    const commands = [
      { path: '/v1/funds', body: { commandId: ids.next(), fundId, currency: 'EUR', launchNavPerUnit: '1.000000' } },
      { path: `/v1/funds/${fundId}/valuations`, body: { commandId: ids.next(), valuationDate: DAY, netAssets: '0.00' } },
    ];
    for (let i = 0; i < members; i++) {
      const memberId = `${fundId}-M${i}`;
      commands.push({ path: '/v1/members', body: { commandId: ids.next(), memberId, name: `Member ${i}` } } as never);
      commands.push({ path: `/v1/members/${memberId}/contributions`, body: { commandId: ids.next(), fundId, amount: '100.00', effectiveDate: DAY } } as never);
    }
    for (let at = 0; at < commands.length; at += 4000) {
      const a = await api.post('/v1/batch', { commands: commands.slice(at, at + 4000) }, TOKENS.admin);
      expect(a.status).toBe(200);
      const statuses = new Set((a.body.results as { status: number }[]).map((r) => r.status));
      expect([...statuses]).toEqual([201]);
    }
  }

  test('1,000 holdings: one fee command charges them all', async () => {
    await fundWithMembers('F-MANY', 1000);
    const fee = await api.post('/v1/funds/F-MANY/fees', { commandId: ids.next(), effectiveDate: DAY, rate: '0.010000' }, TOKENS['fund-admin']);
    expect(fee.status).toBe(201);
    // value 100.00, fee round2(100.00 * 0.01) = 1.00, cancelled round6(1.00 / 1.000000) = 1.000000, per holding
    expect({ n: fee.body.holdings.length, totalFee: fee.body.totalFee, units: fee.body.totalUnitsCancelled }).toEqual({ n: 1000, totalFee: '1000.00', units: '1000.000000' });
    const fund = await api.get(`/v1/funds/F-MANY?asOf=${DAY}`, TOKENS['fund-admin']);
    expect({ units: fund.body.unitsOutstanding, netAssets: fund.body.netAssets }).toEqual({ units: '99000.000000', netAssets: '99000.00' });
  });

  test('5,000 holdings: the fee would not fit one log record, so it is refused (recorded), and nothing changes', async () => {
    await fundWithMembers('F-HUGE', 5000);
    const before = await api.get(`/v1/funds/F-HUGE?asOf=${DAY}`, TOKENS['fund-admin']);
    const body = { commandId: ids.next(), effectiveDate: DAY, rate: '0.010000' };
    const fee = await api.post('/v1/funds/F-HUGE/fees', body, TOKENS['fund-admin']);
    expect({ status: fee.status, code: fee.body.code }).toEqual({ status: 422, code: 'command_too_large' });
    expect(fee.body.detail).toMatch(/at most \d+ bytes/);
    // The refusal is the command's outcome: a retry replays it.
    const again = await api.post('/v1/funds/F-HUGE/fees', body, TOKENS['fund-admin']);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 422, body: fee.body, replayed: 'true' });
    const after = await api.get(`/v1/funds/F-HUGE?asOf=${DAY}`, TOKENS['fund-admin']);
    expect({ ...after.body, knownAt: undefined }).toEqual({ ...before.body, knownAt: undefined });
    const trail = await api.get('/v1/audit/entities/fund/F-HUGE', TOKENS.auditor);
    expect(trail.body.events.map((e: { type: string }) => e.type).filter((t: string) => t === 'FeeCharged')).toEqual([]);
    expect(after.body.unitsOutstanding).toBe('500000.000000');
    // The ledger is still up: the next command goes through.
    const next = await api.post('/v1/members/F-HUGE-M0/contributions', { commandId: ids.next(), fundId: 'F-HUGE', amount: '5.00', effectiveDate: DAY }, TOKENS.pensions);
    expect(next.status).toBe(201);
    expect((await api.get('/health/ready')).status).toBe(200);
  });

  test('a fee whose total would pass 18 integer digits is refused (recorded 422 amount_out_of_range); the log stays readable', async () => {
    const fa = TOKENS['fund-admin'];
    await api.post('/v1/funds', { commandId: ids.next(), fundId: 'F-BIG', currency: 'EUR', launchNavPerUnit: '1' }, fa);
    await api.post('/v1/funds/F-BIG/valuations', { commandId: ids.next(), valuationDate: '2025-01-01', netAssets: '0' }, fa);
    for (const m of ['BIG-M', 'BIG-N']) {
      expect((await api.post('/v1/members', { commandId: ids.next(), memberId: m, name: m }, TOKENS.pensions)).status).toBe(201);
      const c = await api.post(`/v1/members/${m}/contributions`, { commandId: ids.next(), fundId: 'F-BIG', amount: '999999999999999999.99', effectiveDate: '2025-01-01' }, TOKENS.pensions);
      expect(c.status).toBe(201);
    }
    // Each fee is 0.9 * 999999999999999999.99 (18 digits); their total has 19.
    const fee = await api.post('/v1/funds/F-BIG/fees', { commandId: ids.next(), effectiveDate: '2025-01-01', rate: '0.9' }, fa);
    expect({ status: fee.status, code: fee.body.code }).toEqual({ status: 422, code: 'amount_out_of_range' });
    expect(fee.body.detail).toMatch(/totalFee/);
    // The server is up and a restart replays the log.
    await server.close();
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: `${dir}/tokens.json` });
    api = server.api;
    const fund = await api.get('/v1/funds/F-BIG?asOf=2025-01-01', fa);
    expect(fund.body.unitsOutstanding).toBe('1999999999999999999.980000');
  });
});
