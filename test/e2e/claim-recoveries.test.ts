// Claim recoveries and reopen over real HTTP against the built server in a
// child process (issue 11, claims): open, pay, recover (subrogation), close,
// reopen, pay again, close, recover (salvage) on the closed claim; the claim's
// figures to the cent on each valid date (incurred = paid + reserve -
// recoveries, status closed between a close and its reopen); the claims
// report with recoveries and its identities, totals = the sum of the lines;
// the trial balance; the replay audit; the same answers after a restart; and
// the refusals (roles, bad input, unknown claim, rules).
import { type Answer, type ChildServer, CommandIds, TOKENS, assertBuilt, cents, problemViolation, removeDir, runAudit, startChild, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(120_000);

const CLAIMS_FIELDS = ['openingReserve', 'newReserves', 'reserveChanges', 'paid', 'recoveries', 'closingReserve', 'incurred'] as const;

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code, violation: problemViolation(a) }).toEqual({ status, code, violation: null });
  expect(a.type).toMatch(/^application\/problem\+json/);
}

/** closing = opening + new + changes - paid; incurred = paid + closing - opening - recoveries. */
function expectIdentities(x: Record<string, string>): void {
  const m = (k: string) => cents(x[k]);
  expect(m('closingReserve')).toBe(m('openingReserve') + m('newReserves') + m('reserveChanges') - m('paid'));
  expect(m('incurred')).toBe(m('paid') + m('closingReserve') - m('openingReserve') - m('recoveries'));
}

