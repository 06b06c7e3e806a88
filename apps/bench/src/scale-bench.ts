/**
 * The real-book benchmark (issue 10): one server (`node dist/apps/api/src/main.js`,
 * a child process on a scratch data directory) loaded through /v1/batch to each
 * size in turn, cumulatively (default 1M, then on to 4M commands; see
 * scale-workload.ts for the book), and at each size:
 *
 *   load       commands/s through /v1/batch (batches of 4,000, 2 concurrent streams)
 *   memory     RssAnon, RssFile, VmHWM of the server after a short idle
 *   restart    SIGTERM, exit, start again: time to /health/ready 200, RssAnon then
 *   rebuild    server stopped, `ledger rebuild <dataDir> --json`: records/s and events/s; start again
 *   as-of      GET /v1/policies/{id}?asOf&knownAt p50/p99, knownAt now and early in the load
 *              (after 1 s of unmeasured queries: the server has just started)
 *   reports    premiums and claims (booked, restated), funds, trial balance:
 *              totals + first page p50/p99 at knownAt now and early in the load
 *   audit      POST /v1/audits/replay (202 + polling, or a synchronous 200): events/s,
 *              RssAnon growth (sampled every 100 ms), as-of GET p99 while it runs
 *   fee        a fund with N holdings (one member, one contribution each), one
 *              POST /v1/funds/{id}/fees: status and latency
 *
 *   --commands <a,b,..>    cumulative sizes in commands (default 1000000,4000000)
 *   --quick                sizes 20000,40000, 5,000 fee holdings, shorter query runs
 *   --fee-holdings <n>     holdings of each size's fee fund (default 100,000)
 *   --query-seconds <s>    seconds per as-of case (default 5)
 *   --query-connections <n> concurrent as-of requests (default 2)
 *   --report-requests <n>  measured requests per report and knownAt (default 30)
 *   --json                 print exactly one JSON object { sizes, targets, machine } on stdout (the table goes to stderr)
 *   --dir <parent>         create the scratch directory there (default: os.tmpdir())
 *   --server <main.js>     the server to run (default: this checkout's dist); the rebuild CLI is taken beside it
 *   --keep                 keep the scratch directory (server log, WAL, read model)
 *
 * Progress goes to stderr; stdout carries the report. Run `npm run build:ts` first.
 * Missed targets are reported, never turned into a failing exit code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { CommandIds, Rng, type CommandItem } from './api-workload';
import { UsageError, runCli } from './cli';
import { elapsedSeconds } from './stats';
import { HttpClient, LedgerServer, RssAnonSampler, procMemory, processCpuSeconds, runRebuild, sleep, unusedPort, type ProcMemory } from './scale-server';
import { BookStream, FEE_DATE, FEE_RATE, FUND_RANGE, PREMIUM_RANGE, TRIAL_BALANCE_AS_OF, asOfInTerm, feeBook, streamPolicyId } from './scale-workload';

const API_MAIN = path.resolve(__dirname, '..', '..', 'api', 'src', 'main.js');
/** The ledger CLI beside a server's main.js (dist/apps/api/src/main.js -> dist/apps/ledger-cli/src/main.js). */
const cliBeside = (serverMain: string): string => path.resolve(path.dirname(serverMain), '..', '..', 'ledger-cli', 'src', 'main.js');

const STREAMS = 2;
const BATCH = 4_000;
/** The "past" knownAt is taken once this share of the first size is loaded. */
const PAST_AT_SHARE = 0.1;
const MiB_PER_GB = 1024;
/** Unmeasured as-of queries before the measured ones: the server has just been restarted. */
const WARMUP_S = 1;

interface Config {
  sizes: number[];
  feeHoldings: number;
  querySeconds: number;
  queryConnections: number;
  reportRequests: number;
  idleMs: number;
  json: boolean;
  parentDir: string;
  serverMain: string;
  keep: boolean;
}

const USAGE =
  'usage: scale-bench [--commands <a,b,..>] [--quick] [--fee-holdings <n>] [--query-seconds <s>] [--query-connections <n>] ' +
  '[--report-requests <n>] [--json] [--dir <parent>] [--server <main.js>] [--keep]';

function positiveInt(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`--${option} must be a positive whole number, got ${text}`);
  return value;
}

const OPTIONS = {
  commands: { type: 'string' },
  quick: { type: 'boolean', default: false },
  'fee-holdings': { type: 'string' },
  'query-seconds': { type: 'string' },
  'query-connections': { type: 'string' },
  'report-requests': { type: 'string' },
  json: { type: 'boolean', default: false },
  dir: { type: 'string', default: os.tmpdir() },
  server: { type: 'string' },
  keep: { type: 'boolean', default: false },
} as const;

