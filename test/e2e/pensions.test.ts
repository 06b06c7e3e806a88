// Pensions end to end: a real server on a real data directory, real HTTP, no
// mocks. A multi-day story of three funds and three members, every command
// recorded in this order (valid dates on the left):
//
//   launch F-GROWTH (EUR, NAV 1.000000), F-BOND (EUR, 10.000000), F-USEQ (USD, 1.000000)
//   register M-ALICE, M-BOB, M-CAROL
//   2026-03-02 D1  valuations with no units: the launch NAVs;
//                  ALICE 1000.00 -> GROWTH, BOB 333.00 -> GROWTH, ALICE 250.00 -> BOND, BOB 200.00 USD -> USEQ (in a batch)
//   2026-03-16 D2  GROWTH 1400.00 / 1333 units = 1.050263 (rounded); BOND 251.37 / 25 = 10.054800;
//                  BOB 300.00 -> BOND, CAROL 500.00 -> GROWTH, CAROL 200.00 -> BOND          (units rounded)
//   2026-04-01 D3  GROWTH 1937.45, BOND 753.21, USEQ 211.11;            [kPreSwitch = USEQ's recordedAt]
//                  ALICE switches 400 GROWTH units to BOND (428.39);    [kSwitch = its recordedAt]
//                  ALICE 150.00 -> GROWTH
//   2026-04-15 D4  GROWTH 1645.80; fee 0.75 % on GROWTH by unit cancellation (12.34 in all)
//   2026-04-30 D5  GROWTH 1702.13, BOND 1190.44; CAROL 75.50 -> BOND
//
// Refused along the way, each changing nothing: dealing without a NAV
// (contribution, switch, fee: nav_not_published), dealing on a date a later
// NAV has closed (dealing_date_closed, forward pricing: after D5's NAVs, a
// switch back-dated to D2, a contribution and a fee on D4, switches on D3),
// switching more than held (insufficient_units), EUR <-> USD
// (currency_mismatch), duplicates (entity_exists).
//
// Every expected figure is a literal worked out by hand beforehand (Python's
// decimal, ROUND_HALF_UP, per domain.md's formulas), the arithmetic in the
// comment next to it; nothing expected is computed by the code under test.
// Last, the server is restarted on the same data directory and must answer
// every query exactly as before.
import 'reflect-metadata';

import * as path from 'node:path';

import type { FundReportLine } from '@app/projections';

import { allAccountLines, type AccountLine } from './trial-balance';

import {
  type Answer,
  CommandIds,
  type InProcessServer,
  TOKENS,
  cents,
  money,
  problemViolation,
  qs,
  removeDir,
  startInProcess,
  tempDir,
  writeTokensFile,
} from './support';

// ---------------------------------------------------------------------------
// The cast

const D1 = '2026-03-02';
const D2 = '2026-03-16';
const D3 = '2026-04-01';
const D4 = '2026-04-15';
const D5 = '2026-04-30';

const FUNDS = ['F-BOND', 'F-GROWTH', 'F-USEQ'] as const;
const MEMBERS = ['M-ALICE', 'M-BOB', 'M-CAROL'] as const;
const CURRENCY: Record<string, string> = { 'F-GROWTH': 'EUR', 'F-BOND': 'EUR', 'F-USEQ': 'USD' };
const NAME: Record<string, string> = { 'M-ALICE': 'Alice Martin', 'M-BOB': 'Bob Novak', 'M-CAROL': 'Carol Diaz' };

/** ALICE's switch on D3, as answered and as stored (UnitsSwitched). */
const ALICE_SWITCH = {
  memberId: 'M-ALICE',
  fromFundId: 'F-GROWTH',
  toFundId: 'F-BOND',
  unitsSold: '400.000000',
  amount: '428.39', // 400 * 1.070964 = 428.3856 -> 428.39
  unitsBought: '42.501441', // 428.39 / 10.079423 = 42.50144080668... -> 42.501441
  fromNavPerUnit: '1.070964',
  toNavPerUnit: '10.079423',
};

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

type Role = 'pensions' | 'fund-admin' | 'finance' | 'auditor';

// ---------------------------------------------------------------------------
// Expected views (literals in, api shapes out)

/** [fundId, units, navPerUnit, value] */
type Holding = [string, string, string, string];

function memberView(memberId: string, asOf: string, holdings: Holding[], totalValue: string, byCurrency: Record<string, string>, knownAt?: string) {
  return {
    memberId,
    name: NAME[memberId],
    holdings: holdings.map(([fundId, units, navPerUnit, value]) => ({ fundId, currency: CURRENCY[fundId], units, navPerUnit, value })),
    totalValue,
    totalValueByCurrency: Object.entries(byCurrency).map(([currency, value]) => ({ currency, value })),
    asOf,
    knownAt: knownAt ?? expect.stringMatching(INSTANT),
  };
}

function fundView(fundId: string, asOf: string, navPerUnit: string, valuationDate: string | null, unitsOutstanding: string, netAssets: string, knownAt?: string) {
  return { fundId, currency: CURRENCY[fundId], navPerUnit, valuationDate, unitsOutstanding, netAssets, asOf, knownAt: knownAt ?? expect.stringMatching(INSTANT) };
}

/** A fund report line's figures (the server's type, for its field names only). */
type ReportFigures = Omit<FundReportLine, 'fundId' | 'currency'>;

/** The figures this test's dealings never move (transfers in, withdrawals) default to zero. */
type NoWithdrawals = 'transfersIn' | 'withdrawals' | 'withdrawalsByKind';
const NONE: Pick<ReportFigures, NoWithdrawals> = { transfersIn: '0.00', withdrawals: '0.00', withdrawalsByKind: { benefit: '0.00', lumpSum: '0.00', transferOut: '0.00' } };

function reportLine(fundId: string, f: Omit<ReportFigures, NoWithdrawals> & Partial<Pick<ReportFigures, NoWithdrawals>>) {
  return { fundId, currency: CURRENCY[fundId], ...NONE, ...f };
}

/** A decimal string as an integer count of 10^-dp (exact; for checking the server's identities, not for expected values). */
function scaled(text: string, dp: number): bigint {
  const m = /^(-?)(\d+)\.(\d+)$/.exec(text);
  if (!m || m[3].length !== dp) throw new Error(`not a ${dp}-dp decimal: ${text}`);
  const v = BigInt(m[2] + m[3]);
  return m[1] ? -v : v;
}

function expectReportIdentities(line: ReportFigures & { fundId: string }): void {
  const u = (s: string) => scaled(s, 6);
  const m = (s: string) => scaled(s, 2);
  expect({ fund: line.fundId, closingUnits: u(line.closingUnits) }).toEqual({
    fund: line.fundId,
    closingUnits: u(line.openingUnits) + u(line.unitsIssued) - u(line.unitsCancelled),
  });
  expect({ fund: line.fundId, netAssets: m(line.netAssets) }).toEqual({
    fund: line.fundId,
    netAssets:
      m(line.openingNetAssets) + m(line.contributions) + m(line.transfersIn) + m(line.switchesIn) - m(line.switchesOut) - m(line.fees) - m(line.withdrawals) + m(line.marketMovement),
  });
}

// ---------------------------------------------------------------------------

