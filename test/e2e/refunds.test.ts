// Premium balance and refunds over real HTTP (issue 11, non-life): the
// balance is premium owed (written, less return premium) less cash received
// plus refunds paid; a payment above what is owed and a refund above the
// credit are refused, recorded, and change nothing.
import { type Api, type InProcessServer, CommandIds, TOKENS, removeDir, startInProcess, tempDir, writeTokensFile } from './support';
import { allAccountLines } from './trial-balance';

jest.setTimeout(60_000);

describe('premium balance and refunds', () => {
  let dir: string;
  let server: InProcessServer;
  let api: Api;
  const ids = new CommandIds(1111);
  const uw = TOKENS.underwriter;

  beforeAll(async () => {
    dir = tempDir('ledger-refunds-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    api = server.api;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  const policy = async (id: string) => (await api.get(`/v1/policies/${id}?asOf=2026-12-31`, uw)).body;

  test("the issue's example: 3,000.00 paid in full, cancelled pro rata from 2026-07-01, 1,512.33 refunded; a payment of 100.00 and a refund of 0.01 after it are refused", async () => {
    const bind = { commandId: ids.next(), policyId: 'P-1', currency: 'EUR', holder: { name: 'Ada' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '3000.00' };
    expect((await api.post('/v1/policies', bind, uw)).status).toBe(201);
    expect((await api.post('/v1/policies/P-1/payments', { commandId: ids.next(), amount: '3000.00', receivedDate: '2026-01-05' }, uw)).status).toBe(201);
    const cancel = await api.post('/v1/policies/P-1/cancellation', { commandId: ids.next(), effectiveDate: '2026-07-01', method: 'pro-rata' }, uw);
    expect({ status: cancel.status, returnPremium: cancel.body.returnPremium }).toEqual({ status: 201, returnPremium: '1512.33' });
    expect(await policy('P-1')).toMatchObject({ written: '1487.67', received: '3000.00', refunded: '0.00', balance: '-1512.33' });

    const body = { commandId: ids.next(), amount: '1512.33', paidDate: '2026-07-10' };
    const refund = await api.post('/v1/policies/P-1/refunds', body, TOKENS.finance);
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ policyId: 'P-1', amount: '1512.33', paidDate: '2026-07-10', totalRefunded: '1512.33', balance: '0.00' });
    const again = await api.post('/v1/policies/P-1/refunds', body, TOKENS.finance);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: refund.body, replayed: 'true' });
    expect(await policy('P-1')).toMatchObject({ received: '3000.00', refunded: '1512.33', balance: '0.00' });
    // Before the refund's date, the credit is still owed.
    expect((await api.get('/v1/policies/P-1?asOf=2026-07-09', uw)).body).toMatchObject({ refunded: '0.00', balance: '-1512.33' });

    const pay = await api.post('/v1/policies/P-1/payments', { commandId: ids.next(), amount: '100.00', receivedDate: '2026-07-20' }, uw);
    expect({ status: pay.status, code: pay.body.code }).toEqual({ status: 422, code: 'payment_exceeds_balance' });
    const more = await api.post('/v1/policies/P-1/refunds', { commandId: ids.next(), amount: '0.01', paidDate: '2026-07-20' }, uw);
    expect({ status: more.status, code: more.body.code }).toEqual({ status: 422, code: 'refund_exceeds_balance' });
    expect(await policy('P-1')).toMatchObject({ received: '3000.00', refunded: '1512.33', balance: '0.00' });

    // The books: return premium payable Cr 1,512.33 at the cancellation, Dr 1,512.33 at the refund; cash holds what was kept.
    const tb = await api.get('/v1/reports/trial-balance?asOf=2026-12-31&limit=10000', TOKENS.finance);
    const lines = allAccountLines(tb.body);
    const line = (account: string) => lines.find((l) => l.account === account);
    expect(line('return-premium-payable:EUR:policy/P-1')).toMatchObject({ debit: '0.00', credit: '0.00' });
    expect(line('cash:EUR')).toMatchObject({ debit: '1487.67', credit: '0.00' });
    expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
    // The audit trail shows the refund with its actor.
    const trail = await api.get('/v1/audit/entities/policy/P-1', TOKENS.auditor);
    expect(trail.body.events.map((e: { type: string; actor: string }) => [e.type, e.actor]).slice(-1)).toEqual([['PremiumRefundPaid', 'finance-e2e']]);
  });

  test('a payment above what is owed is refused; a refund without a credit is refused; roles and bad input', async () => {
    const bind = { commandId: ids.next(), policyId: 'P-2', currency: 'EUR', holder: { name: 'Bo' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '1200.00' };
    expect((await api.post('/v1/policies', bind, uw)).status).toBe(201);
    const over = await api.post('/v1/policies/P-2/payments', { commandId: ids.next(), amount: '1200.01', receivedDate: '2026-01-05' }, uw);
    expect({ status: over.status, code: over.body.code }).toEqual({ status: 422, code: 'payment_exceeds_balance' });
    expect((await api.post('/v1/policies/P-2/payments', { commandId: ids.next(), amount: '1200.00', receivedDate: '2026-01-05' }, uw)).status).toBe(201);
    const none = await api.post('/v1/policies/P-2/refunds', { commandId: ids.next(), amount: '0.01', paidDate: '2026-02-01' }, uw);
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 422, code: 'refund_exceeds_balance' });
    expect((await api.post('/v1/policies/P-2/refunds', { commandId: ids.next(), amount: '1.00', paidDate: '2026-02-01' }, TOKENS.claims)).status).toBe(403);
    expect((await api.post('/v1/policies/P-2/refunds', { commandId: ids.next(), amount: '0.00', paidDate: '2026-02-01' }, uw)).status).toBe(400);
    expect((await api.post('/v1/policies/P-2/refunds', { commandId: ids.next(), amount: '1.00' }, uw)).status).toBe(400);
    expect((await api.post('/v1/policies/P-404/refunds', { commandId: ids.next(), amount: '1.00', paidDate: '2026-02-01' }, uw)).status).toBe(404);
    expect(await policy('P-2')).toMatchObject({ received: '1200.00', refunded: '0.00', balance: '0.00' });
  });
});
