/**
 * Benchmarks the HTTP API end to end: a real server (`node dist/apps/api/src/main.js`,
 * a child process on a scratch data directory with a tokens file) under autocannon,
 * which runs in this process. On a 2-core machine client and server share the cores:
 * the table reports the CPU each used, so a bound can be told from a bottleneck.
 *
 *   single_commands  POST of single commands, a realistic mix (binds, endorsements,
 *                    claim payments, pension contributions), each with a fresh
 *                    commandId and expected to be answered 201
 *   batch            POST /v1/batch of large mixed batches; commands/s
 *   policy_as_of     GET /v1/policies/{id}?asOf&knownAt (bitemporal reads)
 *   single_binds     POST /v1/policies only (the peer's command), 64 connections
 *   batch_binds      POST /v1/batch of binds only
 *   pg_single_binds  the peer (pg-peer-server.ts: Fastify + the same zod schema + one
 *                    PostgreSQL transaction per bind, 64 pooled connections) on a
 *                    PostgreSQL server started for the run (postgres.ts), same binds
 *   pg_batch_binds   the peer's /v1/batch: one multi-row transaction per batch
 *   The report adds our figures over the peer's (ratios) for the same command.
 *
 *   --json                 print exactly one JSON object { results, targets } on stdout
 *   --duration <s>         measured seconds per case (default 15)
 *   --warmup <s>           unmeasured seconds before each case (default 3)
 *   --connections <n>      connections of single_commands and policy_as_of (default 64)
 *   --batch-size <n>       commands per /v1/batch request (default 8,000; at most 8,189)
 *   --batch-connections <n> concurrent batches (default 2)
 *   --only <a,b,..>        run only the named cases
 *   --quick                a smaller book, 3 s per case: a smoke run
 *   --dir <parent>         create the scratch directory there (default: os.tmpdir())
 *   --node-arg <arg>       an extra node option for the server (repeatable), e.g. --max-semi-space-size=64
 *   --profile <dir>        write a V8 CPU profile of the server per measured case, <dir>/<case>.cpuprofile
 *   --server <main.js>     the server to start (default: this checkout's dist/apps/api/src/main.js), e.g. an older build
 *   --keep                 keep the scratch directory (server log, WAL, profiles)
 *
 * Progress goes to stderr; stdout carries the report. Run `npm run build:ts` first.
 * Missed targets are reported, never turned into a failing exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

import { UsageError, freePort, runCli, sleep } from './cli';
import { startPostgres } from './postgres';
import { DEFAULT_BOOK, QUICK_BOOK, Workload, type BookSize, type CommandItem } from './api-workload';

const CASE_NAMES = ['single_commands', 'batch', 'policy_as_of', 'single_binds', 'batch_binds', 'pg_single_binds', 'pg_batch_binds'] as const;
type CaseName = (typeof CASE_NAMES)[number];
/** The cases measured against the PostgreSQL peer (the rest against this checkout's server). */
const PEER_CASES: ReadonlySet<CaseName> = new Set<CaseName>(['pg_single_binds', 'pg_batch_binds']);
const PEER_JS = path.join(__dirname, 'pg-peer-server.js');

const MAIN_JS = path.resolve(__dirname, '..', '..', 'api', 'src', 'main.js');
const PROFILER_JS = path.join(__dirname, 'api-profile.js');
const TOKEN = `bench-${'0123456789abcdef'.repeat(3)}`;
const ROLES = ['underwriter', 'claims', 'pensions', 'fund-admin', 'finance', 'auditor'];
const MAX_BATCH = 8189;
const SETUP_BATCH = 4_000;
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in these

interface Config {
  json: boolean;
  durationS: number;
  warmupS: number;
  connections: number;
  batchSize: number;
  batchConnections: number;
  cases: readonly CaseName[];
  book: BookSize;
  parentDir: string;
  nodeArgs: string[];
  profileDir?: string;
  serverMain: string;
  keep: boolean;
}

const USAGE =
  'usage: api-bench [--json] [--duration <s>] [--warmup <s>] [--connections <n>] [--batch-size <n>] [--batch-connections <n>] ' +
  '[--only <case,...>] [--quick] [--dir <parent>] [--node-arg <arg>]... [--profile <dir>] [--server <main.js>] [--keep]';


