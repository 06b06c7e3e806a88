// The pension endpoints over real HTTP, in-process: each route's happy path
// and its refusals (roles, bodies, unknown entities, domain rules),
// idempotent replays and /v1/batch carrying pension commands. Wiring, not
// arithmetic: the figures are small and checked by hand in the comments; the
// multi-day scenario and the property tests live elsewhere.
import { type Answer, type Api, type InProcessServer, CommandIds, TOKENS, qs, removeDir, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(60_000);

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code }).toEqual({ status, code });
  expect(a.type).toMatch(/^application\/problem\+json/);
}

function expectCreated(a: Answer, commandId: string, fields: Record<string, unknown>): void {
  expect({ status: a.status, body: a.body }).toEqual({ status: 201, body: { commandId, recordedAt: expect.stringMatching(INSTANT), ...fields } });
  expect(a.headers['idempotent-replayed']).toBeUndefined();
}

describe('pensions API', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(4);

  beforeAll(async () => {
    dir = tempDir('ledger-pensions-api-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const launch = (fundId: string, currency = 'EUR', launchNavPerUnit = '1.000000', commandId = ids.next()) => ({ commandId, fundId, currency, launchNavPerUnit });
  const valuation = (valuationDate: string, netAssets: string, commandId = ids.next()) => ({ commandId, valuationDate, netAssets });
  const contribution = (fundId: string, amount: string, effectiveDate: string, commandId = ids.next()) => ({ commandId, fundId, amount, effectiveDate });
  const switchBody = (fromFundId: string, toFundId: string, units: string, effectiveDate: string, commandId = ids.next()) => ({ commandId, fromFundId, toFundId, units, effectiveDate });

  describe('funds', () => {
    test('POST /v1/funds launches a fund (fund-admin); replay, duplicate, roles, bad bodies', async () => {
      const body = launch('F-EUR');
      const a = await api.post('/v1/funds', body, TOKENS['fund-admin']);
      expectCreated(a, body.commandId, { fundId: 'F-EUR', currency: 'EUR', launchNavPerUnit: '1.000000' });

      const again = await api.post('/v1/funds', body, TOKENS['fund-admin']);
      expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: a.body, replayed: 'true' });
      expectProblem(await api.post('/v1/funds', { ...body, currency: 'USD' }, TOKENS['fund-admin']), 409, 'exists_with_different_fields');

      expectProblem(await api.post('/v1/funds', launch('F-EUR'), TOKENS.admin), 422, 'entity_exists');
      expectProblem(await api.post('/v1/funds', launch('F-X'), TOKENS.pensions), 403, 'forbidden');
      expectProblem(await api.post('/v1/funds', launch('F-X')), 401, 'unauthorized');
      expectProblem(await api.post('/v1/funds', { ...launch('F-X'), extra: 1 }, TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds', launch('F-X', 'EUR', '0.000000'), TOKENS['fund-admin']), 400, 'validation_failed');

      expect((await api.post('/v1/funds', launch('F-EUR2', 'EUR', '10.000000'), TOKENS['fund-admin'])).status).toBe(201);
      expect((await api.post('/v1/funds', launch('F-USD', 'USD'), TOKENS['fund-admin'])).status).toBe(201);
    });

    test('POST /v1/funds/{id}/valuations strikes the NAV; the launch NAV while there are no units', async () => {
      const body = valuation('2026-01-31', '0.00');
      const a = await api.post('/v1/funds/F-EUR/valuations', body, TOKENS['fund-admin']);
      expectCreated(a, body.commandId, { valuationDate: '2026-01-31', fundId: 'F-EUR', netAssets: '0.00', unitsOutstanding: '0.000000', navPerUnit: '1.000000', gain: '0.00', revaluation: '0.00', rounding: '0.00' });
      for (const f of ['F-EUR2', 'F-USD']) expect((await api.post(`/v1/funds/${f}/valuations`, valuation('2026-01-31', '0.00'), TOKENS['fund-admin'])).status).toBe(201);

      expectProblem(await api.post('/v1/funds/F-EUR/valuations', valuation('2026-01-31', '5.00'), TOKENS['fund-admin']), 422, 'entity_exists');
      expectProblem(await api.post('/v1/funds/F-NONE/valuations', valuation('2026-01-31', '5.00'), TOKENS['fund-admin']), 404, 'not_found');
      expectProblem(await api.post('/v1/funds/F-EUR/valuations', valuation('2026-02-30', '5.00'), TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds/F-EUR/valuations', valuation('2026-03-31', '-1.00'), TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds/F-EUR/valuations', { ...valuation('2026-03-31', '1.00'), fundId: 'F-EUR' }, TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds/bad!id/valuations', valuation('2026-03-31', '1.00'), TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds/F-EUR/valuations', valuation('2026-03-31', '1.00'), TOKENS.pensions), 403, 'forbidden');
    });
  });

  describe('members', () => {
    test('POST /v1/members registers a member (pensions)', async () => {
      const body = { commandId: ids.next(), memberId: 'M-1', name: 'Ada' };
      expectCreated(await api.post('/v1/members', body, TOKENS.pensions), body.commandId, { memberId: 'M-1', name: 'Ada' });
      expectProblem(await api.post('/v1/members', { ...body, commandId: ids.next() }, TOKENS.pensions), 422, 'entity_exists');
      expectProblem(await api.post('/v1/members', { commandId: ids.next(), memberId: 'M-2', name: 'Bo' }, TOKENS['fund-admin']), 403, 'forbidden');
      expectProblem(await api.post('/v1/members', { commandId: ids.next(), memberId: 'M-2', name: '' }, TOKENS.pensions), 400, 'validation_failed');
      expectProblem(await api.post('/v1/members', { commandId: ids.next(), memberId: 'M-2', name: 'Bo' }), 401, 'unauthorized');
    });

    test('POST /v1/members/{id}/contributions buys units at the NAV of its date', async () => {
      // 1000.00 at NAV 1.000000 (F-EUR, 2026-01-31): 1000.000000 units.
      const body = contribution('F-EUR', '1000.00', '2026-01-31');
      const a = await api.post('/v1/members/M-1/contributions', body, TOKENS.pensions);
      expectCreated(a, body.commandId, {
        memberId: 'M-1',
        fundId: 'F-EUR',
        effectiveDate: '2026-01-31',
        currency: 'EUR',
        amount: '1000.00',
        units: '1000.000000',
        navPerUnit: '1.000000',
      });

      // A recorded rejection replays too.
      const noNav = contribution('F-EUR', '10.00', '2026-02-01');
      const refused = await api.post('/v1/members/M-1/contributions', noNav, TOKENS.pensions);
      expectProblem(refused, 422, 'nav_not_published');
      const replay = await api.post('/v1/members/M-1/contributions', noNav, TOKENS.pensions);
      expect({ status: replay.status, body: replay.body, replayed: replay.headers['idempotent-replayed'] }).toEqual({ status: 422, body: refused.body, replayed: 'true' });

      expectProblem(await api.post('/v1/members/M-1/contributions', contribution('F-NONE', '10.00', '2026-01-31'), TOKENS.pensions), 404, 'not_found');
      expectProblem(await api.post('/v1/members/M-NONE/contributions', contribution('F-EUR', '10.00', '2026-01-31'), TOKENS.pensions), 404, 'not_found');
      expectProblem(await api.post('/v1/members/M-1/contributions', contribution('F-EUR', '0.00', '2026-01-31'), TOKENS.pensions), 400, 'validation_failed');
      expectProblem(await api.post('/v1/members/M-1/contributions', contribution('F-EUR', '10.00', '2026-01-31'), TOKENS['fund-admin']), 403, 'forbidden');
      expectProblem(await api.post('/v1/members/M-1/contributions', { ...contribution('F-EUR', '10.00', '2026-01-31'), memberId: 'M-1' }, TOKENS.pensions), 400, 'validation_failed');
    });

    test('a valuation after dealings: NAV = netAssets / units dealt before its date', async () => {
      // 1100.00 / 1000.000000 units = 1.100000.
      const a = await api.post('/v1/funds/F-EUR/valuations', valuation('2026-02-28', '1100.00'), TOKENS['fund-admin']);
      expect(a.body).toMatchObject({ unitsOutstanding: '1000.000000', navPerUnit: '1.100000', netAssets: '1100.00' });
      for (const f of ['F-EUR2', 'F-USD']) expect((await api.post(`/v1/funds/${f}/valuations`, valuation('2026-02-28', '0.00'), TOKENS['fund-admin'])).status).toBe(201);
    });

    test('POST /v1/members/{id}/switches sells and buys at each fund NAV; currency, units, NAV and same-fund refusals', async () => {
      // 100 units at 1.100000 = 110.00; at 10.000000: 11.000000 units.
      const body = switchBody('F-EUR', 'F-EUR2', '100.000000', '2026-02-28');
      const a = await api.post('/v1/members/M-1/switches', body, TOKENS.pensions);
      expectCreated(a, body.commandId, {
        effectiveDate: '2026-02-28',
        currency: 'EUR',
        memberId: 'M-1',
        fromFundId: 'F-EUR',
        toFundId: 'F-EUR2',
        unitsSold: '100.000000',
        amount: '110.00',
        unitsBought: '11.000000',
        fromNavPerUnit: '1.100000',
        toNavPerUnit: '10.000000',
      });
      const url = '/v1/members/M-1/switches';
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-USD', '1.000000', '2026-02-28'), TOKENS.pensions), 422, 'currency_mismatch');
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-EUR2', '900.000001', '2026-02-28'), TOKENS.pensions), 422, 'insufficient_units');
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-EUR2', '1.000000', '2026-02-27'), TOKENS.pensions), 422, 'nav_not_published');
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-NONE', '1.000000', '2026-02-28'), TOKENS.pensions), 404, 'not_found');
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-EUR', '1.000000', '2026-02-28'), TOKENS.pensions), 400, 'validation_failed');
      expectProblem(await api.post(url, switchBody('F-EUR', 'F-EUR2', '1.000000', '2026-02-28'), TOKENS.finance), 403, 'forbidden');
    });

    test('POST /v1/funds/{id}/fees cancels units of every holding at the NAV of its date', async () => {
      // M-1 holds 1000 - 100 = 900 units on 2026-02-28: value 990.00, fee 1% = 9.90, 9.90 / 1.1 = 9.000000 units.
      const body = { commandId: ids.next(), effectiveDate: '2026-02-28', rate: '0.010000' };
      const a = await api.post('/v1/funds/F-EUR/fees', body, TOKENS['fund-admin']);
      expectCreated(a, body.commandId, {
        effectiveDate: '2026-02-28',
        fundId: 'F-EUR',
        rate: '0.010000',
        navPerUnit: '1.100000',
        holdings: [{ memberId: 'M-1', units: '900.000000', value: '990.00', fee: '9.90', unitsCancelled: '9.000000' }],
        totalFee: '9.90',
        totalUnitsCancelled: '9.000000',
      });
      expectProblem(await api.post('/v1/funds/F-EUR/fees', { ...body, commandId: ids.next(), effectiveDate: '2026-03-01' }, TOKENS['fund-admin']), 422, 'nav_not_published');
      expectProblem(await api.post('/v1/funds/F-EUR/fees', { ...body, commandId: ids.next(), rate: '1.000000' }, TOKENS['fund-admin']), 400, 'validation_failed');
      expectProblem(await api.post('/v1/funds/F-NONE/fees', { ...body, commandId: ids.next() }, TOKENS['fund-admin']), 404, 'not_found');
      expectProblem(await api.post('/v1/funds/F-EUR/fees', { ...body, commandId: ids.next() }, TOKENS.pensions), 403, 'forbidden');
    });
  });

  describe('queries', () => {
    test('GET /v1/funds/{id}: NAV, units and net assets valid on asOf', async () => {
      // Units 1000 - 100 - 9 = 891; net assets 1100.00 - 110.00 - 9.90 = 980.10 (= 891 * 1.1).
      const a = await api.get('/v1/funds/F-EUR?asOf=2026-02-28', TOKENS['fund-admin']);
      expect({ status: a.status, body: a.body }).toEqual({
        status: 200,
        body: {
          fundId: 'F-EUR',
          currency: 'EUR',
          navPerUnit: '1.100000',
          valuationDate: '2026-02-28',
          unitsOutstanding: '891.000000',
          netAssets: '980.10',
          asOf: '2026-02-28',
          knownAt: expect.stringMatching(INSTANT),
        },
      });
      // Before any valuation: the launch NAV, no valuation date.
      const early = await api.get('/v1/funds/F-EUR2?asOf=2026-01-01', TOKENS.pensions);
      expect(early.body).toMatchObject({ navPerUnit: '10.000000', valuationDate: null, unitsOutstanding: '0.000000', netAssets: '0.00' });

      for (const role of ['finance', 'auditor', 'admin'] as const) expect((await api.get('/v1/funds/F-EUR', TOKENS[role])).status).toBe(200);
      expectProblem(await api.get('/v1/funds/F-EUR', TOKENS.underwriter), 403, 'forbidden');
      expectProblem(await api.get('/v1/funds/F-EUR'), 401, 'unauthorized');
      expectProblem(await api.get('/v1/funds/F-NONE', TOKENS.finance), 404, 'not_found');
      expectProblem(await api.get(`/v1/funds/F-EUR${qs({ knownAt: '2001-01-01T00:00:00Z' })}`, TOKENS.finance), 404, 'not_found');
      expectProblem(await api.get('/v1/funds/F-EUR?asof=2026-01-01', TOKENS.finance), 400, 'validation_failed');
      expectProblem(await api.get('/v1/funds/bad!id', TOKENS.finance), 400, 'validation_failed');
    });

    test('GET /v1/members/{id}: holdings valued at each fund NAV', async () => {
      const a = await api.get('/v1/members/M-1?asOf=2026-02-28', TOKENS.pensions);
      expect({ status: a.status, body: a.body }).toEqual({
        status: 200,
        body: {
          memberId: 'M-1',
          name: 'Ada',
          holdings: [
            { fundId: 'F-EUR', currency: 'EUR', units: '891.000000', navPerUnit: '1.100000', value: '980.10' },
            { fundId: 'F-EUR2', currency: 'EUR', units: '11.000000', navPerUnit: '10.000000', value: '110.00' },
          ],
          totalValue: '1090.10',
          totalValueByCurrency: [{ currency: 'EUR', value: '1090.10' }],
          asOf: '2026-02-28',
          knownAt: expect.stringMatching(INSTANT),
        },
      });
      const before = await api.get('/v1/members/M-1?asOf=2026-01-30', TOKENS['fund-admin']);
      expect(before.body).toMatchObject({ holdings: [], totalValue: '0.00', totalValueByCurrency: [] });

      expectProblem(await api.get('/v1/members/M-1', TOKENS.claims), 403, 'forbidden');
      expectProblem(await api.get('/v1/members/M-1'), 401, 'unauthorized');
      expectProblem(await api.get('/v1/members/M-NONE', TOKENS.pensions), 404, 'not_found');
      expectProblem(await api.get('/v1/members/M-1?asOf=2026-02-30', TOKENS.pensions), 400, 'validation_failed');
    });

    test('GET /v1/reports/funds: unit and net-asset movements per fund over the months', async () => {
      const a = await api.get('/v1/reports/funds?from=2026-01&to=2026-02', TOKENS.finance);
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ from: '2026-01', to: '2026-02', knownAt: expect.stringMatching(INSTANT) });
      expect(a.body.funds.map((f: { fundId: string }) => f.fundId)).toEqual(['F-EUR', 'F-EUR2', 'F-USD']);
      // F-EUR: market movement = 1100.00 - 1000.00 (net assets at the end of 2026-02-27) on the 02-28 valuation.
      expect(a.body.funds[0]).toEqual({
        fundId: 'F-EUR',
        currency: 'EUR',
        openingUnits: '0.000000',
        unitsIssued: '1000.000000',
        unitsCancelled: '109.000000',
        closingUnits: '891.000000',
        navPerUnit: '1.100000',
        valuationDate: '2026-02-28',
        openingNetAssets: '0.00',
        contributions: '1000.00',
        transfersIn: '0.00',
        switchesIn: '0.00',
        switchesOut: '110.00',
        fees: '9.90',
        withdrawals: '0.00',
        withdrawalsByKind: { benefit: '0.00', lumpSum: '0.00', transferOut: '0.00' },
        marketMovement: '100.00',
        netAssets: '980.10',
      });
      expect(a.body.funds[1]).toMatchObject({ fundId: 'F-EUR2', unitsIssued: '11.000000', switchesIn: '110.00', marketMovement: '0.00', netAssets: '110.00' });

      expect((await api.get('/v1/reports/funds?from=2026-01&to=2026-02', TOKENS.auditor)).status).toBe(200);
      expectProblem(await api.get('/v1/reports/funds?from=2026-01&to=2026-02', TOKENS['fund-admin']), 403, 'forbidden');
      expectProblem(await api.get('/v1/reports/funds?from=2026-01&to=2026-02'), 401, 'unauthorized');
      expectProblem(await api.get('/v1/reports/funds?from=2026-03&to=2026-02', TOKENS.finance), 400, 'validation_failed');
      expectProblem(await api.get('/v1/reports/funds?from=2026-01', TOKENS.finance), 400, 'validation_failed');
      expectProblem(await api.get('/v1/reports/funds?from=2026-01&to=2026-02&basis=booked', TOKENS.finance), 400, 'validation_failed');
    });

    test('the audit trails carry every event of a dealing', async () => {
      const member = await api.get('/v1/audit/entities/member/M-1', TOKENS.auditor);
      expect(member.status).toBe(200);
      expect(JSON.stringify(member.body)).toMatch(/MemberRegistered[\s\S]*MemberContributed[\s\S]*UnitsSwitched[\s\S]*MemberFeeCharged/);
      const fund = await api.get('/v1/audit/entities/fund/F-EUR2', TOKENS.auditor);
      expect(JSON.stringify(fund.body)).toMatch(/FundLaunched[\s\S]*ValuationStruck[\s\S]*UnitsIssued/);
    });
  });

  describe('/v1/batch', () => {
    test('carries pension commands, each decided on the state the earlier ones left', async () => {
      const d = '2026-03-31';
      const commands = [
        { path: '/v1/funds', body: launch('F-B', 'EUR', '2.000000') },
        { path: '/v1/members', body: { commandId: ids.next(), memberId: 'M-B', name: 'Bo' } },
        { path: '/v1/funds/F-B/valuations', body: valuation(d, '0.00') },
        { path: '/v1/members/M-B/contributions', body: contribution('F-B', '500.00', d) },
        { path: '/v1/members/M-B/switches', body: switchBody('F-B', 'F-B', '1.000000', d) },
        { path: '/v1/members/M-B/contributions', body: contribution('F-NONE', '5.00', d) },
        { path: '/v1/members/M-B/switches', body: switchBody('F-B', 'F-EUR', '10.000000', d) },
        { path: '/v1/funds/F-B/fees', body: { commandId: ids.next(), effectiveDate: d, rate: '0.100000' } },
      ];
      const a = await api.post('/v1/batch', { commands }, TOKENS.admin);
      expect(a.status).toBe(200);
      const results = a.body.results as { status: number; body: { code?: string; units?: string; totalFee?: string } }[];
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 400, 404, 422, 201]);
      expect(results[3].body.units).toBe('250.000000'); // 500.00 / 2.000000
      expect(results[6].body.code).toBe('nav_not_published'); // F-EUR has no NAV for 2026-03-31
      expect(results[7].body.totalFee).toBe('50.00'); // 10% of 250 * 2.00

      const m = await api.get(`/v1/members/M-B?asOf=${d}`, TOKENS.pensions);
      expect(m.body.holdings).toEqual([{ fundId: 'F-B', currency: 'EUR', units: '225.000000', navPerUnit: '2.000000', value: '450.00' }]);

      // Roles per item: a pensions actor may not launch a fund, but may register a member.
      const mixed = await api.post(
        '/v1/batch',
        { commands: [{ path: '/v1/funds', body: launch('F-C') }, { path: '/v1/members', body: { commandId: ids.next(), memberId: 'M-C', name: 'Cy' } }] },
        TOKENS.pensions,
      );
      expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([403, 201]);

      // A replayed item answers as before.
      const replay = await api.post('/v1/batch', { commands: [commands[3]] }, TOKENS.admin);
      expect(replay.body.results).toEqual([{ status: 201, body: results[3].body, replayed: true }]);
    });
  });

  test('a percent-encoded spelling of a path is the same request: retries replay, in a batch too', async () => {
    const body = { commandId: ids.next(), memberId: 'M-ENC', name: 'Encoded' };
    const first = await api.post('/%76%31/m%65mbers', body, TOKENS.pensions);
    expect(first.status).toBe(201);
    const again = await api.post('/v1/members', body, TOKENS.pensions);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: first.body, replayed: 'true' });
    const batch = await api.post('/v1/batch', { commands: [{ path: '/v1/%6Dembers', body }] }, TOKENS.admin);
    expect(batch.body.results).toEqual([{ status: 201, body: first.body, replayed: true }]);
  });
});
