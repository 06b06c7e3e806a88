// Withdrawals, transfers in, annual-rate fees and member statements over real
// HTTP against a real server process (dist/; issue 11, pensions). Figures
// are hand-checked to the cent; the statement's and the funds report's
// identities are checked on the answers; a replay audit reproduces every new
// event; a restart (read model reopened) answers the same statement.
import { type Answer, type ChildServer, type Api, CommandIds, TOKENS, assertBuilt, cents, removeDir, runAudit, startChild, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(120_000);

const D1 = '2026-03-02';
const D2 = '2026-03-03';
const D3 = '2026-03-04';

/** A decimal string as an integer of 10^-dp (exact). */
function scaled(text: string, dp: number): bigint {
  const m = /^(-?)(\d+)\.(\d+)$/.exec(text);
  if (!m || m[3].length !== dp) throw new Error(`not a ${dp}-dp decimal: ${text}`);
  const v = BigInt(m[2] + m[3]);
  return m[1] ? -v : v;
}
const u = (s: string) => scaled(s, 6);
const m = (s: string) => scaled(s, 2);

function expectProblem(a: Answer, status: number, code?: string): void {
  expect({ status: a.status, problem: /^application\/problem\+json/.test(String(a.type)), code: code === undefined ? undefined : a.body?.code }).toEqual({ status, problem: true, code });
}

interface FundStatement {
  fundId: string;
  openingUnits: string;
  openingValue: string;
  contributions: string;
  transfersIn: string;
  switchesIn: string;
  switchesOut: string;
  fees: string;
  withdrawals: { benefit: string; lumpSum: string; transferOut: string; total: string };
  investmentReturn: string;
  closingUnits: string;
  closingValue: string;
  movements: { units: string; amount: string }[];
}

function expectStatementIdentities(s: FundStatement): void {
  expect({ fund: s.fundId, closingUnits: u(s.closingUnits) }).toEqual({ fund: s.fundId, closingUnits: s.movements.reduce((t, mv) => t + u(mv.units), u(s.openingUnits)) });
  const w = s.withdrawals;
  expect(m(w.total)).toBe(m(w.benefit) + m(w.lumpSum) + m(w.transferOut));
  const flows = m(s.contributions) + m(s.transfersIn) + m(s.switchesIn) - m(s.switchesOut) - m(s.fees) - m(w.total);
  expect({ fund: s.fundId, closingValue: m(s.closingValue) }).toEqual({ fund: s.fundId, closingValue: m(s.openingValue) + flows + m(s.investmentReturn) });
}

describe('withdrawals, transfers in, annual-rate fees and statements over real HTTP', () => {
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let server: ChildServer;
  let api: Api;
  const ids = new CommandIds(4711);
  const fa = TOKENS['fund-admin'];
  const pens = TOKENS.pensions;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ledger-withdrawals-');
    dataDir = `${dir}/data`;
    tokensFile = writeTokensFile(dir);
    server = await startChild({ dataDir, tokensFile });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const post = async (path: string, body: Record<string, unknown>, token = pens): Promise<Answer> => api.post(path, { commandId: ids.next(), ...body }, token);
  const created = async (path: string, body: Record<string, unknown>, token = pens) => {
    const a = await post(path, body, token);
    expect({ path, status: a.status, body: a.status === 201 ? undefined : a.body }).toEqual({ path, status: 201, body: undefined });
    return a.body;
  };

  test('the scenario: contributions, a transfer in, the annualRate fee (20.55), withdrawals of each kind by units and by amount, refusals, statement, report, books, audit', async () => {
    // F-W (EUR, launch NAV 1.000000) and F-X (EUR, 2.000000); M-BIG and M-A.
    await created('/v1/funds', { fundId: 'F-W', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
    await created('/v1/funds', { fundId: 'F-X', currency: 'EUR', launchNavPerUnit: '2.000000' }, fa);
    await created('/v1/members', { memberId: 'M-BIG', name: 'Big Holder' });
    await created('/v1/members', { memberId: 'M-A', name: 'Ada' });
    await created('/v1/funds/F-W/valuations', { valuationDate: D1, netAssets: '0.00' }, fa);

    // D1 at NAV 1.000000: 1,000,000.00 for M-BIG; 1,000.00 and a transfer in of 500.00 for M-A.
    expect(await created('/v1/members/M-BIG/contributions', { fundId: 'F-W', amount: '1000000.00', effectiveDate: D1 })).toMatchObject({ units: '1000000.000000' });
    const regular = await created('/v1/members/M-A/contributions', { fundId: 'F-W', amount: '1000.00', effectiveDate: D1, kind: 'regular' });
    expect(regular).toMatchObject({ units: '1000.000000', navPerUnit: '1.000000' });
    expect(regular.kind).toBeUndefined();
    const transfer = await created('/v1/members/M-A/contributions', { fundId: 'F-W', amount: '500.00', effectiveDate: D1, kind: 'transfer-in', source: 'Old Scheme plc' });
    expect(transfer).toMatchObject({ kind: 'transfer-in', source: 'Old Scheme plc', units: '500.000000', amount: '500.00' });

    // D2: NAV 1.000000 (1,001,500.00 on 1,001,500 units); M-BIG's holding is worth 1,000,000.00.
    expect(await created('/v1/funds/F-W/valuations', { valuationDate: D2, netAssets: '1001500.00' }, fa)).toMatchObject({ navPerUnit: '1.000000' });
    // The example: one day of 0.75% a year on 1,000,000.00 is 20.55 (M-A's 1,500.00: 0.0308... -> 0.03).
    const fee = await post('/v1/funds/F-W/fees', { effectiveDate: D2, annualRate: '0.0075', days: 1, dayCount: 'ACT/365' }, fa);
    expect(fee.status).toBe(201);
    expect(fee.body).toMatchObject({
      fundId: 'F-W',
      annualRate: '0.0075000000',
      days: 1,
      dayCount: 'ACT/365',
      navPerUnit: '1.000000',
      holdings: [
        { memberId: 'M-A', units: '1500.000000', value: '1500.00', fee: '0.03', unitsCancelled: '0.030000' },
        { memberId: 'M-BIG', units: '1000000.000000', value: '1000000.00', fee: '20.55', unitsCancelled: '20.550000' },
      ],
      totalFee: '20.58',
      totalUnitsCancelled: '20.580000',
    });
    expect(fee.body.rate).toBeUndefined();
    const page = await api.get(`/v1/funds/F-W/fees/${fee.body.commandId}/holdings`, fa);
    expect(page.body).toMatchObject({ annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365', totalFee: '20.58', holdings: fee.body.holdings });
    // rate keeps working as it did: 0.000021 on 1,000,000.00 would be 21.00 (a fund with the same holding, F-R).
    await created('/v1/funds', { fundId: 'F-R', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
    await created('/v1/funds/F-R/valuations', { valuationDate: D2, netAssets: '0.00' }, fa);
    await created('/v1/members/M-BIG/contributions', { fundId: 'F-R', amount: '1000000.00', effectiveDate: D2 });
    expect(await created('/v1/funds/F-R/fees', { effectiveDate: D2, rate: '0.000021' }, fa)).toMatchObject({ rate: '0.000021', totalFee: '21.00' });

    // D3: NAV 1.250000 for F-W (1,251,849.28 on 1,001,479.42 units), 2.000000 for F-X.
    expect(await created('/v1/funds/F-W/valuations', { valuationDate: D3, netAssets: '1251849.28' }, fa)).toMatchObject({ unitsOutstanding: '1001479.420000', navPerUnit: '1.250000' });
    await created('/v1/funds/F-X/valuations', { valuationDate: D3, netAssets: '0.00' }, fa);

    const benefitBody = { commandId: ids.next(), fundId: 'F-W', units: '100', effectiveDate: D3, kind: 'benefit' };
    const benefit = await api.post('/v1/members/M-A/withdrawals', benefitBody, pens);
    expect(benefit.status).toBe(201);
    expect(benefit.body).toMatchObject({ memberId: 'M-A', fundId: 'F-W', effectiveDate: D3, currency: 'EUR', kind: 'benefit', units: '100.000000', amount: '125.00', navPerUnit: '1.250000' });
    // A retry answers the first answer again.
    const again = await api.post('/v1/members/M-A/withdrawals', benefitBody, pens);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: benefit.body, replayed: 'true' });
    expect(await created('/v1/members/M-A/withdrawals', { fundId: 'F-W', amount: '250.00', effectiveDate: D3, kind: 'lump-sum' })).toMatchObject({ units: '200.000000', amount: '250.00' });
    expect(await created('/v1/members/M-A/switches', { fromFundId: 'F-W', toFundId: 'F-X', units: '100', effectiveDate: D3 })).toMatchObject({ amount: '125.00', unitsBought: '62.500000' });
    expect(await created('/v1/members/M-A/withdrawals', { fundId: 'F-W', amount: '100.00', effectiveDate: D3, kind: 'transfer-out', destination: 'New Scheme' })).toMatchObject({
      kind: 'transfer-out',
      destination: 'New Scheme',
      units: '80.000000',
      amount: '100.00',
    });
    // M-A holds 1500 - 0.03 - 100 - 200 - 100 - 80 = 1019.970000 units of F-W.
    expect((await api.get(`/v1/members/M-A?asOf=${D3}`, pens)).body.holdings).toEqual([
      { fundId: 'F-W', currency: 'EUR', units: '1019.970000', navPerUnit: '1.250000', value: '1274.96' },
      { fundId: 'F-X', currency: 'EUR', units: '62.500000', navPerUnit: '2.000000', value: '125.00' },
    ]);

    // Refusals: they change nothing.
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', units: '1019.970001', effectiveDate: D3, kind: 'benefit' }), 422, 'insufficient_units');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', amount: '1274.97', effectiveDate: D3, kind: 'lump-sum' }), 422, 'insufficient_units');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-X', units: '62.500001', effectiveDate: D3, kind: 'benefit' }), 422, 'insufficient_units');
    // 0.000001 units at 1.25 are worth 0.00.
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', units: '0.000001', effectiveDate: D3, kind: 'benefit' }), 422, 'amount_too_small');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', units: '1', effectiveDate: '2026-03-05', kind: 'benefit' }), 422, 'nav_not_published');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', units: '1', effectiveDate: D2, kind: 'benefit' }), 422, 'dealing_date_closed');
    expectProblem(await post('/v1/members/M-NONE/withdrawals', { fundId: 'F-W', units: '1', effectiveDate: D3, kind: 'benefit' }), 404);
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-NONE', units: '1', effectiveDate: D3, kind: 'benefit' }), 404);
    expect((await api.get(`/v1/members/M-A?asOf=${D3}`, pens)).body.holdings[0].units).toBe('1019.970000');

    // The statement for March: every figure to the cent.
    const st = await api.get('/v1/members/M-A/statement?from=2026-03-01&to=2026-03-31', pens);
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ memberId: 'M-A', name: 'Ada', from: '2026-03-01', to: '2026-03-31', openingDate: '2026-02-28' });
    expect(st.body.funds).toEqual([
      {
        fundId: 'F-W',
        currency: 'EUR',
        openingUnits: '0.000000',
        openingNavPerUnit: '1.000000',
        openingValue: '0.00',
        contributions: '1000.00',
        transfersIn: '500.00',
        switchesIn: '0.00',
        switchesOut: '125.00',
        fees: '0.03',
        withdrawals: { benefit: '125.00', lumpSum: '250.00', transferOut: '100.00', total: '475.00' },
        // 1274.96 - 0.00 - 1000.00 - 500.00 + 125.00 + 0.03 + 475.00
        investmentReturn: '374.99',
        closingUnits: '1019.970000',
        closingNavPerUnit: '1.250000',
        closingValue: '1274.96',
        movements: [
          { effectiveDate: D1, type: 'contribution', units: '1000.000000', navPerUnit: '1.000000', amount: '1000.00' },
          { effectiveDate: D1, type: 'transfer-in', units: '500.000000', navPerUnit: '1.000000', amount: '500.00', source: 'Old Scheme plc' },
          { effectiveDate: D2, type: 'fee', units: '-0.030000', navPerUnit: '1.000000', amount: '-0.03' },
          { effectiveDate: D3, type: 'withdrawal', kind: 'benefit', units: '-100.000000', navPerUnit: '1.250000', amount: '-125.00' },
          { effectiveDate: D3, type: 'withdrawal', kind: 'lump-sum', units: '-200.000000', navPerUnit: '1.250000', amount: '-250.00' },
          { effectiveDate: D3, type: 'switch-out', units: '-100.000000', navPerUnit: '1.250000', amount: '-125.00' },
          { effectiveDate: D3, type: 'withdrawal', kind: 'transfer-out', units: '-80.000000', navPerUnit: '1.250000', amount: '-100.00', destination: 'New Scheme' },
        ],
      },
      {
        fundId: 'F-X',
        currency: 'EUR',
        openingUnits: '0.000000',
        openingNavPerUnit: '2.000000',
        openingValue: '0.00',
        contributions: '0.00',
        transfersIn: '0.00',
        switchesIn: '125.00',
        switchesOut: '0.00',
        fees: '0.00',
        withdrawals: { benefit: '0.00', lumpSum: '0.00', transferOut: '0.00', total: '0.00' },
        investmentReturn: '0.00',
        closingUnits: '62.500000',
        closingNavPerUnit: '2.000000',
        closingValue: '125.00',
        movements: [{ effectiveDate: D3, type: 'switch-in', units: '62.500000', navPerUnit: '2.000000', amount: '125.00' }],
      },
    ]);
    for (const s of st.body.funds) expectStatementIdentities(s);
    // One day: opening on D2 (1499.970000 at 1.000000), D3's movements only.
    const day = await api.get(`/v1/members/M-A/statement?from=${D3}&to=${D3}`, TOKENS.auditor);
    expect(day.status).toBe(200);
    expect(day.body.funds[0]).toMatchObject({ openingUnits: '1499.970000', openingValue: '1499.97', fees: '0.00', closingUnits: '1019.970000', investmentReturn: '374.99' });
    expect(day.body.funds[0].movements).toHaveLength(4);
    for (const s of day.body.funds) expectStatementIdentities(s);
    // As known before the withdrawals: only what was recorded then.
    const before = await api.get(`/v1/members/M-A/statement?from=2026-03-01&to=2026-03-31&knownAt=${encodeURIComponent(benefit.body.recordedAt)}`, TOKENS.finance);
    expect(before.status).toBe(200);
    expect(before.body.funds.map((s: FundStatement) => [s.fundId, s.closingUnits, s.withdrawals.total])).toEqual([['F-W', '1399.970000', '125.00']]);
    for (const s of before.body.funds) expectStatementIdentities(s);

    // The funds report for March: transfers in and withdrawals by kind, both identities.
    const report = await api.get('/v1/reports/funds?from=2026-03&to=2026-03', TOKENS.finance);
    expect(report.status).toBe(200);
    const fw = report.body.funds.find((l: { fundId: string }) => l.fundId === 'F-W');
    expect(fw).toEqual({
      fundId: 'F-W',
      currency: 'EUR',
      openingUnits: '0.000000',
      unitsIssued: '1001500.000000',
      unitsCancelled: '500.580000', // the fee's 20.58 + 100 + 200 + 100 (switch) + 80
      closingUnits: '1000999.420000',
      navPerUnit: '1.250000',
      valuationDate: D3,
      openingNetAssets: '0.00',
      contributions: '1001000.00',
      transfersIn: '500.00',
      switchesIn: '0.00',
      switchesOut: '125.00',
      fees: '20.58',
      withdrawals: '475.00',
      withdrawalsByKind: { benefit: '125.00', lumpSum: '250.00', transferOut: '100.00' },
      // D3: 1,251,849.28 - (1,001,500.00 - 20.58)
      marketMovement: '250369.86',
      netAssets: '1251249.28', // 1,251,849.28 - 600.00 dealt on D3
    });
    for (const l of report.body.funds) {
      expect(u(l.closingUnits)).toBe(u(l.openingUnits) + u(l.unitsIssued) - u(l.unitsCancelled));
      const k = l.withdrawalsByKind;
      expect(m(l.withdrawals)).toBe(m(k.benefit) + m(k.lumpSum) + m(k.transferOut));
      expect(m(l.netAssets)).toBe(
        m(l.openingNetAssets) + m(l.contributions) + m(l.transfersIn) + m(l.switchesIn) - m(l.switchesOut) - m(l.fees) - m(l.withdrawals) + m(l.marketMovement),
      );
    }
    // The fund's units outstanding are the members' units.
    const fund = (await api.get(`/v1/funds/F-W?asOf=${D3}`, fa)).body;
    const big = (await api.get(`/v1/members/M-BIG?asOf=${D3}`, pens)).body.holdings.find((h: { fundId: string }) => h.fundId === 'F-W');
    expect(u(fund.unitsOutstanding)).toBe(u(big.units) + u('1019.970000'));

    // The books: withdrawals are member unit liability Dr / fund cash Cr.
    const tb = await api.get(`/v1/reports/trial-balance?asOf=2026-03-31&limit=10000`, TOKENS.finance);
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
    const lines = allAccountLines(tb.body);
    const line = (account: string) => lines.find((l) => l.account === account);
    // Fund assets less fees payable are the fund's net assets (valuations post their gains: domain.md).
    const assets = cents(line('fund-cash:EUR:fund/F-W')!.debit) - cents(line('fund-cash:EUR:fund/F-W')!.credit) - cents(line('fees-payable:EUR:fund/F-W')!.credit);
    expect(assets).toBe(cents((await api.get('/v1/funds/F-W?asOf=2026-03-31', fa)).body.netAssets));
    // M-A: 1,500.00 in, 0.03 fee, 600.00 out.
    expect(line('unit-liability:EUR:fund/F-W/member/M-A')).toMatchObject({ debit: '0.00', credit: '899.97' });
    expect(line('fees-payable:EUR:fund/F-W')).toMatchObject({ debit: '0.00', credit: '20.58' });

    // The audit trail records the new events with their kinds.
    const trail = await api.get('/v1/audit/entities/member/M-A', TOKENS.auditor);
    expect(trail.body.events.map((e: { type: string }) => e.type)).toEqual(['MemberRegistered', 'MemberContributed', 'MemberContributed', 'MemberFeeCharged', 'MemberWithdrew', 'MemberWithdrew', 'UnitsSwitched', 'MemberWithdrew']);
    const fundTrail = await api.get('/v1/audit/entities/fund/F-W', TOKENS.auditor);
    expect(fundTrail.body.events.filter((e: { type: string }) => e.type === 'UnitsRedeemed')).toHaveLength(3);
    expect(fundTrail.body.events.find((e: { type: string }) => e.type === 'FeeCharged')).toMatchObject({ v: 3, payload: { annualRate: '0.0075000000', days: 1, dayCount: 'ACT/365' } });

    // The replay audit reproduces every event.
    const audit = await runAudit(api);
    expect(audit.result.match).toBe(true);

    // A restart answers the same statement and report.
    await server.close();
    server = await startChild({ dataDir, tokensFile });
    api = server.api;
    expect((await api.get('/v1/members/M-A/statement?from=2026-03-01&to=2026-03-31', pens)).body).toEqual(st.body);
    expect((await api.get('/v1/reports/funds?from=2026-03&to=2026-03', TOKENS.finance)).body.funds).toEqual(report.body.funds);
  });

  test('roles: a role without access gets 403; bad input is a 400 problem', async () => {
    const body = { fundId: 'F-W', units: '1', effectiveDate: D3, kind: 'benefit' };
    expectProblem(await post('/v1/members/M-A/withdrawals', body, fa), 403);
    expectProblem(await post('/v1/members/M-A/withdrawals', body, TOKENS.finance), 403);
    expectProblem(await api.get('/v1/members/M-A/statement?from=2026-03-01&to=2026-03-31', TOKENS.underwriter), 403);
    expectProblem(await api.get('/v1/members/M-A/statement?from=2026-03-01&to=2026-03-31', TOKENS.claims), 403);
    expectProblem(await post('/v1/funds/F-W/fees', { effectiveDate: D3, annualRate: '0.0075', days: 1, dayCount: 'ACT/365' }, pens), 403);

    // Withdrawals: exactly one of units and amount; a known kind; no unknown field.
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, amount: '1.00' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', effectiveDate: D3, kind: 'benefit' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, kind: 'pension' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { fundId: 'F-W', units: '1', effectiveDate: D3 }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, units: '0' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, units: '1.0000001' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, destination: '' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/withdrawals', { ...body, extra: 1 }), 400, 'validation_failed');
    // Contributions: source only on a transfer in; a known kind.
    expectProblem(await post('/v1/members/M-A/contributions', { fundId: 'F-W', amount: '1.00', effectiveDate: D3, source: 'X' }), 400, 'validation_failed');
    expectProblem(await post('/v1/members/M-A/contributions', { fundId: 'F-W', amount: '1.00', effectiveDate: D3, kind: 'employer' }), 400, 'validation_failed');
    // Fees: rate xor annualRate with days and dayCount.
    const feeBad = [
      { rate: '0.001', annualRate: '0.0075', days: 1, dayCount: 'ACT/365' },
      {},
      { annualRate: '0.0075', days: 1 },
      { annualRate: '0.0075', days: 0, dayCount: 'ACT/365' },
      { annualRate: '0.0075', days: 1, dayCount: 'ACT/360' },
      { annualRate: '0.00750000001', days: 1, dayCount: 'ACT/365' },
      { annualRate: '1', days: 1, dayCount: 'ACT/365' },
    ];
    for (const bad of feeBad) expectProblem(await post('/v1/funds/F-W/fees', { effectiveDate: D3, ...bad }, fa), 400, 'validation_failed');
    // Statements: from and to required dates, from <= to, no other parameter.
    for (const q of ['', '?from=2026-03-01', '?from=2026-03&to=2026-04', '?from=2026-03-31&to=2026-03-01', '?from=2026-03-01&to=2026-03-31&asOf=2026-03-31', '?from=2026-02-30&to=2026-03-31']) {
      expectProblem(await api.get(`/v1/members/M-A/statement${q}`, pens), 400, 'validation_failed');
    }
    expectProblem(await api.get('/v1/members/M-NONE/statement?from=2026-03-01&to=2026-03-31', pens), 404);
  });
});