function parseConfig(argv: string[]): Config {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        'batch-size': { type: 'string' },
        'batch-connections': { type: 'string' },
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        dir: { type: 'string', default: os.tmpdir() },
        'node-arg': { type: 'string', multiple: true, default: [] },
        profile: { type: 'string' },
        server: { type: 'string' },
        keep: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const num = (option: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`--${option} must be a number in (0, ${max}], got ${text}`);
    return value;
  };
  const int = (option: string, text: string | undefined, fallback: number, max?: number): number => {
    const value = num(option, text, fallback, max);
    if (!Number.isInteger(value)) throw new UsageError(`--${option} must be a whole number, got ${text}`);
    return value;
  };
  return {
    json: values.json,
    durationS: num('duration', values.duration, values.quick ? 3 : 15),
    warmupS: values.warmup === '0' ? 0 : num('warmup', values.warmup, values.quick ? 1 : 3),
    connections: int('connections', values.connections, 64, 10_000),
    batchSize: int('batch-size', values['batch-size'], values.quick ? 1_000 : 8_000, MAX_BATCH),
    batchConnections: int('batch-connections', values['batch-connections'], 2, 64),
    cases: values.only === undefined ? CASE_NAMES : parseCaseList(values.only),
    book: values.quick ? QUICK_BOOK : DEFAULT_BOOK,
    parentDir: path.resolve(values.dir),
    nodeArgs: values['node-arg'],
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    serverMain: values.server === undefined ? MAIN_JS : path.resolve(values.server),
    keep: values.keep,
  };
}

function parseCaseList(list: string): CaseName[] {
  const wanted = list.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !(CASE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown case(s) ${unknown.join(', ')}; known: ${CASE_NAMES.join(', ')}`);
  return CASE_NAMES.filter((name) => wanted.includes(name));
}

function progress(message: string): void {
  process.stderr.write(`[api-bench] ${message}\n`);
}

// ---------------------------------------------------------------------------
// The server under test

class ServerProcess {
  private exited: Promise<number | null>;
  private profiles = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
    private readonly profileDir?: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** CPU seconds of processes the server relies on besides itself (the peer's PostgreSQL), counted as the server's. */
  extraCpuSeconds: () => number = () => 0;

  /** The PostgreSQL peer (pg-peer-server.js) on `databaseUrl`. */
  static async startPeer(workDir: string, databaseUrl: string, pool: number): Promise<ServerProcess> {
    const port = await freePort();
    const logFile = path.join(workDir, 'peer.log');
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [PEER_JS], {
      cwd: workDir,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(port), PEER_DATABASE_URL: databaseUrl, PEER_POOL: String(pool) },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, logFile);
    await server.waitReady();
    return server;
  }

  static async start(workDir: string, mainJs: string, nodeArgs: string[], profileDir?: string): Promise<ServerProcess> {
    if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run npm run build:ts first`);
    const tokensFile = path.join(workDir, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify([{ token: TOKEN, actor: 'bench', roles: ROLES }]), { mode: 0o600 });
    const port = await freePort();
    const logFile = path.join(workDir, 'server.log');
    const log = fs.openSync(logFile, 'a');
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const preload = profileDir ? ['-r', PROFILER_JS] : [];
    const child = spawn(process.execPath, [...nodeArgs, ...preload, mainJs], {
      cwd: workDir,
      env: {
        ...process.env,
        ...(profileDir ? { API_BENCH_PROFILE_DIR: profileDir } : {}),
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        LEDGER_DATA_DIR: path.join(workDir, 'data'),
        LEDGER_TOKENS_FILE: tokensFile,
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, logFile, profileDir);
    await server.waitReady();
    return server;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 120_000;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (Date.now() < deadline) {
      if (gone) throw new Error(`the server exited during startup; its log:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the server was not ready within 120 s; its log:\n${this.logTail()}`);
  }

  logTail(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number {
    const stat = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S + this.extraCpuSeconds(); // utime, stime
  }

  /** With --profile: ends the server's current profile (started at the previous cut) and names it `<case>.cpuprofile`. */
  async cutProfile(name: string | null): Promise<void> {
    if (!this.profileDir) return;
    const file = path.join(this.profileDir, `${++this.profiles}.cpuprofile`);
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`no profile ${file} within 60 s`);
      await sleep(100);
    }
    if (name === null) fs.rmSync(file);
    else {
      fs.renameSync(file, path.join(this.profileDir, `${name}.cpuprofile`));
      progress(`  profile: ${path.join(this.profileDir, `${name}.cpuprofile`)}`);
    }
  }

  /** SIGTERM (graceful), SIGKILL if it lingers. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(20_000).then(() => undefined)]);
    if (code !== undefined) return code;
    progress('the server did not exit within 20 s of SIGTERM: SIGKILL');
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** One /v1/batch whose every command must be answered 201; returns the last command's recordedAt. */
async function postBatch(url: string, items: CommandItem[]): Promise<string> {
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ commands: items }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`setup batch answered ${res.status}: ${text.slice(0, 500)}`);
  const { results } = JSON.parse(text) as { results: { status: number; body: { recordedAt?: string } }[] };
  const bad = results.findIndex((r) => r.status !== 201);
  if (bad >= 0) throw new Error(`setup command ${items[bad].path} answered ${results[bad].status}: ${JSON.stringify(results[bad].body).slice(0, 500)}`);
  return results[results.length - 1].body.recordedAt as string;
}

