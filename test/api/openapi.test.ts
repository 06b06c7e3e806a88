// The OpenAPI document at /docs/openapi.json and its UI at /docs, against the
// real app in-process:
// - a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator, run in
//   a child node: it is an ES module), every embedded schema a valid JSON
//   Schema 2020-12 (ajv);
// - exactly the routes Fastify mounts (its own route table), none of them
//   `x-undocumented`, every parameter and body field with a format;
// - each command's body schema is z.toJSONSchema of the schema its route
//   parses with, and the route really parses with that schema; its roles are
//   those the batch enforces; every route's documented roles are what the
//   guard does (each role's token tried on each operation);
// - the documented query parameters are accepted and nothing else is;
// - every command's example is accepted (201) and every answer, command or
//   query, matches its documented schema;
// - /docs serves Swagger UI from this server (no CDN), publicly.
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import { ValidationError, zodFieldErrors } from '../../apps/api/src/errors/api-errors';
import { ReplayAuditBodySchema } from '../../apps/api/src/audit/replay-audit/replay-audit.command';
import { SignInBodySchema } from '../../apps/api/src/session/sign-in/sign-in.controller';
import { BatchBodySchema } from '../../apps/api/src/batch/run-batch/run-batch.command';
import { BODY_SCHEMA_OPTIONS } from '../../apps/api/src/docs/json-schema';
import { examplePath, openApiPath, PROBLEM_CODES } from '../../apps/api/src/docs/openapi';
import { commandRoutes, PATH_PARAMS, QUERY_PARAMS } from '../../apps/api/src/docs/operations';
import type { CommandRoute } from '../../apps/api/src/ledger/command-route';
import {
  API_ERROR_CODES,
  EXTRA_ERROR_CODES,
  REPO_ROOT,
  ROLE_NAMES,
  TOKENS,
  type Answer,
  type InProcessServer,
  type RoleName,
  problemViolation,
  removeDir,
  runAudit,
  startInProcess,
  tempDir,
  writeTokensFile,
} from '../e2e/support';

jest.setTimeout(120_000);

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Op {
  method: string;
  path: string;
  op: Json;
}

function operations(doc: Json): Op[] {
  const out: Op[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path, op: item[m] });
  return out;
}

/** Fastify's own route table (printRoutes' tree), HEAD left out: "METHOD /path/:param". */
function fastifyRoutes(server: InProcessServer): string[] {
  const text: string = server.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of text.split('\n')) {
    // A segment under the root route "/" (the console) is printed without its leading "/": joining the stack restores it.
    const m = /^((?:[│ ]   |[├└]── )*)([^\s(]\S*)(?: \(([^)]*)\))?\s*$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const depth = m[1].length / 4 - 1;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

/** Every schema object reachable from `node`, with where it is. */
function* walk(node: Json, where: string): Generator<[string, Json]> {
  if (!node || typeof node !== 'object') return;
  yield [where, node];
  for (const [k, v] of Object.entries(node)) yield* walk(v, `${where}/${k}`);
}

/** Fills `{param}` with each parameter's documented example. */
function concretePath(path: string, overrides: Record<string, string> = {}): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(overrides[name] ?? PATH_PARAMS[name]?.example ?? 'x'));
}

function exampleQuery(op: Json): string {
  const q = (op.parameters ?? []).filter((p: Json) => p.in === 'query').map((p: Json) => `${p.name}=${encodeURIComponent(p.example)}`);
  return q.length ? `?${q.join('&')}` : '';
}

