// Period close, reports, audit trail and /v1/batch end to end: a real server
// on a real data directory, real HTTP, no mocks. The story, in system time:
//
//   bind P-1 (3,650.00 over 2025: 10.00 a day)            tBind
//   close 2025-01: true-up 31 days = 310.00               T1
//   endorse P-1 back-dated to 2025-01-11, +365.00 a year  tEndorse  (1.00 a day; booked in 2025-02)
//   open claim C-1 (reported 2025-02-12, reserve 1,000)   tOpen
//   pay C-1 300.00 effective 2025-02-20                   tPay
//   close 2025-02: true-up 639.00 - 310.00 = 329.00       T2
//   reserve C-1 +200.00 back-dated to 2025-02-25          tReserve  (booked in 2025-03)
//   underwriter batch: bind P-B + endorse it, and refusals
//   admin batch: bind P-C, close 2025-03, close it again, endorse P-C back-dated
//   restart on the same data directory; close 2025-04 from the replayed log
//
// Every amount asserted is worked out by hand in the comments.
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { startServer } from '../../apps/api/src/main';
import type { RunningServer } from '../../apps/api/src/main';
import { splitLedger } from './trial-balance';

// ---------------------------------------------------------------------------
// Helpers

const TOKENS = {
  underwriter: 'tok-pr-underwriter-0123456789abcdef',
  claims: 'tok-pr-claims-0123456789abcdef00000',
  finance: 'tok-pr-finance-0123456789abcdef0000',
  auditor: 'tok-pr-auditor-0123456789abcdef0000',
  admin: 'tok-pr-admin-0123456789abcdef000000',
};
type Who = keyof typeof TOKENS;