async function postAll(url: string, items: CommandItem[]): Promise<string> {
  let last = '';
  for (let i = 0; i < items.length; i += SETUP_BATCH) last = await postBatch(url, items.slice(i, i + SETUP_BATCH));
  return last;
}

/** The seeded book; returns knownAt instants for the as-of queries (after the binds, after the first endorsements). */
async function seed(url: string, workload: Workload): Promise<string[]> {
  const start = Date.now();
  const bound = await postAll(url, workload.setupPolicies());
  const endorsed = await postAll(url, workload.setupEndorsements());
  await postAll(url, workload.setupClaims());
  await postAll(url, workload.setupFunds());
  await postAll(url, workload.setupMembers());
  const b = workload.book;
  progress(
    `seeded ${b.policies} policies (each endorsed once), ${b.claims} claims, ${b.funds} funds with a NAV, ${b.members} members in ${((Date.now() - start) / 1e3).toFixed(1)} s`,
  );
  return [bound, endorsed];
}

// ---------------------------------------------------------------------------
// Measurement

export interface ApiCaseResult {
  name: CaseName;
  connections: number;
  /** Requests answered (any status) per second. */
  requests_per_s: number;
  /** Commands answered 201 per second (command cases), or queries answered 200 per second. */
  ops_per_s: number;
  unit: 'commands/s' | 'queries/s';
  /** Commands per request (1 but for the batch case). */
  per_request: number;
  requests: number;
  seconds: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** Connection errors, timeouts, and answers other than the expected status (per command for batches). */
  errors: number;
  non_2xx: number;
  status_codes: Record<string, number>;
  server_cpu_pct: number;
  /** Server CPU time (all its threads, user + system) per command or query answered as expected. */
  server_cpu_us_per_op: number | null;
  client_cpu_pct: number;
  /** CPU used by every other process of the machine meanwhile, % of one core: a busy machine skews the numbers. */
  other_cpu_pct: number;
  /** From the server's /metrics over the run: log appends made durable, their mean append-to-durable time, WAL flushes. */
  wal: WalFigures | null;
}

export interface WalFigures {
  appends: number;
  /** Mean time from append to its durable acknowledgment in JS: its flush's write + fdatasync, the flush before it, and any wait for the event loop. */
  append_mean_ms: number | null;
  flushes: number;
  /** Log records (commands) per flush: the group commit's size. */
  records_per_flush: number | null;
}

/** The sums over every series of the metrics the bench reads. */
interface MetricsSnapshot {
  appendCount: number;
  appendSeconds: number;
  appendRecords: number;
  flushes: number;
}

async function scrapeMetrics(url: string): Promise<MetricsSnapshot | null> {
  try {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: HEADERS.authorization } });
    if (res.status !== 200) return null;
    const text = await res.text();
    const total = (name: string): number => {
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (rest[0] !== ' ' && rest[0] !== '{') continue;
        sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return sum;
    };
    return {
      appendCount: total('ledger_append_duration_seconds_count'),
      appendSeconds: total('ledger_append_duration_seconds_sum'),
      appendRecords: total('ledger_append_batch_records_sum'),
      flushes: total('wal_flushes_total'),
    };
  } catch {
    return null;
  }
}