describe('OpenAPI document and UI at /docs', () => {
  let dir: string;
  let server: InProcessServer;
  let doc: Json;
  let ops: Op[];
  const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
  addFormats(ajv);
  ajv.addKeyword('example'); // OpenAPI's own keyword beside JSON Schema's `examples`
  ajv.addKeyword('x-undocumented');

  /** The schema with the document's `#/components/...` refs put in place. */
  function inline(node: Json): Json {
    if (Array.isArray(node)) return node.map(inline);
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/components/')) {
      return inline(node.$ref.slice(2).split('/').reduce((n: Json, k: string) => n[k], doc));
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  }

  /** Validates `value` against a schema of the document. */
  function check(schema: Json, value: unknown): string | null {
    const validate = ajv.compile(inline(schema));
    return validate(value) ? null : ajv.errorsText(validate.errors);
  }

  beforeAll(async () => {
    dir = tempDir('ledger-openapi-');
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile: writeTokensFile(dir) });
    const a = await server.api.get('/docs/openapi.json');
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^application\/json/);
    doc = a.body;
    ops = operations(doc);
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  test('the document is public and valid OpenAPI 3.1; every schema in it is valid JSON Schema 2020-12', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      let text = '';
      for await (const chunk of process.stdin) text += chunk;
      const result = await new Validator().validate(JSON.parse(text));
      process.stdout.write(JSON.stringify(result));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, input: JSON.stringify(doc), encoding: 'utf8' });
    const result = JSON.parse(out);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    const invalid: string[] = [];
    for (const { method, path, op } of ops) {
      const schemas: [string, Json][] = [];
      for (const p of op.parameters ?? []) schemas.push([`parameter ${p.name}`, p.schema]);
      for (const [type, media] of Object.entries<Json>(op.requestBody?.content ?? {})) schemas.push([`body ${type}`, media.schema]);
      for (const [status, r] of Object.entries<Json>(op.responses)) for (const [type, media] of Object.entries<Json>(r.content ?? {})) if (media.schema) schemas.push([`${status} ${type}`, media.schema]);
      for (const [what, schema] of schemas) {
        try {
          ajv.compile(inline(schema));
        } catch (e) {
          invalid.push(`${method} ${path} ${what}: ${(e as Error).message}`);
        }
      }
    }
    expect(invalid).toEqual([]);
  });

  test('it lists exactly the routes the server mounts, each documented, with bearer security and roles unless public', () => {
    const mounted = fastifyRoutes(server);
    expect(mounted.length).toBeGreaterThan(25);
    const documented = ops.map(({ method, path }) => `${method} ${path.replace(/\{([^}]+)\}/g, ':$1')}`).sort();
    expect(documented).toEqual(mounted);

    const undocumented = [...walk(doc, '#')].filter(([, n]) => n['x-undocumented']).map(([w]) => w);
    expect(undocumented).toEqual([]);
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      expect({ where, summary: typeof op.summary === 'string' && op.summary.length > 10 }).toEqual({ where, summary: true });
      // The docs and the health probes are public; everything of api.md takes a bearer token.
      if (path.startsWith('/docs') || path.startsWith('/health')) expect({ where, security: op.security }).toEqual({ where, security: [] });
      if (path.startsWith('/v1/')) expect({ where, bearer: op.security.length > 0 && op.security.every((s: Json) => Object.keys(s).join() === 'bearer') }).toEqual({ where, bearer: true });
      if (op['x-roles']) expect({ where, security: op.security }).toEqual({ where, security: op['x-roles'].map((r: string) => ({ bearer: [r] })) });
      // Every error is problem+json with the code enum.
      for (const [status, r] of Object.entries<Json>(op.responses)) {
        if (Number(status) < 400) continue;
        const ref = r.$ref as string;
        const response = doc.components.responses[ref.split('/').pop()!];
        expect({ where, status, type: Object.keys(response.content) }).toEqual({ where, status, type: ['application/problem+json'] });
      }
    }
  });

  test('problem codes: every code of api.md and the extra ones, each status with its codes', () => {
    const enumCodes: string[] = doc.components.schemas.Problem.properties.code.enum;
    expect(enumCodes).toEqual([...PROBLEM_CODES]);
    for (const code of [...API_ERROR_CODES, ...EXTRA_ERROR_CODES]) expect({ code, listed: enumCodes.includes(code) }).toEqual({ code, listed: true });
    const byStatus = Object.fromEntries(Object.values<Json>(doc.components.responses).map((r) => [r.content['application/problem+json'].schema.allOf[1].properties.status.const, r.content['application/problem+json'].schema.allOf[1].properties.code.enum]));
    expect(byStatus[400]).toEqual(['validation_failed']);
    expect(byStatus[409]).toEqual(['exists_with_different_fields', 'period_already_closed']);
    expect(byStatus[422]).toEqual(expect.arrayContaining(['payment_exceeds_reserve', 'nav_not_published', 'command_too_large', 'entity_exists']));
  });

  test("each command's body is z.toJSONSchema of the very schema its route parses with; roles are the route's", () => {
    const routes = commandRoutes();
    const seen = new Set<CommandRoute<unknown>>();
    for (const { method, path, op } of ops.filter((o) => o.method === 'POST')) {
      const matching = routes.filter((r) => r.pattern.test(examplePath(path.replace(/\{([^}]+)\}/g, ':$1'))));
      if (path === '/v1/batch') {
        expect(op.requestBody.content['application/json'].schema).toEqual(z.toJSONSchema(BatchBodySchema, BODY_SCHEMA_OPTIONS));
        continue;
      }
      if (path === '/console/session') {
        expect(op.requestBody.content['application/json'].schema).toEqual(z.toJSONSchema(SignInBodySchema, BODY_SCHEMA_OPTIONS));
        continue;
      }
      if (path === '/v1/audits/replay') {
        expect(op.requestBody.content['application/json'].schema).toEqual(z.toJSONSchema(ReplayAuditBodySchema, BODY_SCHEMA_OPTIONS));
        continue;
      }
      expect({ path, command: matching.length > 0 }).toEqual({ path, command: true });
      expect({ path, matches: matching.length }).toEqual({ path, matches: 1 });
      const route = matching[0];
      seen.add(route);
      const where = `${method} ${path}`;
      expect({ where, summary: op.summary }).toEqual({ where, summary: route.summary });
      expect({ where, schema: op.requestBody.content['application/json'].schema }).toEqual({ where, schema: z.toJSONSchema(route.body, BODY_SCHEMA_OPTIONS) });
      expect({ where, roles: op['x-roles'] }).toEqual({ where, roles: [...new Set([...route.roles, 'admin'])].sort() });

      // The route parses with that schema: the same refusals, field by field, for bodies that break it differently.
      const params = route.pattern.exec(examplePath(path.replace(/\{([^}]+)\}/g, ':$1')))!.slice(1);
      const actor = { id: 'doc-test', roles: new Set(['admin' as const]) };
      for (const body of [{}, { zz: 1 }, { ...route.example, commandId: 1 }, null, [], 'x', { ...route.example, extra: true }]) {
        const expected = route.body.safeParse(body);
        let errors: unknown = null;
        try {
          route.parse(params, { path: examplePath(path), body, actor });
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          errors = e.errors;
        }
        expect({ where, body, errors }).toEqual({ where, body, errors: expected.success ? null : zodFieldErrors(expected.error) });
      }
      // Its example is valid.
      expect({ where, example: route.body.safeParse(route.example).success }).toEqual({ where, example: true });
      expect(op.requestBody.content['application/json'].example).toEqual(route.example);
    }
    expect([...seen].length).toBe(routes.length);
  });

  test('every parameter and request field has a format: a pattern, an enum or a length', () => {
    const loose: string[] = [];
    for (const { method, path, op } of ops) {
      if (path.startsWith('/docs')) continue;
      for (const p of op.parameters ?? []) if (!p.schema.pattern && !p.schema.enum) loose.push(`${method} ${path} ${p.in} ${p.name}`);
      const body = op.requestBody?.content['application/json']?.schema;
      for (const [where, node] of walk(body, 'body')) {
        if (node.type === 'string' && !node.pattern && !node.enum && node.maxLength === undefined) loose.push(`${method} ${path} ${where}`);
      }
      // Money, units and dates in answers: patterns too.
      const ok = Object.entries<Json>(op.responses).find(([s]) => s.startsWith('2'))?.[1];
      for (const [where, node] of walk(ok?.content?.['application/json']?.schema, 'answer')) {
        if (/\/(amount|premium|written|earned|reserve|paid|units|navPerUnit|netAssets|recordedAt|knownAt|effectiveDate|asOf)$/.test(where) && !node.pattern) loose.push(`${method} ${path} ${where}`);
      }
    }
    expect(loose).toEqual([]);
    // The patterns agree with the parsers on their own examples.
    for (const [name, p] of Object.entries({ ...PATH_PARAMS, ...QUERY_PARAMS })) {
      if (p.schema.pattern) expect({ name, ok: new RegExp(p.schema.pattern as string).test(p.example) }).toEqual({ name, ok: true });
    }
  });

  test("the documented query parameters are accepted, with their examples; any other is a 400", async () => {
    const failures: string[] = [];
    for (const { path, op } of ops.filter((o) => o.method === 'GET' && (o.op.parameters ?? []).some((p: Json) => p.in === 'query'))) {
      const base = concretePath(path);
      const good = await server.api.get(`${base}${exampleQuery(op)}`, TOKENS.admin);
      if (good.status === 400) failures.push(`${path}: documented parameters refused: ${good.text}`);
      const extra = exampleQuery(op) ? `${exampleQuery(op)}&zz=1` : '?zz=1';
      const bad = await server.api.get(`${base}${extra}`, TOKENS.admin);
      if (bad.status !== 400 || !bad.body.errors?.some((e: Json) => e.path === 'zz')) failures.push(`${path}: undocumented parameter zz answered ${bad.status}`);
      for (const p of op.parameters.filter((x: Json) => x.in === 'query' && x.required)) {
        const without = (op.parameters as Json[])
          .filter((x) => x.in === 'query' && x.name !== p.name)
          .map((x) => `${x.name}=${encodeURIComponent(x.example)}`)
          .join('&');
        const a = await server.api.get(`${base}?${without}`, TOKENS.admin);
        if (a.status !== 400) failures.push(`${path}: required ${p.name} left out answered ${a.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("each operation's documented roles and security are what the server does", async () => {
    const failures: string[] = [];
    for (const { method, path, op } of ops) {
      if (!op['x-roles']) continue;
      for (const role of ROLE_NAMES) {
        // An empty body: a role let in gets a 400 (or a read), never 401/403; a role kept out gets 403.
        const a = await server.api.request(method, concretePath(path), { token: TOKENS[role], body: method === 'POST' ? {} : undefined });
        const allowed = op['x-roles'].includes(role);
        if (allowed && (a.status === 401 || a.status === 403)) failures.push(`${method} ${path} as ${role}: ${a.status}, documented as allowed`);
        if (!allowed && a.status !== 403) failures.push(`${method} ${path} as ${role}: ${a.status}, documented as not allowed`);
      }
    }
    // Without a token: 401 exactly where the document asks for one.
    for (const { method, path, op } of ops) {
      const anonymous = await server.api.request(method, concretePath(path), { body: method === 'POST' ? {} : undefined });
      const needsToken = op.security.length > 0;
      if (needsToken !== (anonymous.status === 401)) failures.push(`${method} ${path} without a token: ${anonymous.status}, documented security ${JSON.stringify(op.security)}`);
    }
    expect(failures).toEqual([]);
  });

  test('every command example is accepted (201) and every answer matches its documented schema', async () => {
    const byId = new Map(ops.map((o) => [o.op.operationId as string, o]));
    const post = async (id: string, overrides: Record<string, string> = {}, body?: Json): Promise<Answer> => {
      const o = byId.get(id);
      if (!o) throw new Error(`no operation ${id}`);
      return server.api.request('POST', concretePath(o.path, overrides), { token: TOKENS.admin, body: body ?? o.op.requestBody.content['application/json'].example });
    };
    const mismatches: string[] = [];
    const checkAnswer = (id: string, a: Answer, expectStatus: number) => {
      const o = byId.get(id)!;
      if (a.status !== expectStatus) {
        mismatches.push(`${id}: ${a.status} (expected ${expectStatus}): ${a.text.slice(0, 300)}`);
        return;
      }
      const schema = o.op.responses[String(a.status)]?.content?.['application/json']?.schema;
      const v = schema ? check(schema, a.body) : `no schema for ${a.status}`;
      if (v) mismatches.push(`${id} ${a.status}: ${v}: ${a.text.slice(0, 300)}`);
    };

    // The examples, in an order where each finds what it needs (F-2 is launched and valued for the switch).
    const commandsInOrder = [
      'bindPolicy',
      'recordPremiumPayment',
      'endorsePolicy',
      'openClaim',
      'payClaim',
      'changeReserve',
      'closeClaim',
      'recoverClaim',
      'reopenClaim',
      'cancelPolicy',
      'refundPremium',
      'reverseCommand',
      'launchFund',
      'strikeValuation',
      'registerMember',
      'contribute',
      'correctValuation',
      'switchUnits',
      'withdraw',
      'chargeFee',
      'settleFees',
      'closePeriod',
    ];
    const commandOps = ops.filter((o) => o.op.requestBody?.content['application/json']?.schema?.properties?.commandId).map((o) => o.op.operationId);
    expect([...commandsInOrder].sort()).toEqual([...commandOps].sort());
    for (const id of commandsInOrder) {
      if (id === 'switchUnits') {
        const launch = { ...byId.get('launchFund')!.op.requestBody.content['application/json'].example, commandId: 'a1'.repeat(16), fundId: 'F-2' };
        expect((await post('launchFund', {}, launch)).status).toBe(201);
        const value = { ...byId.get('strikeValuation')!.op.requestBody.content['application/json'].example, commandId: 'a2'.repeat(16) };
        expect((await post('strikeValuation', { fundId: 'F-2' }, value)).status).toBe(201);
      }
      if (id === 'refundPremium') {
        // A refund needs a credit: api.md's example, P-R bound at 3,000.00 for 2026, paid in full, cancelled pro rata from
        // 2026-07-01, owes its holder 1,512.33 (3,000 x 184/365): the refund example's amount.
        const bind = { ...byId.get('bindPolicy')!.op.requestBody.content['application/json'].example, commandId: 'b1'.repeat(16), policyId: 'P-R', premium: '3000.00', term: { start: '2026-01-01', end: '2027-01-01' } };
        expect((await post('bindPolicy', {}, bind)).status).toBe(201);
        expect((await post('recordPremiumPayment', { policyId: 'P-R' }, { commandId: 'b2'.repeat(16), amount: '3000.00', receivedDate: '2026-01-05' })).status).toBe(201);
        expect((await post('cancelPolicy', { policyId: 'P-R' }, { commandId: 'b3'.repeat(16), effectiveDate: '2026-07-01', method: 'pro-rata' })).status).toBe(201);
        checkAnswer(id, await post(id, { policyId: 'P-R' }), 201);
        continue;
      }
      checkAnswer(id, await post(id), 201);
    }
    const batch = await post('runBatch');
    checkAnswer('runBatch', batch, 200);
    for (const r of batch.body?.results ?? []) {
      const v = problemViolation({ status: r.status, headers: {}, type: 'application/problem+json', text: JSON.stringify(r.body), body: r.body });
      if (v) mismatches.push(`batch item: ${v}`);
    }

    // Every read, with its documented parameter examples (a replay audit's status below: it needs an audit).
    for (const { path, op } of ops.filter((o) => o.method === 'GET' && o.op.operationId !== 'getReplayAudit')) {
      const a = await server.api.get(`${concretePath(path)}${exampleQuery(op)}`, TOKENS.admin);
      const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
      const type = Object.keys(op.responses[ok].content ?? {})[0];
      if (type !== 'application/json') {
        if (a.status !== Number(ok)) mismatches.push(`${op.operationId}: ${a.status}`);
        continue;
      }
      checkAnswer(op.operationId, a, Number(ok));
    }
    // The replay audit: started (202, the running audit, its Location), then read until done (200, with its result).
    expect(byId.get('replayAudit')).toBeDefined();
    expect(byId.get('getReplayAudit')).toBeDefined();
    const run = await runAudit(server.api, TOKENS.auditor);
    checkAnswer('replayAudit', run.started, 202);
    expect(Object.keys(byId.get('replayAudit')!.op.responses['202'].headers ?? {})).toEqual(['Location']);
    const done = await server.api.get(run.started.headers.location as string, TOKENS.auditor);
    checkAnswer('getReplayAudit', done, 200);
    expect(done.body).toMatchObject({ status: 'done', result: { match: true } });
    expect(mismatches).toEqual([]);
  });

  test('a problem answer matches the documented problem schema', async () => {
    const a = await server.api.post('/v1/policies', { commandId: 'nope', extra: 1 }, TOKENS.underwriter);
    expect(a.status).toBe(400);
    const bind = ops.find((o) => o.op.operationId === 'bindPolicy')!;
    const ref = bind.op.responses['400'].$ref.split('/').pop();
    expect(check(doc.components.responses[ref].content['application/problem+json'].schema, a.body)).toBeNull();
  });

  test('/docs serves Swagger UI from this server, without a token, nothing from elsewhere', async () => {
    const page = await server.api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain('id="swagger-ui"');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toEqual(expect.arrayContaining(['docs/assets/swagger-ui.css', 'docs/assets/swagger-ui-bundle.js', 'docs/assets/init.js', 'docs/openapi.json']));
    for (const ref of refs) {
      const a = await server.api.get(`/${ref}`);
      expect({ ref, status: a.status }).toEqual({ ref, status: 200 });
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
    const bundle = await server.api.get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.type).toMatch(/^text\/javascript/);
    expect(bundle.text).toContain('SwaggerUIBundle');
    const init = await server.api.get('/docs/assets/init.js');
    expect(init.text).toContain("url: 'docs/openapi.json'");
    expect(init.text).toContain('validatorUrl: null');
    // gzip for clients that take it.
    const gz = await server.api.request('GET', '/docs/assets/swagger-ui-bundle.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBeLessThan(Buffer.byteLength(bundle.text) / 2);
    // Only the listed files; nothing else of the disk.
    for (const path of ['/docs/assets/index.html', '/docs/assets/..%2Fpackage.json', '/docs/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/docs/assets/swagger-ui-bundle.js.map', '/docs/assets/__proto__', '/docs/assets/constructor']) {
      const a = await server.api.get(path);
      expect({ path, status: a.status, problem: problemViolation(a) }).toEqual({ path, status: 404, problem: null });
    }
    // The document's paths are the OpenAPI form of the routes.
    expect(openApiPath('/v1/policies/:policyId/endorsements')).toBe('/v1/policies/{policyId}/endorsements');
  });
});
