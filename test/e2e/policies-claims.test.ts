// Policies and claims end to end: a real server on a real data directory,
// real HTTP, no mocks. Every figure below is checked by hand (the arithmetic
// is in the comments) against domain.md's rules; then the server is restarted
// on the same data directory and must answer every query exactly as before.
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { startServer } from '../../apps/api/src/main';
import type { RunningServer } from '../../apps/api/src/main';

// ---------------------------------------------------------------------------
// Helpers

const TOKENS = {
  underwriter: 'tok-e2e-underwriter-0123456789abcdef',
  claims: 'tok-e2e-claims-0123456789abcdef00000',
  pensions: 'tok-e2e-pensions-0123456789abcdef000',
  finance: 'tok-e2e-finance-0123456789abcdef0000',
  auditor: 'tok-e2e-auditor-0123456789abcdef0000',
  admin: 'tok-e2e-admin-0123456789abcdef000000',
  both: 'tok-e2e-both-0123456789abcdef0000000',
};

const TOKEN_FILE_ENTRIES = [
  { token: TOKENS.underwriter, actor: 'uma', roles: ['underwriter'] },
  { token: TOKENS.claims, actor: 'carl', roles: ['claims'] },
  { token: TOKENS.pensions, actor: 'pia', roles: ['pensions'] },
  { token: TOKENS.finance, actor: 'fred', roles: ['finance'] },
  { token: TOKENS.auditor, actor: 'audrey', roles: ['auditor'] },
  { token: TOKENS.admin, actor: 'ada', roles: ['admin'] },
  { token: TOKENS.both, actor: 'bo', roles: ['underwriter', 'claims'] },
];

