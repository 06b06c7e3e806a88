// NAV error correction over real HTTP (issue 11): the example to the
// unit, the member's holding and the fund's units after it, the books tied to
// the corrected net assets, and the refusals; the replay audit reproduces the
// derived member corrections.
import { type Api, type InProcessServer, CommandIds, TOKENS, created as createdBy, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(60_000);

describe('NAV error correction', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(8801);
  const fa = TOKENS['fund-admin'];
  const pensions = TOKENS.pensions;

  beforeAll(async () => {
    dir = tempDir('ledger-nav-correction-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const created = (path: string, body: Record<string, unknown>, token: string) => createdBy(api, ids, path, body, token);

  test("the issue's example: 1,500 units struck at 1.100000 from 1,650.00, corrected to 1,575.00: NAV 1.050000, the day's contributor gets 47.619048 units, error 0.047619, material", async () => {
    await created('/v1/funds', { fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
    for (const memberId of ['M-OLD', 'M-NEW']) await created('/v1/members', { memberId, name: memberId }, pensions);
    await created('/v1/funds/F-1/valuations', { valuationDate: '2026-05-01', netAssets: '0.00' }, fa);
    await created('/v1/members/M-OLD/contributions', { fundId: 'F-1', amount: '1500.00', effectiveDate: '2026-05-01' }, pensions);
    const struck = await created('/v1/funds/F-1/valuations', { valuationDate: '2026-06-01', netAssets: '1650.00' }, fa);
    expect(struck).toMatchObject({ unitsOutstanding: '1500.000000', navPerUnit: '1.100000', gain: '150.00' });
    const bought = await created('/v1/members/M-NEW/contributions', { fundId: 'F-1', amount: '1100.00', effectiveDate: '2026-06-01' }, pensions);
    expect(bought).toMatchObject({ units: '1000.000000', navPerUnit: '1.100000' });

    const body = { commandId: ids.next(), netAssets: '1575.00' };
    const corrected = await api.post('/v1/funds/F-1/valuations/2026-06-01/corrections', body, fa);
    expect(corrected.status).toBe(201);
    expect(corrected.body).toMatchObject({
      fundId: 'F-1',
      valuationDate: '2026-06-01',
      previousNavPerUnit: '1.100000',
      navPerUnit: '1.050000',
      previousNetAssets: '1650.00',
      netAssets: '1575.00',
      errorRatio: '0.047619',
      material: true,
      gain: '-75.00',
      holdings: [{ memberId: 'M-NEW', correctionUnits: '47.619048', value: '50.00' }],
      holders: 1,
      totalCorrectionUnits: '47.619048',
    });
    const again = await api.post('/v1/funds/F-1/valuations/2026-06-01/corrections', body, fa);
    expect({ status: again.status, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, replayed: 'true' });

    const member = (await api.get('/v1/members/M-NEW?asOf=2026-06-30', pensions)).body;
    expect(member.holdings).toEqual([expect.objectContaining({ fundId: 'F-1', units: '1047.619048', navPerUnit: '1.050000', value: '1100.00' })]);
    expect((await api.get('/v1/members/M-OLD?asOf=2026-06-30', pensions)).body.holdings).toEqual([expect.objectContaining({ units: '1500.000000', value: '1575.00' })]);
    expect((await api.get('/v1/funds/F-1?asOf=2026-06-30', fa)).body).toMatchObject({ navPerUnit: '1.050000', unitsOutstanding: '2547.619048', netAssets: '2675.00' });

    // The books: fund assets less fees payable = the corrected net assets plus the day's money; liability + rounding = the same.
    const tb = allAccountLines((await api.get('/v1/reports/trial-balance?asOf=2026-06-30&limit=10000', TOKENS.finance)).body);
    const net = (pick: (a: string) => boolean) => tb.filter((l) => pick(l.account)).reduce((t, l) => t + Number(l.debit) * 100 - Number(l.credit) * 100, 0);
    expect(Math.round(net((a) => a === 'fund-cash:EUR:fund/F-1' || a === 'fees-payable:EUR:fund/F-1'))).toBe(267500);
    expect(Math.round(-net((a) => a.startsWith('unit-liability:EUR:fund/F-1/') || a === 'unit-rounding:EUR:fund/F-1'))).toBe(267500);

    // The audit trail of the member shows the correction; the replay audit derives it again.
    const trail = (await api.get('/v1/audit/entities/member/M-NEW', TOKENS.auditor)).body.events as { type: string; payload: { units?: string } }[];
    expect(trail.find((e) => e.type === 'MemberUnitsCorrected')).toMatchObject({ payload: { units: '47.619048' } });
    const audit = (await runAudit(api)).result;
    expect(audit.match).toBe(true);
  });

  test('a withdrawal paid at the wrong NAV leaves the difference owed in cash (never dropped); a contribution at it gets its units; the books include what is owed', async () => {
    await created('/v1/funds', { fundId: 'F-2', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
    for (const memberId of ['M-A', 'M-B']) await created('/v1/members', { memberId, name: memberId }, pensions);
    await created('/v1/funds/F-2/valuations', { valuationDate: '2026-05-01', netAssets: '0.00' }, fa);
    await created('/v1/members/M-A/contributions', { fundId: 'F-2', amount: '1000.00', effectiveDate: '2026-05-01' }, pensions);
    await created('/v1/funds/F-2/valuations', { valuationDate: '2026-06-01', netAssets: '1100.00' }, fa);
    expect(await created('/v1/members/M-A/withdrawals', { fundId: 'F-2', units: '100.000000', effectiveDate: '2026-06-01', kind: 'benefit' }, pensions)).toMatchObject({ amount: '110.00' });
    expect(await created('/v1/members/M-B/contributions', { fundId: 'F-2', amount: '550.00', effectiveDate: '2026-06-01' }, pensions)).toMatchObject({ units: '500.000000' });

    const corrected = await created('/v1/funds/F-2/valuations/2026-06-01/corrections', { netAssets: '1050.00' }, fa);
    expect(corrected).toMatchObject({
      navPerUnit: '1.050000',
      errorRatio: '0.047619',
      material: true,
      holdings: [
        { memberId: 'M-A', correctionUnits: '0.000000', value: '0.00', owed: '-5.00' },
        { memberId: 'M-B', correctionUnits: '23.809524', value: '25.00', owed: '0.00' },
      ],
      holders: 2,
      totalCorrectionUnits: '23.809524',
      totalOwed: '-5.00',
    });
    // M-A was paid 110.00 for 100 units worth 105.00: it owes the fund 5.00; its units are what they were.
    expect((await api.get('/v1/members/M-A?asOf=2026-06-30', pensions)).body.holdings).toEqual([expect.objectContaining({ units: '900.000000', value: '945.00' })]);
    const statement = (await api.get('/v1/members/M-A/statement?from=2026-06-01&to=2026-06-30', pensions)).body.funds[0];
    expect(statement.withdrawals).toMatchObject({ benefit: '105.00' });
    const tb = allAccountLines((await api.get('/v1/reports/trial-balance?asOf=2026-06-30&limit=10000', TOKENS.finance)).body);
    expect(tb.find((l) => l.account === 'member-payable:EUR:fund/F-2/member/M-A')).toMatchObject({ debit: '5.00', credit: '0.00' });
    const net = (pick: (a: string) => boolean) => tb.filter((l) => pick(l.account)).reduce((t, l) => t + Math.round(Number(l.debit) * 100) - Math.round(Number(l.credit) * 100), 0);
    const fund = (await api.get('/v1/funds/F-2?asOf=2026-06-30', fa)).body;
    expect(fund).toMatchObject({ navPerUnit: '1.050000', unitsOutstanding: '1423.809524', netAssets: '1495.00' });
    expect(net((a) => a === 'fund-cash:EUR:fund/F-2' || a === 'fees-payable:EUR:fund/F-2' || a.startsWith('member-payable:EUR:fund/F-2/'))).toBe(149500);
    expect(-net((a) => a.startsWith('unit-liability:EUR:fund/F-2/') || a === 'unit-rounding:EUR:fund/F-2')).toBe(149500);
    expect((await runAudit(api)).result.match).toBe(true);
  });

  test('refusals: no such valuation, a later NAV struck, a fee dealt at it; roles; bad input', async () => {
    const missing = await api.post('/v1/funds/F-1/valuations/2026-06-02/corrections', { commandId: ids.next(), netAssets: '1.00' }, fa);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'not_found' });
    await created('/v1/funds/F-1/valuations', { valuationDate: '2026-07-01', netAssets: '2700.00' }, fa);
    const superseded = await api.post('/v1/funds/F-1/valuations/2026-06-01/corrections', { commandId: ids.next(), netAssets: '1.00' }, fa);
    expect({ status: superseded.status, code: superseded.body.code }).toEqual({ status: 422, code: 'valuation_superseded' });
    await created('/v1/funds/F-1/fees', { effectiveDate: '2026-07-01', rate: '0.001000' }, fa);
    const afterFee = await api.post('/v1/funds/F-1/valuations/2026-07-01/corrections', { commandId: ids.next(), netAssets: '2690.00' }, fa);
    expect({ status: afterFee.status, code: afterFee.body.code }).toEqual({ status: 422, code: 'correction_not_supported' });
    expect((await api.post('/v1/funds/F-1/valuations/2026-07-01/corrections', { commandId: ids.next(), netAssets: '1.00' }, pensions)).status).toBe(403);
    for (const [path, bad] of [
      ['/v1/funds/F-1/valuations/2026-02-30/corrections', { commandId: ids.next(), netAssets: '1.00' }],
      ['/v1/funds/F-1/valuations/2026-07-01/corrections', { commandId: ids.next(), netAssets: '-1.00' }],
      ['/v1/funds/F-1/valuations/2026-07-01/corrections', { commandId: ids.next() }],
    ] as const) {
      const r = await api.post(path, bad, fa);
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
  });
});
