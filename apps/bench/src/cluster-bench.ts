/**
 * The ledger on a replicated PostgreSQL log beside the embedded WAL, in one
 * run on this machine: what the second machine's copy costs, and how long a
 * failover takes.
 *
 *   wal_single      POST /v1/policies (a bind, fresh commandId each), closed
 *                   loop over --connections keep-alive connections, one API
 *                   server on the embedded WAL (fsync per group commit)
 *   pg_single       the same against one API server whose log is a PostgreSQL
 *                   primary with a synchronous standby (every acknowledgement
 *                   waits for the standby's flush)
 *   pg_two_nodes    the same load split over two API nodes on that log: the
 *                   follower forwards its half to the leader (one more HTTP hop)
 *   wal_batch, pg_batch   POST /v1/batch of --batch-size binds, 2 connections
 *   failover        two API nodes on a primary, its synchronous standby and a
 *                   cascading standby the first standby names as its own
 *                   synchronous standby. Under load from both nodes the primary
 *                   (postmaster and backends) is killed with SIGKILL and the
 *                   standby promoted (pg_ctl promote, as Patroni would): the
 *                   time from the kill to the first acknowledged command sent
 *                   after it, the promotion's share of it, the 503s meanwhile;
 *                   then every command is retried with its commandId and must
 *                   come back with its first answer (acknowledged ones marked
 *                   Idempotent-Replayed).
 *
 *   --json               print exactly one JSON object { results, failover } on stdout
 *   --seconds <s>        measured seconds per throughput case (default 10)
 *   --connections <n>    connections of the single-command cases (default 64)
 *   --batch-size <n>     binds per /v1/batch (default 1,000)
 *   --dir <parent>       scratch directory parent (default os.tmpdir())
 *
 * On 2 cores the load generator, the API servers and PostgreSQL share the
 * CPUs: the figures are this machine's, side by side, not a ceiling.
 * Progress goes to stderr. Run `npm run build:ts` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';

import { UsageError, freePort, runCli, sleep } from './cli';
import { CommandIds, TERM } from './api-workload';
import { type PostgresServer, promote, startPostgres, startStandby } from './postgres';
import { LatencyRecorder } from './stats';

const MAIN_JS = path.resolve(__dirname, '..', '..', 'api', 'src', 'main.js');
const TOKEN = `bench-${'0123456789abcdef'.repeat(3)}`;
const USAGE = 'usage: cluster-bench [--json] [--seconds <s>] [--connections <n>] [--batch-size <n>] [--dir <parent>]';
const LATENCIES_MAX = 4_000_000;

interface Config {
  json: boolean;
  seconds: number;
  connections: number;
  batchSize: number;
  parentDir: string;
}

function parseConfig(argv: string[]): Config {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, seconds: { type: 'string' }, connections: { type: 'string' }, 'batch-size': { type: 'string' }, dir: { type: 'string' } },
    strict: true,
  });
  const int = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}-${max}`);
    return n;
  };
  return {
    json: values.json === true,
    seconds: int('seconds', values.seconds, 10, 1, 600),
    connections: int('connections', values.connections, 64, 1, 1024),
    batchSize: int('batch-size', values['batch-size'], 1_000, 1, 8_189),
    parentDir: values.dir ?? os.tmpdir(),
  };
}

const progress = (message: string): void => void process.stderr.write(`cluster-bench: ${message}\n`);
// ---------------------------------------------------------------------------
// Servers

class ApiNode {
  private readonly exited: Promise<void>;
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(dir: string, log: string | null): Promise<ApiNode> {
    fs.mkdirSync(dir, { recursive: true });
    const tokensFile = path.join(dir, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify([{ token: TOKEN, actor: 'bench', roles: ['underwriter', 'finance', 'auditor'] }]), { mode: 0o600 });
    const port = await freePort();
    const logFile = path.join(dir, 'server.log');
    const out = fs.openSync(logFile, 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: path.join(dir, 'data'), LEDGER_TOKENS_FILE: tokensFile };
    if (log !== null) env.LEDGER_LOG = log;
    const child = spawn(process.execPath, [MAIN_JS], { env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const node = new ApiNode(child, port, logFile);
    await node.waitReady();
    return node;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`an API node exited during startup:\n${fs.readFileSync(this.logFile, 'utf8').slice(-2000)}`);
      const ready = await this.request('GET', '/health/ready').catch(() => null);
      if (ready?.status === 200) return;
      await sleep(100);
    }
    throw new Error('an API node was not ready within 120 s');
  }

  async role(): Promise<string> {
    const ready = await this.request('GET', '/health/ready').catch(() => null);
    return ready?.status === 200 ? String(JSON.parse(ready.text).role) : 'not ready';
  }

  request(method: string, urlPath: string, body?: unknown): Promise<{ status: number; text: string; replayed: boolean }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}` };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: urlPath, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), replayed: res.headers['idempotent-replayed'] === 'true' }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await Promise.race([this.exited, sleep(20_000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

async function createDatabase(server: PostgresServer, name: string): Promise<void> {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
}

// ---------------------------------------------------------------------------
// Load

export interface CaseResult {
  name: string;
  log: 'wal' | 'postgres';
  nodes: number;
  connections: number;
  unit: 'commands/s';
  commands_per_s: number;
  requests: number;
  seconds: number;
  p50_ms: number | null;
  p99_ms: number | null;
  errors: number;
}

let runTag = 0;

/** A bind body with a fresh policy id. */
function bind(ids: CommandIds, tag: string, n: number): Record<string, unknown> {
  return { commandId: ids.next(), policyId: `B-${tag}-${n}`, currency: 'EUR', holder: { name: 'Bench Holder' }, term: TERM, premium: '1200.00' };
}