function walFigures(before: MetricsSnapshot | null, after: MetricsSnapshot | null): WalFigures | null {
  if (!before || !after) return null;
  const appends = after.appendCount - before.appendCount;
  const flushes = after.flushes - before.flushes;
  const records = after.appendRecords - before.appendRecords;
  return {
    appends,
    append_mean_ms: appends > 0 ? round(((after.appendSeconds - before.appendSeconds) * 1e3) / appends, 2) : null,
    flushes,
    records_per_flush: flushes > 0 ? round(records / flushes, 1) : null,
  };
}

/** Response times in ms of one run, kept whole (autocannon's own histogram rounds to whole ms). */
class Latencies {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  percentile(q: number): number | null {
    if (this.count === 0) return null;
    const sorted = this.samples.slice(0, this.count).sort();
    return sorted[Math.max(0, Math.ceil(q * this.count) - 1)];
  }
}

interface Load {
  name: CaseName;
  connections: number;
  perRequest: number;
  unit: ApiCaseResult['unit'];
  expectedStatus: number;
  /** Mutates the autocannon request into the next one. */
  next(req: autocannon.Request): autocannon.Request;
  /** For batches: how many commands of a 200 answer were not 201. */
  itemErrors?(body: string): number;
}

async function fire(url: string, load: Load, seconds: number, record: boolean, server: ServerProcess): Promise<ApiCaseResult | null> {
  let itemErrors = 0;
  const latencies = new Latencies();
  const request: autocannon.Request = {
    setupRequest: (req) => load.next(req),
    onResponse: load.itemErrors
      ? (status, body) => {
          if (status === 200) itemErrors += load.itemErrors!(body);
        }
      : undefined,
  };
  const metrics0 = record ? await scrapeMetrics(url) : null;
  const cpu0 = process.cpuUsage();
  const srv0 = server.cpuSeconds();
  const machine0 = machineBusySeconds();
  const instance = autocannon({
    url,
    connections: load.connections,
    duration: seconds,
    timeout: 30,
    headers: HEADERS,
    requests: [request],
  }) as unknown as Promise<autocannon.Result> & NodeJS.EventEmitter; // the tracker: a Promise that also emits 'response'
  if (record) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.add(ms));
  const result = await instance;
  if (!record) return null;
  const cpu = process.cpuUsage(cpu0);
  const srvCpu = server.cpuSeconds() - srv0;
  const machineCpu = machineBusySeconds() - machine0;
  const clientCpu = (cpu.user + cpu.system) / 1e6;
  const wal = walFigures(metrics0, await scrapeMetrics(url));
  const elapsed = result.duration;
  const codes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) codes[code] = Number((stat as { count: number }).count);
  const answered = Object.values(codes).reduce((a, b) => a + b, 0);
  const expected = codes[String(load.expectedStatus)] ?? 0;
  const ok = expected * load.perRequest - itemErrors;
  return {
    name: load.name,
    connections: load.connections,
    requests_per_s: Math.round(answered / elapsed),
    ops_per_s: Math.round(ok / elapsed),
    unit: load.unit,
    per_request: load.perRequest,
    requests: answered,
    seconds: round(elapsed, 2),
    p50_ms: roundOrNull(latencies.percentile(0.5)),
    p99_ms: roundOrNull(latencies.percentile(0.99)),
    errors: result.errors + result.timeouts + (answered - expected) + itemErrors,
    non_2xx: result.non2xx,
    status_codes: codes,
    server_cpu_pct: Math.round((100 * srvCpu) / elapsed),
    server_cpu_us_per_op: ok > 0 ? Math.round((srvCpu * 1e6) / (ok)) : null,
    client_cpu_pct: Math.round((100 * clientCpu) / elapsed),
    other_cpu_pct: Math.max(0, Math.round((100 * (machineCpu - srvCpu - clientCpu)) / elapsed)),
    wal,
  };
}

/** CPU seconds the whole machine has been busy (every CPU: user, nice, system, irq, softirq, steal). */
function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_S;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const roundOrNull = (value: number | null): number | null => (value === null ? null : round(value, 2));

function setRequest(req: autocannon.Request, method: string, item: { path: string; body?: string }): autocannon.Request {
  req.method = method as autocannon.Request['method'];
  req.path = item.path;
  req.body = item.body;
  return req;
}

const RESULT_201 = '{"status":201,"body":';

