// The console's sessions over real HTTP (apps/api/src/session,
// auth/authenticator.ts): a bearer token exchanged for a session cookie, the
// CSRF checks on every change made with the cookie, roles as for the token,
// and sign-out. A refused request changes nothing: the month stays open.
import { SessionStore } from '../../apps/api/src/auth/sessions';
import { type Answer, type InProcessServer, TOKENS, removeDir, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(60_000);

function cookieOf(answer: Answer): string {
  const header = answer.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  if (!first) throw new Error(`no Set-Cookie: ${answer.status} ${answer.text}`);
  return first.split(';')[0];
}

describe('console sessions', () => {
  let root: string;
  let server: InProcessServer;
  let origin: string;

  beforeAll(async () => {
    root = tempDir('ledger-session-');
    server = await startInProcess({ dataDir: `${root}/data`, tokensFile: writeTokensFile(root) });
    origin = server.url.replace(/\/$/, '');
  });

  afterAll(async () => {
    await server?.close();
    removeDir(root);
  });

  const signIn = (token: unknown, headers: Record<string, string> = {}) => server.api.request('POST', '/console/session', { body: { token }, headers });
  const periodStatus = async (period: string) => (await server.api.get(`/v1/periods/${period}`, TOKENS.finance)).body.status as string;

  test('sign-in: a bad token, a bad body or another origin is refused with a problem; a good one sets an HttpOnly, SameSite=Strict cookie', async () => {
    const bad = await signIn('not-a-token');
    expect([bad.status, bad.body.code, bad.headers['set-cookie']]).toEqual([401, 'unauthorized', undefined]);
    const noBody = await server.api.request('POST', '/console/session', { body: { token: TOKENS.finance, extra: 1 } });
    expect([noBody.status, noBody.body.code]).toEqual([400, 'validation_failed']);
    const crossSite = await signIn(TOKENS.finance, { origin: 'http://evil.example' });
    expect([crossSite.status, crossSite.body.code, crossSite.headers['set-cookie']]).toEqual([403, 'csrf_failed', undefined]);
    expect(crossSite.type).toMatch(/^application\/problem\+json/);

    const ok = await signIn(TOKENS.finance, { origin });
    expect(ok.status).toBe(201);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^ledger_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(ok.body).toEqual({
      signedIn: true,
      actor: 'finance-e2e',
      roles: ['finance'],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
      can: { read: ['policies', 'claims', 'funds', 'members', 'periods', 'reports'], closePeriods: true, replayAudits: false },
    });
    // Behind a TLS proxy the cookie is Secure.
    expect(String((await signIn(TOKENS.finance, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).toMatch(/; Secure$/);
    // The token is never echoed.
    expect(ok.text).not.toContain(TOKENS.finance);
  });

  test('with the cookie, queries answer as for the token; a change needs the CSRF token and this origin, else 403 csrf_failed and nothing changes', async () => {
    const ok = await signIn(TOKENS.finance);
    const cookie = cookieOf(ok);
    const csrf = ok.body.csrfToken as string;
    const withCookie = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      server.api.request(method, path, { headers: { cookie, ...headers }, body });

    expect((await withCookie('GET', '/console/session')).body.actor).toBe('finance-e2e');
    expect((await withCookie('GET', '/v1/reports/trial-balance?asOf=2026-01-31')).status).toBe(200);
    expect((await server.api.get('/v1/reports/trial-balance?asOf=2026-01-31')).status).toBe(401);

    const close = { commandId: 'aa000000000000000000000000000001' };
    const refusals: [string, Record<string, string>][] = [
      ['no CSRF token', {}],
      ['a wrong CSRF token', { 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` }],
      ['another origin', { 'x-csrf-token': csrf, origin: 'http://evil.example' }],
      ['a cross-site fetch', { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [name, headers] of refusals) {
      const refused = await withCookie('POST', '/v1/periods/2026-01/close', headers, close);
      expect({ name, status: refused.status, code: refused.body?.code }).toEqual({ name, status: 403, code: 'csrf_failed' });
    }
    expect(await periodStatus('2026-01')).toBe('open');

    const closed = await withCookie('POST', '/v1/periods/2026-01/close', { 'x-csrf-token': csrf, origin, 'sec-fetch-site': 'same-origin' }, close);
    expect(closed.status).toBe(201);
    expect(await periodStatus('2026-01')).toBe('closed');
  });

  test("an auditor's session reads but cannot close a month; roles are the token's", async () => {
    const ok = await signIn(TOKENS.auditor);
    expect(ok.body.can).toEqual({ read: ['policies', 'claims', 'funds', 'members', 'periods', 'reports', 'audit'], closePeriods: false, replayAudits: true });
    const refused = await server.api.request('POST', '/v1/periods/2026-02/close', {
      headers: { cookie: cookieOf(ok), 'x-csrf-token': ok.body.csrfToken },
      body: { commandId: 'aa000000000000000000000000000002' },
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    expect(await periodStatus('2026-02')).toBe('open');
  });

  test('sign-out needs the CSRF token, ends the session at once and clears the cookie', async () => {
    const ok = await signIn(TOKENS.underwriter);
    const cookie = cookieOf(ok);
    const refused = await server.api.request('DELETE', '/console/session', { headers: { cookie } });
    expect([refused.status, refused.body.code]).toEqual([403, 'csrf_failed']);
    expect((await server.api.request('GET', '/console/session', { headers: { cookie } })).status).toBe(200);

    const out = await server.api.request('DELETE', '/console/session', { headers: { cookie, 'x-csrf-token': ok.body.csrfToken } });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^ledger_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const after = await server.api.request('GET', '/console/session', { headers: { cookie } });
    expect([after.status, after.body]).toEqual([200, { signedIn: false }]);
    expect((await server.api.request('GET', '/v1/reports/trial-balance?asOf=2026-01-31', { headers: { cookie } })).status).toBe(401);
  });
});

describe('the session store', () => {
  test('a session ends after its idle time, after its absolute time, and the oldest ends first past the limit', () => {
    let now = 1_000_000;
    const store = new SessionStore(() => now, { sessionsMax: 2, idleMs: 100, absoluteMs: 250 });
    const actor = { id: 'a', roles: new Set(['finance' as const]) };
    const a = store.create(actor, 'a-token');
    now += 99;
    expect(store.get(a.id)).toBe(a.session); // restarts its idle clock
    now += 99;
    expect(store.get(a.id)).toBe(a.session);
    now += 60; // 258 after sign-in: past the absolute limit though never idle for 100
    expect(store.get(a.id)).toBeUndefined();

    const b = store.create(actor, 'a-token');
    now += 100;
    expect(store.get(b.id)).toBeUndefined(); // idle for 100

    const [c, d, e] = [store.create(actor, 'a-token'), store.create(actor, 'a-token'), store.create(actor, 'a-token')];
    expect(store.size).toBe(2);
    expect([store.get(c.id), store.get(d.id) === d.session, store.get(e.id) === e.session]).toEqual([undefined, true, true]);
    expect(store.end(d.id)).toBe(true);
    expect(store.get(d.id)).toBeUndefined();
    expect(store.get('not an id')).toBeUndefined();
  });
});