interface Answer {
  status: number;
  type: string | null;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const cid = (): string => randomBytes(16).toString('hex');

/** Money string -> cents, exactly. */
function cents(text: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (!m) throw new Error(`not money: ${text}`);
  const v = BigInt(m[2]) * 100n + BigInt(m[3]);
  return m[1] ? -v : v;
}

function qs(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code }).toEqual({ status, code });
  expect(a.type).toMatch(/^application\/problem\+json/);
  expect(a.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(a.body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
}

const bindBody = (policyId: string, term: { start: string; end: string }, premium: string, commandId = cid()) => ({
  commandId,
  policyId,
  currency: 'EUR',
  holder: { name: `Holder of ${policyId}` },
  term,
  premium,
});

const TERM_2025 = { start: '2025-01-01', end: '2026-01-01' }; // 365 days
const TERM_MAR_2025 = { start: '2025-03-01', end: '2026-03-01' }; // 365 days
const BEFORE_EVERYTHING = '2000-01-01T00:00:00.000000000Z';

// ---------------------------------------------------------------------------

describe('period close, reports, audit and batch over HTTP', () => {
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let server: RunningServer;

  async function call(method: string, url: string, who?: Who, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (who) headers.authorization = `Bearer ${TOKENS[who]}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: parsed };
  }
  const get = (url: string, who: Who = 'admin') => call('GET', url, who);
  const post = (url: string, body: unknown, who: Who) => call('POST', url, who, body);

  async function created(url: string, body: unknown, who: Who): Promise<Answer> {
    const a = await post(url, body, who);
    if (a.status !== 201) throw new Error(`${url}: ${a.status} ${JSON.stringify(a.body)}`);
    return a;
  }

  const premiums = (p: { from: string; to: string; basis?: string; knownAt?: string }) => get(`/v1/reports/premiums${qs(p)}`, 'finance');
  const claimsReport = (p: { from: string; to: string; basis?: string; knownAt?: string }) => get(`/v1/reports/claims${qs(p)}`, 'finance');
  const trialBalance = (p: { asOf: string; knownAt?: string }) => get(`/v1/reports/trial-balance${qs(p)}`, 'finance');
  const period = (month: string, knownAt?: string) => get(`/v1/periods/${month}${qs({ knownAt })}`, 'finance');
  const audit = (kind: string, id: string, knownAt?: string) => get(`/v1/audit/entities/${kind}/${id}${qs({ knownAt })}`, 'auditor');

  /** The report without its knownAt echo: what must stay identical across knownAt. */
  function figures(a: Answer): unknown {
    expect(a.status).toBe(200);
    const { knownAt: _knownAt, ...rest } = a.body;
    return rest;
  }

  /** Credit-minus-debit of every UPR account at asOf, as known at `knownAt`. */
  async function uprBalances(asOf: string, knownAt: string): Promise<Map<string, bigint>> {
    const tb = await trialBalance({ asOf, knownAt });
    expect(tb.status).toBe(200);
    const upr = new Map<string, bigint>();
    for (const a of tb.body.accounts as { account: string; debit: string; credit: string }[]) {
      if (a.account.startsWith('upr:')) upr.set(a.account, cents(a.credit) - cents(a.debit));
    }
    return upr;
  }

  /** How each UPR account moved (signed money, credit positive) between two knownAt, at asOf; unchanged ones left out. */
  async function uprMovement(asOf: string, from: string, to: string): Promise<Record<string, string>> {
    const [a, b] = [await uprBalances(asOf, from), await uprBalances(asOf, to)];
    const out: Record<string, string> = {};
    for (const account of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const d = (b.get(account) ?? 0n) - (a.get(account) ?? 0n);
      if (d !== 0n) out[account] = `${d < 0n ? '-' : ''}${(d < 0n ? -d : d) / 100n}.${String((d < 0n ? -d : d) % 100n).padStart(2, '0')}`;
    }
    return out;
  }

  /**
   * Right after closing `month`: UPR:<CUR> at the month end is the sum of the
   * currency's policies' booked closing unearned premium, to the cent (the UPR
   * is a portfolio account per currency; the report is the subledger).
   */
  async function expectUprIsBookedUnearned(month: string, closedAt: string): Promise<void> {
    const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const upr = await uprBalances(last, closedAt);
    for (const account of upr.keys()) expect(account).toMatch(/^upr:[A-Z]{3}$/);
    const report = await premiums({ from: month, to: month, knownAt: closedAt });
    const unearned = new Map<string, bigint>();
    for (const line of report.body.policies as { policyId: string; currency: string; closingUnearned: string }[]) {
      const account = `upr:${line.currency}`;
      unearned.set(account, (unearned.get(account) ?? 0n) + cents(line.closingUnearned));
    }
    for (const [account, balance] of upr) if (balance === 0n) upr.delete(account);
    for (const [account, balance] of unearned) if (balance === 0n) unearned.delete(account);
    expect(upr).toEqual(unearned);
    expect(upr.size).toBeGreaterThan(0);
  }

  // System-time marks, filled in as the story runs.
  const t: Record<string, string> = {};
  let janBookedAtClose: unknown;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-periods-'));
    dataDir = path.join(dir, 'data');
    tokensFile = path.join(dir, 'tokens.json');
    const entries = Object.entries(TOKENS).map(([role, token]) => ({ token, actor: `${role}-pr`, roles: [role] }));
    fs.writeFileSync(tokensFile, JSON.stringify(entries), { mode: 0o600 });
    server = await startServer({ port: 0, dataDir, tokensFile, logger: false });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a month is open until closed; closing it seals every earlier month too, and the close is known from closedAt on', async () => {
    t.bind = (await created('/v1/policies', bindBody('P-1', TERM_2025, '3650.00'), 'underwriter')).body.recordedAt;

    expect((await period('2025-01')).body).toEqual({ period: '2025-01', status: 'open', knownAt: expect.any(String) });

    const closeId = cid();
    const close = await created('/v1/periods/2025-01/close', { commandId: closeId }, 'finance');
    // Earned through 2025-01-31: 31 days x 10.00.
    expect(close.body).toEqual({
      commandId: closeId,
      recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/),
      closedAt: close.body.recordedAt,
      period: '2025-01',
      status: 'closed',
      previousThrough: null,
      periods: ['2025-01'],
      trueUps: [{ currency: 'EUR', policies: 1, amount: '310.00' }],
    });
    t.close1 = close.body.closedAt;
    expect(t.close1 > t.bind).toBe(true);

    // Before the close: open; from closedAt on: closed, with the close's instant; earlier months too.
    expect((await period('2025-01', t.bind)).body).toEqual({ period: '2025-01', status: 'open', knownAt: t.bind });
    for (const knownAt of [t.close1, undefined]) {
      for (const month of ['2025-01', '2024-12', '1999-06']) {
        expect((await period(month, knownAt)).body).toMatchObject({ period: month, status: 'closed', closedAt: t.close1, closedBy: 'finance-pr' });
      }
    }
    expect((await period('2025-02')).body).toMatchObject({ status: 'open' });
    expect((await period('2025-02')).body.closedAt).toBeUndefined();

    // The same request again: the same 201, replayed.
    const again = await post('/v1/periods/2025-01/close', { commandId: closeId }, 'finance');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(close.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    // The booked January report as the close fixed it.
    const jan = await premiums({ from: '2025-01', to: '2025-01', knownAt: t.close1 });
    expect(jan.body).toEqual({
      from: '2025-01',
      to: '2025-01',
      basis: 'booked',
      knownAt: t.close1,
      totals: { written: '3650.00', earned: '310.00', openingUnearned: '0.00', closingUnearned: '3340.00' },
      totalsByCurrency: [{ currency: 'EUR', written: '3650.00', earned: '310.00', openingUnearned: '0.00', closingUnearned: '3340.00' }],
      policies: [{ policyId: 'P-1', currency: 'EUR', written: '3650.00', earned: '310.00', openingUnearned: '0.00', closingUnearned: '3340.00' }],
    });
    janBookedAtClose = figures(jan);
    await expectUprIsBookedUnearned('2025-01', t.close1);
  });

  test('a back-dated endorsement after the close: booked January never changes, restated does, the catch-up lands in February', async () => {
    // +365.00 a year from 2025-01-11 over a 365-day term: 1.00 a day; 355 days written, 21 of them in January.
    const endorse = await created('/v1/policies/P-1/endorsements', { commandId: cid(), effectiveDate: '2025-01-11', annualPremiumChange: '365.00' }, 'underwriter');
    t.endorse = endorse.body.recordedAt;

    // Booked in the first open month: the audit trail says so.
    const trail = await audit('policy', 'P-1');
    expect(trail.status).toBe(200);
    expect(trail.body.events.map((e: { type: string; effectiveDate: string; bookingPeriod: string }) => [e.type, e.effectiveDate, e.bookingPeriod])).toEqual([
      ['PolicyBound', '2025-01-01', '2025-01'],
      ['PolicyEndorsed', '2025-01-11', '2025-02'],
    ]);
    expect(trail.body.events[1]).toEqual({
      commandId: endorse.body.commandId,
      type: 'PolicyEndorsed',
      v: 1,
      effectiveDate: '2025-01-11',
      recordedAt: t.endorse,
      bookingPeriod: '2025-02',
      actor: 'underwriter-pr',
      payload: { policyId: 'P-1', annualPremiumChange: '365.00', layerEnd: '2026-01-01' },
      journal: {
        lines: [
          { account: 'premium-receivable:EUR:policy/P-1', currency: 'EUR', debit: '355.00', credit: '0.00' },
          { account: 'written-premium:EUR:policy/P-1', currency: 'EUR', debit: '0.00', credit: '355.00' },
          { account: 'change-in-upr:EUR', currency: 'EUR', debit: '355.00', credit: '0.00' },
          { account: 'upr:EUR', currency: 'EUR', debit: '0.00', credit: '355.00' },
        ],
      },
    });

    // Booked January: identical at every knownAt from the close on.
    for (const knownAt of [t.close1, t.endorse, undefined]) {
      expect(figures(await premiums({ from: '2025-01', to: '2025-01', basis: 'booked', knownAt }))).toEqual(janBookedAtClose);
    }
    // Restated January sees the endorsement: written 3650 + 355, earned 310 + 21.
    expect((await premiums({ from: '2025-01', to: '2025-01', basis: 'restated' })).body.totals).toEqual({
      written: '4005.00',
      earned: '331.00',
      openingUnearned: '0.00',
      closingUnearned: '3674.00',
    });
    // ... and as known at the close, restated is what booked showed.
    expect((await premiums({ from: '2025-01', to: '2025-01', basis: 'restated', knownAt: t.close1 })).body.totals).toEqual(
      (janBookedAtClose as { totals: unknown }).totals,
    );

    // February booked = C(Feb, now) - C(Jan, T1). C(Feb): written 4005, earned 59 x 10 + 49 x 1 = 639, unearned 3366.
    // Written 355.00 and earned 21.00 of the 329.00 are January's catch-up.
    expect((await premiums({ from: '2025-02', to: '2025-02' })).body.totals).toEqual({
      written: '355.00',
      earned: '329.00',
      openingUnearned: '3340.00',
      closingUnearned: '3366.00',
    });
    // February restated = C(Feb, now) - C(Jan, now): 28 x 10 + 28 x 1 = 308.00 earned, nothing written.
    expect((await premiums({ from: '2025-02', to: '2025-02', basis: 'restated' })).body.totals).toEqual({
      written: '0.00',
      earned: '308.00',
      openingUnearned: '3674.00',
      closingUnearned: '3366.00',
    });
    // Over both months the bases agree.
    for (const basis of ['booked', 'restated']) {
      expect((await premiums({ from: '2025-01', to: '2025-02', basis })).body.totals).toEqual({
        written: '4005.00',
        earned: '639.00',
        openingUnearned: '0.00',
        closingUnearned: '3366.00',
      });
    }
  });

  test('claims, the February close (true-up 329.00), a late reserve change booked in March', async () => {
    t.open = (
      await created(
        '/v1/claims',
        { commandId: cid(), claimId: 'C-1', policyId: 'P-1', lossDate: '2025-02-10', reportedDate: '2025-02-12', initialReserve: '1000.00' },
        'claims',
      )
    ).body.recordedAt;
    t.pay = (await created('/v1/claims/C-1/payments', { commandId: cid(), effectiveDate: '2025-02-20', amount: '300.00' }, 'claims')).body.recordedAt;

    const close = await created('/v1/periods/2025-02/close', { commandId: cid() }, 'finance');
    // Earned through 2025-02-28: 639.00 (59 x 10 + 49 x 1); January posted 310.00.
    expect(close.body).toMatchObject({
      period: '2025-02',
      previousThrough: '2025-01',
      periods: ['2025-02'],
      trueUps: [{ currency: 'EUR', policies: 1, amount: '329.00' }],
    });
    t.close2 = close.body.closedAt;
    await expectUprIsBookedUnearned('2025-02', t.close2);

    const reserve = await created('/v1/claims/C-1/reserve', { commandId: cid(), effectiveDate: '2025-02-25', change: '200.00' }, 'claims');
    t.reserve = reserve.body.recordedAt;
    const trail = await audit('claim', 'C-1');
    expect(trail.body.events.map((e: { type: string; bookingPeriod: string }) => [e.type, e.bookingPeriod])).toEqual([
      ['ClaimOpened', '2025-02'],
      ['ClaimPaid', '2025-02'],
      ['ClaimReserveChanged', '2025-03'],
    ]);

    // Booked February: as closed (reserve 1000 - 300 = 700), whatever came later.
    const febBooked = { openingReserve: '0.00', newReserves: '1000.00', reserveChanges: '0.00', paid: '300.00', recoveries: '0.00', closingReserve: '700.00', incurred: '1000.00' };
    for (const knownAt of [t.close2, t.reserve, undefined]) {
      expect((await claimsReport({ from: '2025-02', to: '2025-02', knownAt })).body.totals).toEqual(febBooked);
    }
    // Restated February has the +200.00.
    expect((await claimsReport({ from: '2025-02', to: '2025-02', basis: 'restated' })).body.totals).toEqual({
      openingReserve: '0.00',
      newReserves: '1000.00',
      reserveChanges: '200.00',
      paid: '300.00',
      recoveries: '0.00',
      closingReserve: '900.00',
      incurred: '1200.00',
    });
    // Booked March carries it as catch-up: 700 + 0 + 200 - 0 = 900; incurred 0 + 900 - 700 = 200.
    const mar = await claimsReport({ from: '2025-03', to: '2025-03' });
    expect(mar.body).toEqual({
      from: '2025-03',
      to: '2025-03',
      basis: 'booked',
      knownAt: expect.any(String),
      totals: { openingReserve: '700.00', newReserves: '0.00', reserveChanges: '200.00', paid: '0.00', recoveries: '0.00', closingReserve: '900.00', incurred: '200.00' },
      totalsByCurrency: [
        { currency: 'EUR', openingReserve: '700.00', newReserves: '0.00', reserveChanges: '200.00', paid: '0.00', recoveries: '0.00', closingReserve: '900.00', incurred: '200.00' },
      ],
      claims: [
        {
          claimId: 'C-1',
          policyId: 'P-1',
          currency: 'EUR',
          openingReserve: '700.00',
          newReserves: '0.00',
          reserveChanges: '200.00',
          paid: '0.00',
          recoveries: '0.00',
          closingReserve: '900.00',
          incurred: '200.00',
        },
      ],
    });
  });

  test('trial balance by hand at several (asOf, knownAt)', async () => {
    const tb = async (asOf: string, knownAt?: string) => {
      const a = await trialBalance({ asOf, knownAt });
      expect(a.status).toBe(200);
      return a.body;
    };
    // Nothing effective yet, or nothing known yet.
    expect(await tb('2024-12-31')).toMatchObject({ asOf: '2024-12-31', accounts: [], subledger: [], totals: { debit: '0.00', credit: '0.00' } });
    expect((await tb('2025-12-31', BEFORE_EVERYTHING)).accounts).toEqual([]);

    // End of January as closed: bind 3650 both sides, true-up 310 off the UPR.
    expect(await tb('2025-01-31', t.close1)).toEqual({
      asOf: '2025-01-31',
      knownAt: t.close1,
      ...splitLedger([
        { account: 'change-in-upr:EUR', debit: '3340.00', credit: '0.00' },
        { account: 'premium-receivable:EUR:policy/P-1', debit: '3650.00', credit: '0.00' },
        { account: 'upr:EUR', debit: '0.00', credit: '3340.00' },
        { account: 'written-premium:EUR:policy/P-1', debit: '0.00', credit: '3650.00' },
      ]),
      totals: { debit: '6990.00', credit: '6990.00' },
    });
    // The same date once the back-dated endorsement is known: +355.00 written and in the UPR (its true-up comes in February).
    expect((await tb('2025-01-31', t.endorse)).totals).toEqual({ debit: '7700.00', credit: '7700.00' });

    // End of February as closed: UPR 4005 - 639 = 3366 (the restated closing unearned); claim reserve 1000 - 300.
    expect(await tb('2025-02-28', t.close2)).toMatchObject(
      splitLedger([
        { account: 'cash:EUR', debit: '0.00', credit: '300.00' },
        { account: 'change-in-claims-reserve:EUR', debit: '700.00', credit: '0.00' },
        { account: 'change-in-upr:EUR', debit: '3366.00', credit: '0.00' },
        { account: 'claims-paid:EUR:claim/C-1', debit: '300.00', credit: '0.00' },
        { account: 'claims-reserve:EUR:claim/C-1', debit: '0.00', credit: '700.00' },
        { account: 'premium-receivable:EUR:policy/P-1', debit: '4005.00', credit: '0.00' },
        { account: 'upr:EUR', debit: '0.00', credit: '3366.00' },
        { account: 'written-premium:EUR:policy/P-1', debit: '0.00', credit: '4005.00' },
      ]),
    );
    expect((await tb('2025-02-28', t.close2)).totals).toEqual({ debit: '8371.00', credit: '8371.00' });
    // With the late +200.00 reserve (effective 2025-02-25).
    expect((await tb('2025-02-28', t.reserve)).totals).toEqual({ debit: '8571.00', credit: '8571.00' });
  });

  test('closing a closed month: 409 period_already_closed, recorded; its retry gets the same 409', async () => {
    const id = cid();
    const first = await post('/v1/periods/2025-01/close', { commandId: id }, 'finance');
    expectProblem(first, 409, 'period_already_closed');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await post('/v1/periods/2025-01/close', { commandId: id }, 'finance');
    expectProblem(retry, 409, 'period_already_closed');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // An earlier month, closed by the January close.
    expectProblem(await post('/v1/periods/2024-07/close', { commandId: cid() }, 'finance'), 409, 'period_already_closed');
    // The same commandId on another month is another request.
    expectProblem(await post('/v1/periods/2025-03/close', { commandId: id }, 'finance'), 409, 'exists_with_different_fields');
    // Nothing moved.
    expect((await period('2025-03')).body.status).toBe('open');

    // Refusals before deciding.
    expectProblem(await post('/v1/periods/2025-03/close', { commandId: cid() }, 'underwriter'), 403, 'forbidden');
    expectProblem(await post('/v1/periods/2025-13/close', { commandId: cid() }, 'finance'), 400, 'validation_failed');
    expectProblem(await post('/v1/periods/2025-03/close', { commandId: cid(), extra: 1 }, 'finance'), 400, 'validation_failed');
    expectProblem(await post('/v1/periods/2025-03/close', {}, 'finance'), 400, 'validation_failed');
    expect((await period('2025-03')).body.status).toBe('open');
  });

  test('queries: parameters checked, areas enforced, unknown entities 404', async () => {
    const bad = await premiums({ from: '2025-03', to: '2025-02' });
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.errors).toEqual([{ path: 'to', message: expect.any(String) }]);
    expectProblem(await premiums({ from: '2025-01', to: '2025-02', basis: 'cash' }), 400, 'validation_failed');
    expectProblem(await get('/v1/reports/premiums?to=2025-02', 'finance'), 400, 'validation_failed');
    expectProblem(await get('/v1/reports/claims?from=2025-01&to=2025-02&asof=2025-01-01', 'finance'), 400, 'validation_failed');
    expectProblem(await claimsReport({ from: '2025-03', to: '2025-01' }), 400, 'validation_failed');
    expectProblem(await trialBalance({ asOf: '2025-02-30' }), 400, 'validation_failed');
    expectProblem(await get('/v1/periods/2025-1', 'finance'), 400, 'validation_failed');
    expectProblem(await period('2025-01', 'yesterday'), 400, 'validation_failed');

    // Reports and periods: finance, auditor, admin. The audit trail: auditor and admin only.
    for (const who of ['finance', 'auditor', 'admin'] as const) {
      expect((await get('/v1/reports/premiums?from=2025-01&to=2025-01', who)).status).toBe(200);
      expect((await get('/v1/reports/trial-balance', who)).status).toBe(200);
      expect((await get('/v1/periods/2025-01', who)).status).toBe(200);
    }
    for (const who of ['underwriter', 'claims'] as const) {
      expectProblem(await get('/v1/reports/claims?from=2025-01&to=2025-01', who), 403, 'forbidden');
      expectProblem(await get('/v1/periods/2025-01', who), 403, 'forbidden');
    }
    for (const who of ['finance', 'underwriter'] as const) expectProblem(await get('/v1/audit/entities/policy/P-1', who), 403, 'forbidden');
    expect((await get('/v1/audit/entities/policy/P-1', 'admin')).status).toBe(200);
    expectProblem(await call('GET', '/v1/reports/premiums?from=2025-01&to=2025-01'), 401, 'unauthorized');

    // The audit trail: kind checked, unknown entity 404, unknown at knownAt 404, known events only.
    expectProblem(await audit('ledger', 'periods'), 400, 'validation_failed');
    expectProblem(await audit('policies', 'P-1'), 400, 'validation_failed');
    expectProblem(await audit('policy', 'P-NONE'), 404, 'not_found');
    expectProblem(await audit('fund', 'F-1'), 404, 'not_found');
    expectProblem(await audit('policy', 'P-1', BEFORE_EVERYTHING), 404, 'not_found');
    expect((await audit('policy', 'P-1', t.close1)).body.events.map((e: { type: string }) => e.type)).toEqual(['PolicyBound']);
    expect((await audit('claim', 'C-1', t.pay)).body.events.map((e: { type: string }) => e.type)).toEqual(['ClaimOpened', 'ClaimPaid']);
    // Record order, strictly increasing recordedAt.
    const events = (await audit('claim', 'C-1')).body.events as { recordedAt: string }[];
    for (let i = 1; i < events.length; i++) expect(events[i].recordedAt > events[i - 1].recordedAt).toBe(true);
  });

  test('/v1/batch as an underwriter: per-item statuses, each as if sent alone; durable effects after', async () => {
    const [b0, b1, b2, b3, b4, b5, b6, b8] = Array.from({ length: 8 }, cid);
    const invalidBind = bindBody('P-X', { start: '2026-01-01', end: '2027-01-01' }, '1.234', b2);
    const commands = [
      // 0: binds P-B: 730.00 over 365 days, 2.00 a day.
      { path: '/v1/policies', body: bindBody('P-B', TERM_MAR_2025, '730.00', b0) },
      // 1: endorses the policy the same batch just bound: +365.00 from 2025-04-01, 334 days = 334.00 written.
      { path: '/v1/policies/P-B/endorsements', body: { commandId: b1, effectiveDate: '2025-04-01', annualPremiumChange: '365.00' } },
      // 2: invalid body (3 fraction digits).
      { path: '/v1/policies', body: invalidBind },
      // 3: not an underwriter's command.
      { path: '/v1/periods/2025-03/close', body: { commandId: b3 } },
      // 4: domain rejection: P-1 exists.
      { path: '/v1/policies', body: bindBody('P-1', TERM_2025, '1.00', b4) },
      // 5: no such route.
      { path: '/v1/nothing', body: { commandId: b5 } },
      // 6: unknown policy (decided: a recorded 404).
      { path: '/v1/policies/P-NOPE/endorsements', body: { commandId: b6, effectiveDate: '2025-04-01', annualPremiumChange: '1.00' } },
      // 7: b0 again with another body.
      { path: '/v1/policies', body: bindBody('P-B2', TERM_MAR_2025, '730.00', b0) },
      // 8: outside P-B's term.
      { path: '/v1/policies/P-B/endorsements', body: { commandId: b8, effectiveDate: '2026-05-01', annualPremiumChange: '1.00' } },
    ];
    const batch = await post('/v1/batch', { commands }, 'underwriter');
    expect(batch.status).toBe(200);
    const results = batch.body.results as { status: number; body: any; replayed?: boolean }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(results.map((r) => r.status)).toEqual([201, 201, 400, 403, 422, 404, 404, 409, 422]);
    expect(results[0].body).toMatchObject({ commandId: b0, policyId: 'P-B', writtenPremium: '730.00' });
    expect(results[1].body).toMatchObject({ commandId: b1, policyId: 'P-B', writtenPremium: '334.00', totalWrittenPremium: '1064.00' });
    expect(results[1].body.recordedAt > results[0].body.recordedAt).toBe(true);
    expect(results[2].body.errors).toEqual([{ path: 'premium', message: expect.any(String) }]);
    expect(results[4].body).toMatchObject({ code: 'entity_exists', status: 422 });
    expect(results[6].body).toMatchObject({ code: 'not_found' });
    expect(results[7].body).toMatchObject({ code: 'exists_with_different_fields' });
    expect(results[8].body).toMatchObject({ code: 'effective_date_outside_term' });
    expect(results.some((r) => r.replayed)).toBe(false);

    // Each refusal is exactly the body the command gets alone.
    expect(await post('/v1/policies', invalidBind, 'underwriter')).toMatchObject({ status: 400, body: results[2].body });
    expect(await post('/v1/periods/2025-03/close', { commandId: b3 }, 'underwriter')).toMatchObject({ status: 403, body: results[3].body });
    expect(await post('/v1/nothing', { commandId: b5 }, 'underwriter')).toMatchObject({ status: 404, body: results[5].body });
    // Decided refusals were recorded: a retry alone replays them.
    for (const [i, url] of [[4, '/v1/policies'], [6, '/v1/policies/P-NOPE/endorsements'], [8, '/v1/policies/P-B/endorsements']] as const) {
      const alone = await post(url, commands[i].body, 'underwriter');
      expect({ status: alone.status, body: alone.body }).toEqual({ status: results[i].status, body: results[i].body });
      expect(alone.headers.get('idempotent-replayed')).toBe('true');
    }

    // Durable: P-B with both layers, its two events in the audit trail.
    const pb = await get(`/v1/policies/P-B${qs({ asOf: '2026-02-28', knownAt: results[1].body.recordedAt })}`, 'underwriter');
    expect(pb.body).toMatchObject({ policyId: 'P-B', written: '1064.00' });
    const trail = await audit('policy', 'P-B');
    expect(trail.body.events.map((e: { commandId: string; type: string; bookingPeriod: string; actor: string }) => [e.commandId, e.type, e.bookingPeriod, e.actor])).toEqual([
      [b0, 'PolicyBound', '2025-03', 'underwriter-pr'],
      [b1, 'PolicyEndorsed', '2025-04', 'underwriter-pr'],
    ]);
    expectProblem(await audit('policy', 'P-B2'), 404, 'not_found');

    // The same batch again: every decided outcome replayed, the refusals the same.
    const again = await post('/v1/batch', { commands }, 'underwriter');
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400, 403, 422, 404, 404, 409, 422]);
    expect(again.body.results.map((r: { replayed?: boolean }) => r.replayed === true)).toEqual([true, true, false, false, true, false, true, false, true]);
    expect(again.body.results[0].body).toEqual(results[0].body);
    expect(again.body.results[1].body).toEqual(results[1].body);

    // Refused before deciding = not recorded: those commandIds are still free.
    await created('/v1/policies', bindBody('P-X', { start: '2026-01-01', end: '2027-01-01' }, '100.00', b2), 'underwriter');
    await created('/v1/policies', bindBody('P-Y', { start: '2026-01-01', end: '2027-01-01' }, '100.00', b3), 'underwriter');
    await created('/v1/policies', bindBody('P-Z', { start: '2026-01-01', end: '2027-01-01' }, '100.00', b5), 'underwriter');
  });

  test('/v1/batch: the batch itself is validated; no token, 401', async () => {
    const item = { path: '/v1/policies', body: bindBody('P-Q', TERM_2025, '1.00') };
    expectProblem(await post('/v1/batch', { commands: [] }, 'underwriter'), 400, 'validation_failed');
    expectProblem(await post('/v1/batch', { commands: [item], atomic: true }, 'underwriter'), 400, 'validation_failed');
    expectProblem(await post('/v1/batch', [item], 'underwriter'), 400, 'validation_failed');
    const noBody = await post('/v1/batch', { commands: [{ path: '/v1/policies' }] }, 'underwriter');
    expectProblem(noBody, 400, 'validation_failed');
    expect(noBody.body.errors.map((e: { path: string }) => e.path)).toEqual(['commands.0.body']);
    const tooMany = await post('/v1/batch', { commands: Array.from({ length: 8190 }, () => ({ path: '/v1/x', body: {} })) }, 'underwriter');
    expectProblem(tooMany, 400, 'validation_failed');
    expect(tooMany.body.errors.map((e: { path: string }) => e.path)).toEqual(['commands']);
    expectProblem(await call('POST', '/v1/batch', undefined, { commands: [item] }), 401, 'unauthorized');
    expectProblem(await audit('policy', 'P-Q'), 404, 'not_found'); // nothing ran
  });

  test('/v1/batch as admin: a close inside a batch sees the policy bound before it; later items book into the next month', async () => {
    const [c0, c1, c2, c3] = Array.from({ length: 4 }, cid);
    const batch = await post(
      '/v1/batch',
      {
        commands: [
          // P-C: 3,650.00 from 2025-03-01, 10.00 a day.
          { path: '/v1/policies', body: bindBody('P-C', TERM_MAR_2025, '3650.00', c0) },
          { path: '/v1/periods/2025-03/close', body: { commandId: c1 } },
          { path: '/v1/periods/2025-03/close', body: { commandId: c2 } },
          // +365.00 a year from 2025-03-15: 351 days = 351.00 written, after March closed.
          { path: '/v1/policies/P-C/endorsements', body: { commandId: c3, effectiveDate: '2025-03-15', annualPremiumChange: '365.00' } },
        ],
      },
      'admin',
    );
    expect(batch.status).toBe(200);
    const results = batch.body.results;
    expect(results.map((r: { status: number }) => r.status)).toEqual([201, 201, 409, 201]);
    // Earned through 2025-03-31:
    //   P-1: 90 x 10 + 80 x 1 = 980.00, February posted 639.00  -> 341.00
    //   P-B: 31 x 2 = 62.00 (its endorsement starts in April)   ->  62.00
    //   P-C: 31 x 10 = 310.00, bound earlier in this batch        -> 310.00
    //   P-X, P-Y, P-Z: terms from 2026: nothing.
    expect(results[1].body).toEqual({
      commandId: c1,
      recordedAt: expect.any(String),
      closedAt: results[1].body.recordedAt,
      period: '2025-03',
      status: 'closed',
      previousThrough: '2025-02',
      periods: ['2025-03'],
      trueUps: [{ currency: 'EUR', policies: 3, amount: '713.00' }],
    });
    t.close3 = results[1].body.closedAt;
    // What the close moved on the currency's UPR (the trial balance just before it and as closed): 341.00 + 62.00 + 310.00.
    expect(await uprMovement('2025-03-31', results[0].body.recordedAt, t.close3)).toEqual({
      'upr:EUR': '-713.00',
    });
    expect(results[1].body.trueUps).toHaveLength(1);
    await expectUprIsBookedUnearned('2025-03', t.close3);
    expect(results[2].body).toMatchObject({ code: 'period_already_closed' });
    expect((await audit('policy', 'P-C')).body.events.map((e: { type: string; bookingPeriod: string }) => [e.type, e.bookingPeriod])).toEqual([
      ['PolicyBound', '2025-03'],
      ['PolicyEndorsed', '2025-04'],
    ]);
    expect((await period('2025-03')).body).toMatchObject({ status: 'closed', closedAt: t.close3, closedBy: 'admin-pr' });
    expect((await period('2025-03', results[0].body.recordedAt)).body.status).toBe('open');

    // Booked March (as closed): P-1 0 / 341 / 3366 -> 3025; P-B 730 / 62 / 0 -> 668; P-C 3650 / 310 / 0 -> 3340.
    const marBooked = await premiums({ from: '2025-03', to: '2025-03' });
    expect(marBooked.body.totals).toEqual({ written: '4380.00', earned: '713.00', openingUnearned: '3366.00', closingUnearned: '7033.00' });
    expect(marBooked.body.policies.find((p: { policyId: string }) => p.policyId === 'P-C')).toEqual({
      policyId: 'P-C',
      currency: 'EUR',
      written: '3650.00',
      earned: '310.00',
      openingUnearned: '0.00',
      closingUnearned: '3340.00',
    });
    // Restated March has P-C's endorsement: +351.00 written, +17.00 earned (03-15..03-31).
    expect((await premiums({ from: '2025-03', to: '2025-03', basis: 'restated' })).body.policies.find((p: { policyId: string }) => p.policyId === 'P-C')).toEqual({
      policyId: 'P-C',
      currency: 'EUR',
      written: '4001.00',
      earned: '327.00',
      openingUnearned: '0.00',
      closingUnearned: '3674.00',
    });
    // The trial balance as closed: UPR:EUR is the booked closing unearned of the EUR policies (3025 + 668 + 3340), P-C's 3340.00 among them.
    const tb = await trialBalance({ asOf: '2025-03-31', knownAt: t.close3 });
    expect(tb.body.accounts.filter((a: { account: string }) => a.account.startsWith('upr:'))).toEqual([
      {
        account: 'upr:EUR',
        debit: '0.00',
        credit: '7033.00',
      },
    ]);
  });

  test('every report identity of api.md holds exactly at many (from, to, basis, knownAt) and (asOf, knownAt)', async () => {
    const knownAts = [BEFORE_EVERYTHING, t.bind, t.close1, t.endorse, t.open, t.pay, t.close2, t.reserve, t.close3, undefined];
    const ranges = [
      ['2024-12', '2024-12'],
      ['2025-01', '2025-01'],
      ['2025-01', '2025-03'],
      ['2025-02', '2025-02'],
      ['2025-03', '2025-04'],
      ['2025-02', '2025-12'],
      ['2024-01', '2026-06'],
    ];
    let checked = 0;
    for (const knownAt of knownAts) {
      for (const [from, to] of ranges) {
        for (const basis of ['booked', 'restated']) {
          const p = await premiums({ from, to, basis, knownAt });
          expect(p.status).toBe(200);
          const lines = [p.body.totals, ...p.body.totalsByCurrency, ...p.body.policies];
          for (const x of lines) {
            expect(cents(x.earned)).toBe(cents(x.written) + cents(x.openingUnearned) - cents(x.closingUnearned));
          }
          for (const k of ['written', 'earned', 'openingUnearned', 'closingUnearned']) {
            expect(cents(p.body.totals[k])).toBe(p.body.policies.reduce((s: bigint, l: Record<string, string>) => s + cents(l[k]), 0n));
          }
          const c = await claimsReport({ from, to, basis, knownAt });
          expect(c.status).toBe(200);
          for (const x of [c.body.totals, ...c.body.totalsByCurrency, ...c.body.claims]) {
            expect(cents(x.closingReserve)).toBe(cents(x.openingReserve) + cents(x.newReserves) + cents(x.reserveChanges) - cents(x.paid));
            expect(cents(x.incurred)).toBe(cents(x.paid) + cents(x.closingReserve) - cents(x.openingReserve));
          }
          checked++;
        }
      }
      for (const asOf of ['2024-12-31', '2025-01-10', '2025-01-31', '2025-02-28', '2025-03-31', '2025-12-31', '2026-06-30']) {
        const tb = await trialBalance({ asOf, knownAt });
        expect(tb.status).toBe(200);
        expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
        const debit = tb.body.accounts.reduce((s: bigint, a: { debit: string }) => s + cents(a.debit), 0n);
        const credit = tb.body.accounts.reduce((s: bigint, a: { credit: string }) => s + cents(a.credit), 0n);
        expect([debit, credit]).toEqual([cents(tb.body.totals.debit), cents(tb.body.totals.credit)]);
      }
    }
    expect(checked).toBe(knownAts.length * ranges.length * 2);
    // The closed months' booked figures, once more, after everything.
    expect(figures(await premiums({ from: '2025-01', to: '2025-01' }))).toEqual(janBookedAtClose);
  });

  test('after a restart on the same data directory: the same answers, and the next close reads what earlier closes posted from the log', async () => {
    const before = {
      jan: figures(await premiums({ from: '2025-01', to: '2025-01', knownAt: t.close3 })),
      mar: await premiums({ from: '2025-03', to: '2025-03', knownAt: t.close3 }),
      claims: await claimsReport({ from: '2025-01', to: '2025-04', knownAt: t.close3 }),
      tb: await trialBalance({ asOf: '2025-12-31', knownAt: t.close3 }),
      trail: await audit('policy', 'P-1', t.close3),
      feb: await period('2025-02', t.close3),
    };
    await server.close();
    server = await startServer({ port: 0, dataDir, tokensFile, logger: false });

    expect(figures(await premiums({ from: '2025-01', to: '2025-01', knownAt: t.close3 }))).toEqual(before.jan);
    expect((await premiums({ from: '2025-03', to: '2025-03', knownAt: t.close3 })).body).toEqual(before.mar.body);
    expect((await claimsReport({ from: '2025-01', to: '2025-04', knownAt: t.close3 })).body).toEqual(before.claims.body);
    expect((await trialBalance({ asOf: '2025-12-31', knownAt: t.close3 })).body).toEqual(before.tb.body);
    expect((await audit('policy', 'P-1', t.close3)).body).toEqual(before.trail.body);
    expect((await period('2025-02', t.close3)).body).toEqual(before.feb.body);
    expectProblem(await post('/v1/periods/2025-03/close', { commandId: cid() }, 'finance'), 409, 'period_already_closed');

    // Earned through 2025-04-30, less what January to March posted:
    //   P-1: 120 x 10 + 110 x 1 = 1310.00 - 980.00 = 330.00
    //   P-B:  61 x 2  +  30 x 1 =  152.00 -  62.00 =  90.00
    //   P-C:  61 x 10 +  47 x 1 =  657.00 - 310.00 = 347.00 (17 of those days are March's catch-up)
    const beforeClose = (await trialBalance({ asOf: '2025-04-30' })).body.knownAt;
    const close = await created('/v1/periods/2025-04/close', { commandId: cid() }, 'finance');
    expect(close.body.trueUps).toEqual([{ currency: 'EUR', policies: 3, amount: '767.00' }]);
    expect(await uprMovement('2025-04-30', beforeClose, close.body.closedAt)).toEqual({
      'upr:EUR': '-767.00',
    });
    await expectUprIsBookedUnearned('2025-04', close.body.closedAt);
    // After the April close UPR:EUR at 2025-04-30 is the sum of the policies' unearned premium, P-C's 4001.00 - 657.00 among them.
    const tb = await trialBalance({ asOf: '2025-04-30' });
    const apr = await premiums({ from: '2025-04', to: '2025-04' });
    expect(tb.body.accounts.find((a: { account: string }) => a.account === 'upr:EUR')).toEqual({ account: 'upr:EUR', debit: '0.00', credit: apr.body.totals.closingUnearned });
    expect(cents(apr.body.totals.closingUnearned)).toBe(apr.body.policies.reduce((s: bigint, l: { closingUnearned: string }) => s + cents(l.closingUnearned), 0n));
    expect(apr.body.policies.find((p: { policyId: string }) => p.policyId === 'P-C')).toMatchObject({ closingUnearned: '3344.00' });
  });
});