/** Results of a batch answer that are not 201 (counted in the text; parsed only if the count looks off). */
function batchItemErrors(size: number): (body: string) => number {
  return (body) => {
    let ok = 0;
    for (let i = body.indexOf(RESULT_201); i >= 0; i = body.indexOf(RESULT_201, i + RESULT_201.length)) ok++;
    if (ok === size) return 0;
    try {
      const { results } = JSON.parse(body) as { results: { status: number }[] };
      return results.filter((r) => r.status !== 201).length + Math.max(0, size - results.length);
    } catch {
      return size;
    }
  };
}

/** Binds only, alone and in batches: the command the PostgreSQL peer implements, for ours and the peer's cases alike. */
function bindLoads<S extends CaseName, B extends CaseName>(config: Config, workload: Workload, single: S, batch: B): Record<S | B, Load> {
  const loads: Record<string, Load> = {
    [single]: {
      name: single,
      connections: config.connections,
      perRequest: 1,
      unit: 'commands/s' as const,
      expectedStatus: 201,
      next: (req: autocannon.Request) => {
        const item = workload.command('bind');
        return setRequest(req, 'POST', { path: item.path, body: JSON.stringify(item.body) });
      },
    },
    [batch]: {
      name: batch,
      connections: config.batchConnections,
      perRequest: config.batchSize,
      unit: 'commands/s' as const,
      expectedStatus: 200,
      next: (req: autocannon.Request) => {
        const commands = Array.from({ length: config.batchSize }, () => workload.command('bind'));
        return setRequest(req, 'POST', { path: '/v1/batch', body: JSON.stringify({ commands }) });
      },
      itemErrors: batchItemErrors(config.batchSize),
    },
  };
  return loads as Record<S | B, Load>;
}

function loads(config: Config, workload: Workload, knownAts: string[]): Record<CaseName, Load> {
  let batchNo = 0;
  return {
    single_commands: {
      name: 'single_commands',
      connections: config.connections,
      perRequest: 1,
      unit: 'commands/s',
      expectedStatus: 201,
      next: (req) => {
        const item = workload.mixed();
        return setRequest(req, 'POST', { path: item.path, body: JSON.stringify(item.body) });
      },
    },
    batch: {
      name: 'batch',
      connections: config.batchConnections,
      perRequest: config.batchSize,
      unit: 'commands/s',
      expectedStatus: 200,
      next: (req) => {
        // Consecutive batches act on disjoint slices of the book, so concurrent ones rarely wait on each other's locks.
        const slot = batchNo++ % config.batchConnections;
        const commands = workload.batch(config.batchSize, slot, config.batchConnections);
        return setRequest(req, 'POST', { path: '/v1/batch', body: JSON.stringify({ commands }) });
      },
      itemErrors: batchItemErrors(config.batchSize),
    },
    ...bindLoads(config, workload, 'single_binds', 'batch_binds'),
    ...bindLoads(config, workload, 'pg_single_binds', 'pg_batch_binds'),
    policy_as_of: {
      name: 'policy_as_of',
      connections: config.connections,
      perRequest: 1,
      unit: 'queries/s',
      expectedStatus: 200,
      next: (req) => setRequest(req, 'GET', { path: workload.policyQuery([...knownAts, new Date().toISOString()]) }),
    },
  };
}

// ---------------------------------------------------------------------------
// Report

interface TargetResult {
  name: string;
  actual: number | null;
  op: '>=' | '<=';
  threshold: number;
  pass: boolean | null;
}

const TARGETS: { name: string; op: '>=' | '<='; threshold: number; actual: (r: ApiCaseResult) => number | null; of: CaseName }[] = [
  { name: 'single_commands (commands/s at 64 connections)', of: 'single_commands', op: '>=', threshold: 15_000, actual: (r) => r.ops_per_s },
  { name: 'single_commands p99 (ms)', of: 'single_commands', op: '<=', threshold: 20, actual: (r) => r.p99_ms },
  { name: 'single_commands errors', of: 'single_commands', op: '<=', threshold: 0, actual: (r) => r.errors },
  { name: 'batch (commands/s)', of: 'batch', op: '>=', threshold: 200_000, actual: (r) => r.ops_per_s },
  { name: 'policy_as_of (queries/s)', of: 'policy_as_of', op: '>=', threshold: 20_000, actual: (r) => r.ops_per_s },
];

