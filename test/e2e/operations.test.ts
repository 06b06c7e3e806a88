// Operations over real HTTP, in-process: health, /metrics (Prometheus text,
// the scrape-token / admin / auditor access rule, metric values that follow
// the commands sent), the X-Request-Id round trip and the JSON request log
// (captured through the config's log stream: one line per request, with
// request and command ids, never a token).
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RunningServer } from '../../apps/api/src/main';
import { Api, CommandIds, TOKENS, removeDir, tempDir, writeTokensFile, type Answer } from './support';

const SCRAPE_TOKEN = `scrape-${'9f8e7d6c5b4a3210'.repeat(2)}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `name{labels} value` lines of an exposition, as a map from the series (name + labels as written) to its value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function bind(ids: CommandIds, policyId: string, commandId = ids.next()): Record<string, unknown> {
  return {
    commandId,
    policyId,
    currency: 'EUR',
    holder: { name: 'Ann Smith' },
    term: { start: '2026-01-01', end: '2027-01-01' },
    premium: '3000.00',
  };
}

describe('operations: health, metrics, request ids, logs', () => {
  let dir: string;
  let server: RunningServer;
  let api: Api;
  const lines: string[] = [];
  const ids = new CommandIds(0x0b5);

  const scrape = (token: string | undefined): Promise<Answer> => api.request('GET', '/metrics', { token });
  const metrics = async (): Promise<Map<string, number>> => {
    const a = await scrape(SCRAPE_TOKEN);
    expect(a.status).toBe(200);
    return samples(a.text);
  };

  beforeAll(async () => {
    dir = tempDir('ledger-ops-');
    const tokensFile = writeTokensFile(dir);
    const metricsTokenFile = path.join(dir, 'metrics-token');
    fs.writeFileSync(metricsTokenFile, `${SCRAPE_TOKEN}\n`, { mode: 0o600 });
    const { startServer } = await import('../../apps/api/src/main');
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: path.join(dir, 'data'),
      tokensFile,
      metricsTokenFile,
      logLevel: 'info',
      logStream: { write: (line: string) => void lines.push(line) },
    });
    api = new Api(server.url);
  });

  afterAll(async () => {
    api?.close();
    await server?.close();
    removeDir(dir);
  });

  test('health: live and ready answer 200 without a token once the ledger is open', async () => {
    expect(await api.get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api.get('/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  test('/metrics: the scrape token, admin and auditor may read it; no token 401, other roles 403', async () => {
    for (const token of [SCRAPE_TOKEN, TOKENS.admin, TOKENS.auditor]) {
      const a = await scrape(token);
      expect(a.status).toBe(200);
      expect(a.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(a.headers['cache-control']).toBe('no-store');
    }
    for (const token of [undefined, 'not-a-token-at-all-0000', `${SCRAPE_TOKEN}x`]) {
      const a = await scrape(token);
      expect({ status: a.status, code: a.body?.code }).toEqual({ status: 401, code: 'unauthorized' });
      expect(a.type).toMatch(/^application\/problem\+json/);
      expect(a.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    for (const role of ['underwriter', 'claims', 'pensions', 'fund-admin', 'finance'] as const) {
      const a = await scrape(TOKENS[role]);
      expect({ status: a.status, code: a.body?.code }).toEqual({ status: 403, code: 'forbidden' });
    }
    // The scrape token opens /metrics and nothing else.
    expect((await api.get('/v1/policies/P-1', SCRAPE_TOKEN)).status).toBe(401);
    expect((await api.post('/v1/policies', bind(ids, 'P-SCRAPE'), SCRAPE_TOKEN)).status).toBe(401);
  });

  test('/metrics follows the commands: appends, batch sizes, outcomes by command, HTTP durations, WAL and projection gauges', async () => {
    const before = await metrics();
    const at = (m: Map<string, number>, series: string): number => m.get(series) ?? 0;

    const first = bind(ids, 'P-OPS-1');
    expect((await api.post('/v1/policies', first, TOKENS.underwriter)).status).toBe(201);
    const replay = await api.post('/v1/policies', first, TOKENS.underwriter);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await api.post('/v1/policies', bind(ids, 'P-OPS-1'), TOKENS.underwriter)).body?.code).toBe('entity_exists');
    const endorse = { commandId: ids.next(), effectiveDate: '2026-07-15', annualPremiumChange: '2000.00' };
    expect((await api.post('/v1/policies/P-OPS-1/endorsements', endorse, TOKENS.underwriter)).status).toBe(201);
    const batch = await api.post('/v1/batch', { commands: [1, 2, 3, 4, 5].map((n) => ({ path: '/v1/policies', body: bind(ids, `P-OPS-B${n}`) })) }, TOKENS.admin);
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect((await api.get('/v1/policies/P-OPS-1', TOKENS.underwriter)).status).toBe(200);
    expect((await api.get('/v1/nothing-here', TOKENS.admin)).status).toBe(404);

    const after = await metrics();
    const delta = (series: string): number => at(after, series) - at(before, series);

    // Commands by route, status and replay: single and batched alike.
    expect(delta('ledger_commands_total{command="/v1/policies",status="201",replayed="false"}')).toBe(6);
    expect(delta('ledger_commands_total{command="/v1/policies",status="201",replayed="true"}')).toBe(1);
    expect(delta('ledger_commands_total{command="/v1/policies",status="422",replayed="false"}')).toBe(1);
    expect(delta('ledger_commands_total{command="/v1/policies/{id}/endorsements",status="201",replayed="false"}')).toBe(1);

    // One log append per single command (the 422 is recorded too), one for the batch of 5.
    expect(delta('ledger_append_batch_records_count')).toBe(4);
    expect(delta('ledger_append_batch_records_sum')).toBe(8);
    expect(delta('ledger_append_batch_records_bucket{le="1"}')).toBe(3);
    expect(delta('ledger_append_batch_records_bucket{le="8"}')).toBe(4);
    expect(delta('ledger_append_duration_seconds_count')).toBe(4);
    expect(delta('ledger_append_duration_seconds_sum')).toBeGreaterThan(0);
    expect(at(after, 'ledger_append_duration_seconds_bucket{le="+Inf"}')).toBe(at(after, 'ledger_append_duration_seconds_count'));

    // HTTP durations by route pattern and status; a 404 without a route is "unmatched".
    expect(delta('http_request_duration_seconds_count{method="POST",route="/v1/policies",status="201"}')).toBe(2);
    expect(delta('http_request_duration_seconds_count{method="POST",route="/v1/policies/:policyId/endorsements",status="201"}')).toBe(1);
    expect(delta('http_request_duration_seconds_count{method="POST",route="/v1/batch",status="200"}')).toBe(1);
    expect(delta('http_request_duration_seconds_count{method="GET",route="/v1/policies/:policyId",status="200"}')).toBe(1);
    expect(delta('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(at(after, 'http_request_duration_seconds_count{method="GET",route="/metrics",status="200"}')).toBeGreaterThanOrEqual(4);

    // Scrape-time gauges: the WAL's I/O path, caught-up projections, process metrics.
    const modes = ['io_uring', 'sync'].map((m) => at(after, `wal_io_mode{mode="${m}"}`));
    expect(modes.sort()).toEqual([0, 1]);
    expect([0, 1]).toContain(after.get('wal_direct'));
    expect(after.get('wal_failed')).toBe(0);
    expect(after.get('ledger_ready')).toBe(1);
    expect(after.get('ledger_projection_pending_records')).toBe(0);
    expect(after.get('ledger_projection_lag_seconds')).toBe(0);
    expect(delta('ledger_records_applied_total')).toBe(8);
    // The read model: a file of its own (not heap), and a few latest states cached (a policy, a claim...).
    expect(after.get('ledger_readmodel_file_bytes')).toBeGreaterThan(0);
    expect(after.get('ledger_entity_cache_entries')).toBeGreaterThan(0);
    const flushes = [...after].filter(([k]) => k.startsWith('wal_flushes_total{')).reduce((s, [, v]) => s + v, 0);
    expect(flushes).toBeGreaterThanOrEqual(4);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);

    const text = (await scrape(SCRAPE_TOKEN)).text;
    for (const name of ['ledger_append_duration_seconds', 'ledger_append_batch_records', 'http_request_duration_seconds']) {
      expect(text).toContain(`# TYPE ${name} histogram`);
    }
    expect(text).toContain('# TYPE ledger_commands_total counter');
  });

  test('X-Request-Id: a sane one is echoed, anything else is replaced by a UUID; on every answer', async () => {
    const given = await api.request('GET', '/health/live', { headers: { 'x-request-id': 'trace-4b1d.77:ab@c' } });
    expect(given.headers['x-request-id']).toBe('trace-4b1d.77:ab@c');
    const none = await api.get('/health/live');
    expect(none.headers['x-request-id']).toMatch(UUID);
    for (const bad of ['x'.repeat(129), 'has space', 'semi;colon', '{"json":1}']) {
      const a = await api.request('GET', '/health/live', { headers: { 'x-request-id': bad } });
      expect(a.headers['x-request-id']).toMatch(UUID);
    }
    const two = await Promise.all([api.get('/health/live'), api.get('/health/live')]);
    expect(two[0].headers['x-request-id']).not.toBe(two[1].headers['x-request-id']);
    // Refusals too: 401 before the body is read, a 404 without a route, a 400.
    const unauthorized = await api.request('POST', '/v1/policies', { body: '{broken', headers: { 'x-request-id': 'req-401' } });
    expect({ status: unauthorized.status, id: unauthorized.headers['x-request-id'] }).toEqual({ status: 401, id: 'req-401' });
    const unknown = await api.request('GET', '/v1/nowhere', { token: TOKENS.admin, headers: { 'x-request-id': 'req-404' } });
    expect({ status: unknown.status, id: unknown.headers['x-request-id'] }).toEqual({ status: 404, id: 'req-404' });
    const invalid = await api.request('POST', '/v1/policies', { token: TOKENS.underwriter, body: { nope: 1 }, headers: { 'x-request-id': 'req-400' } });
    expect({ status: invalid.status, id: invalid.headers['x-request-id'] }).toEqual({ status: 400, id: 'req-400' });
  });

  test('logs: JSON lines, one per request with request id, route, status, actor and commandId; never a token', async () => {
    const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const command = bind(ids, 'P-OPS-LOG', uuid.toUpperCase());
    const a = await api.request('POST', '/v1/policies?note=x', { token: TOKENS.underwriter, body: command, headers: { 'x-request-id': 'log-line-1' } });
    expect(a.status).toBe(201);
    await api.request('GET', '/metrics', { token: SCRAPE_TOKEN, headers: { 'x-request-id': 'log-line-2' } });
    await api.request('GET', '/v1/policies/P-OPS-LOG', { token: `${TOKENS.admin}-wrong`, headers: { 'x-request-id': 'log-line-3' } });
    // The line is written once the answer is sent: wait for the last one.
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('"log-line-3"')); i++) await new Promise((r) => setTimeout(r, 10));

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const entry of parsed) {
      expect(typeof entry.level).toBe('string');
      expect(typeof entry.time).toBe('number');
      expect(entry.service).toBe('ledger-api');
    }
    // Start-up messages are JSON lines too.
    expect(parsed.some((e) => e.context === 'Auth' && /bearer token\(s\) loaded/.test(String(e.msg)))).toBe(true);

    const line = (reqId: string) => parsed.find((e) => e.msg === 'request' && e.reqId === reqId);
    expect(line('log-line-1')).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/v1/policies',
      path: '/v1/policies',
      status: 201,
      actor: 'underwriter-e2e',
      commandId: uuid.replace(/-/g, ''),
    });
    expect(typeof line('log-line-1')?.ms).toBe('number');
    expect(line('log-line-2')).toMatchObject({ route: '/metrics', status: 200 });
    expect(line('log-line-2')?.actor).toBeUndefined();
    expect(line('log-line-3')).toMatchObject({ route: '/v1/policies/:policyId', status: 401 });
    // One line per request.
    expect(parsed.filter((e) => e.reqId === 'log-line-1')).toHaveLength(1);

    const all = lines.join('');
    for (const token of [...Object.values(TOKENS), SCRAPE_TOKEN]) expect(all).not.toContain(token);
    expect(all).not.toMatch(/authorization/i);
    expect(all).not.toContain('Ann Smith'); // bodies are never logged
    expect(all).not.toContain('note=x'); // nor query strings
  });
});