/** parseArgs, its complaints turned into a UsageError. */
function parseOptions(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseConfig(argv: string[]): Config {
  const values = parseOptions(argv);
  const quick = values.quick;
  const sizes = values.commands === undefined ? (quick ? [20_000, 40_000] : [1_000_000, 4_000_000]) : values.commands.split(',').map((s) => positiveInt('commands', s.trim(), 0));
  if (sizes.some((size, i) => i > 0 && size <= sizes[i - 1])) throw new UsageError(`--commands must grow: ${values.commands}`);
  return {
    sizes,
    feeHoldings: positiveInt('fee-holdings', values['fee-holdings'], quick ? 5_000 : 100_000),
    querySeconds: positiveInt('query-seconds', values['query-seconds'], quick ? 2 : 5),
    queryConnections: positiveInt('query-connections', values['query-connections'], 2),
    reportRequests: positiveInt('report-requests', values['report-requests'], quick ? 10 : 30),
    idleMs: quick ? 1_000 : 3_000,
    json: values.json,
    parentDir: path.resolve(values.dir),
    serverMain: values.server === undefined ? API_MAIN : path.resolve(values.server),
    keep: values.keep,
  };
}

function progress(message: string): void {
  process.stderr.write(`[scale-bench] ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (n: number): string => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------
// Latency samples

interface Timing {
  requests: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /** Answers by status (0: no answer). */
  statuses: Record<string, number>;
}

function timing(samplesMs: number[], statuses: Record<string, number>): Timing {
  const sorted = Float64Array.from(samplesMs).sort();
  const rank = (q: number): number | null => (sorted.length === 0 ? null : round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)], 2));
  return { requests: sorted.length, p50_ms: rank(0.5), p99_ms: rank(0.99), max_ms: rank(1), statuses };
}

/** GETs of `next()` from `connections` sequential loops, until `seconds` pass or `stop` resolves. */
async function hammer(client: HttpClient, next: () => string, connections: number, until: { seconds?: number; stop?: Promise<void> }): Promise<Timing> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let running = true;
  const deadline = until.seconds === undefined ? Infinity : Date.now() + until.seconds * 1e3;
  void until.stop?.then(() => (running = false));
  const loop = async (): Promise<void> => {
    while (running && Date.now() < deadline) {
      let status = 0;
      try {
        const answer = await client.send('GET', next(), undefined, 30_000);
        status = answer.status;
        samples.push(answer.ms);
      } catch {
        await sleep(10);
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return timing(samples, statuses);
}

// ---------------------------------------------------------------------------
// The book as loaded so far

/** Later of two instants `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` ('' is before any). */
function laterInstant(a: string, b: string): string {
  const key = (t: string): string => (t === '' ? '' : t.replace(/(\.\d+)?Z$/, (_, f: string | undefined) => (f ?? '.').padEnd(10, '0')));
  return key(a) >= key(b) ? a : b;
}

class Book {
  readonly ids = new CommandIds((Date.now() ^ process.pid) >>> 0);
  readonly streams = Array.from({ length: STREAMS }, (_, s) => new BookStream(s, this.ids));
  /** Per stream: policies bound by its acknowledged batches, the last recordedAt acknowledged. */
  readonly ackedPolicies = new Array<number>(STREAMS).fill(0);
  readonly ackedAt = new Array<string>(STREAMS).fill('');
  /** Commands of the book's mix acknowledged. */
  mixCommands = 0;
  /** Every command acknowledged 201 (the mix, the fee books), i.e. log records of accepted commands. */
  acceptedCommands = 0;
  /** An instant early in the load and the policies each stream had bound by it. */
  past: { knownAt: string; policies: number[]; atCommands: number } | null = null;
  private readonly rng = new Rng(0x5ca1e);

  /** GET of a random policy bound by knownAt: `policies` per stream. */
  policyQuery(knownAt: string, policies: readonly number[]): string {
    const candidates = policies.map((n, s) => ({ n, s })).filter((c) => c.n > 0);
    const { n, s } = candidates[this.rng.int(candidates.length)];
    const id = this.rng.int(n);
    return `/v1/policies/${streamPolicyId(s, id)}?asOf=${asOfInTerm(id, this.rng.next())}&knownAt=${encodeURIComponent(knownAt)}`;
  }
}

/** One /v1/batch whose every command must be answered 201; the last command's recordedAt. */
async function postBatch(client: HttpClient, items: CommandItem[]): Promise<string> {
  const answer = await client.send('POST', '/v1/batch', { commands: items });
  if (answer.status !== 200) throw new Error(`/v1/batch answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  const { results } = JSON.parse(answer.text) as { results: { status: number; body: { recordedAt?: string } }[] };
  const bad = results.findIndex((r) => r.status !== 201);
  if (bad >= 0) throw new Error(`${items[bad].path} ${JSON.stringify(items[bad].body)} answered ${results[bad].status}: ${JSON.stringify(results[bad].body).slice(0, 500)}`);
  if (results.length !== items.length) throw new Error(`/v1/batch answered ${results.length} results for ${items.length} commands`);
  return results[results.length - 1].body.recordedAt ?? '';
}

// ---------------------------------------------------------------------------
// Phases

interface LoadFigures {
  commands: number;
  seconds: number;
  commands_per_s: number;
  server_cpu_pct: number;
  client_cpu_pct: number;
}

/** Loads the book's mix on to `size` commands: each stream its share, batch after batch. */
async function load(server: LedgerServer, client: HttpClient, book: Book, size: number, pastAt: number | null): Promise<LoadFigures> {
  const todo = size - book.mixCommands;
  const cpu0 = processCpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let lastNote = Date.now();
  await Promise.all(
    book.streams.map(async (stream, s) => {
      const goal = stream.emitted.nonLife + stream.emitted.pensions + Math.floor(todo / STREAMS) + (s < todo % STREAMS ? 1 : 0);
      for (;;) {
        const left = goal - stream.emitted.nonLife - stream.emitted.pensions;
        if (left <= 0) return;
        const items = stream.take(Math.min(BATCH, left));
        const bound = stream.policiesBound;
        const at = await postBatch(client, items);
        book.ackedPolicies[s] = bound;
        book.ackedAt[s] = laterInstant(book.ackedAt[s], at);
        book.mixCommands += items.length;
        book.acceptedCommands += items.length;
        if (pastAt !== null && book.past === null && book.mixCommands >= pastAt) {
          book.past = { knownAt: book.ackedAt.reduce(laterInstant, ''), policies: [...book.ackedPolicies], atCommands: book.mixCommands };
          progress(`  past knownAt ${book.past.knownAt} (after ${fmt(book.mixCommands)} commands)`);
        }
        if (Date.now() - lastNote > 10_000) {
          lastNote = Date.now();
          progress(`  ${fmt(book.mixCommands)} of ${fmt(size)} commands, ${fmt(Math.round((book.mixCommands - (size - todo)) / elapsedSeconds(t0)))}/s`);
        }
      }
    }),
  );
  const seconds = elapsedSeconds(t0);
  const clientCpu = process.cpuUsage(client0);
  return {
    commands: todo,
    seconds: round(seconds, 2),
    commands_per_s: Math.round(todo / seconds),
    server_cpu_pct: Math.round((100 * (processCpuSeconds(server.pid) - cpu0)) / seconds),
    client_cpu_pct: Math.round((clientCpu.user + clientCpu.system) / 1e4 / seconds),
  };
}

interface RestartFigures {
  stop_ms: number;
  exit_code: number | null;
  ready_ms: number;
  rss_anon_after_ready_mib: number | null;
}

/** The server under test, started again on the same data directory and port after each stop. */
interface Run {
  workDir: string;
  port: number;
  config: Config;
  server: LedgerServer;
}

async function stopServer(run: Run): Promise<{ code: number | null; ms: number }> {
  const stopped = await run.server.stop();
  if (stopped.code !== 0) progress(`  the server exited ${String(stopped.code)}${stopped.killed ? ' (SIGKILL)' : ''}; log ends:\n${run.server.logTail()}`);
  return stopped;
}

async function startServer(run: Run): Promise<number> {
  run.server = await LedgerServer.start(run.workDir, run.config.serverMain, run.port);
  return Math.round(run.server.readyMs);
}

async function restart(run: Run): Promise<RestartFigures> {
  const stopped = await stopServer(run);
  const readyMs = await startServer(run);
  return { stop_ms: Math.round(stopped.ms), exit_code: stopped.code, ready_ms: readyMs, rss_anon_after_ready_mib: procMemory(run.server.pid)?.rss_anon_mib ?? null };
}

interface RebuildFigures {
  records: number | null;
  events: number | null;
  duration_ms: number | null;
  records_per_s: number | null;
  events_per_s: number | null;
  wall_ms: number;
  exit_code: number | null;
  cli_peak_rss_anon_mib: number;
  /** Start of the server on the rebuilt read model, to /health/ready. */
  ready_after_ms: number;
}

async function rebuild(run: Run): Promise<RebuildFigures> {
  await stopServer(run);
  const cli = await runRebuild(cliBeside(run.config.serverMain), path.join(run.workDir, 'data'));
  const num = (key: string): number | null => (typeof cli.report[key] === 'number' ? (cli.report[key] as number) : null);
  const [records, events, ms] = [num('recordsApplied'), num('events'), num('durationMs')];
  const perS = (n: number | null): number | null => (n === null || !ms ? null : Math.round((n * 1e3) / ms));
  return {
    records,
    events,
    duration_ms: ms,
    records_per_s: perS(records),
    events_per_s: perS(events),
    wall_ms: Math.round(cli.wallMs),
    exit_code: cli.exitCode,
    cli_peak_rss_anon_mib: cli.peakRssAnonMib,
    ready_after_ms: await startServer(run),
  };
}

interface ReportFigures extends Timing {
  report: string;
  knownAt: 'now' | 'past';
  /** Lines on the first page, and whether there is a next. */
  page_lines: number | null;
  has_next_page: boolean | null;
  /** The first answer other than 200, if any. */
  error: string | null;
}

const REPORTS: { name: string; path: (knownAt: string) => string; lines: string }[] = [
  { name: 'premiums booked', lines: 'policies', path: (k) => `/v1/reports/premiums?from=${PREMIUM_RANGE.from}&to=${PREMIUM_RANGE.to}&basis=booked&knownAt=${k}` },
  { name: 'premiums restated', lines: 'policies', path: (k) => `/v1/reports/premiums?from=${PREMIUM_RANGE.from}&to=${PREMIUM_RANGE.to}&basis=restated&knownAt=${k}` },
  { name: 'claims booked', lines: 'claims', path: (k) => `/v1/reports/claims?from=${PREMIUM_RANGE.from}&to=${PREMIUM_RANGE.to}&basis=booked&knownAt=${k}` },
  { name: 'claims restated', lines: 'claims', path: (k) => `/v1/reports/claims?from=${PREMIUM_RANGE.from}&to=${PREMIUM_RANGE.to}&basis=restated&knownAt=${k}` },
  { name: 'funds', lines: 'funds', path: (k) => `/v1/reports/funds?from=${FUND_RANGE.from}&to=${FUND_RANGE.to}&knownAt=${k}` },
  { name: 'trial balance', lines: 'subledger', path: (k) => `/v1/reports/trial-balance?asOf=${TRIAL_BALANCE_AS_OF}&knownAt=${k}` },
];

async function reports(client: HttpClient, book: Book, requests: number): Promise<ReportFigures[]> {
  const out: ReportFigures[] = [];
  for (const report of REPORTS) {
    for (const when of ['now', 'past'] as const) {
      const knownAt = (): string => encodeURIComponent(when === 'now' ? new Date().toISOString() : (book.past as { knownAt: string }).knownAt);
      const samples: number[] = [];
      const statuses: Record<string, number> = {};
      let error: string | null = null;
      let first: { status: number; text: string } | null = null;
      for (let i = 0; i <= requests; i++) {
        const answer = await client.send('GET', report.path(knownAt()), undefined, 120_000);
        if (i === 0) {
          first = answer; // unmeasured: the first request warms the caches
          continue;
        }
        samples.push(answer.ms);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status !== 200 && error === null) error = `${answer.status} ${answer.text.slice(0, 300)}`;
      }
      let pageLines: number | null = null;
      let hasNext: boolean | null = null;
      if (first?.status === 200) {
        const body = JSON.parse(first.text) as Record<string, unknown>;
        pageLines = Array.isArray(body[report.lines]) ? (body[report.lines] as unknown[]).length : null;
        hasNext = typeof body.nextCursor === 'string';
      } else if (first && error === null) error = `${first.status} ${first.text.slice(0, 300)}`;
      const figures: ReportFigures = { report: report.name, knownAt: when, ...timing(samples, statuses), page_lines: pageLines, has_next_page: hasNext, error };
      progress(`  ${report.name} @${when}: p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ${pageLines ?? '-'} lines${error ? `, ${error.slice(0, 120)}` : ''}`);
      out.push(figures);
    }
  }
  return out;
}

interface AuditFigures {
  /** 200: the old synchronous answer; 202: started, then polled. */
  post_status: number;
  status: string;
  records_replayed: number | null;
  events_replayed: number | null;
  duration_ms: number | null;
  events_per_s: number | null;
  match: boolean | null;
  wall_ms: number;
  rss_anon_before_mib: number | null;
  rss_anon_peak_mib: number;
  rss_anon_growth_mib: number | null;
  rss_samples: number;
  /** As-of GETs (knownAt now) sent throughout the audit. */
  gets: Timing;
  error: string | null;
}

async function audit(server: LedgerServer, client: HttpClient, queries: HttpClient, book: Book, config: Config): Promise<AuditFigures> {
  const before = procMemory(server.pid)?.rss_anon_mib ?? null;
  const sampler = new RssAnonSampler(server.pid, 100);
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const gets = hammer(queries, () => book.policyQuery(new Date().toISOString(), book.ackedPolicies), config.queryConnections, { stop: finished });
  const t0 = process.hrtime.bigint();
  let result: Record<string, unknown> | null = null;
  let status = 'failed';
  let error: string | null = null;
  let postStatus = 0;
  try {
    const post = await client.send('POST', '/v1/audits/replay', {});
    postStatus = post.status;
    if (post.status === 200) {
      result = JSON.parse(post.text) as Record<string, unknown>;
      status = 'done';
    } else if (post.status === 202) {
      const { auditId } = JSON.parse(post.text) as { auditId: string };
      for (;;) {
        await sleep(200);
        const view = await client.send('GET', `/v1/audits/${auditId}`);
        if (view.status !== 200) throw new Error(`GET /v1/audits/${auditId} answered ${view.status}: ${view.text.slice(0, 300)}`);
        const body = JSON.parse(view.text) as { status: string; result?: Record<string, unknown>; error?: unknown };
        if (body.status === 'running') continue;
        status = body.status;
        result = body.result ?? null;
        if (body.error !== undefined) error = JSON.stringify(body.error);
        break;
      }
    } else error = `POST /v1/audits/replay answered ${post.status}: ${post.text.slice(0, 300)}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  finish();
  const getTiming = await gets;
  const rss = sampler.stop();
  const num = (key: string): number | null => (result && typeof result[key] === 'number' ? (result[key] as number) : null);
  const [events, ms] = [num('eventsReplayed'), num('durationMs')];
  return {
    post_status: postStatus,
    status,
    records_replayed: num('recordsReplayed'),
    events_replayed: events,
    duration_ms: ms,
    events_per_s: events === null || !ms ? null : Math.round((events * 1e3) / ms),
    match: result && typeof result.match === 'boolean' ? result.match : null,
    wall_ms: Math.round(wallMs),
    rss_anon_before_mib: before,
    rss_anon_peak_mib: rss.peakMib,
    rss_anon_growth_mib: before === null ? null : round(rss.peakMib - before, 1),
    rss_samples: rss.samples,
    gets: getTiming,
    error,
  };
}

interface FeeFigures {
  holdings: number;
  setup_commands: number;
  setup_commands_per_s: number;
  status: number;
  code: string | null;
  latency_ms: number;
  holdings_charged: number | null;
  detail: string | null;
}

async function fee(client: HttpClient, book: Book, size: number, holdings: number): Promise<FeeFigures> {
  const { fundId, head, members } = feeBook(book.ids, size, holdings);
  const t0 = process.hrtime.bigint();
  await postBatch(client, head);
  // Two workers, each a contiguous half of the (register, contribute) pairs.
  const half = Math.ceil(members.length / 4) * 2;
  await Promise.all(
    [members.slice(0, half), members.slice(half)].map(async (part) => {
      for (let i = 0; i < part.length; i += BATCH) await postBatch(client, part.slice(i, i + BATCH));
    }),
  );
  const setupSeconds = elapsedSeconds(t0);
  const setup = head.length + members.length;
  book.acceptedCommands += setup;
  const answer = await client.send('POST', `/v1/funds/${fundId}/fees`, { commandId: book.ids.next(), effectiveDate: FEE_DATE, rate: FEE_RATE });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    // not JSON: reported by status
  }
  if (answer.status === 201) book.acceptedCommands++;
  const charged = answer.status === 201 ? await countFeeHoldings(client, fundId, body) : null;
  return {
    holdings,
    setup_commands: setup,
    setup_commands_per_s: Math.round(setup / setupSeconds),
    status: answer.status,
    code: typeof body.code === 'string' ? body.code : null,
    latency_ms: round(answer.ms, 1),
    holdings_charged: charged,
    detail: typeof body.detail === 'string' ? body.detail.slice(0, 300) : null,
  };
}

/** Every holding the fee charged: its answer's first page, then GET .../fees/{commandId}/holdings page by page. */
async function countFeeHoldings(client: HttpClient, fundId: string, answer: Record<string, unknown>): Promise<number | null> {
  if (!Array.isArray(answer.holdings)) return null;
  let count = answer.holdings.length;
  let cursor = typeof answer.nextCursor === 'string' ? answer.nextCursor : undefined;
  while (cursor !== undefined) {
    const page = await client.send('GET', `/v1/funds/${fundId}/fees/${String(answer.commandId)}/holdings?limit=10000&cursor=${cursor}`, undefined, 120_000);
    if (page.status !== 200) throw new Error(`fee holdings page answered ${page.status}: ${page.text.slice(0, 200)}`);
    const body = JSON.parse(page.text) as { holdings: unknown[]; nextCursor?: string };
    count += body.holdings.length;
    cursor = body.nextCursor;
  }
  return count;
}

// ---------------------------------------------------------------------------
// One size

interface SizeResult {
  /** The book's mix loaded so far (cumulative). */
  commands: number;
  /** Commands accepted so far, the fee books of earlier sizes included: the log's records when memory is read. */
  log_records_at_memory: number;
  load: LoadFigures;
  memory: ProcMemory | null;
  restart: RestartFigures;
  rebuild: RebuildFigures;
  as_of: { now: Timing; past: Timing; connections: number; past_known_at: string | null };
  reports: ReportFigures[];
  audit: AuditFigures;
  fee: FeeFigures;
  checks: Check[];
}

async function measureSize(run: Run, client: HttpClient, queries: HttpClient, book: Book, size: number, first: boolean): Promise<Omit<SizeResult, 'checks'>> {
  const config = run.config;
  progress(`size ${fmt(size)}: loading ${fmt(size - book.mixCommands)} commands`);
  const loaded = await load(run.server, client, book, size, first ? Math.ceil(size * PAST_AT_SHARE) : null);
  progress(`  ${fmt(loaded.commands_per_s)} commands/s (server cpu ${loaded.server_cpu_pct}%, client ${loaded.client_cpu_pct}%)`);
  await sleep(config.idleMs);
  const memory = procMemory(run.server.pid);
  const logRecords = book.acceptedCommands;
  progress(`  memory: ${JSON.stringify(memory)}`);

  progress('  restart');
  const restarted = await restart(run);
  progress(`  stopped in ${restarted.stop_ms} ms (exit ${String(restarted.exit_code)}), ready in ${restarted.ready_ms} ms`);

  progress('  rebuild (server stopped)');
  const rebuilt = await rebuild(run);
  progress(`  rebuilt ${fmt(rebuilt.records ?? 0)} records in ${rebuilt.duration_ms} ms: ${fmt(rebuilt.records_per_s ?? 0)} records/s, ${fmt(rebuilt.events_per_s ?? 0)} events/s`);

  const past = book.past as NonNullable<Book['past']>;
  progress(`  as-of queries, ${config.querySeconds} s each after ${WARMUP_S} s unmeasured (the server has just started)`);
  let warm = 0;
  await hammer(queries, () => (warm++ % 2 === 0 ? book.policyQuery(new Date().toISOString(), book.ackedPolicies) : book.policyQuery(past.knownAt, past.policies)), config.queryConnections, { seconds: WARMUP_S });
  const asOfNow = await hammer(queries, () => book.policyQuery(new Date().toISOString(), book.ackedPolicies), config.queryConnections, { seconds: config.querySeconds });
  const asOfPast = await hammer(queries, () => book.policyQuery(past.knownAt, past.policies), config.queryConnections, { seconds: config.querySeconds });
  progress(`  now: p50 ${asOfNow.p50_ms} p99 ${asOfNow.p99_ms} ms ${JSON.stringify(asOfNow.statuses)}; past: p50 ${asOfPast.p50_ms} p99 ${asOfPast.p99_ms} ms ${JSON.stringify(asOfPast.statuses)}`);

  progress(`  reports, ${config.reportRequests} requests each`);
  const reported = await reports(client, book, config.reportRequests);

  progress('  replay audit');
  const audited = await audit(run.server, client, queries, book, config);
  progress(`  audit ${audited.status}: ${fmt(audited.events_per_s ?? 0)} events/s, RssAnon +${audited.rss_anon_growth_mib} MiB, GET p99 ${audited.gets.p99_ms} ms${audited.error ? `, ${audited.error}` : ''}`);

  progress(`  fee over ${fmt(config.feeHoldings)} holdings: loading ${fmt(2 * config.feeHoldings + 2)} commands`);
  const charged = await fee(client, book, size, config.feeHoldings);
  progress(`  fee answered ${charged.status}${charged.code ? ` ${charged.code}` : ''} in ${charged.latency_ms} ms`);

  return {
    commands: book.mixCommands,
    log_records_at_memory: logRecords,
    load: loaded,
    memory,
    restart: restarted,
    rebuild: rebuilt,
    as_of: { now: asOfNow, past: asOfPast, connections: config.queryConnections, past_known_at: past.knownAt },
    reports: reported,
    audit: audited,
    fee: charged,
  };
}

// ---------------------------------------------------------------------------
// Targets (issue 10)

type Measured = Omit<SizeResult, 'checks'>;

interface TargetSpec {
  key: string;
  name: string;
  op: '>=' | '<=';
  threshold: number;
  /** null: not measured (or not applicable) at this size. */
  actual(size: Measured, index: number, all: Measured[]): number | null;
  /** A figure that cannot be a number (the fee's status) says met itself. */
  met?(size: Measured): boolean;
  applies?: string;
}

const reportP99 = (name: string, when: 'now' | 'past') => (s: Measured): number | null => {
  const r = s.reports.find((x) => x.report === name && x.knownAt === when);
  return r && r.error === null ? r.p99_ms : null;
};

const TARGETS: TargetSpec[] = [
  { key: 'load', name: 'load through /v1/batch (commands/s)', op: '>=', threshold: 8_000, actual: (s) => s.load.commands_per_s },
  {
    key: 'rss_anon',
    name: 'RssAnon after load, first size (MiB)',
    op: '<=',
    threshold: MiB_PER_GB,
    applies: 'the first size (the issue: at 1M commands)',
    actual: (s, i) => (i === 0 ? (s.memory?.rss_anon_mib ?? null) : null),
  },
  {
    key: 'rss_anon_growth',
    name: 'RssAnon growth per further million log records (MiB)',
    op: '<=',
    threshold: 100,
    applies: 'every size after the first, against the one before',
    actual: (s, i, all) => {
      const prev = all[i - 1];
      if (!prev || !prev.memory || !s.memory) return null;
      return round((s.memory.rss_anon_mib - prev.memory.rss_anon_mib) / ((s.log_records_at_memory - prev.log_records_at_memory) / 1e6), 1);
    },
  },
  { key: 'restart', name: 'restart to ready (s)', op: '<=', threshold: 3, applies: 'the issue states it at 4M; checked at every size', actual: (s) => round(s.restart.ready_ms / 1e3, 2) },
  { key: 'rebuild', name: 'offline rebuild (events/s)', op: '>=', threshold: 200_000, actual: (s) => s.rebuild.events_per_s },
  { key: 'as_of_now', name: 'as-of GET p99, knownAt now (ms)', op: '<=', threshold: 5, actual: (s) => s.as_of.now.p99_ms },
  { key: 'as_of_past', name: 'as-of GET p99, knownAt past (ms)', op: '<=', threshold: 5, actual: (s) => s.as_of.past.p99_ms },
  ...REPORTS.flatMap((r) =>
    (['now', 'past'] as const).map(
      (when): TargetSpec => ({ key: `report_${r.name.replace(/ /g, '_')}_${when}`, name: `${r.name} report p99, knownAt ${when} (ms)`, op: '<=', threshold: 100, actual: reportP99(r.name, when) }),
    ),
  ),
  { key: 'audit_rate', name: 'replay audit (events/s)', op: '>=', threshold: 200_000, actual: (s) => s.audit.events_per_s },
  { key: 'audit_rss', name: 'RssAnon growth during the audit (MiB)', op: '<=', threshold: 300, actual: (s) => s.audit.rss_anon_growth_mib },
  { key: 'audit_get_p99', name: 'as-of GET p99 during the audit (ms)', op: '<=', threshold: 50, actual: (s) => s.audit.gets.p99_ms },
  {
    key: 'fee',
    name: 'fee over the holdings: one 201 within (ms)',
    op: '<=',
    threshold: 2_000,
    actual: (s) => s.fee.latency_ms,
    met: (s) => s.fee.status === 201 && s.fee.latency_ms <= 2_000,
  },
];

interface Check {
  key: string;
  name: string;
  actual: number | null;
  op: '>=' | '<=';
  threshold: number;
  /** null: not measured or not applicable at this size. */
  met: boolean | null;
}

function evaluate(all: Measured[]): SizeResult[] {
  return all.map((s, i) => ({
    ...s,
    checks: TARGETS.map((t) => {
      const actual = t.actual(s, i, all);
      const met = actual === null ? null : t.met ? t.met(s) : t.op === '>=' ? actual >= t.threshold : actual <= t.threshold;
      return { key: t.key, name: t.name, actual, op: t.op, threshold: t.threshold, met };
    }),
  }));
}

// ---------------------------------------------------------------------------
// Report

/** Figures shown beside the targets, without a target of their own. */
const INFO: { name: string; value(s: SizeResult): string }[] = [
  { name: 'log records when memory was read', value: (s) => fmt(s.log_records_at_memory) },
  { name: 'server cpu during load', value: (s) => `${s.load.server_cpu_pct}%` },
  { name: 'RssAnon after load (MiB)', value: (s) => String(s.memory?.rss_anon_mib ?? '-') },
  { name: 'RssFile after load (MiB)', value: (s) => String(s.memory?.rss_file_mib ?? '-') },
  { name: 'VmHWM after load (MiB)', value: (s) => String(s.memory?.vm_hwm_mib ?? '-') },
  { name: 'SIGTERM to exit (ms)', value: (s) => `${fmt(s.restart.stop_ms)} (exit ${String(s.restart.exit_code)})` },
  { name: 'RssAnon right after ready (MiB)', value: (s) => String(s.restart.rss_anon_after_ready_mib ?? '-') },
  { name: 'rebuild (records/s)', value: (s) => fmt(s.rebuild.records_per_s ?? 0) },
  { name: 'rebuild CLI peak RssAnon (MiB)', value: (s) => String(s.rebuild.cli_peak_rss_anon_mib) },
  { name: 'ready after rebuild (ms)', value: (s) => fmt(s.rebuild.ready_after_ms) },
  { name: 'as-of GET p50 now / past (ms)', value: (s) => `${s.as_of.now.p50_ms ?? '-'} / ${s.as_of.past.p50_ms ?? '-'}` },
  { name: 'as-of GETs now / past (non-200)', value: (s) => `${fmt(s.as_of.now.requests)} / ${fmt(s.as_of.past.requests)} (${non200(s.as_of.now) + non200(s.as_of.past)})` },
  { name: 'audit: records, match, wall (ms)', value: (s) => `${fmt(s.audit.records_replayed ?? 0)}, ${String(s.audit.match)}, ${fmt(s.audit.wall_ms)}` },
  { name: 'audit: GETs answered meanwhile', value: (s) => `${fmt(s.audit.gets.requests)} (${non200(s.audit.gets)} non-200)` },
  { name: 'fee: answer', value: (s) => `${s.fee.status}${s.fee.code ? ` ${s.fee.code}` : ''}` },
  { name: 'fee: setup (commands/s)', value: (s) => fmt(s.fee.setup_commands_per_s) },
];

function non200(t: Timing): number {
  return Object.entries(t.statuses).reduce((n, [status, count]) => n + (status === '200' ? 0 : count), 0);
}

export function renderTable(results: SizeResult[]): string {
  const show = (n: number): string => (Math.abs(n) >= 1_000 ? fmt(Math.round(n)) : String(n));
  const mark = (c: Check): string => (c.met === null ? '' : c.met ? 'met' : 'MISSED');
  const header = ['figure', 'target', ...results.flatMap((r) => [`${fmt(r.commands)} commands`, ''])];
  const rows: string[][] = TARGETS.map((t, i) => [
    t.name,
    `${t.op} ${show(t.threshold)}`,
    ...results.flatMap((r) => {
      const c = r.checks[i];
      const value = c.actual === null ? '-' : t.key === 'fee' ? `${r.fee.status} in ${show(c.actual)}` : show(c.actual);
      return [value, mark(c)];
    }),
  ]);
  rows.push(header.map(() => ''));
  for (const info of INFO) rows.push([info.name, '', ...results.flatMap((r) => [info.value(r), ''])]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, col) => (col < 2 || col % 2 === 1 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(config: Config, results: SizeResult[]): void {
  const note =
    `${os.cpus().length} CPU(s) shared by this client and the server. Sizes are cumulative commands of the book's mix; each size's fee ` +
    `book (${fmt(config.feeHoldings)} members, one contribution each) is loaded after its measurements and stays in the log, so ` +
    'RssAnon growth is per million log records (mix and fee books). Memory in MiB from /proc/<pid>/status. As-of GETs: ' +
    `${config.queryConnections} keep-alive connections, ${config.querySeconds} s per case after ${WARMUP_S} s unmeasured; reports: ${config.reportRequests} sequential requests ` +
    'per report and knownAt after one unmeasured; "past" is an instant after the first tenth of the first size.';
  if (config.json) {
    const targets = TARGETS.map(({ key, name, op, threshold, applies }) => ({ key, name, op, threshold, applies: applies ?? 'every size' }));
    process.stdout.write(`${JSON.stringify({ sizes: results, targets, machine: { cpus: os.cpus().length, note } }, null, 2)}\n`);
    // The table too, on stderr beside the progress lines: one run gives both.
    process.stderr.write(`${renderTable(results)}\n\n${note}\n`);
  } else process.stdout.write(`${renderTable(results)}\n\n${note}\n`);
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(config.parentDir, 'scale-bench-'));
  progress(`scratch directory ${workDir}; sizes ${config.sizes.map(fmt).join(', ')}`);
  const port = await unusedPort();
  const run: Run = { workDir, port, config, server: null as unknown as LedgerServer };
  const control = new HttpClient(`http://127.0.0.1:${port}`, 4);
  const queries = new HttpClient(`http://127.0.0.1:${port}`, config.queryConnections);
  try {
    run.server = await LedgerServer.start(workDir, config.serverMain, port);
    progress(`server pid ${run.server.pid} on port ${port} ready in ${Math.round(run.server.readyMs)} ms`);
    const book = new Book();
    const measured: Measured[] = [];
    for (const [i, size] of config.sizes.entries()) measured.push(await measureSize(run, control, queries, book, size, i === 0));
    report(config, evaluate(measured));
  } finally {
    control.close();
    queries.close();
    if (run.server) {
      const stopped = await run.server.stop();
      if (stopped.code !== 0) progress(`the server exited ${String(stopped.code)}; log ends:\n${run.server.logTail()}`);
    }
    if (config.keep) progress(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

// Imported (to render the table of a saved --json run: renderTable(JSON.parse(text).sizes)), it does not run.
if (require.main === module) runCli(main, USAGE, progress);
