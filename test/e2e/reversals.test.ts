// Reversals over real HTTP (issue 11): POST /v1/reversals takes back the money
// of an earlier accepted command on the original's effective date, once,
// with the role of the original; anything else is refused, recorded, and
// changes nothing. The audit trail links the two commands both ways.
import { type Api, type InProcessServer, CommandIds, TOKENS, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(60_000);

describe('reversals of premium payments and refunds', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(7301);
  const uw = TOKENS.underwriter;

  beforeAll(async () => {
    dir = tempDir('ledger-reversals-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const policy = async (id: string, asOf = '2026-12-31') => (await api.get(`/v1/policies/${id}?asOf=${asOf}`, uw)).body;
  const reverse = (reversesCommandId: string, token: string, reason = 'keyed in by mistake', commandId = ids.next()) =>
    api.post('/v1/reversals', { commandId, reversesCommandId, reason }, token);
  const bind = async (policyId: string, premium: string) => {
    const body = { commandId: ids.next(), policyId, currency: 'EUR', holder: { name: 'Ada' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium };
    expect((await api.post('/v1/policies', body, uw)).status).toBe(201);
    return body.commandId;
  };

  test('a payment reversed is owed again on its own date; the trail links both commands; a second reversal is already_reversed', async () => {
    await bind('P-1', '1200.00');
    const payment = { commandId: ids.next(), amount: '1200.00', receivedDate: '2026-02-10' };
    const paid = await api.post('/v1/policies/P-1/payments', payment, uw);
    expect(paid.status).toBe(201);
    expect(await policy('P-1')).toMatchObject({ received: '1200.00', balance: '0.00' });

    const body = { commandId: ids.next(), reversesCommandId: payment.commandId, reason: 'cheque bounced' };
    const reversal = await api.post('/v1/reversals', body, uw);
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({ reversesCommandId: payment.commandId, reversed: 'PremiumPaymentReceived', policyId: 'P-1', effectiveDate: '2026-02-10', amount: '1200.00', balance: '1200.00' });
    // Idempotent like every command.
    const again = await api.post('/v1/reversals', body, uw);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: reversal.body, replayed: 'true' });

    // Valid on the payment's date: before it nothing was received either way, from it on nothing is.
    expect(await policy('P-1', '2026-02-09')).toMatchObject({ received: '0.00' });
    expect(await policy('P-1', '2026-02-10')).toMatchObject({ received: '0.00' });
    expect(await policy('P-1')).toMatchObject({ received: '0.00', balance: '1200.00' });
    // Known before the reversal: the payment stood.
    expect((await api.get(`/v1/policies/P-1?asOf=2026-12-31&knownAt=${encodeURIComponent(paid.body.recordedAt)}`, uw)).body).toMatchObject({ received: '1200.00', balance: '0.00' });

    const twice = await reverse(payment.commandId, uw);
    expect({ status: twice.status, code: twice.body.code }).toEqual({ status: 422, code: 'already_reversed' });

    // The books: cash and receivable back where they were before the payment.
    const tb = await api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance);
    const lines = allAccountLines(tb.body);
    const receivable = lines.find((l) => l.account === 'premium-receivable:EUR:policy/P-1');
    expect(receivable).toMatchObject({ debit: '1200.00', credit: '0.00' });
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);

    const trail = (await api.get('/v1/audit/entities/policy/P-1', TOKENS.auditor)).body.events as { commandId: string; type: string; reverses?: string; reversedBy?: string; payload: { reason?: string } }[];
    const original = trail.find((e) => e.type === 'PremiumPaymentReceived');
    const reversed = trail.find((e) => e.type === 'PremiumPaymentReversed');
    expect(original).toMatchObject({ commandId: payment.commandId, reversedBy: body.commandId });
    expect(reversed).toMatchObject({ commandId: body.commandId, reverses: payment.commandId, payload: { reason: 'cheque bounced' } });
  });

  test('a refund reversed is owed to the holder again', async () => {
    await bind('P-2', '3000.00');
    expect((await api.post('/v1/policies/P-2/payments', { commandId: ids.next(), amount: '3000.00', receivedDate: '2026-01-05' }, uw)).status).toBe(201);
    expect((await api.post('/v1/policies/P-2/cancellation', { commandId: ids.next(), effectiveDate: '2026-07-01', method: 'pro-rata' }, uw)).status).toBe(201);
    const refund = { commandId: ids.next(), amount: '1512.33', paidDate: '2026-07-10' };
    expect((await api.post('/v1/policies/P-2/refunds', refund, TOKENS.finance)).status).toBe(201);
    expect(await policy('P-2')).toMatchObject({ refunded: '1512.33', balance: '0.00' });
    const reversal = await reverse(refund.commandId, TOKENS.finance);
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({ reversed: 'PremiumRefundPaid', effectiveDate: '2026-07-10', amount: '1512.33', balance: '-1512.33' });
    expect(await policy('P-2')).toMatchObject({ refunded: '0.00', balance: '-1512.33' });
    // The credit can be refunded again.
    expect((await api.post('/v1/policies/P-2/refunds', { commandId: ids.next(), amount: '1512.33', paidDate: '2026-07-20' }, uw)).status).toBe(201);
  });

  test('not_reversible: a bind, a refused command, an unknown command, a reversal; role of the original; bad input', async () => {
    const bound = await bind('P-3', '500.00');
    const refused = { commandId: ids.next(), amount: '500.01', receivedDate: '2026-02-01' };
    expect((await api.post('/v1/policies/P-3/payments', refused, uw)).status).toBe(422);
    const payment = { commandId: ids.next(), amount: '500.00', receivedDate: '2026-02-01' };
    expect((await api.post('/v1/policies/P-3/payments', payment, uw)).status).toBe(201);

    for (const target of [bound, refused.commandId, 'f'.repeat(31) + 'e']) {
      const r = await reverse(target, uw);
      expect({ target, status: r.status, code: r.body.code }).toEqual({ target, status: 422, code: 'not_reversible' });
    }
    // A claims handler may not reverse a premium payment (its route is the underwriter's); nothing is recorded, so the same commandId works later.
    const commandId = ids.next();
    const forbidden = await reverse(payment.commandId, TOKENS.claims, 'x', commandId);
    expect(forbidden.status).toBe(403);
    expect((await reverse(payment.commandId, TOKENS.auditor)).status).toBe(403);
    const ok = await reverse(payment.commandId, uw, 'x', commandId);
    expect(ok.status).toBe(201);
    const ofReversal = await reverse(commandId, uw);
    expect({ status: ofReversal.status, code: ofReversal.body.code }).toEqual({ status: 422, code: 'not_reversible' });

    for (const bad of [{ commandId: ids.next(), reversesCommandId: payment.commandId }, { commandId: ids.next(), reversesCommandId: 'nope', reason: 'x' }, { commandId: ids.next(), reversesCommandId: payment.commandId, reason: '' }, { commandId: ids.next(), reversesCommandId: payment.commandId, reason: 'x', extra: 1 }]) {
      const r = await api.post('/v1/reversals', bad, uw);
      expect({ status: r.status, type: r.headers['content-type'], code: r.body.code }).toEqual({ status: 400, type: 'application/problem+json; charset=utf-8', code: 'validation_failed' });
    }
    expect(await policy('P-3')).toMatchObject({ received: '0.00', balance: '500.00' });
  });

  test('in one /v1/batch: a payment then its reversal, as if sent alone; the reversal by a role the original does not allow is 403, unrecorded', async () => {
    await bind('P-6', '800.00');
    const pay = { commandId: ids.next(), amount: '800.00', receivedDate: '2026-03-01' };
    const rev = { commandId: ids.next(), reversesCommandId: pay.commandId, reason: 'batch' };
    const again = { commandId: ids.next(), reversesCommandId: pay.commandId, reason: 'the same payment reversed once more' };
    const batch = await api.post(
      '/v1/batch',
      {
        commands: [
          { path: '/v1/policies/P-6/payments', body: pay },
          { path: '/v1/reversals', body: rev },
          { path: '/v1/reversals', body: again },
        ],
      },
      TOKENS.admin,
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: number; body: { code?: string } }) => [r.status, r.body.code])).toEqual([
      [201, undefined],
      [201, undefined],
      [422, 'already_reversed'],
    ]);
    expect(batch.body.results[1].body).toMatchObject({ reversed: 'PremiumPaymentReceived', balance: '800.00' });
    expect(await policy('P-6')).toMatchObject({ received: '0.00', balance: '800.00' });

    const pay2 = { commandId: ids.next(), amount: '800.00', receivedDate: '2026-03-02' };
    // Sent by an underwriter: the payment and its reversal; a claims handler's reversal of it is refused before deciding.
    const mixed = await api.post('/v1/batch', { commands: [{ path: '/v1/policies/P-6/payments', body: pay2 }, { path: '/v1/reversals', body: { commandId: ids.next(), reversesCommandId: pay2.commandId, reason: 'batch' } }] }, TOKENS.underwriter);
    expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201]);
    expect(await policy('P-6')).toMatchObject({ received: '0.00', balance: '800.00' });
    const claimsOnly = await api.post('/v1/batch', { commands: [{ path: '/v1/reversals', body: { commandId: ids.next(), reversesCommandId: pay2.commandId, reason: 'claims may not' } }] }, TOKENS.claims);
    expect(claimsOnly.body.results.map((r: { status: number; body: { code?: string } }) => [r.status, r.body.code])).toEqual([[403, 'forbidden']]);
  });

  test('a reversal of a payment in a closed month books in the first open month, valid on the payment date', async () => {
    await bind('P-4', '600.00');
    const payment = { commandId: ids.next(), amount: '600.00', receivedDate: '2026-01-20' };
    expect((await api.post('/v1/policies/P-4/payments', payment, uw)).status).toBe(201);
    expect((await api.post('/v1/periods/2026-01/close', { commandId: ids.next() }, TOKENS.finance)).status).toBe(201);
    const reversal = await reverse(payment.commandId, uw);
    expect(reversal.status).toBe(201);
    const trail = (await api.get('/v1/audit/entities/policy/P-4', TOKENS.auditor)).body.events as { type: string; effectiveDate: string; bookingPeriod: string }[];
    expect(trail.find((e) => e.type === 'PremiumPaymentReceived')).toMatchObject({ effectiveDate: '2026-01-20', bookingPeriod: '2026-01' });
    expect(trail.find((e) => e.type === 'PremiumPaymentReversed')).toMatchObject({ effectiveDate: '2026-01-20', bookingPeriod: '2026-02' });
    expect(await policy('P-4', '2026-01-31')).toMatchObject({ received: '0.00', balance: '600.00' });
  });

  test('a claim payment reversed in a closed month: back to the reserve; the booked report of the closed month unchanged, the restated one changed', async () => {
    await bind('P-5', '900.00');
    const open = { commandId: ids.next(), claimId: 'C-1', policyId: 'P-5', lossDate: '2026-02-01', reportedDate: '2026-02-05', initialReserve: '1000.00' };
    expect((await api.post('/v1/claims', open, TOKENS.claims)).status).toBe(201);
    const payment = { commandId: ids.next(), effectiveDate: '2026-02-10', amount: '400.00' };
    expect((await api.post('/v1/claims/C-1/payments', payment, TOKENS.claims)).status).toBe(201);
    expect((await api.post('/v1/periods/2026-02/close', { commandId: ids.next() }, TOKENS.finance)).status).toBe(201);
    const report = async (basis: string, knownAt?: string) =>
      (await api.get(`/v1/reports/claims?from=2026-02&to=2026-02&basis=${basis}${knownAt ? `&knownAt=${encodeURIComponent(knownAt)}` : ''}`, TOKENS.finance)).body.totals;
    const bookedBefore = await report('booked');
    expect(bookedBefore).toMatchObject({ paid: '400.00', closingReserve: '600.00' });

    expect({ status: (await reverse(payment.commandId, uw)).status }).toEqual({ status: 403 });
    const reversal = await reverse(payment.commandId, TOKENS.claims);
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({ reversed: 'ClaimPaid', claimId: 'C-1', effectiveDate: '2026-02-10', amount: '400.00', status: 'open', reserve: '1000.00', paid: '0.00', incurred: '1000.00' });
    expect((await api.get('/v1/claims/C-1?asOf=2026-02-28', TOKENS.claims)).body).toMatchObject({ reserve: '1000.00', paid: '0.00' });

    // The closed month as booked is what it was, now and at every later knownAt; restated, the payment never happened.
    expect(await report('booked')).toEqual(bookedBefore);
    expect(await report('booked', reversal.body.recordedAt)).toEqual(bookedBefore);
    expect(await report('restated')).toMatchObject({ paid: '0.00', closingReserve: '1000.00' });
    const trail = (await api.get('/v1/audit/entities/claim/C-1', TOKENS.auditor)).body.events as { type: string; bookingPeriod: string }[];
    expect(trail.find((e) => e.type === 'ClaimPaymentReversed')).toMatchObject({ bookingPeriod: '2026-03' });

    // A closed claim released its reserve: no money returns to it.
    const pay2 = { commandId: ids.next(), effectiveDate: '2026-03-10', amount: '100.00' };
    expect((await api.post('/v1/claims/C-1/payments', pay2, TOKENS.claims)).status).toBe(201);
    expect((await api.post('/v1/claims/C-1/close', { commandId: ids.next(), effectiveDate: '2026-03-20' }, TOKENS.claims)).status).toBe(201);
    const closed = await reverse(pay2.commandId, TOKENS.claims);
    expect({ status: closed.status, code: closed.body.code }).toEqual({ status: 422, code: 'claim_not_open' });
    const tb = await api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance);
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
  });

  test('a recovery reversed raises incurred again; a payment whose reversal would leave recoveries above paid waits for the recovery to be reversed', async () => {
    const open = { commandId: ids.next(), claimId: 'C-2', policyId: 'P-5', lossDate: '2026-03-01', reportedDate: '2026-03-02', initialReserve: '500.00' };
    expect((await api.post('/v1/claims', open, TOKENS.claims)).status).toBe(201);
    const payment = { commandId: ids.next(), effectiveDate: '2026-03-05', amount: '300.00' };
    expect((await api.post('/v1/claims/C-2/payments', payment, TOKENS.claims)).status).toBe(201);
    const recovery = { commandId: ids.next(), effectiveDate: '2026-03-10', amount: '100.00', kind: 'subrogation' };
    expect((await api.post('/v1/claims/C-2/recoveries', recovery, TOKENS.claims)).status).toBe(201);
    expect((await api.get('/v1/claims/C-2?asOf=2026-03-31', TOKENS.claims)).body).toMatchObject({ paid: '300.00', recoveries: '100.00', reserve: '200.00', incurred: '400.00' });

    const early = await reverse(payment.commandId, TOKENS.claims);
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 422, code: 'recovery_exceeds_paid' });
    const back = await reverse(recovery.commandId, TOKENS.claims);
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ reversed: 'ClaimRecoveryReceived', effectiveDate: '2026-03-10', amount: '100.00', recoveries: '0.00', incurred: '500.00' });
    const then = await reverse(payment.commandId, TOKENS.claims);
    expect(then.status).toBe(201);
    expect((await api.get('/v1/claims/C-2?asOf=2026-03-31', TOKENS.claims)).body).toMatchObject({ paid: '0.00', recoveries: '0.00', reserve: '500.00', incurred: '500.00' });
    const tb = allAccountLines((await api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance)).body);
    for (const l of tb.filter((x) => x.account.endsWith(':claim/C-2') && !x.account.startsWith('claims-reserve') && !x.account.startsWith('change-in-claims-reserve'))) expect(l).toMatchObject({ debit: '0.00', credit: '0.00' });
  });

  test("a contribution reversed cancels its units at its own NAV; refused when the holding no longer has them", async () => {
    const fa = TOKENS['fund-admin'];
    const pensions = TOKENS.pensions;
    expect((await api.post('/v1/funds', { commandId: ids.next(), fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.000000' }, fa)).status).toBe(201);
    expect((await api.post('/v1/funds/F-1/valuations', { commandId: ids.next(), valuationDate: '2026-03-02', netAssets: '0.00' }, fa)).status).toBe(201);
    for (const memberId of ['M-1', 'M-2']) expect((await api.post('/v1/members', { commandId: ids.next(), memberId, name: memberId }, pensions)).status).toBe(201);
    const c1 = { commandId: ids.next(), fundId: 'F-1', amount: '1000.00', effectiveDate: '2026-03-02' };
    const c2 = { commandId: ids.next(), fundId: 'F-1', amount: '500.00', effectiveDate: '2026-03-02' };
    // M-2's 500 units pay a 1% fee (5.000000 units); M-1 contributes after the fee, so keeps all its units.
    expect((await api.post('/v1/members/M-2/contributions', c2, pensions)).status).toBe(201);
    expect((await api.post('/v1/funds/F-1/fees', { commandId: ids.next(), effectiveDate: '2026-03-02', rate: '0.010000' }, fa)).status).toBe(201);
    expect((await api.post('/v1/members/M-1/contributions', c1, pensions)).status).toBe(201);
    expect((await api.get('/v1/funds/F-1?asOf=2026-03-31', fa)).body).toMatchObject({ unitsOutstanding: '1495.000000' });

    expect((await reverse(c1.commandId, uw)).status).toBe(403);
    const reversal = await reverse(c2.commandId, pensions);
    expect({ status: reversal.status, code: reversal.body.code }).toEqual({ status: 422, code: 'insufficient_units' });
    const ok = await reverse(c1.commandId, pensions);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ reversed: 'MemberContributed', memberId: 'M-1', fundId: 'F-1', effectiveDate: '2026-03-02', amount: '1000.00', units: '1000.000000', navPerUnit: '1.000000' });
    expect((await api.get('/v1/members/M-1?asOf=2026-03-31', pensions)).body).toMatchObject({ holdings: [] });
    expect((await api.get('/v1/funds/F-1?asOf=2026-03-31', fa)).body).toMatchObject({ unitsOutstanding: '495.000000' });
    const funds = (await api.get('/v1/reports/funds?from=2026-03&to=2026-03', TOKENS.finance)).body;
    // Issued 1,500 units, cancelled 5 by the fee and 1,000 by the reversal; contributions net of the reversal.
    expect(funds.funds.find((f: { fundId: string }) => f.fundId === 'F-1')).toMatchObject({ unitsIssued: '1500.000000', unitsCancelled: '1005.000000', closingUnits: '495.000000', contributions: '500.00' });
    const again = await reverse(c1.commandId, pensions);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 422, code: 'already_reversed' });
    const tb = await api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance);
    const lines = allAccountLines(tb.body);
    expect(lines.find((l) => l.account === 'unit-liability:EUR:fund/F-1/member/M-1')).toMatchObject({ debit: '0.00', credit: '0.00' });
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
  });

  test('the replay audit reproduces every reversal from the log', async () => {
    const audit = (await runAudit(api)).result;
    expect(audit.match).toBe(true);
  });
});