describe('claim recoveries and reopen', () => {
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let server: ChildServer | undefined;
  const ids = new CommandIds(1107);
  const cl = TOKENS.claims;

  const post = (p: string, body: Record<string, unknown>, token = cl) => server!.api.post(p, { commandId: ids.next(), ...body }, token);
  const created = async (p: string, body: Record<string, unknown>, token = cl): Promise<Answer> => {
    const a = await post(p, body, token);
    expect({ path: p, status: a.status, text: a.status === 201 ? '' : a.text }).toEqual({ path: p, status: 201, text: '' });
    return a;
  };
  const claim = async (id: string, asOf: string) => {
    const a = await server!.api.get(`/v1/claims/${id}?asOf=${asOf}`, cl);
    expect(a.status).toBe(200);
    const { status, reserve, paid, recoveries, incurred } = a.body;
    return { status, reserve, paid, recoveries, incurred };
  };
  const report = async (from: string, to: string, basis = 'restated') => {
    const a = await server!.api.get(`/v1/reports/claims?from=${from}&to=${to}&basis=${basis}`, TOKENS.finance);
    expect(a.status).toBe(200);
    return a.body;
  };

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ledger-claim-recoveries-');
    dataDir = `${dir}/data`;
    tokensFile = writeTokensFile(dir);
    server = await startChild({ dataDir, tokensFile });
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  test('open, pay, recover, close, reopen, pay, close, recover: figures, report, trial balance, audit', async () => {
    await created('/v1/policies', { policyId: 'P-1', currency: 'EUR', holder: { name: 'Ada' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '1200.00' }, TOKENS.underwriter);
    await created('/v1/claims', { claimId: 'C-1', policyId: 'P-1', lossDate: '2026-02-10', reportedDate: '2026-02-12', initialReserve: '5000.00' });
    await created('/v1/claims/C-1/payments', { effectiveDate: '2026-03-10', amount: '3000.00' });

    // A subrogation recovery: cash in, the reserve untouched, incurred down by it.
    const body = { commandId: ids.next(), effectiveDate: '2026-04-15', amount: '1200.00', kind: 'subrogation' };
    const recovered = await server!.api.post('/v1/claims/C-1/recoveries', body, cl);
    expect({ status: recovered.status, body: recovered.body }).toEqual({
      status: 201,
      body: {
        commandId: body.commandId,
        recordedAt: expect.any(String),
        claimId: 'C-1',
        effectiveDate: '2026-04-15',
        amount: '1200.00',
        kind: 'subrogation',
        status: 'open',
        reserve: '2000.00',
        paid: '3000.00',
        recoveries: '1200.00',
        incurred: '3800.00',
      },
    });
    const again = await server!.api.post('/v1/claims/C-1/recoveries', body, cl);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: recovered.body, replayed: 'true' });

    const closed = await created('/v1/claims/C-1/close', { effectiveDate: '2026-05-31' });
    expect(closed.body).toMatchObject({ release: '2000.00', status: 'closed', reserve: '0.00', paid: '3000.00', recoveries: '1200.00', incurred: '1800.00' });

    // Reopen: not before the close; then with a reserve of 800.00, open again from its date.
    expectProblem(await post('/v1/claims/C-1/reopen', { effectiveDate: '2026-05-30', reserve: '800.00' }), 422, 'effective_date_outside_term');
    const reopened = await created('/v1/claims/C-1/reopen', { effectiveDate: '2026-07-01', reserve: '800.00' });
    expect(reopened.body).toMatchObject({ claimId: 'C-1', effectiveDate: '2026-07-01', status: 'open', reserve: '800.00', paid: '3000.00', recoveries: '1200.00', incurred: '2600.00' });
    expectProblem(await post('/v1/claims/C-1/reopen', { effectiveDate: '2026-07-02', reserve: '1.00' }), 422, 'claim_not_closed');
    // Nothing is dated in the closed spell, before the reopening.
    expectProblem(await post('/v1/claims/C-1/payments', { effectiveDate: '2026-06-15', amount: '1.00' }), 422, 'claim_not_open');

    const paid = await created('/v1/claims/C-1/payments', { effectiveDate: '2026-07-20', amount: '650.00' });
    expect(paid.body).toMatchObject({ status: 'open', reserve: '150.00', paid: '3650.00', recoveries: '1200.00', incurred: '2600.00' });
    const closedAgain = await created('/v1/claims/C-1/close', { effectiveDate: '2026-08-31' });
    expect(closedAgain.body).toMatchObject({ release: '150.00', status: 'closed', reserve: '0.00', incurred: '2450.00' });
    // A salvage recovery on the closed claim.
    const salvage = await created('/v1/claims/C-1/recoveries', { effectiveDate: '2026-09-10', amount: '300.00', kind: 'salvage' });
    expect(salvage.body).toMatchObject({ kind: 'salvage', status: 'closed', reserve: '0.00', paid: '3650.00', recoveries: '1500.00', incurred: '2150.00' });

    // A second claim, open: recoveries at most what was paid.
    await created('/v1/claims', { claimId: 'C-2', policyId: 'P-1', lossDate: '2026-03-01', reportedDate: '2026-03-02', initialReserve: '400.00' });
    await created('/v1/claims/C-2/payments', { effectiveDate: '2026-03-15', amount: '100.00' });
    expectProblem(await post('/v1/claims/C-2/recoveries', { effectiveDate: '2026-03-14', amount: '0.01', kind: 'salvage' }), 422, 'recovery_exceeds_paid');
    await created('/v1/claims/C-2/recoveries', { effectiveDate: '2026-03-20', amount: '100.00', kind: 'salvage' });
    expectProblem(await post('/v1/claims/C-2/recoveries', { effectiveDate: '2026-03-21', amount: '0.01', kind: 'salvage' }), 422, 'recovery_exceeds_paid');
    expectProblem(await post('/v1/claims/C-2/reopen', { effectiveDate: '2026-04-01', reserve: '10.00' }), 422, 'claim_not_closed');

    const figures = async () => ({
      '2026-04-30': await claim('C-1', '2026-04-30'),
      '2026-06-15': await claim('C-1', '2026-06-15'),
      '2026-07-01': await claim('C-1', '2026-07-01'),
      '2026-09-30': await claim('C-1', '2026-09-30'),
      'C-2': await claim('C-2', '2026-12-31'),
    });
    const expectedFigures = {
      '2026-04-30': { status: 'open', reserve: '2000.00', paid: '3000.00', recoveries: '1200.00', incurred: '3800.00' },
      '2026-06-15': { status: 'closed', reserve: '0.00', paid: '3000.00', recoveries: '1200.00', incurred: '1800.00' },
      '2026-07-01': { status: 'open', reserve: '800.00', paid: '3000.00', recoveries: '1200.00', incurred: '2600.00' },
      '2026-09-30': { status: 'closed', reserve: '0.00', paid: '3650.00', recoveries: '1500.00', incurred: '2150.00' },
      'C-2': { status: 'open', reserve: '300.00', paid: '100.00', recoveries: '100.00', incurred: '300.00' },
    };
    expect(await figures()).toEqual(expectedFigures);

    // The claims report: the year, and the quarters of the close and of the reopen.
    // Year: new 5,400; changes -2,000 (release) + 800 (reopen) - 150 (release); paid 3,750; recoveries 1,600;
    // closing 300 (C-2); incurred 3,750 + 300 - 0 - 1,600 = 2,450.
    const reports = async () => ({
      year: await report('2026-01', '2026-12'),
      yearBooked: await report('2026-01', '2026-12', 'booked'),
      q2: await report('2026-04', '2026-06'),
      q3: await report('2026-07', '2026-09'),
    });
    const r = await reports();
    expect(r.year.totals).toEqual({ openingReserve: '0.00', newReserves: '5400.00', reserveChanges: '-1350.00', paid: '3750.00', recoveries: '1600.00', closingReserve: '300.00', incurred: '2450.00' });
    expect(r.year.totalsByCurrency).toEqual([{ currency: 'EUR', ...r.year.totals }]);
    expect(r.year.claims).toEqual([
      { claimId: 'C-1', policyId: 'P-1', currency: 'EUR', openingReserve: '0.00', newReserves: '5000.00', reserveChanges: '-1350.00', paid: '3650.00', recoveries: '1500.00', closingReserve: '0.00', incurred: '2150.00' },
      { claimId: 'C-2', policyId: 'P-1', currency: 'EUR', openingReserve: '0.00', newReserves: '400.00', reserveChanges: '0.00', paid: '100.00', recoveries: '100.00', closingReserve: '300.00', incurred: '300.00' },
    ]);
    // No month closed: booked = restated.
    expect({ ...r.yearBooked, basis: 'restated', knownAt: undefined }).toEqual({ ...r.year, knownAt: undefined });
    // Q2: C-1's 2,000 released and 1,200 recovered: incurred 0 + 0 - 2,000 - 1,200 = -3,200; C-2 carries 300.
    expect(r.q2.totals).toEqual({ openingReserve: '2300.00', newReserves: '0.00', reserveChanges: '-2000.00', paid: '0.00', recoveries: '1200.00', closingReserve: '300.00', incurred: '-3200.00' });
    // Q3: the reopen's 800 and the release of 150 are reserve changes; 650 paid, 300 recovered: incurred 350.
    expect(r.q3.totals).toEqual({ openingReserve: '300.00', newReserves: '0.00', reserveChanges: '650.00', paid: '650.00', recoveries: '300.00', closingReserve: '300.00', incurred: '350.00' });
    for (const b of Object.values(r)) {
      for (const x of [b.totals, ...b.totalsByCurrency, ...b.claims]) expectIdentities(x);
      // Totals (the report series) = the sum of the lines (the claims' folded histories).
      for (const k of CLAIMS_FIELDS) expect({ k, sum: b.claims.reduce((s: bigint, l: Record<string, string>) => s + cents(l[k]), 0n) }).toEqual({ k, sum: cents(b.totals[k]) });
    }

    // The books at year end: recoveries credited per claim, cash net of claims paid, reserves as the figures say.
    const tb = await server!.api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance);
    expect(tb.status).toBe(200);
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
    const lines = allAccountLines(tb.body);
    const line = (account: string) => lines.find((l) => l.account === account);
    expect(line('claims-recoveries:EUR:claim/C-1')).toMatchObject({ debit: '0.00', credit: '1500.00' });
    expect(line('claims-recoveries:EUR:claim/C-2')).toMatchObject({ debit: '0.00', credit: '100.00' });
    expect(tb.body.accounts.find((l: { account: string }) => l.account === 'claims-recoveries:EUR')).toMatchObject({ debit: '0.00', credit: '1600.00' });
    expect(line('claims-reserve:EUR:claim/C-1')).toMatchObject({ debit: '0.00', credit: '0.00' });
    expect(line('claims-reserve:EUR:claim/C-2')).toMatchObject({ debit: '0.00', credit: '300.00' });
    expect(line('claims-paid:EUR:claim/C-1')).toMatchObject({ debit: '3650.00', credit: '0.00' });
    expect(line('cash:EUR')).toMatchObject({ debit: '0.00', credit: '2150.00' });
    // Balanced on every date the movements fall on too (before the reopen, in the closed spell, after).
    for (const asOf of ['2026-04-15', '2026-06-15', '2026-07-01', '2026-09-10']) {
      const t = await server!.api.get(`/v1/reports/trial-balance?asOf=${asOf}&limit=10000`, TOKENS.finance);
      expect({ asOf, debit: t.body.totals.debit }).toEqual({ asOf, debit: t.body.totals.credit });
    }

    // The audit trail, in record order.
    const trail = await server!.api.get('/v1/audit/entities/claim/C-1', TOKENS.auditor);
    expect(trail.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ClaimOpened',
      'ClaimPaid',
      'ClaimRecoveryReceived',
      'ClaimClosed',
      'ClaimReopened',
      'ClaimPaid',
      'ClaimClosed',
      'ClaimRecoveryReceived',
    ]);

    // The replay audit reproduces every event (the new ones included) and matches the read model.
    const { result } = await runAudit(server!.api, TOKENS.auditor);
    expect(result).toMatchObject({ match: true });
    expect(result.stateHash).toBe(result.liveStateHash);

    // A restart answers the same.
    await server!.close();
    server = await startChild({ dataDir, tokensFile });
    expect(await figures()).toEqual(expectedFigures);
    const after = await reports();
    for (const k of Object.keys(r) as (keyof typeof r)[]) expect({ k, body: { ...after[k], knownAt: undefined } }).toEqual({ k, body: { ...r[k], knownAt: undefined } });
  });

  test('roles, bad input, unknown claim', async () => {
    await created('/v1/claims', { claimId: 'C-3', policyId: 'P-1', lossDate: '2026-03-01', reportedDate: '2026-03-02', initialReserve: '100.00' });
    await created('/v1/claims/C-3/payments', { effectiveDate: '2026-03-05', amount: '50.00' });
    await created('/v1/claims/C-3/close', { effectiveDate: '2026-03-31' });

    // Role claims only (and admin): an underwriter gets 403, with nothing recorded.
    expectProblem(await post('/v1/claims/C-3/recoveries', { effectiveDate: '2026-04-01', amount: '10.00', kind: 'salvage' }, TOKENS.underwriter), 403, 'forbidden');
    expectProblem(await post('/v1/claims/C-3/reopen', { effectiveDate: '2026-04-01', reserve: '10.00' }, TOKENS.underwriter), 403, 'forbidden');
    expectProblem(await server!.api.post('/v1/claims/C-3/reopen', { commandId: ids.next(), effectiveDate: '2026-04-01', reserve: '10.00' }), 401, 'unauthorized');

    // Bad input: problem+json 400 naming the field.
    const bad: [string, Record<string, unknown>, string][] = [
      ['recoveries', { effectiveDate: '2026-04-01', amount: '0.00', kind: 'salvage' }, 'amount'],
      ['recoveries', { effectiveDate: '2026-04-01', amount: '-5.00', kind: 'salvage' }, 'amount'],
      ['recoveries', { effectiveDate: '2026-04-01', amount: '5.001', kind: 'salvage' }, 'amount'],
      ['recoveries', { effectiveDate: '2026-04-01', amount: 5, kind: 'salvage' }, 'amount'],
      ['recoveries', { effectiveDate: '2026-04-01', amount: '5.00', kind: 'refund' }, 'kind'],
      ['recoveries', { effectiveDate: '2026-04-01', amount: '5.00' }, 'kind'],
      ['recoveries', { effectiveDate: '2026-4-1', amount: '5.00', kind: 'salvage' }, 'effectiveDate'],
      ['reopen', { effectiveDate: '2026-04-01', reserve: '-1.00' }, 'reserve'],
      ['reopen', { effectiveDate: '2026-04-01' }, 'reserve'],
      ['reopen', { effectiveDate: '2026-04-01', reserve: '1.00', release: '1.00' }, ''],
    ];
    for (const [what, body, field] of bad) {
      const a = await post(`/v1/claims/C-3/${what}`, body);
      expectProblem(a, 400, 'validation_failed');
      expect({ what, body, paths: (a.body.errors as { path: string }[]).some((e) => e.path.includes(field)) }).toEqual({ what, body, paths: true });
    }

    // Unknown claim: 404.
    expectProblem(await post('/v1/claims/C-404/recoveries', { effectiveDate: '2026-04-01', amount: '10.00', kind: 'subrogation' }), 404, 'not_found');
    expectProblem(await post('/v1/claims/C-404/reopen', { effectiveDate: '2026-04-01', reserve: '10.00' }), 404, 'not_found');

    // None of it moved the claim; a recovery before the report date is refused.
    expectProblem(await post('/v1/claims/C-3/recoveries', { effectiveDate: '2026-03-01', amount: '10.00', kind: 'subrogation' }), 422, 'effective_date_outside_term');
    expect(await claim('C-3', '2026-12-31')).toEqual({ status: 'closed', reserve: '0.00', paid: '50.00', recoveries: '0.00', incurred: '50.00' });
    // Through /v1/batch, each checked as if alone.
    const batch = await server!.api.post(
      '/v1/batch',
      {
        commands: [
          { path: '/v1/claims/C-3/reopen', body: { commandId: ids.next(), effectiveDate: '2026-04-01', reserve: '25.00' } },
          { path: '/v1/claims/C-3/recoveries', body: { commandId: ids.next(), effectiveDate: '2026-04-02', amount: '20.00', kind: 'subrogation' } },
          { path: '/v1/claims/C-3/reopen', body: { commandId: ids.next(), effectiveDate: '2026-04-03', reserve: '25.00' } },
        ],
      },
      cl,
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((x: { status: number; body: { code?: string } }) => [x.status, x.body.code])).toEqual([
      [201, undefined],
      [201, undefined],
      [422, 'claim_not_closed'],
    ]);
    expect(await claim('C-3', '2026-12-31')).toEqual({ status: 'open', reserve: '25.00', paid: '50.00', recoveries: '20.00', incurred: '55.00' });
  });
});