interface Answer {
  status: number;
  type: string | null;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A fresh commandId: 128 random bits as 32 lowercase hex digits. */
function cid(): string {
  return randomBytes(16).toString('hex');
}

const TERM_2026 = { start: '2026-01-01', end: '2027-01-01' }; // 365 days

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code }).toEqual({ status, code });
  expect(a.type).toMatch(/^application\/problem\+json/);
  expect(a.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(a.body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
}

/** A 422 of api.md: type invariant_violation, the rule in `code`. */
function expectInvariant(a: Answer, code: string): void {
  expectProblem(a, 422, code);
  expect(a.body.type).toMatch(/invariant_violation$/);
}

/** A 400 listing (at least) these field paths. */
function expectValidation(a: Answer, ...paths: string[]): void {
  expectProblem(a, 400, 'validation_failed');
  expect(Array.isArray(a.body.errors)).toBe(true);
  const got = (a.body.errors as { path: string }[]).map((e) => e.path);
  for (const p of paths) expect(got).toContain(p);
}

function expectCreated(a: Answer, commandId: string): void {
  expect({ status: a.status, body: a.body }).toMatchObject({ status: 201, body: { commandId } });
  expect(a.type).toMatch(/^application\/json/);
  expect(a.body.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  expect(a.headers.get('idempotent-replayed')).toBeNull();
}

function expectReplayOf(again: Answer, first: Answer): void {
  expect(again.status).toBe(first.status);
  expect(again.body).toEqual(first.body);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.type).toBe(first.type);
}

// ---------------------------------------------------------------------------

describe('policies and claims over real HTTP', () => {
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let server: RunningServer;

  async function call(method: string, url: string, opts: { token?: string; body?: string | object } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await fetch(server.url + url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: parsed };
  }

  const post = (url: string, body: string | object, token: string = TOKENS.underwriter) => call('POST', url, { token, body });
  const get = (url: string, token: string = TOKENS.auditor) => call('GET', url, { token });

  function bindBody(policyId: string, premium = '1200.00', term = TERM_2026, commandId = cid()) {
    return { commandId, policyId, currency: 'EUR', holder: { name: `Holder of ${policyId}` }, term, premium };
  }

  async function bind(policyId: string, premium = '1200.00', term = TERM_2026): Promise<Answer> {
    const body = bindBody(policyId, premium, term);
    const a = await post('/v1/policies', body);
    expectCreated(a, body.commandId);
    return a;
  }

  async function policy(policyId: string, asOf: string, knownAt?: string): Promise<Answer> {
    const q = new URLSearchParams({ asOf, ...(knownAt ? { knownAt } : {}) });
    return get(`/v1/policies/${policyId}?${q}`);
  }

  async function claim(claimId: string, asOf: string, knownAt?: string): Promise<Answer> {
    const q = new URLSearchParams({ asOf, ...(knownAt ? { knownAt } : {}) });
    return get(`/v1/claims/${claimId}?${q}`);
  }

  /** Every entity this suite created, queried again after the restart. */
  const policyIds = new Set<string>();
  const claimIds = new Set<string>();
  /** Commands whose outcome must replay identically after the restart. */
  const replays: { url: string; body: object; token: string; first: Answer }[] = [];
  /** A knownAt in the middle of the suite: the recordedAt of C-1's first payment. */
  let midpoint = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-e2e-pc-'));
    dataDir = path.join(dir, 'data');
    tokensFile = path.join(dir, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE_ENTRIES), { mode: 0o600 });
    server = await startServer({ port: 0, dataDir, tokensFile, logger: false });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // -------------------------------------------------------------------------
  // Non-life premium

  test("domain.md's worked example: 3000.00 for 365 days, +2000.00 layer, 280 and 85 days elapsed -> earned 2767.12", async () => {
    const bound = await bind('WX-1', '3000.00');
    policyIds.add('WX-1');
    expect(bound.body).toEqual({
      commandId: expect.any(String),
      recordedAt: expect.any(String),
      policyId: 'WX-1',
      status: 'active',
      currency: 'EUR',
      term: TERM_2026,
      premium: '3000.00',
      writtenPremium: '3000.00',
    });

    // asOf = start + 279 days = 2026-10-07 (day 280 of 2026): layer 0 has run 280 days (V + 1 - s).
    // For the +2000.00 layer to have run 85 days by then it starts 2026-07-15 (Jul 15..31 = 17,
    // Aug 31, Sep 30, Oct 1..7 = 7: 85) and runs to the term end: 170 days.
    const endorsement = { commandId: cid(), effectiveDate: '2026-07-15', annualPremiumChange: '2000.00' };
    const endorsed = await post('/v1/policies/WX-1/endorsements', endorsement);
    expectCreated(endorsed, endorsement.commandId);
    // W1 = 2000 * 170 / 365 = 931.5068... -> 931.51; written = round(3000 + 931.5068...) = 3931.51.
    expect(endorsed.body).toEqual({
      commandId: endorsement.commandId,
      recordedAt: expect.any(String),
      policyId: 'WX-1',
      effectiveDate: '2026-07-15',
      annualPremiumChange: '2000.00',
      fullTermPremium: '5000.00',
      writtenPremium: '931.51',
      writtenPremiumChange: '931.51',
      totalWrittenPremium: '3931.51',
    });
    expect(endorsed.body.recordedAt > bound.body.recordedAt).toBe(true);

    // earned = round(3000*280/365 + 2000*85/365) = round(2301.3698... + 465.7534...) = round(2767.1232...) = 2767.12
    // (a daily rate rounded first, 8.22 * 280 + 5.48 * 85 = 2767.40, would be wrong).
    const worked = await policy('WX-1', '2026-10-07');
    expect(worked.status).toBe(200);
    expect(worked.body).toEqual({
      policyId: 'WX-1',
      status: 'active',
      currency: 'EUR',
      term: TERM_2026,
      written: '3931.51',
      earned: '2767.12',
      unearned: '1164.39',
      received: '0.00',
      // Nothing paid: the whole written premium is owed (issue 11's premium balance).
      refunded: '0.00',
      balance: '3931.51',
      asOf: '2026-10-07',
      knownAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/),
    });

    // knownAt = the bind's recordedAt: the endorsement was not known yet.
    // earned = round(3000*280/365) = round(2301.3698...) = 2301.37; unearned = 3000.00 - 2301.37 = 698.63.
    const before = await policy('WX-1', '2026-10-07', bound.body.recordedAt);
    expect(before.body).toMatchObject({ written: '3000.00', earned: '2301.37', unearned: '698.63', knownAt: bound.body.recordedAt });
    // knownAt = the endorsement's recordedAt: known.
    expect((await policy('WX-1', '2026-10-07', endorsed.body.recordedAt)).body).toMatchObject({ written: '3931.51', earned: '2767.12' });
    // Before the bind was recorded the policy did not exist.
    expectProblem(await policy('WX-1', '2026-10-07', '2020-01-01T00:00:00Z'), 404, 'not_found');
    // A knownAt with fewer fraction digits is echoed with 9.
    expect((await policy('WX-1', '2026-10-07', '2999-01-01T00:00:00.5Z')).body.knownAt).toBe('2999-01-01T00:00:00.500000000Z');
  });

  test('endorsement layer running its last 85 days: written on its effective date, earned day by day to the term end', async () => {
    await bind('W85-1', '3000.00');
    policyIds.add('W85-1');
    // 2026-10-08 .. 2027-01-01 = 24 + 30 + 31 = 85 days. W1 = 2000 * 85 / 365 = 465.7534... -> 465.75.
    const body = { commandId: cid(), effectiveDate: '2026-10-08', annualPremiumChange: '2000.00' };
    const a = await post('/v1/policies/W85-1/endorsements', body);
    expectCreated(a, body.commandId);
    expect(a.body).toMatchObject({ fullTermPremium: '5000.00', writtenPremium: '465.75', writtenPremiumChange: '465.75', totalWrittenPremium: '3465.75' });

    // The day before the layer starts it is neither written nor earned: 3000*280/365 = 2301.3698... -> 2301.37.
    expect((await policy('W85-1', '2026-10-07')).body).toMatchObject({ status: 'active', written: '3000.00', earned: '2301.37', unearned: '698.63' });
    // On its first day: (3000*281 + 2000*1)/365 = 845000/365 = 2315.0684... -> 2315.07; 3465.75 - 2315.07 = 1150.68.
    expect((await policy('W85-1', '2026-10-08')).body).toMatchObject({ status: 'active', written: '3465.75', earned: '2315.07', unearned: '1150.68' });
    // Last day of the term: all earned.
    expect((await policy('W85-1', '2026-12-31')).body).toMatchObject({ status: 'active', written: '3465.75', earned: '3465.75', unearned: '0.00' });
    // term.end is exclusive: expired on it.
    expect((await policy('W85-1', '2027-01-01')).body).toMatchObject({ status: 'expired', written: '3465.75', earned: '3465.75', unearned: '0.00' });
    // Before the term: active, nothing earned.
    expect((await policy('W85-1', '2025-12-31')).body).toMatchObject({ status: 'active', written: '0.00', earned: '0.00', unearned: '0.00' });

    // effective_date_outside_term: the term is [2026-01-01, 2027-01-01).
    for (const effectiveDate of ['2027-01-01', '2025-12-31']) {
      expectInvariant(await post('/v1/policies/W85-1/endorsements', { commandId: cid(), effectiveDate, annualPremiumChange: '10.00' }), 'effective_date_outside_term');
    }
    // A cancellation before a recorded later premium change is refused (reverse the endorsement first).
    expectInvariant(
      await post('/v1/policies/W85-1/cancellation', { commandId: cid(), effectiveDate: '2026-09-01', method: 'pro-rata' }),
      'effective_date_outside_term',
    );
    // Nothing of the refusals changed the figures.
    expect((await policy('W85-1', '2026-12-31')).body).toMatchObject({ written: '3465.75', earned: '3465.75' });
  });

  test('a negative endorsement may not take the full-term premium below zero (premium_negative); down to zero is fine', async () => {
    await bind('PN-1', '1200.00');
    policyIds.add('PN-1');
    expectInvariant(
      await post('/v1/policies/PN-1/endorsements', { commandId: cid(), effectiveDate: '2026-07-01', annualPremiumChange: '-1200.01' }),
      'premium_negative',
    );
    // -1200.00 from 2026-07-01 (184 days to the end: Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31):
    // W1 = -1200 * 184 / 365 = -604.9315... -> -604.93; written 1200 - 604.9315... = 595.0684... -> 595.07.
    const body = { commandId: cid(), effectiveDate: '2026-07-01', annualPremiumChange: '-1200' };
    const a = await post('/v1/policies/PN-1/endorsements', body);
    expectCreated(a, body.commandId);
    expect(a.body).toMatchObject({ annualPremiumChange: '-1200.00', fullTermPremium: '0.00', writtenPremium: '-604.93', totalWrittenPremium: '595.07' });
    // Earned through 2026-06-30 (181 days): 1200*181/365 = 595.0684... -> 595.07, and not a cent more after.
    expect((await policy('PN-1', '2026-06-30')).body).toMatchObject({ written: '1200.00', earned: '595.07', unearned: '604.93' });
    expect((await policy('PN-1', '2026-12-31')).body).toMatchObject({ written: '595.07', earned: '595.07', unearned: '0.00' });
    // Any further cut now goes below zero.
    expectInvariant(
      await post('/v1/policies/PN-1/endorsements', { commandId: cid(), effectiveDate: '2026-08-01', annualPremiumChange: '-0.01' }),
      'premium_negative',
    );
  });

  test('pro-rata cancellation: return premium, then earned = written and unearned 0.00; a cancelled policy takes no later change', async () => {
    await bind('PR-1', '1200.00');
    policyIds.add('PR-1');
    // Effective 2026-04-01: 90 days run (Jan 31 + Feb 28 + Mar 31), 275 left.
    // returnPremium = 1200 * 275 / 365 = 904.1095... -> 904.11; written = 1200.00 - 904.11 = 295.89.
    const body = { commandId: cid(), effectiveDate: '2026-04-01', method: 'pro-rata' };
    const a = await post('/v1/policies/PR-1/cancellation', body);
    expectCreated(a, body.commandId);
    expect(a.body).toEqual({
      commandId: body.commandId,
      recordedAt: expect.any(String),
      policyId: 'PR-1',
      status: 'cancelled',
      effectiveDate: '2026-04-01',
      method: 'pro-rata',
      returnPremium: '904.11',
      writtenPremium: '295.89',
      earnedPremium: '295.89',
    });

    // The day before: nothing changed. earned = 1200*90/365 = 295.8904... -> 295.89.
    expect((await policy('PR-1', '2026-03-31')).body).toMatchObject({ status: 'active', written: '1200.00', earned: '295.89', unearned: '904.11' });
    for (const asOf of ['2026-04-01', '2026-09-30', '2027-06-01']) {
      expect((await policy('PR-1', asOf)).body).toMatchObject({ status: 'cancelled', written: '295.89', earned: '295.89', unearned: '0.00' });
    }

    // policy_not_active: a second cancellation, an endorsement on or after the cancellation date.
    expectInvariant(await post('/v1/policies/PR-1/cancellation', { commandId: cid(), effectiveDate: '2026-05-01', method: 'pro-rata' }), 'policy_not_active');
    for (const effectiveDate of ['2026-04-01', '2026-05-01']) {
      expectInvariant(await post('/v1/policies/PR-1/endorsements', { commandId: cid(), effectiveDate, annualPremiumChange: '100.00' }), 'policy_not_active');
    }

    // An endorsement before the cancellation date prices the cover that ran: its layer ends at 2026-04-01.
    // +365.00 over [2026-03-01, 2026-04-01) = 31 days: W = 365 * 31 / 365 = 31.00; the return premium stays 904.11.
    const e = { commandId: cid(), effectiveDate: '2026-03-01', annualPremiumChange: '365.00' };
    const endorsed = await post('/v1/policies/PR-1/endorsements', e);
    expectCreated(endorsed, e.commandId);
    expect(endorsed.body).toMatchObject({ fullTermPremium: '1565.00', writtenPremium: '31.00', writtenPremiumChange: '31.00', totalWrittenPremium: '326.89' });
    // asOf 2026-03-15: layer 0 74 days (31 + 28 + 15), layer 1 15 days: 1200*74/365 + 365*15/365 = 243.2876... + 15 = 258.2876... -> 258.29.
    expect((await policy('PR-1', '2026-03-15')).body).toMatchObject({ status: 'active', written: '1231.00', earned: '258.29', unearned: '972.71' });
    // From the cancellation on: written = 1231.00 - 904.11 = 326.89, all earned.
    expect((await policy('PR-1', '2026-04-01')).body).toMatchObject({ status: 'cancelled', written: '326.89', earned: '326.89', unearned: '0.00' });
  });

  test('short-rate cancellation: default factor 0.900000, or the factor given', async () => {
    await bind('PS-1', '1200.00');
    await bind('PS-2', '1200.00');
    policyIds.add('PS-1').add('PS-2');
    // returnPremium = round(0.9 * 1200*275/365) = round(0.9 * 904.10958...) = round(813.69863...) = 813.70; written 1200.00 - 813.70 = 386.30.
    const body = { commandId: cid(), effectiveDate: '2026-04-01', method: 'short-rate' };
    const a = await post('/v1/policies/PS-1/cancellation', body);
    expectCreated(a, body.commandId);
    expect(a.body).toMatchObject({
      status: 'cancelled',
      method: 'short-rate',
      shortRateFactor: '0.900000',
      returnPremium: '813.70',
      writtenPremium: '386.30',
      earnedPremium: '386.30',
    });
    expect((await policy('PS-1', '2026-03-31')).body).toMatchObject({ status: 'active', written: '1200.00', earned: '295.89', unearned: '904.11' });
    // The kept difference (904.11 - 813.70 = 90.41 more than pro-rata) is earned on the cancellation date.
    expect((await policy('PS-1', '2026-04-01')).body).toMatchObject({ status: 'cancelled', written: '386.30', earned: '386.30', unearned: '0.00' });

    // Factor 0.75: round(0.75 * 904.10958...) = round(678.08219...) = 678.08; written 1200.00 - 678.08 = 521.92.
    const b = await post('/v1/policies/PS-2/cancellation', { commandId: cid(), effectiveDate: '2026-04-01', method: 'short-rate', shortRateFactor: '0.75' });
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ shortRateFactor: '0.750000', returnPremium: '678.08', writtenPremium: '521.92', earnedPremium: '521.92' });
    expect((await policy('PS-2', '2026-12-31')).body).toMatchObject({ status: 'cancelled', written: '521.92', earned: '521.92', unearned: '0.00' });

    // Outside the term: refused.
    await bind('PS-3', '1200.00');
    policyIds.add('PS-3');
    expectInvariant(
      await post('/v1/policies/PS-3/cancellation', { commandId: cid(), effectiveDate: '2027-01-01', method: 'short-rate' }),
      'effective_date_outside_term',
    );
    // A factor with pro-rata, a factor above 1 or with 7 digits: 400.
    expectValidation(
      await post('/v1/policies/PS-3/cancellation', { commandId: cid(), effectiveDate: '2026-04-01', method: 'pro-rata', shortRateFactor: '0.9' }),
      'shortRateFactor',
    );
    expectValidation(
      await post('/v1/policies/PS-3/cancellation', { commandId: cid(), effectiveDate: '2026-04-01', method: 'short-rate', shortRateFactor: '1.5' }),
      'shortRateFactor',
    );
    expectValidation(
      await post('/v1/policies/PS-3/cancellation', { commandId: cid(), effectiveDate: '2026-04-01', method: 'short-rate', shortRateFactor: '0.1234567' }),
      'shortRateFactor',
    );
    expectValidation(await post('/v1/policies/PS-3/cancellation', { commandId: cid(), effectiveDate: '2026-04-01', method: 'flat' }), 'method');
    expect((await policy('PS-3', '2026-12-31')).body).toMatchObject({ status: 'active', written: '1200.00', earned: '1200.00' });
  });

  test('premium payments add up to received, by received date (before the term too)', async () => {
    const first = { commandId: cid(), amount: '1000', receivedDate: '2025-12-20' };
    const a = await post('/v1/policies/WX-1/payments', first);
    expectCreated(a, first.commandId);
    expect(a.body).toEqual({
      commandId: first.commandId,
      recordedAt: expect.any(String),
      policyId: 'WX-1',
      amount: '1000.00',
      receivedDate: '2025-12-20',
      totalReceived: '1000.00',
    });
    const second = { commandId: cid(), amount: '2500.5', receivedDate: '2026-02-01' };
    const b = await post('/v1/policies/WX-1/payments', second);
    expectCreated(b, second.commandId);
    expect(b.body).toMatchObject({ amount: '2500.50', totalReceived: '3500.50' });

    expect((await policy('WX-1', '2025-12-19')).body).toMatchObject({ received: '0.00' });
    expect((await policy('WX-1', '2026-01-31')).body).toMatchObject({ received: '1000.00' });
    // The worked example's figures are untouched by cash.
    expect((await policy('WX-1', '2026-10-07')).body).toMatchObject({ written: '3931.51', earned: '2767.12', unearned: '1164.39', received: '3500.50' });
    // A cancelled policy still takes cash.
    const c = await post('/v1/policies/PR-1/payments', { commandId: cid(), amount: '326.89', receivedDate: '2026-05-02' });
    expect(c.status).toBe(201);
    expect((await policy('PR-1', '2026-06-01')).body).toMatchObject({ status: 'cancelled', written: '326.89', received: '326.89' });

    for (const amount of ['0', '0.00', '-5.00', '12.345', '1e3', '']) {
      expectValidation(await post('/v1/policies/WX-1/payments', { commandId: cid(), amount, receivedDate: '2026-03-01' }), 'amount');
    }
    expectValidation(await post('/v1/policies/WX-1/payments', { commandId: cid(), amount: 12.5, receivedDate: '2026-03-01' }), 'amount');
    expectValidation(await post('/v1/policies/WX-1/payments', { commandId: cid(), amount: '12.50', receivedDate: '2026-3-1' }), 'receivedDate');
    expect((await policy('WX-1', '2026-12-31')).body.received).toBe('3500.50');
  });

  // -------------------------------------------------------------------------
  // Claims

  test('a claim: reserve, payment, over-payment refused, re-reserve, payment, close', async () => {
    await bind('PCL-1', '1200.00');
    policyIds.add('PCL-1');
    claimIds.add('C-1');
    const opening = { commandId: cid(), claimId: 'C-1', policyId: 'PCL-1', lossDate: '2026-03-10', reportedDate: '2026-03-12', initialReserve: '1000' };
    const opened = await post('/v1/claims', opening, TOKENS.claims);
    expectCreated(opened, opening.commandId);
    expect(opened.body).toEqual({
      commandId: opening.commandId,
      recordedAt: expect.any(String),
      claimId: 'C-1',
      policyId: 'PCL-1',
      currency: 'EUR',
      lossDate: '2026-03-10',
      reportedDate: '2026-03-12',
      initialReserve: '1000.00',
      status: 'open',
      reserve: '1000.00',
      paid: '0.00',
      recoveries: '0.00',
      incurred: '1000.00',
    });

    const pay1 = { commandId: cid(), effectiveDate: '2026-03-20', amount: '400.00' };
    const paid1 = await post('/v1/claims/C-1/payments', pay1, TOKENS.claims);
    expectCreated(paid1, pay1.commandId);
    // 1000.00 - 400.00 = 600.00 left; incurred = 400.00 + 600.00.
    midpoint = paid1.body.recordedAt;
    expect(paid1.body).toMatchObject({ claimId: 'C-1', effectiveDate: '2026-03-20', amount: '400.00', status: 'open', reserve: '600.00', paid: '400.00', incurred: '1000.00' });

    // 700.00 > 600.00: refused, as a recorded outcome of this commandId.
    const over = { commandId: cid(), effectiveDate: '2026-03-25', amount: '700.00' };
    const refused = await post('/v1/claims/C-1/payments', over, TOKENS.claims);
    expectInvariant(refused, 'payment_exceeds_reserve');
    expect(refused.body.detail).toContain('600.00');
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
    const refusedAgain = await post('/v1/claims/C-1/payments', over, TOKENS.claims);
    expectReplayOf(refusedAgain, refused);
    replays.push({ url: '/v1/claims/C-1/payments', body: over, token: TOKENS.claims, first: refused });

    const raise = { commandId: cid(), effectiveDate: '2026-03-25', change: '500.00' };
    const raised = await post('/v1/claims/C-1/reserve', raise, TOKENS.claims);
    expectCreated(raised, raise.commandId);
    // 600.00 + 500.00 = 1100.00; incurred 400.00 + 1100.00 = 1500.00.
    expect(raised.body).toMatchObject({ change: '500.00', status: 'open', reserve: '1100.00', paid: '400.00', incurred: '1500.00' });

    // The rule now allows it, but the refused commandId keeps its refusal; a new commandId succeeds.
    expectReplayOf(await post('/v1/claims/C-1/payments', over, TOKENS.claims), refused);
    const retry = { ...over, commandId: cid() };
    const paid2 = await post('/v1/claims/C-1/payments', retry, TOKENS.claims);
    expectCreated(paid2, retry.commandId);
    // 1100.00 - 700.00 = 400.00; paid 400.00 + 700.00 = 1100.00; incurred 1500.00.
    expect(paid2.body).toMatchObject({ status: 'open', reserve: '400.00', paid: '1100.00', incurred: '1500.00' });

    const close = { commandId: cid(), effectiveDate: '2026-04-01' };
    const closed = await post('/v1/claims/C-1/close', close, TOKENS.claims);
    expectCreated(closed, close.commandId);
    // The 400.00 left is released: reserve 0.00, incurred = paid = 1100.00.
    expect(closed.body).toEqual({
      commandId: close.commandId,
      recordedAt: expect.any(String),
      claimId: 'C-1',
      effectiveDate: '2026-04-01',
      release: '400.00',
      status: 'closed',
      reserve: '0.00',
      paid: '1100.00',
      recoveries: '0.00',
      incurred: '1100.00',
    });

    const now = await claim('C-1', '2026-04-01');
    expect(now.status).toBe(200);
    expect(now.body).toEqual({
      claimId: 'C-1',
      policyId: 'PCL-1',
      status: 'closed',
      reserve: '0.00',
      paid: '1100.00',
      recoveries: '0.00',
      incurred: '1100.00',
      asOf: '2026-04-01',
      knownAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/),
    });
    // Valid time: before it was reported nothing is on the books; then each movement on its date.
    expect((await claim('C-1', '2026-03-11')).body).toMatchObject({ reserve: '0.00', paid: '0.00', incurred: '0.00' });
    expect((await claim('C-1', '2026-03-12')).body).toMatchObject({ status: 'open', reserve: '1000.00', paid: '0.00', incurred: '1000.00' });
    expect((await claim('C-1', '2026-03-21')).body).toMatchObject({ status: 'open', reserve: '600.00', paid: '400.00', incurred: '1000.00' });
    expect((await claim('C-1', '2026-03-25')).body).toMatchObject({ status: 'open', reserve: '400.00', paid: '1100.00', incurred: '1500.00' });
    expect((await claim('C-1', '2026-03-31')).body).toMatchObject({ status: 'open', reserve: '400.00', paid: '1100.00', incurred: '1500.00' });
    // System time: as known when the first payment was recorded, even asOf later.
    expect((await claim('C-1', '2026-12-31', paid1.body.recordedAt)).body).toMatchObject({
      status: 'open',
      reserve: '600.00',
      paid: '400.00',
      recoveries: '0.00',
      incurred: '1000.00',
      knownAt: paid1.body.recordedAt,
    });
    expect((await claim('C-1', '2026-12-31', raised.body.recordedAt)).body).toMatchObject({ reserve: '1100.00', paid: '400.00', incurred: '1500.00' });
    expectProblem(await claim('C-1', '2026-12-31', '2020-01-01T00:00:00Z'), 404, 'not_found');

    // claim_not_open: nothing moves a closed claim.
    expectInvariant(await post('/v1/claims/C-1/payments', { commandId: cid(), effectiveDate: '2026-04-02', amount: '1.00' }, TOKENS.claims), 'claim_not_open');
    expectInvariant(await post('/v1/claims/C-1/reserve', { commandId: cid(), effectiveDate: '2026-04-02', change: '10.00' }, TOKENS.claims), 'claim_not_open');
    expectInvariant(await post('/v1/claims/C-1/close', { commandId: cid(), effectiveDate: '2026-04-02' }, TOKENS.claims), 'claim_not_open');
    // entity_exists: the claim id is taken.
    expectInvariant(await post('/v1/claims', { ...opening, commandId: cid() }, TOKENS.claims), 'entity_exists');
    expect((await claim('C-1', '2026-12-31')).body).toMatchObject({ status: 'closed', reserve: '0.00', paid: '1100.00', incurred: '1100.00' });
  });

  test('claim rules: reserve_negative, back-dated movements, close not before the last movement, loss outside term or after cancellation', async () => {
    claimIds.add('C-2');
    const c2 = await post(
      '/v1/claims',
      { commandId: cid(), claimId: 'C-2', policyId: 'PCL-1', lossDate: '2026-05-01', reportedDate: '2026-05-01', initialReserve: '100.00' },
      TOKENS.claims,
    );
    expect(c2.status).toBe(201);
    expectInvariant(await post('/v1/claims/C-2/reserve', { commandId: cid(), effectiveDate: '2026-05-02', change: '-100.01' }, TOKENS.claims), 'reserve_negative');
    const pay = await post('/v1/claims/C-2/payments', { commandId: cid(), effectiveDate: '2026-05-10', amount: '60.00' }, TOKENS.claims);
    expect(pay.body).toMatchObject({ reserve: '40.00', paid: '60.00', incurred: '100.00' });
    // Back-dated cut on 2026-05-05: the reserve there is 100.00, but from 2026-05-10 on only 40.00, so -40.01 breaks it.
    expectInvariant(await post('/v1/claims/C-2/reserve', { commandId: cid(), effectiveDate: '2026-05-05', change: '-40.01' }, TOKENS.claims), 'reserve_negative');
    expectInvariant(await post('/v1/claims/C-2/payments', { commandId: cid(), effectiveDate: '2026-05-05', amount: '40.01' }, TOKENS.claims), 'payment_exceeds_reserve');
    const cut = await post('/v1/claims/C-2/reserve', { commandId: cid(), effectiveDate: '2026-05-05', change: '-40.00' }, TOKENS.claims);
    expect(cut.status).toBe(201);
    // On 2026-05-05: 100.00 - 40.00 = 60.00; from 2026-05-10: 60.00 - 60.00 = 0.00.
    expect(cut.body).toMatchObject({ reserve: '60.00', paid: '0.00', incurred: '60.00' });
    expect((await claim('C-2', '2026-05-10')).body).toMatchObject({ reserve: '0.00', paid: '60.00', incurred: '60.00' });
    // A movement before the claim was reported, a close before its last movement: refused.
    expectInvariant(await post('/v1/claims/C-2/reserve', { commandId: cid(), effectiveDate: '2026-04-30', change: '5.00' }, TOKENS.claims), 'effective_date_outside_term');
    expectInvariant(await post('/v1/claims/C-2/close', { commandId: cid(), effectiveDate: '2026-05-09' }, TOKENS.claims), 'effective_date_outside_term');
    const closed = await post('/v1/claims/C-2/close', { commandId: cid(), effectiveDate: '2026-05-10' }, TOKENS.claims);
    expect(closed.body).toMatchObject({ release: '0.00', status: 'closed', reserve: '0.00', paid: '60.00', incurred: '60.00' });

    // The loss must lie in the term [2026-01-01, 2027-01-01) ...
    for (const lossDate of ['2025-12-31', '2027-01-01']) {
      expectInvariant(
        await post('/v1/claims', { commandId: cid(), claimId: 'C-OUT', policyId: 'PCL-1', lossDate, reportedDate: '2027-01-02', initialReserve: '1.00' }, TOKENS.claims),
        'effective_date_outside_term',
      );
    }
    // ... while the policy is in force: PR-1 is cancelled from 2026-04-01.
    expectInvariant(
      await post('/v1/claims', { commandId: cid(), claimId: 'C-OUT', policyId: 'PR-1', lossDate: '2026-04-01', reportedDate: '2026-04-03', initialReserve: '1.00' }, TOKENS.claims),
      'policy_not_active',
    );
    claimIds.add('C-3');
    const before = await post(
      '/v1/claims',
      { commandId: cid(), claimId: 'C-3', policyId: 'PR-1', lossDate: '2026-03-31', reportedDate: '2026-04-03', initialReserve: '0' },
      TOKENS.claims,
    );
    expect(before.status).toBe(201);
    expect(before.body).toMatchObject({ initialReserve: '0.00', reserve: '0.00', incurred: '0.00' });
    expectProblem(await claim('C-OUT', '2026-12-31'), 404, 'not_found');
  });

  // -------------------------------------------------------------------------
  // Idempotency

  test('idempotent retries: same body replays (no second effect), different body 409, key order does not matter', async () => {
    const body = bindBody('ID-1', '730.00');
    const first = await post('/v1/policies', body);
    expectCreated(first, body.commandId);
    policyIds.add('ID-1');
    const again = await post('/v1/policies', body);
    expectReplayOf(again, first);
    // The same JSON with its keys in another order is the same request.
    const reordered = { premium: body.premium, term: { end: body.term.end, start: body.term.start }, holder: body.holder, currency: body.currency, policyId: body.policyId, commandId: body.commandId };
    expectReplayOf(await post('/v1/policies', reordered), first);
    // Another actor with the role sending the same request gets the original outcome too.
    expectReplayOf(await post('/v1/policies', body, TOKENS.admin), first);
    replays.push({ url: '/v1/policies', body, token: TOKENS.underwriter, first });

    expectProblem(await post('/v1/policies', { ...body, premium: '731.00' }), 409, 'exists_with_different_fields');
    // Same commandId and body on another path is another request.
    expectProblem(await post('/v1/policies/ID-1/payments', { commandId: body.commandId, amount: '1.00', receivedDate: '2026-01-01' }), 409, 'exists_with_different_fields');

    // A payment retried: received once, not twice.
    const pay = { commandId: cid(), amount: '100.00', receivedDate: '2026-01-10' };
    const paid = await post('/v1/policies/ID-1/payments', pay);
    expectCreated(paid, pay.commandId);
    expectReplayOf(await post('/v1/policies/ID-1/payments', pay), paid);
    expectReplayOf(await post('/v1/policies/ID-1/payments', pay), paid);
    expect((await policy('ID-1', '2026-12-31')).body).toMatchObject({ written: '730.00', earned: '730.00', received: '100.00' });
    expectProblem(await post('/v1/policies/ID-1/payments', { ...pay, amount: '100.01' }), 409, 'exists_with_different_fields');
    replays.push({ url: '/v1/policies/ID-1/payments', body: pay, token: TOKENS.underwriter, first: paid });

    // entity_exists is a recorded rejection too.
    const dup = bindBody('ID-1', '730.00');
    const refused = await post('/v1/policies', dup);
    expectInvariant(refused, 'entity_exists');
    expectReplayOf(await post('/v1/policies', dup), refused);

    // A UUID commandId is answered as 32 lowercase hex digits.
    const uuidBody = { ...bindBody('ID-2', '365.00'), commandId: '0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0' };
    const byUuid = await post('/v1/policies', uuidBody);
    policyIds.add('ID-2');
    expect(byUuid.status).toBe(201);
    expect(byUuid.body.commandId).toBe('0f1e2d3c4b5a69788796a5b4c3d2e1f0');
    expectReplayOf(await post('/v1/policies', uuidBody), byUuid);
    // The same id spelled as 32 hex digits is the same command: replayed, not a conflict.
    expectReplayOf(await post('/v1/policies', { ...uuidBody, commandId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' }), byUuid);
  });

  test('a command on an unknown entity is a recorded 404: retried after the entity exists it stays 404', async () => {
    const endorse = { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '100.00' };
    const missing = await post('/v1/policies/LATE-1/endorsements', endorse);
    expectProblem(missing, 404, 'not_found');
    expect(missing.body.detail).toContain('LATE-1');
    await bind('LATE-1', '365.00');
    policyIds.add('LATE-1');
    expectReplayOf(await post('/v1/policies/LATE-1/endorsements', endorse), missing);
    replays.push({ url: '/v1/policies/LATE-1/endorsements', body: endorse, token: TOKENS.underwriter, first: missing });
    // A new commandId goes through: +100.00 over [2026-06-01, 2027-01-01) = 214 days: 100*214/365 = 58.6301... -> 58.63.
    const fresh = await post('/v1/policies/LATE-1/endorsements', { ...endorse, commandId: cid() });
    expect(fresh.status).toBe(201);
    expect(fresh.body).toMatchObject({ writtenPremium: '58.63', totalWrittenPremium: '423.63' });
  });

  // -------------------------------------------------------------------------
  // Errors of api.md

  test('400 validation_failed: bad decimals, dates, unknown and missing fields, bad commandIds, bad JSON, bad ids and query', async () => {
    const ok = bindBody('V-1');
    const cases: [object, string][] = [
      [{ ...ok, premium: '1.234' }, 'premium'],
      [{ ...ok, premium: '12,00' }, 'premium'],
      [{ ...ok, premium: 1200 }, 'premium'],
      [{ ...ok, premium: '-1.00' }, 'premium'],
      [{ ...ok, premium: 'NaN' }, 'premium'],
      [{ ...ok, term: { start: '2026-02-30', end: '2027-01-01' } }, 'term.start'],
      [{ ...ok, term: { start: '2026-01-01', end: '2026-01-01' } }, 'term.end'],
      [{ ...ok, term: { start: '2026-01-01', end: '01/01/2027' } }, 'term.end'],
      [{ ...ok, extra: true }, 'extra'],
      [{ ...ok, holder: { name: 'x', age: 3 } }, 'holder.age'],
      [{ ...ok, currency: 'eur' }, 'currency'],
      [{ ...ok, policyId: 'has space' }, 'policyId'],
      [{ ...ok, policyId: 'x'.repeat(65) }, 'policyId'],
      [{ ...ok, commandId: '0'.repeat(32) }, 'commandId'],
      [{ ...ok, commandId: 'f'.repeat(32) }, 'commandId'],
      [{ ...ok, commandId: 'F'.repeat(32) }, 'commandId'],
      [{ ...ok, commandId: '00000000-0000-0000-0000-000000000000' }, 'commandId'],
      [{ ...ok, commandId: 'abc' }, 'commandId'],
      [{ ...ok, commandId: 'g'.repeat(32) }, 'commandId'],
      [{ ...ok, commandId: 42 }, 'commandId'],
    ];
    for (const [body, field] of cases) expectValidation(await post('/v1/policies', body), field);
    const { premium: _premium, ...noPremium } = ok;
    expectValidation(await post('/v1/policies', noPremium), 'premium');
    const { commandId: _commandId, ...noCommandId } = ok;
    expectValidation(await post('/v1/policies', noCommandId), 'commandId');
    // Every error at once.
    expectValidation(await post('/v1/policies', { ...ok, premium: '1.001', currency: 'EURO', extra: 1 }), 'premium', 'currency', 'extra');
    // Not JSON, not an object.
    expectValidation(await post('/v1/policies', '{"commandId": '));
    expectValidation(await post('/v1/policies', '[]'));
    expectValidation(await post('/v1/policies', 'null'));
    // None of it was bound.
    expectProblem(await policy('V-1', '2026-06-01'), 404, 'not_found');

    // Commands on a path entity: the body and the path id are both checked.
    expectValidation(await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '0' }), 'annualPremiumChange');
    expectValidation(await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '10.001' }), 'annualPremiumChange');
    expectValidation(await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-13-01', annualPremiumChange: '10.00' }), 'effectiveDate');
    expectValidation(await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01' }), 'annualPremiumChange');
    expectValidation(
      await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '10.00', policyId: 'WX-1' }),
      'policyId',
    );
    expectValidation(await post(`/v1/policies/${'x'.repeat(65)}/endorsements`, { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '10.00' }), 'policyId');
    expectValidation(await post('/v1/policies/bad%20id/payments', { commandId: cid(), amount: '1.00', receivedDate: '2026-06-01' }), 'policyId');
    expectValidation(await post('/v1/policies/WX-1/cancellation', { commandId: cid(), effectiveDate: '2026-06-01' }), 'method');

    // Claims.
    const claimOk = { commandId: cid(), claimId: 'V-C', policyId: 'PCL-1', lossDate: '2026-06-01', reportedDate: '2026-06-02', initialReserve: '10.00' };
    expectValidation(await post('/v1/claims', { ...claimOk, initialReserve: '10.001' }, TOKENS.claims), 'initialReserve');
    expectValidation(await post('/v1/claims', { ...claimOk, initialReserve: '-10.00' }, TOKENS.claims), 'initialReserve');
    expectValidation(await post('/v1/claims', { ...claimOk, reportedDate: '2026-05-31' }, TOKENS.claims), 'reportedDate');
    expectValidation(await post('/v1/claims', { ...claimOk, lossDate: '2026-02-29' }, TOKENS.claims), 'lossDate');
    expectValidation(await post('/v1/claims', { ...claimOk, claimId: '' }, TOKENS.claims), 'claimId');
    expectValidation(await post('/v1/claims/C-1/reserve', { commandId: cid(), effectiveDate: '2026-06-01', change: '0.00' }, TOKENS.claims), 'change');
    expectValidation(await post('/v1/claims/C-1/payments', { commandId: cid(), effectiveDate: '2026-06-01', amount: '1.005' }, TOKENS.claims), 'amount');
    expectValidation(await post('/v1/claims/C-1/close', { commandId: '0'.repeat(32), effectiveDate: '2026-06-01' }, TOKENS.claims), 'commandId');
    expectValidation(await post('/v1/claims/C-1/close', { commandId: 'f'.repeat(32), effectiveDate: '2026-06-01', note: 'x' }, TOKENS.claims), 'commandId', 'note');
    expectValidation(await post(`/v1/claims/${'c'.repeat(65)}/close`, { commandId: cid(), effectiveDate: '2026-06-01' }, TOKENS.claims), 'claimId');
    expectProblem(await claim('V-C', '2026-12-31'), 404, 'not_found');

    // Queries.
    expectValidation(await get('/v1/policies/WX-1?asOf=2026-02-30'), 'asOf');
    expectValidation(await get('/v1/policies/WX-1?asOf=2026-10-07&knownAt=yesterday'), 'knownAt');
    expectValidation(await get('/v1/policies/WX-1?asof=2026-10-07'), 'asof');
    expectValidation(await get('/v1/policies/WX-1?asOf=2026-10-07&asOf=2026-10-08'), 'asOf');
    expectValidation(await get('/v1/claims/C-1?knownAt=2026-04-10T12:00:00+02:00'), 'knownAt');
    expectValidation(await get('/v1/claims/C-1?when=now'), 'when');
    expectValidation(await get(`/v1/claims/${'c'.repeat(65)}`), 'claimId');
  });

  test('401 without or with an unknown token; 403 without the role; the roles that may read', async () => {
    const body = bindBody('AUTH-1');
    expectProblem(await call('POST', '/v1/policies', { body }), 401, 'unauthorized');
    expectProblem(await post('/v1/policies', body, 'not-a-token'), 401, 'unauthorized');
    expectProblem(await call('GET', '/v1/policies/WX-1'), 401, 'unauthorized');
    expectProblem(await call('GET', '/v1/claims/C-1', { token: 'nope' }), 401, 'unauthorized');
    expectProblem(await call('POST', '/v1/claims/C-1/reserve', { body: { commandId: cid(), effectiveDate: '2026-06-01', change: '1.00' } }), 401, 'unauthorized');

    // Commands: underwriter for policies, claims for claims (and admin for all).
    for (const token of [TOKENS.claims, TOKENS.pensions, TOKENS.finance, TOKENS.auditor]) {
      expectProblem(await post('/v1/policies', body, token), 403, 'forbidden');
      expectProblem(await post('/v1/policies/WX-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '1.00' }, token), 403, 'forbidden');
      expectProblem(await post('/v1/policies/WX-1/cancellation', { commandId: cid(), effectiveDate: '2026-06-01', method: 'pro-rata' }, token), 403, 'forbidden');
      expectProblem(await post('/v1/policies/WX-1/payments', { commandId: cid(), amount: '1.00', receivedDate: '2026-06-01' }, token), 403, 'forbidden');
    }
    const claimBody = { commandId: cid(), claimId: 'AUTH-C', policyId: 'PCL-1', lossDate: '2026-06-01', reportedDate: '2026-06-01', initialReserve: '1.00' };
    for (const token of [TOKENS.underwriter, TOKENS.pensions, TOKENS.finance, TOKENS.auditor]) {
      expectProblem(await post('/v1/claims', claimBody, token), 403, 'forbidden');
      expectProblem(await post('/v1/claims/C-2/reserve', { commandId: cid(), effectiveDate: '2026-06-01', change: '1.00' }, token), 403, 'forbidden');
      expectProblem(await post('/v1/claims/C-2/payments', { commandId: cid(), effectiveDate: '2026-06-01', amount: '1.00' }, token), 403, 'forbidden');
      expectProblem(await post('/v1/claims/C-2/close', { commandId: cid(), effectiveDate: '2026-06-01' }, token), 403, 'forbidden');
    }
    // The role check comes before the body: a forbidden caller learns nothing about validation.
    expectProblem(await post('/v1/policies', { nonsense: true }, TOKENS.claims), 403, 'forbidden');
    // Nothing of that was recorded.
    expectProblem(await policy('AUTH-1', '2026-06-01'), 404, 'not_found');
    expectProblem(await claim('AUTH-C', '2026-06-01'), 404, 'not_found');

    // admin may do anything; an actor holding both roles may do both.
    expect((await post('/v1/policies', body, TOKENS.admin)).status).toBe(201);
    policyIds.add('AUTH-1');
    expect((await post('/v1/claims', claimBody, TOKENS.both)).status).toBe(201);
    claimIds.add('AUTH-C');

    // Queries: policies are read by underwriter, claims, finance, auditor, admin; claims by claims, underwriter, finance, auditor, admin.
    for (const token of [TOKENS.underwriter, TOKENS.claims, TOKENS.finance, TOKENS.auditor, TOKENS.admin, TOKENS.both]) {
      expect((await get('/v1/policies/WX-1?asOf=2026-10-07', token)).body).toMatchObject({ earned: '2767.12' });
      expect((await get('/v1/claims/C-1?asOf=2026-12-31', token)).body).toMatchObject({ incurred: '1100.00' });
    }
    expectProblem(await get('/v1/policies/WX-1', TOKENS.pensions), 403, 'forbidden');
    expectProblem(await get('/v1/claims/C-1', TOKENS.pensions), 403, 'forbidden');
  });

  test('404 not_found: unknown policy or claim, for queries and commands', async () => {
    expectProblem(await get('/v1/policies/NOPE-1'), 404, 'not_found');
    expectProblem(await get('/v1/claims/NOPE-1'), 404, 'not_found');
    expectProblem(await post('/v1/policies/NOPE-1/endorsements', { commandId: cid(), effectiveDate: '2026-06-01', annualPremiumChange: '1.00' }), 404, 'not_found');
    expectProblem(await post('/v1/policies/NOPE-1/cancellation', { commandId: cid(), effectiveDate: '2026-06-01', method: 'short-rate' }), 404, 'not_found');
    expectProblem(await post('/v1/policies/NOPE-1/payments', { commandId: cid(), amount: '1.00', receivedDate: '2026-06-01' }), 404, 'not_found');
    const onUnknownPolicy = await post(
      '/v1/claims',
      { commandId: cid(), claimId: 'NOPE-C', policyId: 'NOPE-1', lossDate: '2026-06-01', reportedDate: '2026-06-01', initialReserve: '1.00' },
      TOKENS.claims,
    );
    expectProblem(onUnknownPolicy, 404, 'not_found');
    expect(onUnknownPolicy.body.detail).toMatch(/policy NOPE-1/);
    expectProblem(await post('/v1/claims/NOPE-C/reserve', { commandId: cid(), effectiveDate: '2026-06-01', change: '1.00' }, TOKENS.claims), 404, 'not_found');
    expectProblem(await post('/v1/claims/NOPE-C/payments', { commandId: cid(), effectiveDate: '2026-06-01', amount: '1.00' }, TOKENS.claims), 404, 'not_found');
    const closeUnknown = await post('/v1/claims/NOPE-C/close', { commandId: cid(), effectiveDate: '2026-06-01' }, TOKENS.claims);
    expectProblem(closeUnknown, 404, 'not_found');
    expect(closeUnknown.body.detail).toMatch(/claim NOPE-C/);
    expectProblem(await get('/v1/claims/NOPE-C'), 404, 'not_found');
  });

  // -------------------------------------------------------------------------
  // Durability

  test('restart on the same data directory: every policy and claim answers exactly as before, every outcome replays', async () => {
    const asOfs = ['2025-12-31', '2026-01-01', '2026-03-15', '2026-03-31', '2026-04-01', '2026-05-05', '2026-07-15', '2026-10-07', '2026-10-08', '2026-12-31', '2027-01-01'];
    // A knownAt after everything recorded so far, and one in the middle (C-1's first payment).
    const knownAt = new Date(Date.now() + 1000).toISOString().replace('Z', '000000Z');
    const middle = midpoint;
    expect(middle).toMatch(/Z$/);
    const snapshot = async (): Promise<Record<string, unknown>> => {
      const out: Record<string, unknown> = {};
      for (const id of [...policyIds].sort()) {
        for (const asOf of asOfs) {
          for (const k of [knownAt, middle]) {
            const a = await policy(id, asOf, k);
            out[`policy ${id} ${asOf} ${k}`] = { status: a.status, body: a.body };
          }
        }
      }
      for (const id of [...claimIds].sort()) {
        for (const asOf of asOfs) {
          for (const k of [knownAt, middle]) {
            const a = await claim(id, asOf, k);
            out[`claim ${id} ${asOf} ${k}`] = { status: a.status, body: a.body };
          }
        }
      }
      return out;
    };
    const before = await snapshot();
    expect(Object.keys(before).length).toBe((policyIds.size + claimIds.size) * asOfs.length * 2);
    expect(before[`policy WX-1 2026-10-07 ${knownAt}`]).toMatchObject({ status: 200, body: { earned: '2767.12', received: '3500.50' } });
    expect(before[`claim C-1 2026-04-01 ${knownAt}`]).toMatchObject({ status: 200, body: { status: 'closed', incurred: '1100.00' } });

    await server.close();
    server = await startServer({ port: 0, dataDir, tokensFile, logger: false });
    expect((await call('GET', '/health/ready')).status).toBe(200);

    const after = await snapshot();
    expect(after).toEqual(before);
    for (const r of replays) expectReplayOf(await post(r.url, r.body, r.token), r.first);
    // And the ledger goes on from there.
    const pay = { commandId: cid(), amount: '0.01', receivedDate: '2026-12-31' };
    const paid = await post('/v1/policies/WX-1/payments', pay);
    expectCreated(paid, pay.commandId);
    expect(paid.body).toMatchObject({ totalReceived: '3500.51' });
  });
});
