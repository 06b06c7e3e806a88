// The web console in a real browser (Debian's Chromium, headless, driven by
// puppeteer-core) against a real server on a temporary data directory,
// seeded through the API. What it checks:
//   - sign-in with a bearer token; every view renders with no console error;
//   - the premium totals on the page equal GET /v1/reports/premiums to the
//     cent, booked and restated, for two (asOf, knownAt) pairs;
//   - closing a month from the console (with its confirmation) changes the
//     booked view: the month shows closed, and a back-dated change into it
//     now books apart from the restated figures;
//   - a back-dated endorsement is off the diagonal of the entity chart (its
//     effective date before its recorded instant), a bind recorded on its
//     effective date is on it;
//   - an auditor sees no close button;
//   - signing out ends the session (its cookie no longer works);
//   - a POST from another site is refused and changes nothing.
// Screenshots of each view go to test-output/console/.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

import { type InProcessServer, CommandIds, REPO_ROOT, TOKENS, created, removeDir, startInProcess, tempDir, writeTokensFile } from '../e2e/support';
import { chromiumPath } from './chromium';

jest.setTimeout(20 * 60 * 1000);

const SHOTS = path.join(REPO_ROOT, 'test-output', 'console');
const TODAY = new Date().toISOString().slice(0, 10);