/** A closed loop: `connections` requests in flight over `nodes` (round robin), for `seconds`. */
async function measure(name: string, log: CaseResult['log'], nodes: ApiNode[], connections: number, seconds: number, batchSize: number | null): Promise<CaseResult> {
  const ids = new CommandIds(1000 + ++runTag);
  const tag = `${name}-${runTag}`;
  const latencies = new LatencyRecorder(LATENCIES_MAX);
  let n = 0;
  let requests = 0;
  let commands = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async (w: number) => {
    const node = nodes[w % nodes.length];
    while (performance.now() < until) {
      const body = batchSize === null ? bind(ids, tag, ++n) : { commands: Array.from({ length: batchSize }, () => ({ path: '/v1/policies', body: bind(ids, tag, ++n) })) };
      const t0 = performance.now();
      const answer = await node.request('POST', batchSize === null ? '/v1/policies' : '/v1/batch', body).catch(() => null);
      latencies.record(t0);
      requests++;
      if (batchSize === null) {
        if (answer?.status === 201) commands++;
        else errors++;
      } else if (answer?.status === 200) {
        const results = (JSON.parse(answer.text) as { results: { status: number }[] }).results;
        const ok = results.filter((r) => r.status === 201).length;
        commands += ok;
        errors += results.length - ok;
      } else errors += batchSize;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const p = latencies.percentiles();
  return {
    name,
    log,
    nodes: nodes.length,
    connections,
    unit: 'commands/s',
    commands_per_s: Math.round(commands / elapsed),
    requests,
    seconds: Math.round(elapsed * 100) / 100,
    p50_ms: p ? Math.round(p.p50 / 10) / 100 : null,
    p99_ms: p ? Math.round(p.p99 / 10) / 100 : null,
    errors,
  };
}

// ---------------------------------------------------------------------------
// Failover

export interface FailoverResult {
  /** Kill of the primary to the first acknowledged command sent after it. */
  kill_to_first_ack_ms: number;
  /** Kill to the standby taking writes (pg_ctl promote -w, then a probe). */
  kill_to_promoted_ms: number;
  acknowledged: number;
  answered_503: number;
  commands: number;
  /** Every command retried with its commandId after the failover: acknowledged ones came back replayed with their first answer. */
  retried_same_answer: number;
  lost: number;
}

async function failover(root: string, connections: number, seconds: number): Promise<FailoverResult> {
  const primary = await startPostgres(path.join(root, 'f-primary'), await freePort(), progress, { synchronousStandbyNames: 'standby1' });
  const standby1 = await startStandby(primary, path.join(root, 'f-standby1'), await freePort(), 'standby1', progress, [['synchronous_standby_names', 'standby2']]);
  const standby2 = await startStandby(standby1, path.join(root, 'f-standby2'), await freePort(), 'standby2', progress, [['wal_retrieve_retry_interval', '200ms']]);
  const nodes: ApiNode[] = [];
  try {
    await createDatabase(primary, 'ledger');
    const url = `postgres://bench@127.0.0.1:${primary.port},127.0.0.1:${standby1.port}/ledger?target_session_attrs=read-write&connect_timeout=2`;
    nodes.push(await ApiNode.start(path.join(root, 'f-node-a'), url));
    nodes.push(await ApiNode.start(path.join(root, 'f-node-b'), url));
    const ids = new CommandIds(77);
    const sent: { body: Record<string, unknown>; status?: number; text?: string; unavailable: number }[] = [];
    let killedAt = 0;
    let firstAck = -1;
    let stop = false;
    const worker = async (w: number) => {
      const node = nodes[w % 2];
      while (!stop) {
        const item = { body: bind(ids, 'failover', sent.length + 1), unavailable: 0 } as (typeof sent)[number];
        sent.push(item);
        for (;;) {
          const t0 = Date.now();
          const answer = await node.request('POST', '/v1/policies', item.body).catch(() => null);
          if (answer !== null && answer.status !== 503) {
            item.status = answer.status;
            item.text = answer.text;
            if (answer.status === 201 && killedAt > 0 && t0 >= killedAt && firstAck < 0) firstAck = Date.now() - killedAt;
            break;
          }
          item.unavailable++;
          await sleep(50);
        }
      }
    };
    const workers = Array.from({ length: connections }, (_, w) => worker(w));
    await sleep(seconds * 500);
    progress(`failover: ${sent.length} commands sent; killing the primary`);
    // Timed from the moment the primary's processes are gone (finding its backends takes a few ms, while it still answers).
    await primary.kill();
    killedAt = Date.now();
    await promote(standby1);
    const promotedMs = Date.now() - killedAt;
    while (firstAck < 0 && Date.now() - killedAt < 120_000) await sleep(20);
    await sleep(seconds * 500);
    stop = true;
    await Promise.all(workers);
    let same = 0;
    let lost = 0;
    for (let i = 0; i < sent.length; i++) {
      const s = sent[i];
      const retry = await nodes[i % 2].request('POST', '/v1/policies', s.body);
      if (retry.status === s.status && retry.text === s.text && retry.replayed) same++;
      else if (s.status === 201) lost++;
    }
    return {
      kill_to_first_ack_ms: firstAck,
      kill_to_promoted_ms: promotedMs,
      acknowledged: sent.filter((s) => s.status === 201).length,
      answered_503: sent.filter((s) => s.unavailable > 0).length,
      commands: sent.length,
      retried_same_answer: same,
      lost,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await standby2.stop();
    await standby1.stop();
    await primary.stop();
  }
}

// ---------------------------------------------------------------------------

function renderTable(results: CaseResult[], f: FailoverResult): string {
  const rows = [['case', 'log', 'nodes', 'conn', 'commands/s', 'p50 ms', 'p99 ms', 'errors']];
  for (const r of results) rows.push([r.name, r.log, String(r.nodes), String(r.connections), r.commands_per_s.toLocaleString('en'), String(r.p50_ms ?? '-'), String(r.p99_ms ?? '-'), String(r.errors)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const ratio = (a: string, b: string) => {
    const x = results.find((r) => r.name === a)?.commands_per_s;
    const y = results.find((r) => r.name === b)?.commands_per_s;
    return x && y ? (x / y).toFixed(2) : '-';
  };
  lines.push('', `PostgreSQL (synchronous standby) over the embedded WAL: single ${ratio('pg_single', 'wal_single')}x, batch ${ratio('pg_batch', 'wal_batch')}x`);
  lines.push(
    '',
    `failover: kill -> standby promoted ${f.kill_to_promoted_ms} ms, kill -> first acknowledged command ${f.kill_to_first_ack_ms} ms; ` +
      `${f.acknowledged.toLocaleString('en')} acknowledged of ${f.commands.toLocaleString('en')}, ${f.answered_503} answered 503 first (settled by their retry), ` +
      `${f.retried_same_answer} retries gave the first answer, ${f.lost} acknowledged commands lost`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build:ts first`);
  const root = fs.mkdtempSync(path.join(config.parentDir, 'cluster-bench-'));
  fs.chmodSync(root, 0o755); // PostgreSQL runs as the postgres user
  const results: CaseResult[] = [];
  const started: { stop(): Promise<void> }[] = [];
  try {
    // The embedded WAL.
    const wal = await ApiNode.start(path.join(root, 'wal'), null);
    started.push(wal);
    progress('wal_single');
    results.push(await measure('wal_single', 'wal', [wal], config.connections, config.seconds, null));
    progress('wal_batch');
    results.push(await measure('wal_batch', 'wal', [wal], 2, config.seconds, config.batchSize));
    await wal.stop();

    // A primary and a synchronous standby.
    const primary = await startPostgres(path.join(root, 'primary'), await freePort(), progress, { synchronousStandbyNames: 'standby1' });
    started.push(primary);
    const standby = await startStandby(primary, path.join(root, 'standby'), await freePort(), 'standby1', progress);
    started.unshift(standby);
    await createDatabase(primary, 'ledger');
    const url = `postgres://bench@127.0.0.1:${primary.port},127.0.0.1:${standby.port}/ledger?target_session_attrs=read-write`;
    const a = await ApiNode.start(path.join(root, 'pg-a'), url);
    started.unshift(a);
    progress('pg_single');
    results.push(await measure('pg_single', 'postgres', [a], config.connections, config.seconds, null));
    progress('pg_batch');
    results.push(await measure('pg_batch', 'postgres', [a], 2, config.seconds, config.batchSize));
    const b = await ApiNode.start(path.join(root, 'pg-b'), url);
    started.unshift(b);
    progress(`pg_two_nodes (roles: ${await a.role()}, ${await b.role()})`);
    results.push(await measure('pg_two_nodes', 'postgres', [a, b], config.connections, config.seconds, null));
    for (const s of started.splice(0)) await s.stop();

    progress('failover');
    const f = await failover(root, 16, config.seconds);
    if (config.json) process.stdout.write(`${JSON.stringify({ results, failover: f })}\n`);
    else process.stdout.write(`${renderTable(results, f)}\n`);
  } finally {
    for (const s of started) await s.stop().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

runCli(main, USAGE, progress);