describe('pensions over real HTTP: funds, valuations, contributions, a switch, a fee; bitemporal queries; restart', () => {
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let server: InProcessServer;
  const ids = new CommandIds(0x4e5f1005);

  /** Every 2xx command, replayed after the restart. */
  const done: { path: string; body: object; role: Role; first: Answer }[] = [];
  /** Refused commands (decided), replayed after the restart. */
  const refused: { path: string; body: object; role: Role; first: Answer }[] = [];
  /** The recordedAt of every command answered 2xx, in order. */
  const stamps: Record<string, string> = {};
  let lastRecordedAt = '';
  let today = '';

  const post = (p: string, body: unknown, role: Role): Promise<Answer> => server.api.post(p, body, TOKENS[role]);
  const get = (p: string, role: Role = 'auditor'): Promise<Answer> => server.api.get(p, TOKENS[role]);

  function expectProblem(a: Answer, status: number, code: string): void {
    expect({ status: a.status, code: a.body?.code }).toEqual({ status, code });
    expect(problemViolation(a)).toBeNull();
  }

  function expectInvariant(a: Answer, code: string): void {
    expectProblem(a, 422, code);
    expect(a.body.type).toMatch(/invariant_violation$/);
  }

  function expectReplayOf(again: Answer, first: Answer): void {
    expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
    expect(again.headers['idempotent-replayed']).toBe('true');
  }

  /** A command that must succeed: 201, its commandId, a fresh recordedAt, no replay header. */
  async function command(p: string, body: { commandId: string; [field: string]: unknown }, role: Role, label?: string): Promise<Answer> {
    const a = await post(p, body, role);
    expect({ status: a.status, body: a.body }).toMatchObject({ status: 201, body: { commandId: body.commandId } });
    expect(a.body.recordedAt).toMatch(INSTANT);
    expect(a.body.recordedAt > lastRecordedAt).toBe(true);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    lastRecordedAt = a.body.recordedAt;
    if (label) stamps[label] = a.body.recordedAt;
    done.push({ path: p, body, role, first: a });
    return a;
  }

  /** A command refused by a domain rule (recorded outcome). */
  async function refuse(p: string, body: { commandId: string; [field: string]: unknown }, role: Role, status: number, code: string): Promise<Answer> {
    const a = await post(p, body, role);
    if (status === 422) expectInvariant(a, code);
    else expectProblem(a, status, code);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    refused.push({ path: p, body, role, first: a });
    return a;
  }

  async function strike(fundId: string, valuationDate: string, netAssets: string, unitsOutstanding: string, navPerUnit: string, label?: string): Promise<Answer> {
    const body = { commandId: ids.next(), valuationDate, netAssets };
    // The books before it: fund assets less fees payable = the net assets valid on the date (domain.md); the gain takes them to the struck net assets.
    const before = await fund(fundId, valuationDate);
    const a = await command(`/v1/funds/${fundId}/valuations`, body, 'fund-admin', label);
    const gain = money(Number(cents(netAssets) - cents(before.body.netAssets)));
    const { revaluation, rounding } = a.body;
    expect(a.body).toEqual({ commandId: body.commandId, recordedAt: a.body.recordedAt, valuationDate, fundId, netAssets, unitsOutstanding, navPerUnit, gain, revaluation, rounding });
    expect(cents(revaluation) + cents(rounding)).toBe(cents(gain));
    return a;
  }

  function contributionBody(fundId: string, amount: string, effectiveDate: string) {
    return { commandId: ids.next(), fundId, amount, effectiveDate };
  }

  async function contribute(memberId: string, fundId: string, amount: string, effectiveDate: string, navPerUnit: string, units: string): Promise<Answer> {
    const body = contributionBody(fundId, amount, effectiveDate);
    const a = await command(`/v1/members/${memberId}/contributions`, body, 'pensions');
    expect(a.body).toEqual({
      commandId: body.commandId,
      recordedAt: a.body.recordedAt,
      memberId,
      fundId,
      effectiveDate,
      currency: CURRENCY[fundId],
      amount,
      units,
      navPerUnit,
    });
    return a;
  }

  function switchBody(fromFundId: string, toFundId: string, units: string, effectiveDate: string) {
    return { commandId: ids.next(), fromFundId, toFundId, units, effectiveDate };
  }

  async function member(memberId: string, asOf?: string, knownAt?: string, role: Role = 'pensions'): Promise<Answer> {
    return get(`/v1/members/${memberId}${qs({ asOf, knownAt })}`, role);
  }

  async function fund(fundId: string, asOf?: string, knownAt?: string, role: Role = 'fund-admin'): Promise<Answer> {
    return get(`/v1/funds/${fundId}${qs({ asOf, knownAt })}`, role);
  }

  async function expectMember(expected: ReturnType<typeof memberView>, knownAt?: string): Promise<void> {
    const a = await member(expected.memberId, expected.asOf, knownAt);
    expect({ status: a.status, body: a.body }).toEqual({ status: 200, body: expected });
  }

  async function expectFund(expected: ReturnType<typeof fundView>, knownAt?: string): Promise<void> {
    const a = await fund(expected.fundId, expected.asOf, knownAt);
    expect({ status: a.status, body: a.body }).toEqual({ status: 200, body: expected });
  }

  const fundReport = (from: string, to: string, knownAt?: string) => get(`/v1/reports/funds${qs({ from, to, knownAt })}`, 'finance');
  const trialBalance = (asOf?: string, knownAt?: string) => get(`/v1/reports/trial-balance${qs({ asOf, knownAt })}`, 'finance');
  const audit = (kind: 'fund' | 'member', id: string, knownAt?: string) => get(`/v1/audit/entities/${kind}/${id}${qs({ knownAt })}`, 'auditor');

  /**
   * What a refused command must leave alone: every member and fund on a few
   * dates, the trial balance and every audit trail (knownAt, which moves on,
   * left out).
   */
  async function everything(): Promise<unknown> {
    const out: Record<string, unknown> = {};
    const strip = (a: Answer) => {
      const { knownAt: _k, ...rest } = a.body ?? {};
      return { status: a.status, body: rest };
    };
    for (const asOf of [D1, D2, D3, D4, D5, '2026-12-31']) {
      for (const id of MEMBERS) out[`member ${id} ${asOf}`] = strip(await member(id, asOf));
      for (const id of FUNDS) out[`fund ${id} ${asOf}`] = strip(await fund(id, asOf));
      out[`tb ${asOf}`] = strip(await trialBalance(asOf));
    }
    for (const id of MEMBERS) out[`audit member ${id}`] = strip(await audit('member', id));
    for (const id of FUNDS) out[`audit fund ${id}`] = strip(await audit('fund', id));
    return out;
  }

  beforeAll(async () => {
    dir = tempDir('ledger-e2e-pensions-');
    dataDir = path.join(dir, 'data');
    tokensFile = writeTokensFile(dir);
    server = await startInProcess({ dataDir, tokensFile });
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  // -------------------------------------------------------------------------

  test('launch three funds and register three members; duplicates are entity_exists', async () => {
    for (const [fundId, currency, launchNavPerUnit] of [
      ['F-GROWTH', 'EUR', '1.000000'],
      ['F-BOND', 'EUR', '10'], // input may have fewer fraction digits: answered as 10.000000
      ['F-USEQ', 'USD', '1.000000'],
    ]) {
      const body = { commandId: ids.next(), fundId, currency, launchNavPerUnit };
      const a = await command('/v1/funds', body, 'fund-admin', `launch ${fundId}`);
      expect(a.body).toEqual({ commandId: body.commandId, recordedAt: a.body.recordedAt, fundId, currency, launchNavPerUnit: fundId === 'F-BOND' ? '10.000000' : launchNavPerUnit });
    }
    today = stamps['launch F-GROWTH'].slice(0, 10);
    for (const memberId of ['M-ALICE', 'M-BOB', 'M-CAROL']) {
      const body = { commandId: ids.next(), memberId, name: NAME[memberId] };
      const a = await command('/v1/members', body, 'pensions', `register ${memberId}`);
      expect(a.body).toEqual({ commandId: body.commandId, recordedAt: a.body.recordedAt, memberId, name: NAME[memberId] });
    }

    await refuse('/v1/funds', { commandId: ids.next(), fundId: 'F-GROWTH', currency: 'EUR', launchNavPerUnit: '2.000000' }, 'fund-admin', 422, 'entity_exists');
    await refuse('/v1/members', { commandId: ids.next(), memberId: 'M-BOB', name: 'Another Bob' }, 'pensions', 422, 'entity_exists');
    expectProblem(await post('/v1/funds/F-NOPE/valuations', { commandId: ids.next(), valuationDate: D1, netAssets: '0.00' }, 'fund-admin'), 404, 'not_found');
    expectProblem(await fund('F-NOPE', D1), 404, 'not_found');
    expectProblem(await member('M-NOPE', D1), 404, 'not_found');
    // Roles: funds are fund-admin's, members pensions'.
    expectProblem(await post('/v1/funds', { commandId: ids.next(), fundId: 'F-X', currency: 'EUR', launchNavPerUnit: '1' }, 'pensions'), 403, 'forbidden');
    expectProblem(await post('/v1/members', { commandId: ids.next(), memberId: 'M-X', name: 'X' }, 'fund-admin'), 403, 'forbidden');
  });

  test('before any valuation: launch NAV, no units, nothing to deal at (nav_not_published changes nothing)', async () => {
    // No valuation yet: the launch NAV with valuationDate null, no units, no money.
    await expectFund(fundView('F-GROWTH', '2026-03-01', '1.000000', null, '0.000000', '0.00'));
    await expectFund(fundView('F-BOND', '2026-03-01', '10.000000', null, '0.000000', '0.00'));
    await expectFund(fundView('F-USEQ', '2026-03-01', '1.000000', null, '0.000000', '0.00'));
    await expectMember(memberView('M-ALICE', '2026-03-01', [], '0.00', {}));

    const before = await everything();
    // D1 has no NAV yet: refused. The same commandId keeps its refusal after the NAV exists (below).
    const early = contributionBody('F-GROWTH', '100.00', D1);
    await refuse('/v1/members/M-ALICE/contributions', early, 'pensions', 422, 'nav_not_published');
    expect(await everything()).toEqual(before);
    // Unknown member or fund: 404.
    expectProblem(await post('/v1/members/M-NOPE/contributions', contributionBody('F-GROWTH', '1.00', D1), 'pensions'), 404, 'not_found');
    expectProblem(await post('/v1/members/M-ALICE/contributions', contributionBody('F-NOPE', '1.00', D1), 'pensions'), 404, 'not_found');
    // amount must be > 0.
    expectProblem(await post('/v1/members/M-ALICE/contributions', contributionBody('F-GROWTH', '0.00', D1), 'pensions'), 400, 'validation_failed');
  });

  test('D1 2026-03-02: valuations with no units strike the launch NAVs; contributions at them', async () => {
    // No units before D1: NAV = launch NAV, whatever netAssets says.
    await strike('F-GROWTH', D1, '0.00', '0.000000', '1.000000');
    await strike('F-BOND', D1, '0.00', '0.000000', '10.000000');
    await strike('F-USEQ', D1, '0.00', '0.000000', '1.000000');
    // A date's NAV is struck once.
    await refuse('/v1/funds/F-GROWTH/valuations', { commandId: ids.next(), valuationDate: D1, netAssets: '5.00' }, 'fund-admin', 422, 'entity_exists');

    // The refused contribution keeps its refusal now that the NAV exists.
    const early = refused.find((r) => r.first.body.code === 'nav_not_published');
    expect(early).toBeDefined();
    expectReplayOf(await post(early!.path, early!.body, 'pensions'), early!.first);

    await contribute('M-ALICE', 'F-GROWTH', '1000.00', D1, '1.000000', '1000.000000'); // 1000.00 / 1.000000 = 1000.000000
    await contribute('M-BOB', 'F-GROWTH', '333.00', D1, '1.000000', '333.000000'); // 333.00 / 1.000000 = 333.000000
    await contribute('M-ALICE', 'F-BOND', '250.00', D1, '10.000000', '25.000000'); // 250.00 / 10.000000 = 25.000000

    // The USD contribution goes through /v1/batch.
    const usd = contributionBody('F-USEQ', '200.00', D1);
    const batch = await post('/v1/batch', { commands: [{ path: '/v1/members/M-BOB/contributions', body: usd }] }, 'pensions');
    expect(batch.status).toBe(200);
    expect(batch.body.results).toHaveLength(1);
    expect(batch.body.results[0].status).toBe(201);
    // 200.00 / 1.000000 = 200.000000
    expect(batch.body.results[0].body).toEqual({
      commandId: usd.commandId,
      recordedAt: expect.stringMatching(INSTANT),
      memberId: 'M-BOB',
      fundId: 'F-USEQ',
      effectiveDate: D1,
      currency: 'USD',
      amount: '200.00',
      units: '200.000000',
      navPerUnit: '1.000000',
    });
    expect(batch.body.results[0].body.recordedAt > lastRecordedAt).toBe(true);
    lastRecordedAt = batch.body.results[0].body.recordedAt;
    // Sent alone afterwards, it is a replay of the batch's outcome.
    const alone = await post('/v1/members/M-BOB/contributions', usd, 'pensions');
    expectReplayOf(alone, { ...alone, status: 201, body: batch.body.results[0].body });
    done.push({ path: '/v1/members/M-BOB/contributions', body: usd, role: 'pensions', first: alone });
  });

  test('D2 2026-03-16: a NAV that rounds, contributions whose units round; insufficient units; a switch within one fund is a 400', async () => {
    // Units before D2: 1000 + 333 = 1333; 1400.00 / 1333 = 1.0502625656... -> 1.050263
    await strike('F-GROWTH', D2, '1400.00', '1333.000000', '1.050263');
    // 251.37 / 25 = 10.0548 -> 10.054800
    await strike('F-BOND', D2, '251.37', '25.000000', '10.054800');

    await contribute('M-BOB', 'F-BOND', '300.00', D2, '10.054800', '29.836496'); // 300.00 / 10.054800 = 29.83649600190... -> 29.836496
    await contribute('M-CAROL', 'F-GROWTH', '500.00', D2, '1.050263', '476.071232'); // 500.00 / 1.050263 = 476.07123168196... -> 476.071232
    await contribute('M-CAROL', 'F-BOND', '200.00', D2, '10.054800', '19.890997'); // 200.00 / 10.054800 = 19.89099733460... -> 19.890997

    const before = await everything();
    // BOB holds 333.000000 GROWTH units on D2.
    const tooMany = await refuse('/v1/members/M-BOB/switches', switchBody('F-GROWTH', 'F-BOND', '333.000001', D2), 'pensions', 422, 'insufficient_units');
    expect(tooMany.body.detail).toContain('333.000000');
    // An unknown fund or member: 404.
    expectProblem(await post('/v1/members/M-CAROL/switches', switchBody('F-GROWTH', 'F-NOPE', '1', D2), 'pensions'), 404, 'not_found');
    expectProblem(await post('/v1/members/M-NOPE/switches', switchBody('F-GROWTH', 'F-BOND', '1', D2), 'pensions'), 404, 'not_found');
    expect(await everything()).toEqual(before);
    expectProblem(await post('/v1/members/M-BOB/switches', switchBody('F-GROWTH', 'F-GROWTH', '1.000000', D2), 'pensions'), 400, 'validation_failed');
  });

  test('D3 2026-04-01: valuations; currency_mismatch; the switch (and its replay); a contribution', async () => {
    // Units before D3: GROWTH 1333 + 476.071232 = 1809.071232; 1937.45 / 1809.071232 = 1.07096390994... -> 1.070964
    await strike('F-GROWTH', D3, '1937.45', '1809.071232', '1.070964');
    // BOND 25 + 29.836496 + 19.890997 = 74.727493; 753.21 / 74.727493 = 10.07942284374... -> 10.079423
    await strike('F-BOND', D3, '753.21', '74.727493', '10.079423');
    // USEQ 200; 211.11 / 200 = 1.05555 -> 1.055550
    await strike('F-USEQ', D3, '211.11', '200.000000', '1.055550', 'kPreSwitch');

    const before = await everything();
    // USD -> EUR (both have a NAV for D3): refused.
    await refuse('/v1/members/M-BOB/switches', switchBody('F-USEQ', 'F-GROWTH', '10.000000', D3), 'pensions', 422, 'currency_mismatch');
    await refuse('/v1/members/M-BOB/switches', switchBody('F-GROWTH', 'F-USEQ', '10.000000', D3), 'pensions', 422, 'currency_mismatch');
    expect(await everything()).toEqual(before);

    const sw = switchBody('F-GROWTH', 'F-BOND', '400', D3);
    const switched = await command('/v1/members/M-ALICE/switches', sw, 'pensions', 'kSwitch');
    expect(switched.body).toEqual({
      commandId: sw.commandId,
      recordedAt: stamps.kSwitch,
      effectiveDate: D3,
      currency: 'EUR',
      ...ALICE_SWITCH,
    });

    // The retry: the same answer, replayed, and no second switch.
    const afterSwitch = await everything();
    expectReplayOf(await post('/v1/members/M-ALICE/switches', sw, 'pensions'), switched);
    expect(await everything()).toEqual(afterSwitch);
    // The same commandId with another body: 409.
    expectProblem(await post('/v1/members/M-ALICE/switches', { ...sw, units: '1.000000' }, 'pensions'), 409, 'exists_with_different_fields');

    await contribute('M-ALICE', 'F-GROWTH', '150.00', D3, '1.070964', '140.060730'); // 150.00 / 1.070964 = 140.06073033267... -> 140.060730
  });

  test('D4 2026-04-15: dealing where a fund has no NAV is refused and changes nothing; the fee by unit cancellation', async () => {
    // Units before D4: 1809.071232 - 400 + 140.060730 = 1549.131962; 1645.80 / 1549.131962 = 1.06240142245... -> 1.062401
    await strike('F-GROWTH', D4, '1645.80', '1549.131962', '1.062401');

    const before = await everything();
    // BOND has no NAV for D4: a switch needs both.
    await refuse('/v1/members/M-ALICE/switches', switchBody('F-GROWTH', 'F-BOND', '10.000000', D4), 'pensions', 422, 'nav_not_published');
    await refuse('/v1/members/M-ALICE/switches', switchBody('F-BOND', 'F-GROWTH', '1.000000', D4), 'pensions', 422, 'nav_not_published');
    await refuse('/v1/funds/F-BOND/fees', { commandId: ids.next(), effectiveDate: D4, rate: '0.007500' }, 'fund-admin', 422, 'nav_not_published');
    await refuse('/v1/members/M-CAROL/contributions', contributionBody('F-BOND', '10.00', D4), 'pensions', 422, 'nav_not_published');
    // No NAV on the day after either.
    await refuse('/v1/members/M-CAROL/contributions', contributionBody('F-GROWTH', '10.00', '2026-04-16'), 'pensions', 422, 'nav_not_published');
    await refuse('/v1/funds/F-GROWTH/fees', { commandId: ids.next(), effectiveDate: '2026-04-16', rate: '0.007500' }, 'fund-admin', 422, 'nav_not_published');
    expect(await everything()).toEqual(before);

    const feeBody = { commandId: ids.next(), effectiveDate: D4, rate: '0.0075' };
    const fee = await command('/v1/funds/F-GROWTH/fees', feeBody, 'fund-admin', 'kFee');
    expect(fee.body).toEqual({
      commandId: feeBody.commandId,
      recordedAt: stamps.kFee,
      effectiveDate: D4,
      fundId: 'F-GROWTH',
      rate: '0.007500',
      navPerUnit: '1.062401',
      holdings: [
        // ALICE 1000 - 400 + 140.060730 = 740.060730; 740.060730 * 1.062401 = 786.24125961... -> 786.24;
        // 786.24 * 0.0075 = 5.8968 -> 5.90; 5.90 / 1.062401 = 5.55345862814... -> 5.553459
        { memberId: 'M-ALICE', units: '740.060730', value: '786.24', fee: '5.90', unitsCancelled: '5.553459' },
        // BOB 333 * 1.062401 = 353.779533 -> 353.78; 353.78 * 0.0075 = 2.65335 -> 2.65; 2.65 / 1.062401 = 2.49435006179... -> 2.494350
        { memberId: 'M-BOB', units: '333.000000', value: '353.78', fee: '2.65', unitsCancelled: '2.494350' },
        // CAROL 476.071232 * 1.062401 = 505.77855294... -> 505.78; 505.78 * 0.0075 = 3.79335 -> 3.79; 3.79 / 1.062401 = 3.56739122045... -> 3.567391
        { memberId: 'M-CAROL', units: '476.071232', value: '505.78', fee: '3.79', unitsCancelled: '3.567391' },
      ],
      totalFee: '12.34', // 5.90 + 2.65 + 3.79
      totalUnitsCancelled: '11.615200', // 5.553459 + 2.494350 + 3.567391
    });
    // A retried fee: replayed, not charged twice.
    const afterFee = await everything();
    expectReplayOf(await post('/v1/funds/F-GROWTH/fees', feeBody, 'fund-admin'), fee);
    expect(await everything()).toEqual(afterFee);
  });

  test('D5 2026-04-30: valuations and a contribution; dealings dated before a later NAV are closed and change nothing', async () => {
    // Units before D5: 1549.131962 - 11.615200 = 1537.516762; 1702.13 / 1537.516762 = 1.10706435342... -> 1.107064
    await strike('F-GROWTH', D5, '1702.13', '1537.516762', '1.107064');
    // BOND 74.727493 + 42.501441 = 117.228934; 1190.44 / 117.228934 = 10.15483088842... -> 10.154831
    await strike('F-BOND', D5, '1190.44', '117.228934', '10.154831');
    await contribute('M-CAROL', 'F-BOND', '75.50', D5, '10.154831', '7.434885'); // 75.50 / 10.154831 = 7.43488493309... -> 7.434885

    // Forward pricing: D5's NAVs close every earlier date of GROWTH and BOND (D2, D3, D4 have NAVs, all before D5).
    const before = await everything();
    // ALICE held 1000 GROWTH units on D2 (740.060730 after D3): 750 units back-dated to D2 are not even weighed against
    // her later holdings any more: D2 is closed.
    const d2 = await refuse('/v1/members/M-ALICE/switches', switchBody('F-GROWTH', 'F-BOND', '750.000000', D2), 'pensions', 422, 'dealing_date_closed');
    expect(d2.body.detail).toBe(`fund F-GROWTH has a NAV struck for ${D5}, after ${D2}: dealings on ${D2} are closed`);
    // A contribution and a fee on D4 (GROWTH's NAV of D4 exists), a switch on D3 either way.
    await refuse('/v1/members/M-CAROL/contributions', contributionBody('F-GROWTH', '10.00', D4), 'pensions', 422, 'dealing_date_closed');
    await refuse('/v1/funds/F-GROWTH/fees', { commandId: ids.next(), effectiveDate: D4, rate: '0.007500' }, 'fund-admin', 422, 'dealing_date_closed');
    await refuse('/v1/members/M-BOB/switches', switchBody('F-BOND', 'F-GROWTH', '1.000000', D3), 'pensions', 422, 'dealing_date_closed');
    await refuse('/v1/members/M-BOB/switches', switchBody('F-GROWTH', 'F-BOND', '1.000000', D3), 'pensions', 422, 'dealing_date_closed');
    // Checked after nav_not_published: BOND has no NAV for D4, GROWTH's D4 is closed.
    await refuse('/v1/members/M-ALICE/switches', switchBody('F-GROWTH', 'F-BOND', '1.000000', D4), 'pensions', 422, 'nav_not_published');
    // USEQ's latest NAV is D3: its D3 is still open (nothing is dealt on it here), but not D1.
    await refuse('/v1/members/M-BOB/contributions', contributionBody('F-USEQ', '10.00', D1), 'pensions', 422, 'dealing_date_closed');
    expect(await everything()).toEqual(before);
  });

  // -------------------------------------------------------------------------
  // Queries, valid time

  test('every member and fund on every date: units, NAV, value, totals', async () => {
    // 2026-03-01: nothing dealt yet.
    for (const id of MEMBERS) await expectMember(memberView(id, '2026-03-01', [], '0.00', {}));

    // D1 at the launch NAVs.
    await expectMember(memberView('M-ALICE', D1, [
      ['F-BOND', '25.000000', '10.000000', '250.00'], // 25 * 10 = 250.00
      ['F-GROWTH', '1000.000000', '1.000000', '1000.00'], // 1000 * 1 = 1000.00
    ], '1250.00', { EUR: '1250.00' })); // 250.00 + 1000.00
    await expectMember(memberView('M-BOB', D1, [
      ['F-GROWTH', '333.000000', '1.000000', '333.00'],
      ['F-USEQ', '200.000000', '1.000000', '200.00'],
    ], '533.00', { EUR: '333.00', USD: '200.00' })); // all currencies added: 333.00 + 200.00
    await expectMember(memberView('M-CAROL', D1, [], '0.00', {}));
    await expectFund(fundView('F-GROWTH', D1, '1.000000', D1, '1333.000000', '1333.00')); // 0.00 + 1000.00 + 333.00
    await expectFund(fundView('F-BOND', D1, '10.000000', D1, '25.000000', '250.00'));
    await expectFund(fundView('F-USEQ', D1, '1.000000', D1, '200.000000', '200.00'));
    // The day after: still D1's NAV, no NAV struck for 03-03.
    await expectFund(fundView('F-GROWTH', '2026-03-03', '1.000000', D1, '1333.000000', '1333.00'));

    // 2026-03-31: D2's NAVs.
    await expectMember(memberView('M-ALICE', '2026-03-31', [
      ['F-BOND', '25.000000', '10.054800', '251.37'], // 25 * 10.0548 = 251.37
      ['F-GROWTH', '1000.000000', '1.050263', '1050.26'], // 1000 * 1.050263 = 1050.263 -> 1050.26
    ], '1301.63', { EUR: '1301.63' })); // 251.37 + 1050.26
    await expectMember(memberView('M-BOB', '2026-03-31', [
      ['F-BOND', '29.836496', '10.054800', '300.00'], // 29.836496 * 10.0548 = 299.9999999808 -> 300.00
      ['F-GROWTH', '333.000000', '1.050263', '349.74'], // 333 * 1.050263 = 349.737579 -> 349.74
      ['F-USEQ', '200.000000', '1.000000', '200.00'],
    ], '849.74', { EUR: '649.74', USD: '200.00' })); // 300.00 + 349.74 = 649.74; + 200.00 = 849.74
    await expectMember(memberView('M-CAROL', '2026-03-31', [
      ['F-BOND', '19.890997', '10.054800', '200.00'], // 19.890997 * 10.0548 = 199.9999966356 -> 200.00
      ['F-GROWTH', '476.071232', '1.050263', '500.00'], // 476.071232 * 1.050263 = 500.000000334016 -> 500.00
    ], '700.00', { EUR: '700.00' }));
    // GROWTH: 1400.00 + 500.00 (CAROL on D2) = 1900.00; units 1333 + 476.071232
    await expectFund(fundView('F-GROWTH', '2026-03-31', '1.050263', D2, '1809.071232', '1900.00'));
    // BOND: 251.37 + 300.00 + 200.00 = 751.37; units 25 + 29.836496 + 19.890997
    await expectFund(fundView('F-BOND', '2026-03-31', '10.054800', D2, '74.727493', '751.37'));
    await expectFund(fundView('F-USEQ', '2026-03-31', '1.000000', D1, '200.000000', '200.00'));

    // D3: after the switch and ALICE's second contribution.
    await expectMember(memberView('M-ALICE', D3, [
      ['F-BOND', '67.501441', '10.079423', '680.38'], // 25 + 42.501441; * 10.079423 = 680.37557694854... -> 680.38
      ['F-GROWTH', '740.060730', '1.070964', '792.58'], // 1000 - 400 + 140.060730; * 1.070964 = 792.57839964372 -> 792.58
    ], '1472.96', { EUR: '1472.96' })); // 680.38 + 792.58
    await expectMember(memberView('M-BOB', D3, [
      ['F-BOND', '29.836496', '10.079423', '300.73'], // 29.836496 * 10.079423 = 300.73466402180... -> 300.73
      ['F-GROWTH', '333.000000', '1.070964', '356.63'], // 333 * 1.070964 = 356.631012 -> 356.63
      ['F-USEQ', '200.000000', '1.055550', '211.11'], // 200 * 1.05555 = 211.11
    ], '868.47', { EUR: '657.36', USD: '211.11' })); // 300.73 + 356.63 = 657.36; + 211.11 = 868.47
    await expectMember(memberView('M-CAROL', D3, [
      ['F-BOND', '19.890997', '10.079423', '200.49'], // 19.890997 * 10.079423 = 200.48977265473... -> 200.49
      ['F-GROWTH', '476.071232', '1.070964', '509.86'], // 476.071232 * 1.070964 = 509.85515090764... -> 509.86
    ], '710.35', { EUR: '710.35' })); // 200.49 + 509.86
    // GROWTH: 1937.45 - 428.39 + 150.00 = 1659.06; units 1809.071232 - 400 + 140.060730 = 1549.131962
    await expectFund(fundView('F-GROWTH', D3, '1.070964', D3, '1549.131962', '1659.06'));
    // BOND: 753.21 + 428.39 = 1181.60; units 74.727493 + 42.501441 = 117.228934
    await expectFund(fundView('F-BOND', D3, '10.079423', D3, '117.228934', '1181.60'));
    await expectFund(fundView('F-USEQ', D3, '1.055550', D3, '200.000000', '211.11'));

    // D4: after the fee (GROWTH units down by the cancelled units, NAV D4's; BOND still D3's NAV).
    await expectMember(memberView('M-ALICE', D4, [
      ['F-BOND', '67.501441', '10.079423', '680.38'],
      ['F-GROWTH', '734.507271', '1.062401', '780.34'], // 740.060730 - 5.553459; * 1.062401 = 780.34125921767... -> 780.34
    ], '1460.72', { EUR: '1460.72' })); // 680.38 + 780.34
    await expectMember(memberView('M-BOB', D4, [
      ['F-BOND', '29.836496', '10.079423', '300.73'],
      ['F-GROWTH', '330.505650', '1.062401', '351.13'], // 333 - 2.494350; * 1.062401 = 351.12953306565 -> 351.13
      ['F-USEQ', '200.000000', '1.055550', '211.11'],
    ], '862.97', { EUR: '651.86', USD: '211.11' })); // 300.73 + 351.13 = 651.86; + 211.11 = 862.97
    await expectMember(memberView('M-CAROL', D4, [
      ['F-BOND', '19.890997', '10.079423', '200.49'],
      ['F-GROWTH', '472.503841', '1.062401', '501.99'], // 476.071232 - 3.567391; * 1.062401 = 501.98855318224... -> 501.99
    ], '702.48', { EUR: '702.48' })); // 200.49 + 501.99
    // GROWTH: 1645.80 - 12.34 = 1633.46; units 1549.131962 - 11.615200 = 1537.516762 (NAV unchanged by the fee)
    await expectFund(fundView('F-GROWTH', D4, '1.062401', D4, '1537.516762', '1633.46'));
    await expectFund(fundView('F-BOND', D4, '10.079423', D3, '117.228934', '1181.60'));

    // The end: D5's NAVs; CAROL's last contribution.
    const end = '2026-12-31';
    await expectMember(memberView('M-ALICE', end, [
      ['F-BOND', '67.501441', '10.154831', '685.47'], // 67.501441 * 10.154831 = 685.46572561147... -> 685.47
      ['F-GROWTH', '734.507271', '1.107064', '813.15'], // 734.507271 * 1.107064 = 813.14655746234... -> 813.15
    ], '1498.62', { EUR: '1498.62' })); // 685.47 + 813.15
    await expectMember(memberView('M-BOB', end, [
      ['F-BOND', '29.836496', '10.154831', '302.98'], // 29.836496 * 10.154831 = 302.98457451217... -> 302.98
      ['F-GROWTH', '330.505650', '1.107064', '365.89'], // 330.505650 * 1.107064 = 365.8909069116 -> 365.89
      ['F-USEQ', '200.000000', '1.055550', '211.11'],
    ], '879.98', { EUR: '668.87', USD: '211.11' })); // 302.98 + 365.89 = 668.87; + 211.11 = 879.98
    await expectMember(memberView('M-CAROL', end, [
      ['F-BOND', '27.325882', '10.154831', '277.49'], // 19.890997 + 7.434885 = 27.325882; * 10.154831 = 277.48971363594... -> 277.49
      ['F-GROWTH', '472.503841', '1.107064', '523.09'], // 472.503841 * 1.107064 = 523.09199223282... -> 523.09
    ], '800.58', { EUR: '800.58' })); // 277.49 + 523.09
    // GROWTH: 1702.13, no dealing on D5; units 734.507271 + 330.505650 + 472.503841 = 1537.516762
    await expectFund(fundView('F-GROWTH', end, '1.107064', D5, '1537.516762', '1702.13'));
    // BOND: 1190.44 + 75.50 = 1265.94; units 117.228934 + 7.434885 = 124.663819 (= 67.501441 + 29.836496 + 27.325882)
    await expectFund(fundView('F-BOND', end, '10.154831', D5, '124.663819', '1265.94'));
    await expectFund(fundView('F-USEQ', end, '1.055550', D3, '200.000000', '211.11'));

    // Defaults: asOf today (after every date above), knownAt now; every role of the area may read.
    const now = await member('M-ALICE');
    expect(now.status).toBe(200);
    expect(now.body).toEqual({ ...memberView('M-ALICE', today, [
      ['F-BOND', '67.501441', '10.154831', '685.47'],
      ['F-GROWTH', '734.507271', '1.107064', '813.15'],
    ], '1498.62', { EUR: '1498.62' }) });
    for (const role of ['pensions', 'fund-admin', 'finance', 'auditor'] as const) {
      expect((await member('M-BOB', end, undefined, role)).body).toMatchObject({ totalValue: '879.98' });
      expect((await fund('F-BOND', end, undefined, role)).body).toMatchObject({ netAssets: '1265.94' });
    }
    expectProblem(await get(`/v1/members/M-ALICE${qs({ asOf: end, at: end })}`), 400, 'validation_failed');
  });

  // -------------------------------------------------------------------------
  // System time

  test('knownAt between two commands: what was known then, at any asOf', async () => {
    const kPre = stamps.kPreSwitch;
    const kSwitch = stamps.kSwitch;
    const end = '2026-12-31';
    // Before the switch was recorded: ALICE still holds her D1 units, valued at D3's NAVs (already struck).
    await expectMember(memberView('M-ALICE', end, [
      ['F-BOND', '25.000000', '10.079423', '251.99'], // 25 * 10.079423 = 251.985575 -> 251.99
      ['F-GROWTH', '1000.000000', '1.070964', '1070.96'], // 1000 * 1.070964 = 1070.964 -> 1070.96
    ], '1322.95', { EUR: '1322.95' }, kPre), kPre); // 251.99 + 1070.96
    await expectFund(fundView('F-GROWTH', end, '1.070964', D3, '1809.071232', '1937.45', kPre), kPre);
    await expectFund(fundView('F-BOND', end, '10.079423', D3, '74.727493', '753.21', kPre), kPre);
    // As known right after the switch (ALICE's 150.00 not yet recorded, no fee, no D4/D5 NAVs).
    await expectMember(memberView('M-ALICE', end, [
      ['F-BOND', '67.501441', '10.079423', '680.38'], // 67.501441 * 10.079423 = 680.37557694854... -> 680.38
      ['F-GROWTH', '600.000000', '1.070964', '642.58'], // 600 * 1.070964 = 642.5784 -> 642.58
    ], '1322.96', { EUR: '1322.96' }, kSwitch), kSwitch); // 680.38 + 642.58
    // GROWTH: 1937.45 - 428.39 = 1509.06; units 1809.071232 - 400
    await expectFund(fundView('F-GROWTH', end, '1.070964', D3, '1409.071232', '1509.06', kSwitch), kSwitch);
    // BOND: 753.21 + 428.39 = 1181.60
    await expectFund(fundView('F-BOND', end, '10.079423', D3, '117.228934', '1181.60', kSwitch), kSwitch);
    // BOB as known right after the switch: his GROWTH units uncut by the fee, at D3's NAVs.
    await expectMember(memberView('M-BOB', end, [
      ['F-BOND', '29.836496', '10.079423', '300.73'],
      ['F-GROWTH', '333.000000', '1.070964', '356.63'], // 333 * 1.070964 = 356.631012 -> 356.63
      ['F-USEQ', '200.000000', '1.055550', '211.11'],
    ], '868.47', { EUR: '657.36', USD: '211.11' }, kSwitch), kSwitch);
    // Valid time and system time together: an earlier asOf as known at kSwitch.
    await expectMember(memberView('M-ALICE', '2026-03-31', [
      ['F-BOND', '25.000000', '10.054800', '251.37'],
      ['F-GROWTH', '1000.000000', '1.050263', '1050.26'],
    ], '1301.63', { EUR: '1301.63' }, kSwitch), kSwitch);
    // Before the fund was launched (system time), it is unknown.
    expectProblem(await fund('F-GROWTH', end, '2020-01-01T00:00:00Z'), 404, 'not_found');
    // Before CAROL's last contribution was recorded, her BOND holding is the D2 one.
    expect((await member('M-CAROL', end, stamps.kFee)).body.holdings[0]).toEqual({
      fundId: 'F-BOND',
      currency: 'EUR',
      units: '19.890997',
      navPerUnit: '10.079423',
      value: '200.49', // 19.890997 * 10.079423 = 200.48977265473... -> 200.49
    });
  });

  // -------------------------------------------------------------------------
  // Reports

  test('fund report: March, April, both; opening, flows, market movement, closing; both identities', async () => {
    const march = await fundReport('2026-03', '2026-03');
    expect(march.status).toBe(200);
    expect(march.body).toEqual({
      from: '2026-03',
      to: '2026-03',
      knownAt: expect.stringMatching(INSTANT),
      funds: [
        reportLine('F-BOND', {
          openingUnits: '0.000000',
          unitsIssued: '74.727493', // 25 + 29.836496 + 19.890997
          unitsCancelled: '0.000000',
          closingUnits: '74.727493',
          navPerUnit: '10.054800',
          valuationDate: D2,
          openingNetAssets: '0.00',
          contributions: '750.00', // 250.00 + 300.00 + 200.00
          switchesIn: '0.00',
          switchesOut: '0.00',
          fees: '0.00',
          marketMovement: '1.37', // D1 (0.00 - 0.00) + D2 (251.37 - 250.00)
          netAssets: '751.37', // 0 + 750.00 + 1.37
        }),
        reportLine('F-GROWTH', {
          openingUnits: '0.000000',
          unitsIssued: '1809.071232', // 1000 + 333 + 476.071232
          unitsCancelled: '0.000000',
          closingUnits: '1809.071232',
          navPerUnit: '1.050263',
          valuationDate: D2,
          openingNetAssets: '0.00',
          contributions: '1833.00', // 1000.00 + 333.00 + 500.00
          switchesIn: '0.00',
          switchesOut: '0.00',
          fees: '0.00',
          marketMovement: '67.00', // D1 (0.00 - 0.00) + D2 (1400.00 - 1333.00)
          netAssets: '1900.00', // 1833.00 + 67.00
        }),
        reportLine('F-USEQ', {
          openingUnits: '0.000000',
          unitsIssued: '200.000000',
          unitsCancelled: '0.000000',
          closingUnits: '200.000000',
          navPerUnit: '1.000000',
          valuationDate: D1,
          openingNetAssets: '0.00',
          contributions: '200.00',
          switchesIn: '0.00',
          switchesOut: '0.00',
          fees: '0.00',
          marketMovement: '0.00', // D1 (0.00 - 0.00)
          netAssets: '200.00',
        }),
      ],
    });

    // USEQ in April: D3's valuation only.
    const useqApril = reportLine('F-USEQ', {
      openingUnits: '200.000000',
      unitsIssued: '0.000000',
      unitsCancelled: '0.000000',
      closingUnits: '200.000000',
      navPerUnit: '1.055550',
      valuationDate: D3,
      openingNetAssets: '200.00',
      contributions: '0.00',
      switchesIn: '0.00',
      switchesOut: '0.00',
      fees: '0.00',
      marketMovement: '11.11', // D3 211.11 - 200.00
      netAssets: '211.11',
    });
    const april = await fundReport('2026-04', '2026-04');
    expect(april.status).toBe(200);
    expect(april.body).toEqual({
      from: '2026-04',
      to: '2026-04',
      knownAt: expect.stringMatching(INSTANT),
      funds: [
        reportLine('F-BOND', {
          openingUnits: '74.727493',
          unitsIssued: '49.936326', // switch in 42.501441 + CAROL 7.434885
          unitsCancelled: '0.000000',
          closingUnits: '124.663819', // 74.727493 + 49.936326
          navPerUnit: '10.154831',
          valuationDate: D5,
          openingNetAssets: '751.37',
          contributions: '75.50',
          switchesIn: '428.39',
          switchesOut: '0.00',
          fees: '0.00',
          // D3 (753.21 - 751.37 = 1.84) + D5 (1190.44 - (753.21 + 428.39 = 1181.60) = 8.84) = 10.68
          marketMovement: '10.68',
          netAssets: '1265.94', // 751.37 + 75.50 + 428.39 + 10.68
        }),
        reportLine('F-GROWTH', {
          openingUnits: '1809.071232',
          unitsIssued: '140.060730', // ALICE's 150.00
          unitsCancelled: '411.615200', // switch out 400 + fee 11.615200
          closingUnits: '1537.516762', // 1809.071232 + 140.060730 - 411.615200
          navPerUnit: '1.107064',
          valuationDate: D5,
          openingNetAssets: '1900.00',
          contributions: '150.00',
          switchesIn: '0.00',
          switchesOut: '428.39',
          fees: '12.34',
          // D3 1937.45 - 1900.00 = 37.45; D4 1645.80 - (1937.45 - 428.39 + 150.00 = 1659.06) = -13.26;
          // D5 1702.13 - (1645.80 - 12.34 = 1633.46) = 68.67; 37.45 - 13.26 + 68.67 = 92.86
          marketMovement: '92.86',
          netAssets: '1702.13', // 1900.00 + 150.00 - 428.39 - 12.34 + 92.86
        }),
        useqApril,
      ],
    });

    const both = await fundReport('2026-03', '2026-04');
    expect(both.status).toBe(200);
    expect(both.body.funds).toEqual([
      reportLine('F-BOND', {
        openingUnits: '0.000000',
        unitsIssued: '124.663819', // 74.727493 + 49.936326
        unitsCancelled: '0.000000',
        closingUnits: '124.663819',
        navPerUnit: '10.154831',
        valuationDate: D5,
        openingNetAssets: '0.00',
        contributions: '825.50', // 750.00 + 75.50
        switchesIn: '428.39',
        switchesOut: '0.00',
        fees: '0.00',
        marketMovement: '12.05', // 1.37 + 10.68
        netAssets: '1265.94', // 825.50 + 428.39 + 12.05
      }),
      reportLine('F-GROWTH', {
        openingUnits: '0.000000',
        unitsIssued: '1949.131962', // 1809.071232 + 140.060730
        unitsCancelled: '411.615200',
        closingUnits: '1537.516762',
        navPerUnit: '1.107064',
        valuationDate: D5,
        openingNetAssets: '0.00',
        contributions: '1983.00', // 1833.00 + 150.00
        switchesIn: '0.00',
        switchesOut: '428.39',
        fees: '12.34',
        marketMovement: '159.86', // 67.00 + 92.86
        netAssets: '1702.13', // 1983.00 - 428.39 - 12.34 + 159.86
      }),
      reportLine('F-USEQ', {
        openingUnits: '0.000000',
        unitsIssued: '200.000000',
        unitsCancelled: '0.000000',
        closingUnits: '200.000000',
        navPerUnit: '1.055550',
        valuationDate: D3,
        openingNetAssets: '0.00',
        contributions: '200.00',
        switchesIn: '0.00',
        switchesOut: '0.00',
        fees: '0.00',
        marketMovement: '11.11', // 0.00 + 11.11
        netAssets: '211.11',
      }),
    ]);

    // April as known right after the switch: only the switch and D3's valuations.
    const aprilThen = await fundReport('2026-04', '2026-04', stamps.kSwitch);
    expect(aprilThen.status).toBe(200);
    expect(aprilThen.body.knownAt).toBe(stamps.kSwitch);
    expect(aprilThen.body.funds).toEqual([
      reportLine('F-BOND', {
        openingUnits: '74.727493',
        unitsIssued: '42.501441',
        unitsCancelled: '0.000000',
        closingUnits: '117.228934',
        navPerUnit: '10.079423',
        valuationDate: D3,
        openingNetAssets: '751.37',
        contributions: '0.00',
        switchesIn: '428.39',
        switchesOut: '0.00',
        fees: '0.00',
        marketMovement: '1.84', // 753.21 - 751.37
        netAssets: '1181.60', // 751.37 + 428.39 + 1.84
      }),
      reportLine('F-GROWTH', {
        openingUnits: '1809.071232',
        unitsIssued: '0.000000',
        unitsCancelled: '400.000000',
        closingUnits: '1409.071232',
        navPerUnit: '1.070964',
        valuationDate: D3,
        openingNetAssets: '1900.00',
        contributions: '0.00',
        switchesIn: '0.00',
        switchesOut: '428.39',
        fees: '0.00',
        marketMovement: '37.45', // 1937.45 - 1900.00
        netAssets: '1509.06', // 1900.00 - 428.39 + 37.45
      }),
      useqApril, // nothing of USEQ recorded after the switch
    ]);

    // Both identities, on every line of every cut (checked in integers on the server's strings).
    for (const r of [march, april, both, aprilThen]) for (const line of r.body.funds) expectReportIdentities(line);
    // Closing units tie to the funds, and the funds to their members.
    expect(both.body.funds.map((l: { closingUnits: string }) => l.closingUnits)).toEqual(['124.663819', '1537.516762', '200.000000']);
    // Reports are finance's, auditor's, admin's.
    expectProblem(await get(`/v1/reports/funds${qs({ from: '2026-03', to: '2026-04' })}`, 'pensions'), 403, 'forbidden');
    expect((await get(`/v1/reports/funds${qs({ from: '2026-03', to: '2026-04' })}`, 'auditor')).body.funds).toEqual(both.body.funds);
  });

  /** Each listed line is the answer's line of that account, to the cent. */
  async function expectLines(body: { accounts: AccountLine[]; subledger: AccountLine[] }, lines: readonly AccountLine[]): Promise<void> {
    const got = new Map(allAccountLines(body).map((l) => [l.account, l]));
    for (const l of lines) expect(got.get(l.account)).toEqual(l);
  }

  /**
   * Per fund, at the answer's cut (domain.md, "Double entry"): fund assets
   * less fees payable = the fund's net assets valid on asOf (GET fund);
   * the unit liability (members' accounts and the fund's revaluation) plus
   * the unit rounding account = those net assets; investment gains and
   * member allocation net to nothing.
   */
  async function expectFundBooks(body: { accounts: AccountLine[]; subledger: AccountLine[] }, asOf: string, knownAt?: string): Promise<void> {
    const lines = allAccountLines(body);
    const net = (pick: (account: string) => boolean) => lines.filter((l) => pick(l.account)).reduce<bigint>((t, l) => t + cents(l.debit) - cents(l.credit), 0n);
    for (const [fundId, currency] of [['F-GROWTH', 'EUR'], ['F-BOND', 'EUR'], ['F-USEQ', 'USD']]) {
      const f = await fund(fundId, asOf, knownAt);
      const netAssets = f.status === 200 ? cents(f.body.netAssets) : 0n;
      const at = (name: string) => (a: string) => a === `${name}:${currency}:fund/${fundId}`;
      expect({ fundId, asOf, books: net((a) => at('fund-cash')(a) || at('fees-payable')(a)) }).toEqual({ fundId, asOf, books: netAssets });
      expect({ fundId, asOf, liability: -net((a) => a.startsWith(`unit-liability:${currency}:fund/${fundId}/`) || at('unit-rounding')(a)) }).toEqual({ fundId, asOf, liability: netAssets });
      expect({ fundId, asOf, gains: net((a) => at('investment-gains')(a) || at('member-allocation')(a)) }).toEqual({ fundId, asOf, gains: 0n });
    }
  }

  test('trial balance: the pension accounts with their balances; debits = credits at every cut', async () => {
    const march = await trialBalance('2026-03-31');
    expect(march.status).toBe(200);
    const marchAccounts = [
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-ALICE', debit: '0.00', credit: '250.00' },
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-BOB', debit: '0.00', credit: '300.00' },
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-CAROL', debit: '0.00', credit: '200.00' },
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-ALICE', debit: '0.00', credit: '1000.00' },
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-BOB', debit: '0.00', credit: '333.00' },
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-CAROL', debit: '0.00', credit: '500.00' },
      { account: 'unit-liability:USD:fund/F-USEQ/member/M-BOB', debit: '0.00', credit: '200.00' },
    ];
    await expectLines(march.body, marchAccounts);
    await expectFundBooks(march.body, '2026-03-31');

    const end = await trialBalance('2026-12-31');
    expect(end.status).toBe(200);
    await expectFundBooks(end.body, '2026-12-31');
    await expectLines(end.body, [
        { account: 'fees-payable:EUR:fund/F-GROWTH', debit: '0.00', credit: '12.34' }, // 5.90 + 2.65 + 3.79
        { account: 'unit-liability:EUR:fund/F-BOND/member/M-ALICE', debit: '0.00', credit: '678.39' }, // 250.00 + 428.39
        { account: 'unit-liability:EUR:fund/F-BOND/member/M-BOB', debit: '0.00', credit: '300.00' },
        { account: 'unit-liability:EUR:fund/F-BOND/member/M-CAROL', debit: '0.00', credit: '275.50' }, // 200.00 + 75.50
        { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-ALICE', debit: '0.00', credit: '715.71' }, // 1000.00 - 428.39 + 150.00 - 5.90
        { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-BOB', debit: '0.00', credit: '330.35' }, // 333.00 - 2.65
        { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-CAROL', debit: '0.00', credit: '496.21' }, // 500.00 - 3.79
        { account: 'unit-liability:USD:fund/F-USEQ/member/M-BOB', debit: '0.00', credit: '200.00' },
    ]);

    // The members' accounts hold money at cost (valuations revalue the fund's revaluation account): as known before the switch, at the end of the year, March's balances.
    const pre = await trialBalance('2026-12-31', stamps.kPreSwitch);
    await expectLines(pre.body, marchAccounts);
    await expectFundBooks(pre.body, '2026-12-31', stamps.kPreSwitch);
    // Right after the switch: 428.39 moved from GROWTH to BOND, for ALICE.
    const sw = await trialBalance('2026-12-31', stamps.kSwitch);
    await expectFundBooks(sw.body, '2026-12-31', stamps.kSwitch);
    await expectLines(sw.body, [
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-ALICE', debit: '0.00', credit: '678.39' },
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-BOB', debit: '0.00', credit: '300.00' },
      { account: 'unit-liability:EUR:fund/F-BOND/member/M-CAROL', debit: '0.00', credit: '200.00' },
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-ALICE', debit: '0.00', credit: '571.61' }, // 1000.00 - 428.39
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-BOB', debit: '0.00', credit: '333.00' },
      { account: 'unit-liability:EUR:fund/F-GROWTH/member/M-CAROL', debit: '0.00', credit: '500.00' },
      { account: 'unit-liability:USD:fund/F-USEQ/member/M-BOB', debit: '0.00', credit: '200.00' },
    ]);

    for (const asOf of ['2026-03-01', D1, D2, D3, D4, D5, '2026-12-31']) {
      for (const knownAt of [undefined, stamps.kPreSwitch, stamps.kSwitch, stamps.kFee]) {
        const tb = await trialBalance(asOf, knownAt);
        expect(tb.status).toBe(200);
        expect({ asOf, knownAt, debit: tb.body.totals.debit }).toEqual({ asOf, knownAt, debit: tb.body.totals.credit });
      }
    }
  });

  // -------------------------------------------------------------------------
  // Audit

  test('audit trail: every event of ALICE and of GROWTH in record order; a switch is one record over three entities', async () => {
    const alice = await audit('member', 'M-ALICE');
    expect(alice.status).toBe(200);
    const commandOf = (label: string) => done.find((d) => d.first.body.recordedAt === stamps[label])?.body as { commandId: string };
    // ALICE's own commands, in order: register, 1000.00 -> GROWTH, 250.00 -> BOND, the switch, 150.00 -> GROWTH.
    const [register, c1, c2, sw, c3] = done
      .filter((d) => d.path.startsWith('/v1/members/M-ALICE/') || (d.path === '/v1/members' && (d.body as { memberId: string }).memberId === 'M-ALICE'))
      .map((d) => (d.body as { commandId: string }).commandId);
    expect(sw).toBe(commandOf('kSwitch').commandId);
    const fee = commandOf('kFee');
    expect(
      alice.body.events.map((e: { type: string; commandId: string; effectiveDate: string; actor: string; recordedAt: string }) => [
        e.type,
        e.commandId,
        e.effectiveDate,
        e.actor,
      ]),
    ).toEqual([
      ['MemberRegistered', register, today, 'pensions-e2e'],
      ['MemberContributed', c1, D1, 'pensions-e2e'],
      ['MemberContributed', c2, D1, 'pensions-e2e'],
      ['UnitsSwitched', sw, D3, 'pensions-e2e'],
      ['MemberContributed', c3, D3, 'pensions-e2e'],
      ['MemberFeeCharged', fee.commandId, D4, 'fund-admin-e2e'],
    ]);
    expect(alice.body.events.map((e: { payload: unknown }) => e.payload)).toEqual([
      { memberId: 'M-ALICE', name: 'Alice Martin' },
      { memberId: 'M-ALICE', fundId: 'F-GROWTH', amount: '1000.00', units: '1000.000000', navPerUnit: '1.000000' },
      { memberId: 'M-ALICE', fundId: 'F-BOND', amount: '250.00', units: '25.000000', navPerUnit: '10.000000' },
      ALICE_SWITCH,
      { memberId: 'M-ALICE', fundId: 'F-GROWTH', amount: '150.00', units: '140.060730', navPerUnit: '1.070964' },
      { memberId: 'M-ALICE', fundId: 'F-GROWTH', rate: '0.007500', navPerUnit: '1.062401', fee: '5.90', unitsCancelled: '5.553459' },
    ]);
    const aliceAt = alice.body.events.map((e: { recordedAt: string }) => e.recordedAt);
    for (let i = 1; i < aliceAt.length; i++) expect(aliceAt[i] > aliceAt[i - 1]).toBe(true);
    // As known before the switch: the first three.
    expect((await audit('member', 'M-ALICE', stamps.kPreSwitch)).body.events.map((e: { type: string }) => e.type)).toEqual([
      'MemberRegistered',
      'MemberContributed',
      'MemberContributed',
    ]);

    const growth = await audit('fund', 'F-GROWTH');
    expect(growth.status).toBe(200);
    expect(growth.body.events.map((e: { type: string; effectiveDate: string }) => [e.type, e.effectiveDate])).toEqual([
      ['FundLaunched', today],
      ['ValuationStruck', D1],
      ['UnitsIssued', D1], // ALICE
      ['UnitsIssued', D1], // BOB
      ['ValuationStruck', D2],
      ['UnitsIssued', D2], // CAROL
      ['ValuationStruck', D3],
      ['UnitsCancelled', D3], // the switch out
      ['UnitsIssued', D3], // ALICE's 150.00
      ['ValuationStruck', D4],
      ['FeeCharged', D4],
      ['ValuationStruck', D5],
    ]);
    // The switch: one record (one commandId, one recordedAt) over ALICE, GROWTH and BOND.
    const bond = await audit('fund', 'F-BOND');
    const ofSwitch = (events: { commandId: string; type: string; recordedAt: string }[]) =>
      events.filter((e) => e.commandId === commandOf('kSwitch').commandId).map((e) => [e.type, e.recordedAt]);
    expect(ofSwitch(alice.body.events)).toEqual([['UnitsSwitched', stamps.kSwitch]]);
    expect(ofSwitch(growth.body.events)).toEqual([['UnitsCancelled', stamps.kSwitch]]);
    expect(ofSwitch(bond.body.events)).toEqual([['UnitsIssued', stamps.kSwitch]]);
    const out = growth.body.events.find((e: { type: string }) => e.type === 'UnitsCancelled');
    expect(out.payload).toMatchObject({ fundId: 'F-GROWTH', memberId: 'M-ALICE', units: '400.000000', amount: '428.39', navPerUnit: '1.070964' });
    const fc = growth.body.events.find((e: { type: string }) => e.type === 'FeeCharged');
    expect(fc.payload).toMatchObject({ totalFee: '12.34', totalUnitsCancelled: '11.615200', navPerUnit: '1.062401', rate: '0.007500' });
    // The fee: FeeCharged on the fund and a MemberFeeCharged per member, one record.
    for (const id of MEMBERS) {
      const mine = (await audit('member', id)).body.events.filter((e: { commandId: string }) => e.commandId === fee.commandId);
      expect(mine.map((e: { type: string; recordedAt: string }) => [e.type, e.recordedAt])).toEqual([['MemberFeeCharged', stamps.kFee]]);
    }
    // Audits are the auditor's (and admin's).
    expectProblem(await get('/v1/audit/entities/member/M-ALICE', 'pensions'), 403, 'forbidden');
    expectProblem(await audit('member', 'M-NOPE'), 404, 'not_found');
  });

  // -------------------------------------------------------------------------
  // Durability

  test('restart on the same data directory: every query answers the same JSON; every outcome replays', async () => {
    const kEnd = lastRecordedAt;
    const knownAts = [kEnd, stamps.kPreSwitch, stamps.kSwitch, stamps.kFee];
    const asOfs = ['2026-03-01', D1, '2026-03-03', D2, '2026-03-31', D3, D4, D5, '2026-12-31'];
    const snapshot = async (): Promise<Record<string, unknown>> => {
      const out: Record<string, unknown> = {};
      const keep = (key: string, a: Answer) => (out[key] = { status: a.status, body: a.body });
      for (const k of knownAts) {
        for (const asOf of asOfs) {
          for (const id of MEMBERS) keep(`member ${id} ${asOf} ${k}`, await member(id, asOf, k));
          for (const id of FUNDS) keep(`fund ${id} ${asOf} ${k}`, await fund(id, asOf, k));
          keep(`tb ${asOf} ${k}`, await trialBalance(asOf, k));
        }
        for (const [from, to] of [['2026-03', '2026-03'], ['2026-04', '2026-04'], ['2026-03', '2026-04'], ['2026-01', '2026-12']]) {
          keep(`report ${from} ${to} ${k}`, await fundReport(from, to, k));
        }
        for (const id of MEMBERS) keep(`audit member ${id} ${k}`, await audit('member', id, k));
        for (const id of FUNDS) keep(`audit fund ${id} ${k}`, await audit('fund', id, k));
      }
      return out;
    };
    const before = await snapshot();
    // A few anchors, so the snapshot is known to hold the figures above.
    expect(before[`member M-ALICE 2026-12-31 ${kEnd}`]).toMatchObject({ status: 200, body: { totalValue: '1498.62' } });
    expect(before[`fund F-GROWTH 2026-12-31 ${kEnd}`]).toMatchObject({ status: 200, body: { unitsOutstanding: '1537.516762', netAssets: '1702.13' } });
    const tbEnd = before[`tb 2026-12-31 ${kEnd}`] as { status: number; body: { totals: { debit: string; credit: string } } };
    expect({ status: tbEnd.status, debit: tbEnd.body.totals.debit }).toEqual({ status: 200, debit: tbEnd.body.totals.credit });
    expect(before[`member M-ALICE 2026-12-31 ${stamps.kPreSwitch}`]).toMatchObject({ status: 200, body: { totalValue: '1322.95' } });
    for (const [key, value] of Object.entries(before)) expect({ key, status: (value as { status: number }).status }).toEqual({ key, status: 200 });

    await server.close();
    server = await startInProcess({ dataDir, tokensFile });
    expect((await server.api.get('/health/ready')).status).toBe(200);

    const after = await snapshot();
    expect(after).toEqual(before);
    // Every outcome, successes and refusals, replays as first answered.
    for (const c of [...done, ...refused]) expectReplayOf(await post(c.path, c.body, c.role), c.first);
    // And the ledger goes on: a NAV for a new date, a contribution at it.
    await strike('F-USEQ', '2026-05-04', '222.22', '200.000000', '1.111100'); // 222.22 / 200 = 1.1111 -> 1.111100
    await contribute('M-BOB', 'F-USEQ', '10.00', '2026-05-04', '1.111100', '9.000090'); // 10.00 / 1.1111 = 9.00009000090... -> 9.000090
  });
});
