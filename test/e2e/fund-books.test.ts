// The books equal net assets over real HTTP (issue 11): the example
// to the cent (a valuation's gain, a fee, a withdrawal, the fee settled:
// fund assets 539.00 = unit liability 539.00 = 490.000000 x 1.100000), a
// fee settlement above what is payable refused, and a withdrawal reversed.
import { type Api, type InProcessServer, CommandIds, TOKENS, created as createdBy, cents, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(60_000);

describe('valuations tie the books to net assets; fee settlements', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(9901);
  const fa = TOKENS['fund-admin'];
  const pensions = TOKENS.pensions;

  beforeAll(async () => {
    dir = tempDir('ledger-fund-books-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const created = (path: string, body: Record<string, unknown>, token: string) => createdBy(api, ids, path, body, token);
  /** The fund's accounts at asOf: fund assets, fees payable, the unit liability (members' and revaluation), the rounding account (debit positive). */
  const books = async (asOf: string) => {
    const lines = allAccountLines((await api.get(`/v1/reports/trial-balance?asOf=${asOf}&limit=10000`, TOKENS.finance)).body);
    const net = (pick: (a: string) => boolean) => lines.filter((l) => pick(l.account)).reduce<bigint>((t, l) => t + cents(l.debit) - cents(l.credit), 0n);
    return {
      assets: net((a) => a === 'fund-cash:EUR:fund/F-1'),
      feesPayable: -net((a) => a === 'fees-payable:EUR:fund/F-1'),
      unitLiability: -net((a) => a.startsWith('unit-liability:EUR:fund/F-1/')),
      rounding: -net((a) => a === 'unit-rounding:EUR:fund/F-1'),
      gains: -net((a) => a === 'investment-gains:EUR:fund/F-1'),
    };
  };

  test("the issue's example: valuation gain 100.00, a 1% fee of 11.00, a withdrawal of 500 units paying 550.00, the fee settled: fund assets 539.00 = unit liability 539.00 = 490 x 1.100000", async () => {
    await created('/v1/funds', { fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa);
    await created('/v1/members', { memberId: 'M-1', name: 'Ada' }, pensions);
    expect(await created('/v1/funds/F-1/valuations', { valuationDate: '2026-02-02', netAssets: '0.00' }, fa)).toMatchObject({ navPerUnit: '1.000000', gain: '0.00', revaluation: '0.00', rounding: '0.00' });
    expect(await created('/v1/members/M-1/contributions', { fundId: 'F-1', amount: '1000.00', effectiveDate: '2026-02-02' }, pensions)).toMatchObject({ units: '1000.000000' });
    expect(await created('/v1/funds/F-1/valuations', { valuationDate: '2026-03-02', netAssets: '1100.00' }, fa)).toMatchObject({ navPerUnit: '1.100000', gain: '100.00', revaluation: '100.00', rounding: '0.00' });
    expect(await books('2026-03-02')).toEqual({ assets: 110000n, feesPayable: 0n, unitLiability: 110000n, rounding: 0n, gains: 10000n });
    expect(await created('/v1/funds/F-1/fees', { effectiveDate: '2026-03-02', rate: '0.010000' }, fa)).toMatchObject({ totalFee: '11.00', totalUnitsCancelled: '10.000000' });
    const withdrawal = await created('/v1/members/M-1/withdrawals', { fundId: 'F-1', units: '500.000000', effectiveDate: '2026-03-02', kind: 'benefit' }, pensions);
    expect(withdrawal).toMatchObject({ units: '500.000000', amount: '550.00' });

    const over = await api.post('/v1/funds/F-1/fee-settlements', { commandId: ids.next(), effectiveDate: '2026-03-02', amount: '11.01' }, fa);
    expect({ status: over.status, code: over.body.code }).toEqual({ status: 422, code: 'settlement_exceeds_fees_payable' });
    expect((await api.post('/v1/funds/F-1/fee-settlements', { commandId: ids.next(), effectiveDate: '2026-03-02', amount: '11.00' }, pensions)).status).toBe(403);
    expect(await created('/v1/funds/F-1/fee-settlements', { effectiveDate: '2026-03-02', amount: '11.00' }, fa)).toMatchObject({ amount: '11.00', feesPayable: '0.00', currency: 'EUR' });

    expect(await books('2026-03-31')).toEqual({ assets: 53900n, feesPayable: 0n, unitLiability: 53900n, rounding: 0n, gains: 10000n });
    expect((await api.get('/v1/members/M-1?asOf=2026-03-31', pensions)).body.holdings).toEqual([expect.objectContaining({ units: '490.000000', navPerUnit: '1.100000', value: '539.00' })]);
    expect((await api.get('/v1/funds/F-1?asOf=2026-03-31', fa)).body).toMatchObject({ unitsOutstanding: '490.000000', netAssets: '539.00' });

    // Nothing left to settle; before the fee's date there was nothing payable either.
    const again = await api.post('/v1/funds/F-1/fee-settlements', { commandId: ids.next(), effectiveDate: '2026-03-31', amount: '0.01' }, fa);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 422, code: 'settlement_exceeds_fees_payable' });

    // The withdrawal reversed: its 500 units back at 1.100000, its 550.00 back in the fund.
    const reversal = await api.post('/v1/reversals', { commandId: ids.next(), reversesCommandId: withdrawal.commandId, reason: 'paid to the wrong member' }, pensions);
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({ reversed: 'MemberWithdrew', memberId: 'M-1', fundId: 'F-1', effectiveDate: '2026-03-02', units: '500.000000', amount: '550.00', navPerUnit: '1.100000' });
    expect((await api.get('/v1/members/M-1?asOf=2026-03-31', pensions)).body.holdings).toEqual([expect.objectContaining({ units: '990.000000', value: '1089.00' })]);
    expect(await books('2026-03-31')).toEqual({ assets: 108900n, feesPayable: 0n, unitLiability: 108900n, rounding: 0n, gains: 10000n });
    const statement = (await api.get('/v1/members/M-1/statement?from=2026-03-01&to=2026-03-31', pensions)).body.funds[0];
    expect(statement).toMatchObject({ closingUnits: '990.000000', withdrawals: expect.objectContaining({ benefit: '0.00' }) });

    expect((await runAudit(api)).result.match).toBe(true);
  });
});
