// Shared helpers of the end-to-end suites: a server in-process or as a child
// process (`node dist/apps/api/src/main.js`), a tokens file with one actor per
// role, a raw HTTP client (node:http, so hostile paths and bodies go out
// byte for byte), command ids, a seeded PRNG and the problem+json check.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'main.js');

// ---------------------------------------------------------------------------
// Roles and tokens

export const ROLE_NAMES = ['underwriter', 'claims', 'pensions', 'fund-admin', 'finance', 'auditor', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** One bearer token per role; the actor of each is `<role>-e2e`. */
export const TOKENS: Readonly<Record<RoleName, string>> = Object.freeze(
  Object.fromEntries(ROLE_NAMES.map((role) => [role, `e2e-${role}-${'0123456789abcdef'.repeat(2)}`])) as Record<RoleName, string>,
);

export function writeTokensFile(dir: string): string {
  const file = path.join(dir, 'tokens.json');
  const entries = ROLE_NAMES.map((role) => ({ token: TOKENS[role], actor: `${role}-e2e`, roles: [role] }));
  fs.writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  return file;
}

export function tempDir(prefix = 'ledger-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Error contract (api.md "Errors")

/** Every `code` api.md names: the error table and the domain 422 codes. */
export const API_ERROR_CODES: ReadonlySet<string> = new Set([
  'validation_failed',
  'unauthorized',
  'forbidden',
  'csrf_failed',
  'not_found',
  'exists_with_different_fields',
  'period_already_closed',
  'log_unavailable',
  'payment_exceeds_reserve',
  'reserve_negative',
  'nav_not_published',
  'insufficient_units',
  'policy_not_active',
  'claim_not_open',
  'claim_not_closed',
  'recovery_exceeds_paid',
  'effective_date_outside_term',
  'entity_exists',
  'currency_mismatch',
  'premium_negative',
  'payment_exceeds_balance',
  'refund_exceeds_balance',
  'amount_too_small',
  'already_reversed',
  'settlement_exceeds_fees_payable',
  'valuation_superseded',
  'correction_not_supported',
  'not_reversible',
]);

/**
 * Codes api.md does not list but leaves to us ("anything not named here is
 * yours to design"): 405 on a known path with the wrong method, and 422
 * command_too_large (a command whose events would not fit one log record),
 * amount_out_of_range (a computed figure past what the ledger stores) and
 * dealing_date_closed (a dealing dated before a NAV the fund has already
 * struck: forward pricing). Accepted, and reported by the suites that see them.
 */
export const EXTRA_ERROR_CODES: ReadonlySet<string> = new Set(['method_not_allowed', 'command_too_large', 'amount_out_of_range', 'dealing_date_closed']);

/** Why `a` breaks the error contract, or null: no 5xx, problem+json, a known code, no stack trace. */
export function problemViolation(a: Answer, allowExtra = true): string | null {
  if (a.status >= 500) return `status ${a.status} (${a.text.slice(0, 200)})`;
  if (a.status < 400) return null;
  if (!/^application\/problem\+json/.test(a.type ?? '')) return `status ${a.status} with content-type ${a.type}`;
  const b = a.body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') return `status ${a.status}: body is not a JSON object`;
  if (b.status !== a.status) return `status ${a.status} but body.status ${String(b.status)}`;
  for (const k of ['type', 'title', 'code', 'detail']) if (typeof b[k] !== 'string') return `status ${a.status}: body.${k} missing`;
  const code = b.code as string;
  if (!API_ERROR_CODES.has(code) && !(allowExtra && EXTRA_ERROR_CODES.has(code))) return `status ${a.status}: code ${code} is not one of api.md`;
  if (/\bat .*\.(ts|js):\d+|node_modules|\/work\//.test(a.text)) return `status ${a.status}: body leaks a stack or path`;
  return null;
}

// ---------------------------------------------------------------------------
// HTTP client

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  type: string | undefined;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Default application/json when a body is given; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** A new connection for this request only (no keep-alive). */
  fresh?: boolean;
}

/** A keep-alive HTTP/1.1 client that sends paths and bodies exactly as given. */
export class Api {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly url: string,
    maxSockets = 32,
  ) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, rawPath: string, opts: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path: rawPath, headers, agent: opts.fresh ? false : this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, type: res.headers['content-type'], text, body });
        });
      });
      req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`timeout: ${method} ${rawPath.slice(0, 120)}`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(p: string, token?: string): Promise<Answer> {
    return this.request('GET', p, { token });
  }

  post(p: string, body: unknown, token?: string): Promise<Answer> {
    return this.request('POST', p, { token, body });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** POSTs a command with a fresh commandId and expects it accepted (201); its answer. */
export async function created(api: Api, ids: CommandIds, path: string, body: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const a = await api.post(path, { commandId: ids.next(), ...body }, token);
  if (a.status !== 201) throw new Error(`${path}: ${a.status} ${a.text.slice(0, 300)}`);
  return a.body as Record<string, any>;
}

/** A query string from defined values, `?a=1&b=2` (empty when none). */
export function qs(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

// ---------------------------------------------------------------------------
// Command ids, PRNG

/** 32 lowercase hex digits: a per-generator prefix and a counter (never 0 or 2^128-1). */
export class CommandIds {
  private n = 0;
  private readonly prefix: string;

  constructor(seed: number = (Math.random() * 0xffffffff) >>> 0) {
    this.prefix = (0x10000000 + ((seed >>> 0) % 0xe0000000)).toString(16).padStart(8, '0');
  }

  next(): string {
    this.n++;
    return this.prefix + this.n.toString(16).padStart(24, '0');
  }
}

/** mulberry32: a small seeded PRNG, so a failing run replays. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** "1234.56" from a count of cents (signed). */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Cents of a money string "-12.34" (exact for the amounts tests use). */
export function cents(text: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (!m) throw new Error(`not money: ${text}`);
  const v = BigInt(m[2]) * 100n + BigInt(m[3]);
  return m[1] ? -v : v;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------
// Servers

export interface TestServer {
  url: string;
  api: Api;
  close(): Promise<void>;
}

export interface InProcessServer extends TestServer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  app: any;
}

/**
 * `npm run test:cluster` runs the acceptance suites with their servers' log on
 * a PostgreSQL primary with a synchronous standby (test/cluster-setup.ts sets
 * LEDGER_TEST_CLUSTER to the primary's and the standby's host:port). A server
 * started with no log of its own then gets a database of its own, named by
 * its data directory, so a restart on the same directory finds the same log,
 * as it finds the same WAL. Null otherwise (the embedded WAL).
 */
export async function clusterLogUrl(dataDir: string): Promise<string | null> {
  const hosts = process.env.LEDGER_TEST_CLUSTER;
  if (!hosts) return null;
  const database = clusterDatabase(dataDir);
  try {
    await onClusterPrimary(hosts, `CREATE DATABASE ${database}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e; // exists: the same data directory again
  }
  return `postgres://bench@${hosts}/${database}?target_session_attrs=read-write&connect_timeout=3`;
}

/** The acceptance suites run with their servers' log on the test cluster (npm run test:cluster). */
export const ON_CLUSTER = Boolean(process.env.LEDGER_TEST_CLUSTER);

/** The database name of a data directory's log on the test cluster. */
function clusterDatabase(dataDir: string): string {
  return `ledger_${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 20)}`;
}

/** Every record of a stopped server's log (its WAL, or on the test cluster its database), decoded, in recordedAt order. */
export async function readLogRecords(dataDir: string): Promise<import('@app/event-store').CommandRecord[]> {
  const { WalLog, decodeRecord } = await import('@app/event-store');
  const url = await clusterLogUrl(dataDir);
  const log = url === null ? await WalLog.open(path.join(dataDir, 'wal')) : await (await import('@app/pg-log')).PgLog.open(url, { readOnly: true });
  const records: import('@app/event-store').CommandRecord[] = [];
  try {
    for (let p = 0; p < log.partitions; p++) for await (const batch of log.scan(p, 0)) for (const r of batch) records.push(decodeRecord(r.payload));
  } finally {
    await log.close();
  }
  return records.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : 1));
}

/** A copy of a stopped server's data directory, and on the test cluster of its log's database (CREATE DATABASE ... TEMPLATE). */
export async function copyDataDir(from: string, to: string): Promise<void> {
  fs.cpSync(from, to, { recursive: true });
  const hosts = process.env.LEDGER_TEST_CLUSTER;
  if (!hosts) return;
  await onClusterPrimary(hosts, `CREATE DATABASE ${clusterDatabase(to)} TEMPLATE ${clusterDatabase(from)}`);
}

/** Runs one statement on the test cluster's primary (the first of LEDGER_TEST_CLUSTER's hosts). */
async function onClusterPrimary(hosts: string, sql: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: `postgres://bench@${hosts.split(',')[0]}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The real app in this process (ts sources), on a free port; `config`: settings other than the defaults (the entity cache, the apply thread). */
export async function startInProcess(opts: { dataDir: string; tokensFile?: string; config?: { cacheEntities?: number; applyThread?: boolean; log?: { kind: 'wal' } | { kind: 'postgres'; url: string; singleNode: boolean } } }): Promise<InProcessServer> {
  // Loaded lazily: child-process suites never compile the app.
  const { startServer } = await import('../../apps/api/src/main');
  const clusterUrl = opts.config?.log === undefined ? await clusterLogUrl(opts.dataDir) : null;
  const log = clusterUrl === null ? opts.config?.log : { kind: 'postgres' as const, url: clusterUrl, singleNode: false };
  const server = await startServer({ ...opts.config, log, port: 0, host: '127.0.0.1', dataDir: opts.dataDir, tokensFile: opts.tokensFile, logger: false });
  const api = new Api(server.url);
  return {
    url: server.url,
    api,
    app: server.app,
    close: async () => {
      api.close();
      await server.close();
    },
  };
}

/** A port that was free a moment ago (bind 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ChildServer extends TestServer {
  child: ChildProcess;
  port: number;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  /** Sends `signal` and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Fails fast with a clear message when dist/ is missing; warns when sources are newer. */
export function assertBuilt(): void {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build:ts\` first`);
  const built = fs.statSync(MAIN_JS).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && fs.statSync(p).mtimeMs > built) newer.push(path.relative(REPO_ROOT, p));
    }
  };
  for (const d of ['apps/api/src', 'libs', 'domain-models/src']) if (fs.existsSync(path.join(REPO_ROOT, d))) walk(path.join(REPO_ROOT, d));
  if (newer.length) console.warn(`dist/ is older than ${newer.length} source file(s) (e.g. ${newer[0]}): run \`npm run build:ts\``);
}

