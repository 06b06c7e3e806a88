// The HTTP shell over real HTTP: auth, problem+json errors, validation helpers,
// the reply helper and health. Use-case routes do not exist yet, so a fixture
// module (this file only) mounts a few routes that exercise the shell's parts.
import 'reflect-metadata';

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Body, Controller, Get, Module, Param, Post, Query, Res } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DomainError, NotFoundError, PeriodAlreadyClosedError } from '@app/domain';

import { Authenticated, CurrentActor, QueryArea, Roles } from '../../apps/api/src/auth';
import type { Actor } from '../../apps/api/src/auth';
import { ExistsWithDifferentFieldsError } from '../../apps/api/src/errors';
import { AS_OF_QUERY, parseBody, parseEntityId, parseQuery, reply } from '../../apps/api/src/http';
import { Readiness } from '../../apps/api/src/health/readiness';
import { createApp, startServer } from '../../apps/api/src/main';
import type { RunningServer } from '../../apps/api/src/main';

// ---------------------------------------------------------------------------
// Fixture routes

const Bind = z.strictObject({
  commandId: z.string(),
  term: z.strictObject({ start: z.string(), end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Must be a date YYYY-MM-DD.') }),
});

class FakeWalError extends Error {
  override name = 'WalError';
  constructor(readonly code: string) {
    super(`fsync failed (secret /var/lib/ledger/p0)`);
  }
}

const seen = new Map<string, string>();

@Controller('v1/fixture')
class FixtureController {
  /** A command shaped like the real ones: validate, idempotency, reply(). */
  @Roles('underwriter')
  @Post('policies')
  bind(@Body() body: unknown, @Res() res: FastifyReply, @CurrentActor() actor: Actor): void {
    const cmd = parseBody(Bind, body);
    const text = JSON.stringify(cmd);
    const previous = seen.get(cmd.commandId);
    if (previous !== undefined && previous !== text) throw new ExistsWithDifferentFieldsError(cmd.commandId);
    seen.set(cmd.commandId, text);
    reply(res, 201, { commandId: cmd.commandId, actor: actor.id }, previous !== undefined);
  }

  @QueryArea('policies')
  @Get('policies/:policyId')
  get(@Param('policyId') policyId: string, @Query() query: unknown): unknown {
    const id = parseEntityId(policyId, 'policyId');
    if (id === 'missing') throw new NotFoundError('policy', id);
    return { policyId: id, ...parseQuery(query, AS_OF_QUERY) };
  }

  @Authenticated()
  @Post('throw/:kind')
  throws(@Param('kind') kind: string): never {
    if (kind === 'domain') throw new DomainError('payment_exceeds_reserve', 'the payment exceeds the reserve');
    if (kind === 'closed') throw new PeriodAlreadyClosedError('2026-03');
    if (kind === 'wal') throw new FakeWalError('WAL_FAILED');
    throw new Error('boom: secret-internal-detail');
  }

  /** No access decorator: admin only. */
  @Get('undeclared')
  undeclared(): unknown {
    return { ok: true };
  }

  @Authenticated()
  @Post('echo-size')
  size(@Body() body: unknown): unknown {
    return { bytes: JSON.stringify(body).length };
  }
}

@Module({ controllers: [FixtureController] })
class FixtureModule {}

// ---------------------------------------------------------------------------
// Helpers

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
  fatal = this.log;
}

const TOKENS = {
  underwriter: 'tok-underwriter-0123456789abcdef',
  finance: 'tok-finance-0123456789abcdef0000',
  pensions: 'tok-pensions-0123456789abcdef000',
  auditor: 'tok-auditor-0123456789abcdef0000',
  admin: 'tok-admin-0123456789abcdef000000',
};

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-api-'));
}

function writeTokens(dir: string, entries: unknown): string {
  const file = path.join(dir, 'tokens.json');
  fs.writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  return file;
}

interface Answer {
  status: number;
  type: string | null;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(base: string, method: string, url: string, opts: { token?: string; body?: string | object; type?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await fetch(base + url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: parsed };
}

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code }).toEqual({ status, code });
  expect(a.type).toMatch(/^application\/problem\+json/);
  expect(a.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(a.body)).not.toMatch(/at .*\.ts:\d+|secret/);
}