describe('the web console in Chromium', () => {
  let root: string;
  let server: InProcessServer;
  let browser: Browser;
  let base: string;
  let mid: string;
  const errors: string[] = [];

  beforeAll(async () => {
    const executablePath = chromiumPath();
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'console', 'app.js'))) throw new Error('The console is not built: run npm run build:console (npm install does).');
    fs.mkdirSync(SHOTS, { recursive: true });
    root = tempDir('ledger-console-');
    server = await startInProcess({ dataDir: path.join(root, 'data'), tokensFile: writeTokensFile(root) });
    base = server.url.replace(/\/$/, '');
    mid = await seed(server);
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    removeDir(root);
  });

  /** A page in a context of its own (its own cookies: each test signs in afresh). */
  async function newPage(): Promise<Page> {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e instanceof Error ? e.message : String(e)}`));
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('[data-testid=token]');
    await page.type('[data-testid=token]', token);
    await Promise.all([page.waitForSelector('[data-testid=sign-out]'), page.keyboard.press('Enter')]);
  }

  /** Opens a view and waits until it has drawn (no loading state left). Functions run in the page see its document through globalThis: this file has no DOM types. */
  async function open(page: Page, hash: string, shot?: string): Promise<void> {
    await page.goto(`${base}/${hash}`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('main section, main .error') !== null && (globalThis as any).document.querySelector('main .loading') === null, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300)); // charts draw on the next frame
    if (shot) await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  }

  const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));

  test('a finance actor signs in and every view renders with no console error; the premium totals equal the API to the cent for two (asOf, knownAt) pairs', async () => {
    const page = await newPage();
    await signIn(page, TOKENS.finance);
    await page.screenshot({ path: path.join(SHOTS, 'signed-in.png') });
    const views = ['premiums', 'claims', 'funds', 'trial-balance', 'entity', 'periods'];
    expect(await texts(page, '#nav a')).toEqual(['Premiums', 'Claims', 'Funds', 'Trial balance', 'Entity', 'Periods']);
    for (const view of views) {
      await open(page, `#/${view}?asOf=2026-12-31&from=2026-01&to=2026-12&funds=F-A&member=M-1&kind=policy&id=P-1`, view);
      expect({ view, failures: await texts(page, 'main .error') }).toEqual({ view, failures: [] });
    }

    for (const [asOf, knownAt] of [
      ['2026-12-31', undefined],
      ['2026-06-30', mid],
    ] as const) {
      const to = asOf.slice(0, 7);
      await open(page, `#/premiums?asOf=${asOf}${knownAt ? `&knownAt=${encodeURIComponent(knownAt)}` : ''}`);
      for (const basis of ['booked', 'restated']) {
        const api = await server.api.get(`/v1/reports/premiums?from=2026-01&to=${to}&basis=${basis}${knownAt ? `&knownAt=${encodeURIComponent(knownAt)}` : ''}`, TOKENS.finance);
        expect(api.status).toBe(200);
        const cells = await texts(page, `[data-testid=premium-totals-${basis}] tbody td`);
        const t = api.body.totals;
        expect({ asOf, knownAt, basis, cells }).toEqual({ asOf, knownAt, basis, cells: [t.written, t.earned, t.openingUnearned, t.closingUnearned] });
      }
    }
    // The two pairs differ (the later knows the endorsement and the later binds), so the check could fail.
    const [now, then] = await Promise.all([
      server.api.get('/v1/reports/premiums?from=2026-01&to=2026-06&basis=booked', TOKENS.finance),
      server.api.get(`/v1/reports/premiums?from=2026-01&to=2026-06&basis=booked&knownAt=${encodeURIComponent(mid)}`, TOKENS.finance),
    ]);
    expect(now.body.totals.written).not.toBe(then.body.totals.written);
    expect(errors).toEqual([]);
    await page.browserContext().close();
  });

  test('closing a month from the console changes the booked view', async () => {
    const page = await newPage();
    await signIn(page, TOKENS.finance);
    const range = '#/premiums?asOf=2026-12-31&from=2026-01&to=2026-06';
    await open(page, range);
    const row = (m: string) => page.$eval(`[data-testid=premium-months] tr[data-month="${m}"]`, (tr) => ({ differs: tr.getAttribute('data-differs'), status: tr.children[1].textContent }));
    expect(await row('2026-02')).toEqual({ differs: 'no', status: 'open' });

    await open(page, '#/periods?asOf=2026-12-31');
    await page.click('[data-testid=close-2026-03]');
    await page.waitForSelector('dialog[open] [data-testid=confirm-close]');
    await page.screenshot({ path: path.join(SHOTS, 'periods-confirm-close.png') });
    await page.click('[data-testid=confirm-close]');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid=close-2026-03]') === null && (globalThis as any).document.querySelector('main .loading') === null, { timeout: 30_000 });
    expect((await server.api.get('/v1/periods/2026-02', TOKENS.finance)).body.status).toBe('closed');

    // A change dated in the closed February now books into the first open month.
    await created(server.api, new CommandIds(77), '/v1/policies/P-2/endorsements', { effectiveDate: '2026-02-01', annualPremiumChange: '240.00' }, TOKENS.underwriter);
    await open(page, range, 'premiums-after-close');
    expect(await row('2026-02')).toEqual({ differs: 'yes', status: 'closed' });
    expect(await page.$$eval('[data-testid=premium-months] tr[data-month="2026-02"] .diff-mark', (els) => els.length)).toBe(1);
    expect(errors).toEqual([]);
    await page.browserContext().close();
  });

  test('the entity chart puts a back-dated endorsement off the diagonal; an auditor sees no close button and starts a replay audit', async () => {
    const page = await newPage();
    await signIn(page, TOKENS.auditor);
    await open(page, '#/entity?asOf=2026-12-31&kind=policy&id=P-1', 'entity-P-1');
    const rows = await page.$$eval('[data-testid=audit-trail] tbody tr', (trs) => trs.map((tr) => ({ type: tr.getAttribute('data-type'), where: tr.className, effective: tr.getAttribute('data-effective') })));
    expect(rows).toContainEqual({ type: 'PolicyEndorsed', where: 'off-diagonal', effective: '2026-07-01' });
    await open(page, '#/entity?asOf=2026-12-31&kind=policy&id=P-TODAY');
    expect(await page.$$eval('[data-testid=audit-trail] tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-type'), tr.className]))).toEqual([['PolicyBound', 'on-diagonal']]);
    expect(await page.$$eval('[data-testid=entity-chart] canvas', (c) => c.length)).toBeGreaterThan(0);

    await open(page, '#/periods?asOf=2026-12-31', 'periods-auditor');
    expect(await texts(page, '[data-testid=periods] tbody th')).toHaveLength(12);
    expect(await page.$$('[data-testid^=close-]')).toHaveLength(0);

    await open(page, '#/audits');
    await page.click('main button.primary');
    await page.waitForSelector('[data-testid=audit-verdict]', { timeout: 120_000 });
    await page.screenshot({ path: path.join(SHOTS, 'audits.png'), fullPage: true });
    expect(await texts(page, '[data-testid=audit-verdict]')).toEqual(['Match: the read model is what the log says.']);
    expect(errors).toEqual([]);
    await page.browserContext().close();
  });

  test('signing out ends the session; a POST from another site is refused and changes nothing', async () => {
    const page = await newPage();
    await signIn(page, TOKENS.finance);
    const cookies = await page.cookies();
    const session = cookies.find((c) => c.name === 'ledger_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const cookie = `ledger_session=${session!.value}`;

    // Another site (localhost is another site than 127.0.0.1) posts to the ledger while the person is signed in.
    const attacker = await serveAttackerPage(`${base}/v1/periods/2026-05/close`);
    try {
      const other = await page.browserContext().newPage(); // the same browser profile as the signed-in tab
      const statuses: number[] = [];
      other.on('response', (r) => {
        if (r.url().includes('/v1/periods/2026-05/close')) statuses.push(r.status());
      });
      await other.goto(attacker.url, { waitUntil: 'networkidle0' });
      await other.waitForFunction(() => (globalThis as unknown as { sent?: boolean }).sent === true);
      await new Promise((r) => setTimeout(r, 500));
      // The cookie did not go with it (SameSite=Strict): the server saw an anonymous request.
      expect(statuses).toEqual([401]);
      await other.close();
    } finally {
      attacker.close();
    }
    expect((await server.api.get('/v1/periods/2026-05', TOKENS.finance)).body.status).toBe('open');

    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('[data-testid=token]');
    expect(await texts(page, 'main .error')).toEqual(['Signed out.']);
    expect((await server.api.request('GET', '/console/session', { headers: { cookie } })).body).toEqual({ signedIn: false });
    expect((await server.api.request('GET', '/v1/reports/trial-balance?asOf=2026-01-31', { headers: { cookie } })).status).toBe(401);
    expect(await page.evaluate(async () => (await (await fetch('console/session')).json()) as unknown)).toEqual({ signedIn: false });
    expect(errors).toEqual([]);
    await page.browserContext().close();
  });
});