/** `node dist/apps/api/src/main.js` on a free port; resolves once /health/ready answers 200. */
export async function startChild(opts: { dataDir: string; tokensFile?: string; readyTimeoutMs?: number; env?: Record<string, string> }): Promise<ChildServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnChild(port, opts);
    } catch (e) {
      lastError = e;
      if (!/EADDRINUSE/.test(String(e))) throw e;
    }
  }
  throw lastError;
}

async function spawnChild(port: number, opts: { dataDir: string; tokensFile?: string; readyTimeoutMs?: number; env?: Record<string, string> }): Promise<ChildServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: opts.dataDir };
  const clusterUrl = opts.env?.LEDGER_LOG === undefined ? await clusterLogUrl(opts.dataDir) : null;
  if (clusterUrl !== null) env.LEDGER_LOG = clusterUrl;
  delete env.NODE_ENV; // production logging (start-up lines help a failure message)
  if (opts.tokensFile) env.LEDGER_TOKENS_FILE = opts.tokensFile;
  else delete env.LEDGER_TOKENS_FILE;
  const child = spawn(process.execPath, [MAIN_JS], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer): void => {
    out += c.toString('utf8');
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const api = new Api(url, 64);
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!gone) child.kill(signal);
    await exited;
    api.close();
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`the API child exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`the API child was not ready in time:\n${out}`);
    }
    try {
      const ready = await api.request('GET', '/health/ready', { timeoutMs: 2000 });
      if (ready.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  return { url, api, child, port, exited, kill, output: () => out, close: () => kill('SIGTERM') };
}

// ---------------------------------------------------------------------------
// Replay audit: POST /v1/audits/replay starts it in a worker thread (202,
// Location /v1/audits/{auditId}); GET /v1/audits/{auditId} until it is done.

/** GET /v1/audits/{auditId}: the audit and, once done, its result. */
export interface AuditView {
  auditId: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  progress: { phase: 'log' | 'read-model' | 'divergence'; done: number; total: number };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result?: any;
  error?: { code: string; detail: string };
}

export interface AuditRun {
  /** The POST's answer (202, the audit running). */
  started: Answer;
  /** The audit once it finished (status done). */
  audit: AuditView;
  /** audit.result: eventsReplayed, recordsReplayed, stateHash, liveStateHash, storedStateHash, match, firstDivergence... */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: any;
}

/**
 * Runs one replay audit to its end: POST (202), then GET its Location until
 * it is done; throws on any other answer or a failed audit. An audit that was
 * already running when this one was asked for (POST joins the running one)
 * is waited out and a new one started, so the result covers every command
 * acknowledged before the call.
 */
export async function runAudit(api: Api, token: string = TOKENS.auditor, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<AuditRun> {
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    const asked = Date.now();
    const started = await api.request('POST', '/v1/audits/replay', { token, body: {} });
    if (started.status !== 202) throw new Error(`POST /v1/audits/replay answered ${started.status}: ${started.text.slice(0, 300)}`);
    const location = `/v1/audits/${started.body?.auditId}`;
    if (started.headers.location !== location) throw new Error(`POST /v1/audits/replay: Location ${String(started.headers.location)}, body ${started.text.slice(0, 300)}`);
    const joined = Date.parse(started.body.startedAt) < asked;
    for (;;) {
      const a = await api.request('GET', location, { token });
      if (a.status !== 200) throw new Error(`GET ${location} answered ${a.status}: ${a.text.slice(0, 300)}`);
      const audit = a.body as AuditView;
      if (audit.status === 'failed') throw new Error(`replay audit ${audit.auditId} failed: ${JSON.stringify(audit.error)}`);
      if (audit.status === 'done') {
        if (!joined) return { started, audit, result: audit.result };
        break;
      }
      if (Date.now() > deadline) throw new Error(`replay audit ${audit.auditId} still running after ${opts.timeoutMs ?? 600_000} ms: ${JSON.stringify(audit.progress)}`);
      await sleep(opts.pollMs ?? 25);
    }
  }
}

// ---------------------------------------------------------------------------
// Which endpoints of api.md the running server has

/** The endpoints of api.md this suite drives, each with a probe that is a 400 (or 2xx) when mounted, a 404 when not. */
export const ENDPOINT_PROBES = {
  bindPolicy: { method: 'POST', path: '/v1/policies' },
  endorsePolicy: { method: 'POST', path: '/v1/policies/PROBE/endorsements' },
  cancelPolicy: { method: 'POST', path: '/v1/policies/PROBE/cancellation' },
  policyPayment: { method: 'POST', path: '/v1/policies/PROBE/payments' },
  getPolicy: { method: 'GET', path: '/v1/policies/bad!id' },
  openClaim: { method: 'POST', path: '/v1/claims' },
  changeReserve: { method: 'POST', path: '/v1/claims/PROBE/reserve' },
  payClaim: { method: 'POST', path: '/v1/claims/PROBE/payments' },
  closeClaim: { method: 'POST', path: '/v1/claims/PROBE/close' },
  getClaim: { method: 'GET', path: '/v1/claims/bad!id' },
  closePeriod: { method: 'POST', path: '/v1/periods/2001-01/close' },
  getPeriod: { method: 'GET', path: '/v1/periods/bad' },
  premiumReport: { method: 'GET', path: '/v1/reports/premiums' },
  claimsReport: { method: 'GET', path: '/v1/reports/claims' },
  trialBalance: { method: 'GET', path: '/v1/reports/trial-balance?asOf=bad' },
  auditTrail: { method: 'GET', path: '/v1/audit/entities/policy/bad!id' },
  auditReplay: { method: 'POST', path: '/v1/audits/replay' },
  batch: { method: 'POST', path: '/v1/batch' },
} as const;

export type EndpointName = keyof typeof ENDPOINT_PROBES;
export type Mounted = Record<EndpointName, boolean>;

/** Probes every endpoint with the admin token (a body with an unknown field: never a command). */
export async function probeEndpoints(api: Api): Promise<Mounted> {
  const out = {} as Mounted;
  for (const [name, probe] of Object.entries(ENDPOINT_PROBES) as [EndpointName, { method: string; path: string }][]) {
    const a = await api.request(probe.method, probe.path, {
      token: TOKENS.admin,
      body: probe.method === 'POST' ? { __probe: 1 } : undefined,
    });
    out[name] = a.status !== 404;
  }
  return out;
}

export function missing(mounted: Mounted): EndpointName[] {
  return (Object.keys(mounted) as EndpointName[]).filter((k) => !mounted[k]);
}