function evaluateTargets(results: ApiCaseResult[]): TargetResult[] {
  return TARGETS.map((t) => {
    const r = results.find((x) => x.name === t.of);
    const actual = r ? t.actual(r) : null;
    const pass = actual === null ? null : t.op === '>=' ? actual >= t.threshold : actual <= t.threshold;
    return { name: t.name, actual, op: t.op, threshold: t.threshold, pass };
  });
}

function renderTable(results: ApiCaseResult[]): string {
  const header = [
    'case',
    'connections',
    'ops/s',
    'unit',
    'requests/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'server cpu',
    'us/op',
    'client cpu',
    'other cpu',
    'durable ms',
    'recs/flush',
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.connections),
    r.ops_per_s.toLocaleString('en-US'),
    r.unit,
    r.requests_per_s.toLocaleString('en-US'),
    r.p50_ms?.toFixed(2) ?? '-',
    r.p99_ms?.toFixed(2) ?? '-',
    r.errors.toLocaleString('en-US'),
    r.non_2xx.toLocaleString('en-US'),
    `${r.server_cpu_pct}%`,
    r.server_cpu_us_per_op?.toLocaleString('en-US') ?? '-',
    `${r.client_cpu_pct}%`,
    `${r.other_cpu_pct}%`,
    r.wal?.append_mean_ms?.toFixed(2) ?? '-',
    r.wal?.records_per_flush?.toFixed(1) ?? '-',
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const left = new Set([0, 3]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, col) => (left.has(col) ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function renderTargets(targets: TargetResult[]): string {
  const verdict = (t: TargetResult): string => (t.pass === null ? 'SKIP' : t.pass ? 'PASS' : 'FAIL');
  const detail = (t: TargetResult): string => (t.actual === null ? `(not run) ${t.op} ${t.threshold}` : `${t.actual} ${t.op} ${t.threshold}`);
  return ['targets:', ...targets.map((t) => `  ${verdict(t)}  ${t.name}: ${detail(t)}`)].join('\n');
}

interface PeerRatio {
  ours: CaseName;
  peer: CaseName;
  /** Our commands/s over the peer's. */
  throughput: number | null;
  /** Our server CPU per command over the peer's (below 1: we spend less). */
  cpu_per_op: number | null;
}

const PEER_PAIRS: [CaseName, CaseName][] = [
  ['single_binds', 'pg_single_binds'],
  ['batch_binds', 'pg_batch_binds'],
  ['single_commands', 'pg_single_binds'],
  ['batch', 'pg_batch_binds'],
];

function peerRatios(results: ApiCaseResult[]): PeerRatio[] {
  const of = (name: CaseName) => results.find((r) => r.name === name);
  const ratios: PeerRatio[] = [];
  for (const [ours, peer] of PEER_PAIRS) {
    const a = of(ours);
    const b = of(peer);
    if (!a || !b) continue;
    const throughput = b.ops_per_s > 0 ? round(a.ops_per_s / b.ops_per_s, 2) : null;
    const cpu = a.server_cpu_us_per_op !== null && b.server_cpu_us_per_op ? round(a.server_cpu_us_per_op / b.server_cpu_us_per_op, 2) : null;
    ratios.push({ ours, peer, throughput, cpu_per_op: cpu });
  }
  return ratios;
}

function renderRatios(ratios: PeerRatio[]): string {
  if (ratios.length === 0) return '';
  return ['ours / PostgreSQL peer (commands/s; server CPU per command, peer CPU = its node process + every PostgreSQL process):', ...ratios.map((r) => `  ${r.ours} / ${r.peer}: ${r.throughput ?? '-'}x throughput, ${r.cpu_per_op ?? '-'}x CPU per command`)].join('\n');
}

function report(config: Config, results: ApiCaseResult[], targets: TargetResult[], peer: { version: string } | null = null): void {
  const cpus = os.cpus().length;
  const note =
    `${cpus} CPU(s), shared by the load generator (this process) and the server. cpu columns: % of one core, for the server ` +
    '(all threads), this client, and every other process; us/op: server CPU microseconds per command or query; ' +
    'durable ms: mean time from log append to its durable acknowledgment in JS (write + fdatasync of its group commit, the flush ' +
    'before it, and any event-loop delay: a batch decides 8,000 commands in one turn); recs/flush: commands per WAL flush.';
  const ratios = peerRatios(results);
  const peerNote = peer ? `PostgreSQL peer: server ${peer.version} on loopback, fsync on, synchronous_commit on; one transaction per bind (pool of ${config.connections}), one multi-row transaction per batch.` : '';
  const output = config.json
    ? JSON.stringify({ results, targets, peer_ratios: ratios, machine: { cpus, note, peer: peerNote || null } }, null, 2)
    : [renderTable(results), renderTargets(targets), renderRatios(ratios), peerNote, note].filter(Boolean).join('\n\n');
  process.stdout.write(`${output}\n`);
}

/** Starts PostgreSQL and the peer, measures the peer's cases, stops both. */
async function runPeerCases(config: Config, workDir: string, cases: CaseName[], all: Record<CaseName, Load>, results: ApiCaseResult[]): Promise<{ version: string }> {
  // A directory of its own: the scratch directory is private to us, and PostgreSQL runs as its own user.
  const pgDir = fs.mkdtempSync(path.join(config.parentDir, 'api-bench-pg-'));
  const pg = await startPostgres(pgDir, await freePort(), progress).catch((e: unknown) => {
    fs.rmSync(pgDir, { recursive: true, force: true });
    throw e;
  });
  progress(`PostgreSQL ${pg.version} ready (${pg.url})`);
  let peer: ServerProcess | null = null;
  try {
    peer = await ServerProcess.startPeer(workDir, pg.url, config.connections);
    peer.extraCpuSeconds = () => pg.cpuSeconds();
    progress(`peer ${peer.url} (pid ${peer.child.pid}) ready`);
    for (const name of cases) {
      if (config.warmupS > 0) {
        progress(`${name}: warming up ${config.warmupS} s`);
        await fire(peer.url, all[name], config.warmupS, false, peer);
      }
      progress(`${name}: measuring ${config.durationS} s`);
      const r = (await fire(peer.url, all[name], config.durationS, true, peer)) as ApiCaseResult;
      progress(`  ${r.ops_per_s} ${r.unit}, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}, statuses ${JSON.stringify(r.status_codes)}`);
      results.push(r);
    }
    return { version: pg.version };
  } finally {
    if (peer) {
      const code = await peer.stop();
      if (code !== 0) progress(`the peer exited with ${String(code)}; log tail:\n${peer.logTail()}`);
    }
    await pg.stop();
    if (config.keep) progress(`kept ${pgDir}`);
    else fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(config.parentDir, 'api-bench-'));
  progress(`scratch directory ${workDir}`);
  let server: ServerProcess | null = null;
  let peer: { version: string } | null = null;
  try {
    server = await ServerProcess.start(workDir, config.serverMain, config.nodeArgs, config.profileDir);
    progress(`server ${server.url} (pid ${server.child.pid}) ready`);
    const seed32 = (Date.now() ^ process.pid) >>> 0;
    const workload = new Workload(config.book, seed32.toString(36), seed32);
    const knownAts = await seed(server.url, workload);
    const all = loads(config, workload, knownAts);
    const results: ApiCaseResult[] = [];
    for (const name of config.cases.filter((c) => !PEER_CASES.has(c))) {
      if (config.warmupS > 0) {
        progress(`${name}: warming up ${config.warmupS} s`);
        await fire(server.url, all[name], config.warmupS, false, server);
      }
      progress(`${name}: measuring ${config.durationS} s`);
      await server.cutProfile(null);
      const r = (await fire(server.url, all[name], config.durationS, true, server)) as ApiCaseResult;
      await server.cutProfile(name);
      progress(`  ${r.ops_per_s} ${r.unit}, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}, statuses ${JSON.stringify(r.status_codes)}`);
      results.push(r);
    }
    const peerCases = config.cases.filter((c) => PEER_CASES.has(c));
    if (peerCases.length > 0) {
      // The ledger's server is stopped first: the peer gets the machine to itself, as ours had.
      await server.stop();
      server = null;
      peer = await runPeerCases(config, workDir, peerCases, all, results);
    }
    report(config, results, evaluateTargets(results), peer);
  } finally {
    if (server) {
      const code = await server.stop();
      if (code !== 0) progress(`the server exited with ${String(code)}; log tail:\n${server.logTail()}`);
    }
    if (config.keep) progress(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

runCli(main, USAGE, progress);
