// A month close does not grow with the number of policies: the unearned
// premium reserve is a portfolio account per currency (upr:<CUR>), so the
// close is one log record with one true-up line pair per currency, however
// many policies it trues up. 20,000 policies bound through /v1/batch (well
// past the ~7,000-12,000 a per-policy UPR line per policy allowed in one
// 1 MiB record), then January is closed.
import * as path from 'node:path';

import { type InProcessServer, TOKENS, cents, qs, readLogRecords, removeDir, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(60_000);

const POLICIES = 20_000;
const BATCH = 8_000;
/** Every 10th policy is in USD, the rest in EUR. */
const currencyOf = (i: number) => (i % 10 === 9 ? 'USD' : 'EUR');
const hex = (n: number) => n.toString(16).padStart(32, '0');


test('closes a month over 20,000 policies: one true-up pair per currency, UPR = the report\'s closing unearned, still serving', async () => {
  const dir = tempDir('close-scale-');
  const dataDir = path.join(dir, 'data');
  const tokensFile = writeTokensFile(dir);
  let server: InProcessServer | undefined = await startInProcess({ dataDir, tokensFile });
  try {
    const api = server.api;
    // Premiums 100.00 .. 1096.00 over 2026 (365 days): earned figures with every kind of rounding.
    for (let from = 0; from < POLICIES; from += BATCH) {
      const commands = [];
      for (let i = from; i < Math.min(POLICIES, from + BATCH); i++) {
        commands.push({
          path: '/v1/policies',
          body: { commandId: hex(0x10000 + i), policyId: `S-${i}`, currency: currencyOf(i), holder: { name: `Holder ${i}` }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: `${100 + (i % 997)}.00` },
        });
      }
      const batch = await api.request('POST', '/v1/batch', { token: TOKENS.admin, body: { commands }, timeoutMs: 60_000 });
      expect(batch.status).toBe(200);
      const results = (batch.body as { results: { status: number }[] }).results;
      expect(results).toHaveLength(commands.length);
      expect(results.filter((r) => r.status !== 201)).toEqual([]);
    }

    const beforeClose = (await api.get(`/v1/reports/trial-balance${qs({ asOf: '2026-01-31' })}`, TOKENS.finance)).body as { knownAt: string };
    const close = await api.request('POST', '/v1/periods/2026-01/close', { token: TOKENS.finance, body: { commandId: hex(0xc105e) }, timeoutMs: 30_000 });
    expect(close.status).toBe(201);
    const closed = close.body as { closedAt: string; trueUps: { currency: string; policies: number; amount: string }[] };
    expect(closed.trueUps.map((t) => [t.currency, t.policies])).toEqual([
      ['EUR', POLICIES - POLICIES / 10],
      ['USD', POLICIES / 10],
    ]);

    // The trial balance balances, and UPR:<CUR> at the month end, as closed, is the
    // booked closing unearned of the currency's policies in the premium report.
    const tb = (await api.get(`/v1/reports/trial-balance${qs({ asOf: '2026-01-31', knownAt: closed.closedAt })}`, TOKENS.finance)).body as {
      accounts: { account: string; debit: string; credit: string }[];
      totals: { debit: string; credit: string };
    };
    expect(tb.totals.debit).toBe(tb.totals.credit);
    expect(tb.accounts.filter((a) => a.account.startsWith('upr:')).map((a) => a.account)).toEqual(['upr:EUR', 'upr:USD']);
    const report = await api.get(`/v1/reports/premiums${qs({ from: '2026-01', to: '2026-01', basis: 'booked', knownAt: closed.closedAt })}`, TOKENS.finance);
    expect(report.status).toBe(200);
    const body = report.body as {
      totalsByCurrency: { currency: string; written: string; earned: string; closingUnearned: string }[];
      policies: { currency: string; closingUnearned: string }[];
    };
    // A page of 1,000 lines by default; paged through every cursor, the lines sum to the totals (below).
    expect(body.policies).toHaveLength(1000);
    const reportQuery = { from: '2026-01', to: '2026-01', basis: 'booked', knownAt: closed.closedAt };
    for (let cursor = (report.body as { nextCursor?: string }).nextCursor; cursor !== undefined; ) {
      const page = await api.get(`/v1/reports/premiums${qs({ ...reportQuery, limit: '5000', cursor })}`, TOKENS.finance);
      expect(page.status).toBe(200);
      expect(page.body.totalsByCurrency).toEqual(body.totalsByCurrency);
      body.policies.push(...page.body.policies);
      cursor = page.body.nextCursor;
    }
    expect(body.policies).toHaveLength(POLICIES);
    expect(new Set(body.policies.map((p) => (p as { policyId?: string }).policyId)).size).toBe(POLICIES);
    for (const currency of ['EUR', 'USD']) {
      const totals = body.totalsByCurrency.find((t) => t.currency === currency)!;
      const upr = tb.accounts.find((a) => a.account === `upr:${currency}`)!;
      expect(upr).toEqual({ account: `upr:${currency}`, debit: '0.00', credit: totals.closingUnearned });
      const sum = body.policies.filter((p) => p.currency === currency).reduce((s, p) => s + cents(p.closingUnearned), 0n);
      expect(cents(totals.closingUnearned)).toBe(sum);
      // The close posted the month's earned premium, and only that, per currency.
      expect(closed.trueUps.find((t) => t.currency === currency)!.amount).toBe(totals.earned);
    }

    // Across the close only the per-currency UPR and change-in-UPR accounts moved.
    const before = (await api.get(`/v1/reports/trial-balance${qs({ asOf: '2026-01-31', knownAt: beforeClose.knownAt })}`, TOKENS.finance)).body as typeof tb;
    const balance = (t: typeof tb, account: string) => {
      const line = t.accounts.find((a) => a.account === account);
      return line ? cents(line.debit) - cents(line.credit) : 0n;
    };
    const moved = [...new Set([...before.accounts, ...tb.accounts].map((a) => a.account))].filter((a) => balance(before, a) !== balance(tb, a)).sort();
    expect(moved).toEqual(['change-in-upr:EUR', 'change-in-upr:USD', 'upr:EUR', 'upr:USD']);

    // The server keeps accepting commands.
    const bind = await api.post(
      '/v1/policies',
      { commandId: hex(0xbeef), policyId: 'S-after', currency: 'EUR', holder: { name: 'After' }, term: { start: '2026-02-01', end: '2027-02-01' }, premium: '365.00' },
      TOKENS.underwriter,
    );
    expect(bind.status).toBe(201);
    const feb = await api.request('POST', '/v1/periods/2026-02/close', { token: TOKENS.finance, body: { commandId: hex(0xc105f) }, timeoutMs: 30_000 });
    expect(feb.status).toBe(201);
    expect((await api.get('/v1/policies/S-after', TOKENS.underwriter)).status).toBe(200);

    await server.close();
    server = undefined;
    // In the log: each close is one record whose journal has one UPR / change-in-UPR pair per currency.
    const closes = (await readLogRecords(dataDir)).flatMap((r) => r.events).filter((e) => e.type === 'PeriodClosed');
    expect(closes).toHaveLength(2);
    for (const e of closes) {
      expect(e.journal.lines.map((l) => l.account)).toEqual(['upr:EUR', 'change-in-upr:EUR', 'upr:USD', 'change-in-upr:USD']);
    }
  } finally {
    if (server) await server.close();
    removeDir(dir);
  }
});