// ---------------------------------------------------------------------------

describe('api shell with a tokens file', () => {
  let dir: string;
  let server: RunningServer;
  const logger = new CapturingLogger();
  const get = (url: string, token?: string) => call(server.url, 'GET', url, { token });
  const post = (url: string, body: string | object | undefined, token?: string, type?: string) => call(server.url, 'POST', url, { token, body, type });

  beforeAll(async () => {
    dir = tempDir();
    const tokensFile = writeTokens(
      dir,
      Object.entries(TOKENS).map(([role, token]) => ({ token, actor: `${role}-actor`, roles: [role] })),
    );
    server = await startServer({ port: 0, dataDir: path.join(dir, 'data'), tokensFile, logger }, { imports: [FixtureModule] });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('health: live always, ready once every component reported', async () => {
    expect(await get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get('/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await fetch(`${server.url}/health/live`, { method: 'HEAD' })).status).toBe(200);
    const readiness = server.app.get(Readiness);
    readiness.markUnready('log', 'fail-stopped');
    expectProblem(await get('/health/ready'), 503, 'not_ready');
    readiness.markReady('log');
    expect((await get('/health/ready')).status).toBe(200);
  });

  test('401 unauthorized without a token, with an unknown one, with a malformed header', async () => {
    for (const token of [undefined, 'not-a-known-token', `${TOKENS.admin}x`]) {
      const a = await get('/v1/fixture/policies/P-1', token);
      expectProblem(a, 401, 'unauthorized');
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await call(server.url, 'GET', '/v1/fixture/policies/P-1');
    expectProblem(basic, 401, 'unauthorized');
    const res = await fetch(`${server.url}/v1/fixture/policies/P-1`, { headers: { authorization: `Basic ${TOKENS.admin}` } });
    expect(res.status).toBe(401);
  });

  test('401 comes before the body is parsed', async () => {
    expectProblem(await post('/v1/fixture/policies', '{not json', undefined), 401, 'unauthorized');
  });

  test('roles: command role, query area, auditor and admin, undeclared routes admin-only', async () => {
    const body = (id: string) => ({ commandId: id, term: { start: '2026-01-01', end: '2027-01-01' } });
    expect((await post('/v1/fixture/policies', body('c-role-1'), TOKENS.underwriter)).status).toBe(201);
    expect((await post('/v1/fixture/policies', body('c-role-2'), TOKENS.admin)).status).toBe(201);
    expectProblem(await post('/v1/fixture/policies', body('c-role-3'), TOKENS.finance), 403, 'forbidden');
    expectProblem(await post('/v1/fixture/policies', body('c-role-4'), TOKENS.auditor), 403, 'forbidden');

    for (const token of [TOKENS.underwriter, TOKENS.finance, TOKENS.auditor, TOKENS.admin]) {
      expect((await get('/v1/fixture/policies/P-1', token)).status).toBe(200);
    }
    expectProblem(await get('/v1/fixture/policies/P-1', TOKENS.pensions), 403, 'forbidden');

    expectProblem(await get('/v1/fixture/undeclared', TOKENS.auditor), 403, 'forbidden');
    expect((await get('/v1/fixture/undeclared', TOKENS.admin)).status).toBe(200);
  });

  test('the handler sees the actor; reply() sets Idempotent-Replayed on a replay; 409 on different fields', async () => {
    const body = { commandId: 'c-idem', term: { start: '2026-01-01', end: '2027-01-01' } };
    const first = await post('/v1/fixture/policies', body, TOKENS.underwriter);
    expect(first).toMatchObject({ status: 201, body: { commandId: 'c-idem', actor: 'underwriter-actor' } });
    expect(first.type).toMatch(/^application\/json/);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('/v1/fixture/policies', body, TOKENS.underwriter);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await post('/v1/fixture/policies', { ...body, term: { ...body.term, end: '2028-01-01' } }, TOKENS.underwriter);
    expectProblem(other, 409, 'exists_with_different_fields');
  });

  test('zod failures: 400 validation_failed with one error per path, unknown fields by name', async () => {
    const a = await post('/v1/fixture/policies', { commandId: 'c-bad', term: { start: '2026-01-01', end: 'soon' }, extra: 1 }, TOKENS.underwriter);
    expectProblem(a, 400, 'validation_failed');
    expect(a.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'term.end', message: 'Must be a date YYYY-MM-DD.' },
        { path: 'extra', message: 'Unknown field.' },
      ]),
    );
    const missing = await post('/v1/fixture/policies', { commandId: 'c-bad' }, TOKENS.underwriter);
    expectProblem(missing, 400, 'validation_failed');
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['term']);
  });

  test('bad bodies are 400 validation_failed, never 5xx', async () => {
    const t = TOKENS.underwriter;
    expectProblem(await post('/v1/fixture/policies', '{"commandId": ', t), 400, 'validation_failed');
    expectProblem(await post('/v1/fixture/policies', '', t), 400, 'validation_failed');
    expectProblem(await post('/v1/fixture/policies', '{"__proto__": {"x": 1}}', t), 400, 'validation_failed');
    expectProblem(await post('/v1/fixture/policies', 'commandId=1', t, 'application/x-www-form-urlencoded'), 400, 'validation_failed');
    expectProblem(await post('/v1/fixture/policies', 'hello', t, 'text/plain'), 400, 'validation_failed');
    expectProblem(await post('/v1/fixture/policies', '[1,2]', t), 400, 'validation_failed');
    expectProblem(await call(server.url, 'POST', '/v1/fixture/policies', { token: t }), 400, 'validation_failed'); // no body at all
    const junk = await post('/v1/fixture/policies', '{"a": "x', t);
    expect(JSON.stringify(junk.body)).not.toContain('"a"'); // the parser's message (quoting the body) is not echoed
  });

  test('body limits: 1 MiB by default, 8 MiB on /v1/batch', async () => {
    const t = TOKENS.admin;
    const big = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
    expectProblem(await post('/v1/fixture/echo-size', big, t), 400, 'validation_failed');
    const commands = Array.from({ length: 8189 }, (_, i) => ({ path: '/v1/policies', body: { commandId: `c${i}`, pad: 'x'.repeat(200) } }));
    const batch = JSON.stringify({ commands });
    expect(batch.length).toBeGreaterThan(2 * 1024 * 1024);
    // Accepted by the 8 MiB limit; every item is then refused on its own (bad commandId, unknown field).
    const answer = await post('/v1/batch', batch, t);
    expect(answer.status).toBe(200);
    const results = (answer.body as { results: { status: number }[] }).results;
    expect(results).toHaveLength(8189);
    expect(results.every((r) => r.status === 400)).toBe(true);
    expectProblem(await post('/v1/batch', JSON.stringify({ commands: [{ pad: 'x'.repeat(9 * 1024 * 1024) }] }), t), 400, 'validation_failed');
  });

  test('domain, not-found, period-closed, log and unknown errors map to their problem', async () => {
    const t = TOKENS.auditor;
    const domain = await post('/v1/fixture/throw/domain', undefined, t);
    expectProblem(domain, 422, 'payment_exceeds_reserve');
    expect(domain.body.type).toMatch(/invariant_violation$/);
    expectProblem(await post('/v1/fixture/throw/closed', undefined, t), 409, 'period_already_closed');
    expectProblem(await post('/v1/fixture/throw/wal', undefined, t), 503, 'log_unavailable');
    const boom = await post('/v1/fixture/throw/other', undefined, t);
    expectProblem(boom, 500, 'internal_error');
    expect(JSON.stringify(boom.body)).not.toContain('boom');
    expectProblem(await get('/v1/fixture/policies/missing', t), 404, 'not_found');
  });

  test('query parameters: defaults, formats, unknown and repeated ones refused', async () => {
    const t = TOKENS.finance;
    const today = new Date().toISOString().slice(0, 10);
    const plain = await get('/v1/fixture/policies/P-1', t);
    expect(plain.body).toMatchObject({ policyId: 'P-1', asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect([today, new Date(Date.now() + 1000).toISOString().slice(0, 10)]).toContain(plain.body.asOf);
    expect(plain.body.knownAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);

    const given = await get('/v1/fixture/policies/P-1?asOf=2026-02-28&knownAt=2026-04-10T12:00:00.5Z', t);
    expect(given.body).toMatchObject({ asOf: '2026-02-28', knownAt: '2026-04-10T12:00:00.500000000Z' });

    const bad = await get('/v1/fixture/policies/P-1?asOf=2026-02-30&knownAt=yesterday&asof=x', t);
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['asOf', 'asof', 'knownAt']);
    expectProblem(await get('/v1/fixture/policies/P-1?asOf=2026-01-01&asOf=2026-01-02', t), 400, 'validation_failed');
    expectProblem(await get(`/v1/fixture/policies/${'x'.repeat(65)}`, t), 400, 'validation_failed');
  });

  test('unknown routes and wrong methods: 404 problem+json, even with bad JSON, never 5xx', async () => {
    expectProblem(await get('/v1/nothing-here'), 404, 'not_found');
    expectProblem(await get('/v1/nothing-here?token=secret', TOKENS.admin), 404, 'not_found');
    const badJson = await post('/v1/nothing-here', '{broken', TOKENS.admin);
    expect(badJson.status).toBeGreaterThanOrEqual(400);
    expect(badJson.status).toBeLessThan(500);
    expect(badJson.type).toMatch(/^application\/problem\+json/);
    const wrongMethod = await call(server.url, 'DELETE', '/v1/fixture/policies/P-1', { token: TOKENS.admin });
    expect([404, 405]).toContain(wrongMethod.status);
    expect(wrongMethod.type).toMatch(/^application\/problem\+json/);
  });

  test('no token ever reaches the log', () => {
    const all = logger.lines.join('\n');
    for (const token of Object.values(TOKENS)) expect(all).not.toContain(token);
  });
});

describe('api shell without a tokens file', () => {
  test('generates an admin token (0600) in the data dir, logs its path only, reuses it on restart', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'new', 'data'); // does not exist yet
    const logger = new CapturingLogger();
    const server = await startServer({ port: 0, dataDir, logger }, { imports: [FixtureModule] });
    try {
      const file = path.join(dataDir, 'admin-token');
      const token = fs.readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const all = logger.lines.join('\n');
      expect(all).toContain(file);
      expect(all).not.toContain(token);

      expect((await call(server.url, 'GET', '/v1/fixture/undeclared', { token })).status).toBe(200);
      expectProblem(await call(server.url, 'GET', '/v1/fixture/undeclared'), 401, 'unauthorized');
      await server.close();

      const again = await startServer({ port: 0, dataDir, logger }, { imports: [FixtureModule] });
      try {
        expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
        expect((await call(again.url, 'GET', '/v1/fixture/undeclared', { token })).status).toBe(200);
      } finally {
        await again.close();
      }
    } finally {
      await server.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a bad tokens file stops startup with a clear message', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown role', [{ token: 'tok-secret-value-1234', actor: 'a', roles: ['pilot'] }], /0\.roles\.0/],
    ['missing actor', [{ token: 'tok-secret-value-1234', roles: ['admin'] }], /0\.actor/],
    ['extra field', [{ token: 'tok-secret-value-1234', actor: 'a', roles: ['admin'], role: 'x' }], /role/],
    ['empty list', [], /no tokens/],
    ['duplicate token', [{ token: 'tok-secret-value-1234', actor: 'a', roles: ['admin'] }, { token: 'tok-secret-value-1234', actor: 'b', roles: ['finance'] }], /repeats/],
  ];
  test.each(cases)('%s', async (_name, entries, message) => {
    const dir = tempDir();
    try {
      const tokensFile = writeTokens(dir, entries);
      const failure = createApp({ dataDir: dir, tokensFile, logger: false });
      await expect(failure).rejects.toThrow(/LEDGER_TOKENS_FILE/);
      await expect(failure).rejects.toThrow(message);
      await expect(failure).rejects.not.toThrow(/tok-secret-value/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('not JSON (the message does not quote the file)', async () => {
    const dir = tempDir();
    try {
      const tokensFile = path.join(dir, 'tokens.json');
      fs.writeFileSync(tokensFile, '[{"token": "tok-secret-value-1234", actor: 1}]');
      const failure = createApp({ dataDir: dir, tokensFile, logger: false });
      await expect(failure).rejects.toThrow(/is not valid JSON$/);
      await expect(failure).rejects.not.toThrow(/tok-secret/);
      await expect(createApp({ dataDir: dir, tokensFile: path.join(dir, 'absent.json'), logger: false })).rejects.toThrow(/cannot read it \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