/** A page on another site that POSTs to the ledger as a forged request would (a form-like text/plain body, cookies included if the browser sends them). */
async function serveAttackerPage(target: string): Promise<{ url: string; close: () => void }> {
  const page = `<!doctype html><meta charset="utf-8"><title>elsewhere</title><script>
fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ commandId: 'ee000000000000000000000000000001' }) })
  .finally(() => { window.sent = true; });
</script>`;
  const srv = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://localhost:${port}/`, close: () => srv.close() };
}

/**
 * The book, through the API: policies bound in January, an endorsement
 * effective in July (recorded today: back-dated), a policy bound today (on
 * the diagonal), a claim with a payment, a fund with members and NAVs.
 * Returns an instant between the first binds and the rest.
 */
async function seed(server: InProcessServer): Promise<string> {
  const ids = new CommandIds(4711);
  const api = server.api;
  const term = { start: '2026-01-01', end: '2027-01-01' };
  for (const policyId of ['P-1', 'P-2']) await created(api, ids, '/v1/policies', { policyId, currency: 'EUR', holder: { name: `Holder ${policyId}` }, term, premium: '1200.00' }, TOKENS.underwriter);
  const mid = String((await created(api, ids, '/v1/policies', { policyId: 'P-3', currency: 'EUR', holder: { name: 'Holder P-3' }, term, premium: '600.00' }, TOKENS.underwriter)).recordedAt);
  await new Promise((r) => setTimeout(r, 5));
  await created(api, ids, '/v1/policies', { policyId: 'P-4', currency: 'EUR', holder: { name: 'Holder P-4' }, term: { start: '2026-03-01', end: '2027-03-01' }, premium: '900.00' }, TOKENS.underwriter);
  await created(api, ids, '/v1/policies/P-1/endorsements', { effectiveDate: '2026-07-01', annualPremiumChange: '120.00' }, TOKENS.underwriter);
  const end = new Date(Date.parse(`${TODAY}T00:00:00Z`) + 365 * 86_400_000).toISOString().slice(0, 10);
  await created(api, ids, '/v1/policies', { policyId: 'P-TODAY', currency: 'EUR', holder: { name: 'Holder today' }, term: { start: TODAY, end }, premium: '365.00' }, TOKENS.underwriter);
  await created(api, ids, '/v1/claims', { claimId: 'C-1', policyId: 'P-2', lossDate: '2026-03-10', reportedDate: '2026-03-12', initialReserve: '1000.00' }, TOKENS.claims);
  await created(api, ids, '/v1/claims/C-1/payments', { effectiveDate: '2026-04-02', amount: '400.00' }, TOKENS.claims);
  await created(api, ids, '/v1/funds', { fundId: 'F-A', currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin']);
  for (const memberId of ['M-1', 'M-2']) await created(api, ids, '/v1/members', { memberId, name: `Member ${memberId}` }, TOKENS.pensions);
  await created(api, ids, '/v1/funds/F-A/valuations', { valuationDate: '2026-01-01', netAssets: '0.00' }, TOKENS['fund-admin']);
  for (const memberId of ['M-1', 'M-2']) await created(api, ids, `/v1/members/${memberId}/contributions`, { fundId: 'F-A', amount: '1000.00', effectiveDate: '2026-01-01' }, TOKENS.pensions);
  await created(api, ids, '/v1/funds/F-A/valuations', { valuationDate: '2026-04-01', netAssets: '2100.00' }, TOKENS['fund-admin']);
  await created(api, ids, '/v1/funds/F-A/valuations', { valuationDate: '2026-08-01', netAssets: '2050.00' }, TOKENS['fund-admin']);
  return mid;
}
