// A fee charges every holding of a fund in one command. Its record holds the
// fee's parameters and totals, whatever the number of holdings; each holding's
// figures are derived from the fund's state before it, on apply and on every
// replay, so a fee over 20,000 holdings is one 201, and a read model rebuilt
// from the log gives every member the same figures.
import * as fs from 'node:fs';

import { type Api, type InProcessServer, CommandIds, TOKENS, cents, money, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';

/** Units of 6 fraction digits as an integer count of millionths, and back. */
const micros = (text: string): bigint => BigInt(text.replace('.', ''));
const units = (n: bigint): string => `${n / 1_000_000n}.${String(n % 1_000_000n).padStart(6, '0')}`;

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

  /** What members 0..n-1 contributed in all, in cents (the amounts of fundWithMembers' last call). */
  let amounts: string[] = [];
  const sumOf = (n: number) => money(Number(amounts.slice(0, n).reduce((t, a) => t + cents(a), 0n)));

  /** A fee's holdings, every page of GET .../fees/{commandId}/holdings. */
  async function feeHoldings(fundId: string, commandId: string): Promise<{ memberId: string; units: string; value: string; fee: string; unitsCancelled: string }[]> {
    const all = [];
    for (let cursor: string | undefined, n = 0; n === 0 || cursor; n++) {
      const page = await api.get(`/v1/funds/${fundId}/fees/${commandId}/holdings?limit=7000${cursor ? `&cursor=${cursor}` : ''}`, TOKENS['fund-admin']);
      expect(page.status).toBe(200);
      all.push(...page.body.holdings);
      cursor = page.body.nextCursor;
    }
    return all;
  }

  /** A fund with `members` holdings (100.00 each, or `amount(i)`) at the launch NAV 1.000000, all dealt on DAY. */
  async function fundWithMembers(fundId: string, members: number, amount: (i: number) => string = () => '100.00'): Promise<void> {
    amounts = Array.from({ length: members }, (_, i) => amount(i));
    const commands = [
      { path: '/v1/funds', body: { commandId: ids.next(), fundId, currency: 'EUR', launchNavPerUnit: '1.000000' } },
      { path: `/v1/funds/${fundId}/valuations`, body: { commandId: ids.next(), valuationDate: DAY, netAssets: '0.00' } },
    ];
    for (let i = 0; i < members; i++) {
      const memberId = `${fundId}-M${i}`;
      commands.push({ path: '/v1/members', body: { commandId: ids.next(), memberId, name: `Member ${i}` } } as never);
      commands.push({ path: `/v1/members/${memberId}/contributions`, body: { commandId: ids.next(), fundId, amount: amounts[i], effectiveDate: DAY } } as never);
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

  test('20,000 holdings: one fee command, one 201; its holdings page to its totals; a read model rebuilt from the log gives the same state hash and every member the same figures', async () => {
    const fa = TOKENS['fund-admin'];
    const N = 20_000;
    await fundWithMembers('F-HUGE', N, (i) => `${100 + (i % 37)}.${String((i * 7) % 100).padStart(2, '0')}`);
    const body = { commandId: ids.next(), effectiveDate: DAY, rate: '0.012345' };
    let t0 = performance.now();
    const fee = await api.post('/v1/funds/F-HUGE/fees', body, fa);
    const feeMs = Math.round(performance.now() - t0);
    expect(fee.status).toBe(201);
    expect(fee.body.holdings).toHaveLength(1000);
    expect(typeof fee.body.nextCursor).toBe('string');

    // Every holding, in pages: N of them, by memberId, the answer's first 1,000 first, adding up to the fee's totals.
    const holdings = await feeHoldings('F-HUGE', body.commandId);
    expect(holdings).toHaveLength(N);
    expect(holdings.slice(0, 1000)).toEqual(fee.body.holdings);
    expect(holdings.map((h) => h.memberId)).toEqual(holdings.map((h) => h.memberId).sort());
    expect(money(Number(holdings.reduce((t, h) => t + cents(h.fee), 0n)))).toBe(fee.body.totalFee);
    expect(units(holdings.reduce((t, h) => t + micros(h.unitsCancelled), 0n))).toBe(fee.body.totalUnitsCancelled);
    // The rule, on each holding: value = round2(units * NAV 1), fee = round2(value * rate) (half up), cancelled = fee / NAV 1.
    for (const h of holdings) {
      expect(h.value).toBe(h.units.slice(0, -4));
      expect(cents(h.fee)).toBe((cents(h.value) * 12345n + 500_000n) / 1_000_000n);
      expect(h.unitsCancelled).toBe(`${h.fee}0000`);
    }

    const figures = async () => {
      const fund = await api.get(`/v1/funds/F-HUGE?asOf=${DAY}`, fa);
      // Every member's unit liability account: each carries the member's contribution and fee postings.
      const subledger: unknown[] = [];
      let accounts: unknown;
      for (let cursor: string | undefined, n = 0; n === 0 || cursor; n++) {
        const tb = await api.get(`/v1/reports/trial-balance?asOf=${DAY}&limit=10000${cursor ? `&cursor=${cursor}` : ''}`, TOKENS.finance);
        expect(tb.status).toBe(200);
        accounts = tb.body.accounts;
        subledger.push(...tb.body.subledger);
        cursor = tb.body.nextCursor;
      }
      const members: unknown[] = [];
      for (let i = 0; i < N; i += 97) members.push((await api.get(`/v1/members/F-HUGE-M${i}?asOf=${DAY}`, TOKENS.pensions)).body);
      const trail = (await api.get(`/v1/audit/entities/member/F-HUGE-M${N - 1}`, TOKENS.auditor)).body.events;
      return { fund: { ...fund.body, knownAt: undefined }, accounts, subledger, members: members.map((m) => ({ ...(m as object), knownAt: undefined })), trail };
    };
    const before = await figures();
    expect(before.fund).toMatchObject({ netAssets: money(Number(cents(sumOf(N)) - cents(fee.body.totalFee))) });
    expect(before.trail.map((e: { type: string }) => e.type)).toEqual(['MemberRegistered', 'MemberContributed', 'MemberFeeCharged']);
    const audited = (await runAudit(api)).result;
    expect(audited.match).toBe(true);

    // Rebuilt from the log: the fee's record holds its parameters and totals; every holding is derived again.
    await server.close();
    fs.rmSync(`${dir}/data/readmodel`, { recursive: true });
    t0 = performance.now();
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: `${dir}/tokens.json` });
    const rebuildMs = Math.round(performance.now() - t0);
    api = server.api;
    expect(await figures()).toEqual(before);
    console.log(`fee over ${N} holdings: 201 in ${feeMs} ms; read model rebuilt from the log in ${rebuildMs} ms, same figures and state hash ${audited.stateHash.slice(0, 12)}`);
    expect(await feeHoldings('F-HUGE', body.commandId)).toEqual(holdings);
    const rebuilt = (await runAudit(api)).result;
    expect({ match: rebuilt.match, stateHash: rebuilt.stateHash }).toEqual({ match: true, stateHash: audited.stateHash });
    // A retry of the fee replays its first answer.
    const again = await api.post('/v1/funds/F-HUGE/fees', body, fa);
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, body: fee.body, replayed: 'true' });
  });

  test('fee holdings: an unknown fee or fund is 404, a malformed commandId or cursor 400, a role outside funds 403', async () => {
    const fa = TOKENS['fund-admin'];
    expect((await api.get(`/v1/funds/F-MANY/fees/${ids.next()}/holdings`, fa)).body.code).toBe('not_found');
    expect((await api.get(`/v1/funds/F-NONE/fees/${ids.next()}/holdings`, fa)).body.code).toBe('not_found');
    expect((await api.get('/v1/funds/F-MANY/fees/not-an-id/holdings', fa)).status).toBe(400);
    expect((await api.get(`/v1/funds/F-MANY/fees/${ids.next()}/holdings?cursor=%2B%2B`, fa)).status).toBe(400);
    expect((await api.get(`/v1/funds/F-MANY/fees/${ids.next()}/holdings`, TOKENS.underwriter)).status).toBe(403);
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
