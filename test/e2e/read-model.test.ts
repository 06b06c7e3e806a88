// The persistent read model (<dataDir>/readmodel, LMDB) over real HTTP and a
// real data directory (issue 10, "Done when"):
//   1. SIGKILL at seeded random points while the read model is being written
//      (a child server under /v1/batch load plus single commands from several
//      clients), restart on the same directory each time: every acknowledged
//      outcome replays (status, body, Idempotent-Replayed); at the end the
//      kept state hash equals the one of a full rebuild from the log, and the
//      offline `ledger audit --json` matches;
//   2. a deleted read model is rebuilt: same state hash, same pinned answers;
//   3. a corrupted one (meta pages overwritten, data.mdb truncated, the
//      checkpoint naming another record) is detected, discarded (the log line
//      names why), rebuilt and never served;
//   4. another ledger's read model copied over this one: discarded, rebuilt,
//      this ledger's answers;
//   5. while a long log is rebuilt, /health/ready answers 503 with the
//      progress, then 200, and the log prints the progress;
//   6. `ledger rebuild <dir> --json` offline: exit 0, recordsApplied; the next
//      start replays nothing and gives the same hash; refused (69 WAL_LOCKED)
//      while a server holds the log.
// While a child server opens, every query it answers is either 503 not_ready
// or the pinned truth ("never served" is checked on every start of 2-6).
//
// Needs `npm run build:ts` first (child servers and the CLI run from dist/).
// READ_MODEL_SEED, READ_MODEL_KILLS (default 4), READ_MODEL_BIG (commands of
// the long log, default 30,000).
import 'reflect-metadata';

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { digestLedger, type LedgerDigest } from '@app/projections';

import { LedgerService } from '../../apps/api/src/ledger/ledger.service';
import {
  type Answer,
  Api,
  CommandIds,
  MAIN_JS,
  ON_CLUSTER,
  REPO_ROOT,
  Rng,
  TOKENS,
  addDays,
  assertBuilt,
  clusterLogUrl,
  freePort,
  money,
  qs,
  removeDir,
  runAudit,
  sleep,
  startInProcess,
  tempDir,
  writeTokensFile,
} from './support';

const SEED = Number(process.env.READ_MODEL_SEED ?? (Date.now() % 0x7fffffff));
const KILLS = Number(process.env.READ_MODEL_KILLS ?? 4);
const BIG = Number(process.env.READ_MODEL_BIG ?? 30_000);
const CLI_JS = path.join(REPO_ROOT, 'dist', 'apps', 'ledger-cli', 'src', 'main.js');
const FUNDS = ['F-A', 'F-B'];
/** Every contribution and switch deals on this date: both funds' NAVs are struck for it, and nothing later. */
const DEAL_DATE = '2026-03-02';

jest.setTimeout(120_000);

// ---------------------------------------------------------------------------
// A child server whose start-up is watched: every /health/ready answer, the
// log lines (pino JSON on stdout) and, optionally, a probe query that must be
// 503 not_ready or the pinned truth whenever it is answered.

interface Poll {
  ms: number;
  status: number;
  detail: string;
}

interface Probe {
  path: string;
  token: string;
  expected: Answered;
}

interface Child {
  api: Api;
  child: ChildProcess;
  /** Every /health/ready answer until the first 200. */
  polls: Poll[];
  /** ms from spawn to the first 200 of /health/ready. */
  readyMs: number;
  /** Messages of the child's JSON log lines (and raw non-JSON lines). */
  messages(): string[];
  output(): string;
  /** Probe answers that were neither 503 not_ready nor the truth. */
  servedWrong: string[];
  probesAnswered: { notReady: number; truth: number };
  /** Waits until a log line matches (a line may reach us after the 200 it precedes); false on timeout. */
  waitFor(re: RegExp, ms?: number): Promise<boolean>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function boot(dataDir: string, tokensFile: string, opts: { probes?: Probe[]; pollMs?: number; timeoutMs?: number } = {}): Promise<Child> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bootOnce(await freePort(), dataDir, tokensFile, opts);
    } catch (e) {
      if (attempt >= 2 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }
}

async function bootOnce(port: number, dataDir: string, tokensFile: string, opts: { probes?: Probe[]; pollMs?: number; timeoutMs?: number }): Promise<Child> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir, LEDGER_TOKENS_FILE: tokensFile };
  delete env.NODE_ENV; // production logging: JSON lines on stdout
  const clusterUrl = await clusterLogUrl(dataDir); // npm run test:cluster: the directory's log is a database of the test cluster
  if (clusterUrl !== null) env.LEDGER_LOG = clusterUrl;
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN_JS], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let raw = '';
  const keep = (c: Buffer): void => {
    const text = c.toString('utf8');
    raw = (raw + text).slice(-64_000);
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      try {
        const parsed = JSON.parse(line) as { msg?: unknown };
        // Access log lines (every poll) are left out.
        if (parsed.msg !== 'request') lines.push(typeof parsed.msg === 'string' ? parsed.msg : line);
      } catch {
        lines.push(line);
      }
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let gone: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = { code, signal };
      resolve(gone);
    }),
  );
  const api = new Api(`http://127.0.0.1:${port}`, 64);
  const lastLines = (): string => lines.slice(-20).join('\n');
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!gone) child.kill(signal);
    const result = await exited;
    api.close();
    return result;
  };
  const polls: Poll[] = [];
  const servedWrong: string[] = [];
  const probesAnswered = { notReady: 0, truth: 0 };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let readyMs = -1;
  while (readyMs < 0) {
    if (gone) {
      await exited; // its last output
      await sleep(50);
      const { code, signal } = gone as { code: number | null; signal: NodeJS.Signals | null };
      throw new Error(`the API child died before it was ready (exit code ${code}, signal ${signal}) after ${polls.length} readiness polls; its log:\n${lastLines()}`);
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`the API child was not ready in time; its log:\n${lastLines()}`);
    }
    try {
      const [ready, ...answers] = await Promise.all([
        api.request('GET', '/health/ready', { timeoutMs: 5000 }),
        ...(opts.probes ?? []).map((p) => api.request('GET', p.path, { token: p.token, timeoutMs: 5000 })),
      ]);
      polls.push({ ms: Math.round(performance.now() - started), status: ready.status, detail: String(ready.body?.detail ?? '') });
      (opts.probes ?? []).forEach((p, i) => {
        const a = answers[i];
        if (a.status === 503 && a.body?.code === 'not_ready') probesAnswered.notReady++;
        else if (a.status === p.expected.status && isDeepStrictEqual(a.body, p.expected.body)) probesAnswered.truth++;
        else servedWrong.push(`GET ${p.path} while opening (ready ${ready.status}): ${a.status} ${a.text.slice(0, 300)}`);
      });
      if (ready.status === 200) readyMs = Math.round(performance.now() - started);
    } catch {
      /* not listening yet */
    }
    if (readyMs < 0) await sleep(opts.pollMs ?? 10);
  }
  const waitFor = async (re: RegExp, ms = 5000): Promise<boolean> => {
    const end = Date.now() + ms;
    for (;;) {
      if (lines.some((l) => re.test(l))) return true;
      if (Date.now() > end) return false;
      await sleep(10);
    }
  };
  return { api, child, polls, readyMs, messages: () => [...lines, ...(partial ? [partial] : [])], output: () => raw, servedWrong, probesAnswered, waitFor, kill, exited };
}

/** A graceful stop (SIGTERM): the read model synced and marked clean; exit code 0. */
async function stop(server: Child): Promise<void> {
  const { code, signal } = await server.kill('SIGTERM');
  if (code !== 0) throw new Error(`the API child stopped with code ${code} signal ${signal}:\n${server.output().slice(-3000)}`);
}

const DISCARDED = /^read model discarded \((.*)\): rebuilding it from the log$/;
const REBUILT = /^rebuilding the read model from the log: (\d+) records in ([\d.]+) s( \(done\))?$/;
const REPLAYED = /^replaying the log after the read model checkpoint: (\d+) records in ([\d.]+) s( \(done\))?$/;

/** What the child's log says about opening the read model, once it logged the end of its replay. */
async function openingOf(server: Child): Promise<ReturnType<typeof openingLines>> {
  if (!(await server.waitFor(/^(rebuilding the read model from the log|replaying the log after the read model checkpoint): \d+ records in [\d.]+ s \(done\)$/))) {
    throw new Error(`no "... records in ... s (done)" line in the child's log:\n${server.messages().slice(-20).join('\n')}`);
  }
  return openingLines(server);
}

function openingLines(server: Child): { discarded: string[]; rebuilt: { records: number; seconds: number; done: boolean }[]; replayed: { records: number; seconds: number; done: boolean }[] } {
  const out = { discarded: [] as string[], rebuilt: [] as { records: number; seconds: number; done: boolean }[], replayed: [] as { records: number; seconds: number; done: boolean }[] };
  for (const msg of server.messages()) {
    let m = DISCARDED.exec(msg);
    if (m) out.discarded.push(m[1]);
    m = REBUILT.exec(msg);
    if (m) out.rebuilt.push({ records: Number(m[1]), seconds: Number(m[2]), done: m[3] !== undefined });
    m = REPLAYED.exec(msg);
    if (m) out.replayed.push({ records: Number(m[1]), seconds: Number(m[2]), done: m[3] !== undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pinned queries: fixed asOf and knownAt, answered identically by any read
// model built from the same log.

interface Pinned {
  path: string;
  token: string;
}

interface Answered {
  status: number;
  body: unknown;
}

async function answerAll(api: Api, pinned: readonly Pinned[]): Promise<Answered[]> {
  const out: Answered[] = [];
  for (const p of pinned) {
    const a = await api.get(p.path, p.token);
    out.push({ status: a.status, body: a.body });
  }
  return out;
}

/** The pinned queries whose answers differ from `expected` (path, both answers). */
async function differences(api: Api, pinned: readonly Pinned[], expected: readonly Answered[]): Promise<string[]> {
  const got = await answerAll(api, pinned);
  const out: string[] = [];
  got.forEach((g, i) => {
    if (g.status !== expected[i].status || !isDeepStrictEqual(g.body, expected[i].body)) {
      out.push(`GET ${pinned[i].path}: expected ${expected[i].status} ${JSON.stringify(expected[i].body).slice(0, 300)}, got ${g.status} ${JSON.stringify(g.body).slice(0, 300)}`);
    }
  });
  return out;
}

function pinnedQueries(ids: { policies: string[]; claims: string[]; members: string[] }, knownAts: string[]): Pinned[] {
  const au = TOKENS.auditor;
  const out: Pinned[] = [];
  for (const knownAt of knownAts) {
    for (const asOf of ['2026-03-31', '2026-12-31']) {
      for (const id of ids.policies) out.push({ path: `/v1/policies/${id}${qs({ asOf, knownAt })}`, token: au });
      for (const id of ids.claims) out.push({ path: `/v1/claims/${id}${qs({ asOf, knownAt })}`, token: au });
      for (const id of ids.members) out.push({ path: `/v1/members/${id}${qs({ asOf, knownAt })}`, token: au });
      for (const id of FUNDS) out.push({ path: `/v1/funds/${id}${qs({ asOf, knownAt })}`, token: au });
      out.push({ path: `/v1/reports/trial-balance${qs({ asOf, knownAt })}`, token: TOKENS.finance });
    }
    for (const basis of ['booked', 'restated']) {
      out.push({ path: `/v1/reports/premiums${qs({ from: '2026-01', to: '2026-12', basis, knownAt })}`, token: TOKENS.finance });
      out.push({ path: `/v1/reports/claims${qs({ from: '2026-01', to: '2027-06', basis, knownAt })}`, token: TOKENS.finance });
    }
    out.push({ path: `/v1/reports/funds${qs({ from: '2026-01', to: '2026-06', knownAt })}`, token: TOKENS.finance });
    if (ids.policies[0]) out.push({ path: `/v1/audit/entities/policy/${ids.policies[0]}${qs({ knownAt })}`, token: au });
  }
  // Defaulted knownAt: the horizon, the same after any rebuild of the same log.
  out.push({ path: `/v1/reports/trial-balance${qs({ asOf: '2027-12-31' })}`, token: TOKENS.finance });
  out.push({ path: '/v1/periods/2025-03', token: TOKENS.finance });
  return out;
}

// ---------------------------------------------------------------------------
// The workload: every command type of both verticals, mostly valid, some
// recorded refusals (404, 422, 409 period_already_closed).

interface Cmd {
  kind: string;
  path: string;
  token: string;
  body: Record<string, unknown>;
  onResult?: (status: number) => void;
}

interface PolicyModel {
  id: string;
  start: string;
  days: number;
  cancelled: boolean;
}

interface ClaimModel {
  id: string;
  lastDate: string;
  reserveCents: number;
  closed: boolean;
}

class Model {
  readonly policies: PolicyModel[] = [];
  readonly claims: ClaimModel[] = [];
  readonly members: string[] = [];
  private n = 0;

  constructor(readonly tag: string) {}

  nextId(kind: string): string {
    return `${this.tag}-${kind}${++this.n}`;
  }
}

function nextCommand(rng: Rng, m: Model, ids: CommandIds): Cmd {
  const commandId = ids.next();
  const uw = TOKENS.underwriter;
  const cl = TOKENS.claims;
  const pe = TOKENS.pensions;
  const r = rng.next();
  if (m.policies.length === 0 || r < 0.14) {
    const start = addDays('2026-01-01', rng.int(0, 300));
    const days = rng.pick([181, 365, 366]);
    const policy: PolicyModel = { id: m.nextId('P'), start, days, cancelled: false };
    m.policies.push(policy);
    return {
      kind: 'bind',
      path: '/v1/policies',
      token: uw,
      body: { commandId, policyId: policy.id, currency: rng.chance(0.8) ? 'EUR' : 'USD', holder: { name: `Holder ${policy.id}` }, term: { start, end: addDays(start, days) }, premium: money(rng.int(1_000, 900_000)) },
    };
  }
  const p = rng.pick(m.policies);
  if (r < 0.26) {
    const offset = rng.chance(0.1) ? -rng.int(1, 30) : rng.int(0, p.days - 1); // before the term: 422
    return { kind: 'endorse', path: `/v1/policies/${p.id}/endorsements`, token: uw, body: { commandId, effectiveDate: addDays(p.start, offset), annualPremiumChange: money(rng.chance(0.25) ? -rng.int(1, 300_000) : rng.int(1, 300_000)) } };
  }
  if (r < 0.36) {
    return { kind: 'pay', path: `/v1/policies/${p.id}/payments`, token: uw, body: { commandId, amount: money(rng.int(1, 200_000)), receivedDate: addDays(p.start, rng.int(0, 60)) } };
  }
  if (r < 0.38 && !p.cancelled) {
    const onResult = (status: number): void => {
      if (status === 201) p.cancelled = true;
    };
    return { kind: 'cancel', path: `/v1/policies/${p.id}/cancellation`, token: uw, body: { commandId, effectiveDate: addDays(p.start, rng.int(p.days >> 1, p.days - 1)), method: rng.pick(['pro-rata', 'short-rate']) }, onResult };
  }
  if (r < 0.46 || (r < 0.56 && m.claims.length === 0)) {
    const loss = addDays(p.start, rng.int(0, Math.min(60, p.days - 1)));
    const reported = addDays(loss, rng.int(0, 5));
    const claim: ClaimModel = { id: m.nextId('C'), lastDate: reported, reserveCents: rng.int(10_000, 2_000_000), closed: false };
    m.claims.push(claim);
    return { kind: 'open-claim', path: '/v1/claims', token: cl, body: { commandId, claimId: claim.id, policyId: p.id, lossDate: loss, reportedDate: reported, initialReserve: money(claim.reserveCents) } };
  }
  if (r < 0.56) {
    const c = rng.pick(m.claims);
    const date = addDays(c.lastDate, rng.int(0, 10));
    c.lastDate = date;
    const x = rng.next();
    if (x < 0.4) {
      const change = rng.chance(0.3) ? -rng.int(1, Math.max(1, c.reserveCents)) : rng.int(1, 300_000);
      c.reserveCents = Math.max(0, c.reserveCents + change);
      return { kind: 'reserve', path: `/v1/claims/${c.id}/reserve`, token: cl, body: { commandId, effectiveDate: date, change: money(change) } };
    }
    if (x < 0.9) {
      // Sometimes more than the reserve: 422 payment_exceeds_reserve.
      const amount = rng.chance(0.15) ? c.reserveCents + rng.int(1, 10_000) : rng.int(1, Math.max(1, c.reserveCents));
      c.reserveCents = Math.max(0, c.reserveCents - amount);
      return { kind: 'pay-claim', path: `/v1/claims/${c.id}/payments`, token: cl, body: { commandId, effectiveDate: date, amount: money(amount) } };
    }
    c.closed = true;
    return { kind: 'close-claim', path: `/v1/claims/${c.id}/close`, token: cl, body: { commandId, effectiveDate: date } };
  }
  if (r < 0.62 || m.members.length === 0) {
    const id = m.nextId('M');
    m.members.push(id);
    return { kind: 'member', path: '/v1/members', token: pe, body: { commandId, memberId: id, name: `Member ${id}` } };
  }
  if (r < 0.8) {
    return { kind: 'contribute', path: `/v1/members/${rng.pick(m.members)}/contributions`, token: pe, body: { commandId, fundId: rng.pick(FUNDS), amount: money(rng.int(1_000, 500_000)), effectiveDate: DEAL_DATE } };
  }
  if (r < 0.84) {
    const from = rng.pick(FUNDS);
    // Sometimes more units than held: 422 insufficient_units.
    return { kind: 'switch', path: `/v1/members/${rng.pick(m.members)}/switches`, token: pe, body: { commandId, fromFundId: from, toFundId: FUNDS.find((f) => f !== from), units: `${rng.int(1, 400)}.${String(rng.int(0, 999_999)).padStart(6, '0')}`, effectiveDate: DEAL_DATE } };
  }
  if (r < 0.88) {
    // Unknown policy: a recorded 404.
    return { kind: 'endorse-404', path: `/v1/policies/${m.nextId('NOPE')}/endorsements`, token: uw, body: { commandId, effectiveDate: '2026-06-01', annualPremiumChange: '10.00' } };
  }
  if (r < 0.91) {
    // Bind again: 422 entity_exists.
    return { kind: 'bind-again', path: '/v1/policies', token: uw, body: { commandId, policyId: p.id, currency: 'EUR', holder: { name: 'Again' }, term: { start: p.start, end: addDays(p.start, p.days) }, premium: '1.00' } };
  }
  return { kind: 'pay', path: `/v1/policies/${p.id}/payments`, token: uw, body: { commandId, amount: money(rng.int(1, 50_000)), receivedDate: p.start } };
}

/** Month closes: each new one seals the next month; a repeat is a recorded 409 period_already_closed. */
function closeCommand(rng: Rng, ids: CommandIds, periods: { next: number }): Cmd {
  const repeat = periods.next > 0 && rng.chance(0.4);
  const index = Math.min(repeat ? rng.int(0, periods.next - 1) : periods.next, 13);
  const period = `${2025 + Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  const onResult = (status: number): void => {
    if (status === 201 && index >= periods.next) periods.next = index + 1;
  };
  return { kind: 'close-period', path: `/v1/periods/${period}/close`, token: TOKENS.finance, body: { commandId: ids.next() }, onResult };
}

/** Funds F-A and F-B, both with a NAV struck for DEAL_DATE (and none later). */
async function setupFunds(api: Api, ids: CommandIds): Promise<void> {
  for (const [i, fundId] of FUNDS.entries()) {
    const launched = await api.post('/v1/funds', { commandId: ids.next(), fundId, currency: 'EUR', launchNavPerUnit: `${i + 1}.000000` }, TOKENS['fund-admin']);
    if (launched.status !== 201) throw new Error(`launch ${fundId}: ${launched.status} ${launched.text}`);
    const valued = await api.post(`/v1/funds/${fundId}/valuations`, { commandId: ids.next(), valuationDate: DEAL_DATE, netAssets: '0.00' }, TOKENS['fund-admin']);
    if (valued.status !== 201) throw new Error(`valuation ${fundId}: ${valued.status} ${valued.text}`);
  }
}

/** Outcomes that are final and recorded: a replay must give them back. */
function isRecorded(status: number, body: { code?: unknown } | undefined): boolean {
  if (status >= 200 && status < 300) return true;
  if (status === 404 || status === 422) return true;
  return status === 409 && body?.code === 'period_already_closed';
}

/** Sends `commands` as batches of `size` (admin); returns the results in order. */
async function sendBatches(api: Api, commands: Cmd[], size: number): Promise<{ status: number; body: { code?: string; recordedAt?: string } }[]> {
  const results: { status: number; body: { code?: string; recordedAt?: string } }[] = [];
  for (let i = 0; i < commands.length; i += size) {
    const chunk = commands.slice(i, i + size);
    const a = await api.request('POST', '/v1/batch', { token: TOKENS.admin, body: { commands: chunk.map((c) => ({ path: c.path, body: c.body })) }, timeoutMs: 300_000 });
    if (a.status !== 200) throw new Error(`POST /v1/batch: ${a.status} ${a.text.slice(0, 300)}`);
    a.body.results.forEach((r: { status: number; body: { code?: string; recordedAt?: string } }, j: number) => {
      chunk[j].onResult?.(r.status);
      results.push(r);
    });
  }
  return results;
}

/** A book written through `api` as batches: `count` commands of a seeded workload; the ids it created. */
async function writeBook(api: Api, tag: string, seed: number, count: number, batchSize: number): Promise<{ created: { policies: string[]; claims: string[]; members: string[] }; statuses: Map<number, number>; horizon: string }> {
  const rng = new Rng(seed);
  const ids = new CommandIds(seed);
  const model = new Model(tag);
  await setupFunds(api, ids);
  const created = { policies: [] as string[], claims: [] as string[], members: [] as string[] };
  const statuses = new Map<number, number>();
  let horizon = '';
  for (let sent = 0; sent < count; sent += batchSize) {
    const commands = Array.from({ length: Math.min(batchSize, count - sent) }, () => nextCommand(rng, model, ids));
    const results = await sendBatches(api, commands, batchSize);
    results.forEach((r, i) => {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) throw new Error(`${commands[i].path}: ${r.status} ${JSON.stringify(r.body)}`);
      if (typeof r.body?.recordedAt === 'string' && r.body.recordedAt > horizon) horizon = r.body.recordedAt;
      if (r.status !== 201) return;
      const c = commands[i];
      if (c.kind === 'bind') created.policies.push(String(c.body.policyId));
      if (c.kind === 'open-claim') created.claims.push(String(c.body.claimId));
      if (c.kind === 'member') created.members.push(String(c.body.memberId));
    });
  }
  return { created, statuses, horizon };
}

function describeCounts(counts: Map<number, number>): string {
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}:${n}`)
    .join(' ');
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

// ---------------------------------------------------------------------------
// The CLI

function cli(args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI_JS, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Math.round(performance.now() - t0) };
}

/**
 * The offline replay audit of a stopped server's data directory; with the log
 * on the test cluster (the offline CLI reads the embedded WAL only), the
 * replay audit of a server started on it that takes no command.
 */
async function offlineAudit(dataDir: string, tokensFile: string): Promise<{ stateHash: string; liveStateHash: string; storedStateHash: string; match: boolean; recordsReplayed: number; eventsReplayed: number }> {
  if (ON_CLUSTER) {
    const server = await startInProcess({ dataDir, tokensFile });
    try {
      return (await runAudit(server.api)).result;
    } finally {
      await server.close();
    }
  }
  const r = cli(['audit', dataDir, '--json']);
  if (r.status !== 0) throw new Error(`ledger audit exited ${r.status}: ${r.stderr.slice(0, 500)} ${r.stdout.slice(0, 500)}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------

/** The book scenarios 2-4 damage and expect back: scenario 1's data directory once stopped cleanly. */
interface Book {
  dataDir: string;
  digest: LedgerDigest;
  pinned: Pinned[];
  answers: Answered[];
  /** A probe answered during every start (must be 503 not_ready or this). */
  probes: Probe[];
  /** A copy of its read model, stopped cleanly (scenario 3 damages a fresh copy each time). */
  pristine: string;
}

/** Puts back the book's read model as scenario 1 left it. */
function restorePristine(b: Book): void {
  const dir = path.join(b.dataDir, 'readmodel');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(b.pristine, dir, { recursive: true });
}

describe('the persistent read model on a real data directory', () => {
  let root: string;
  let tokensFile: string;
  let book: Book | undefined;
  const children = new Set<Child>();
  const inProcess: { close(): Promise<void> }[] = [];
  const summary: string[] = [];

  const track = (c: Child): Child => {
    children.add(c);
    void c.exited.then(() => children.delete(c));
    return c;
  };

  beforeAll(() => {
    assertBuilt();
    if (!fs.existsSync(CLI_JS)) throw new Error(`${CLI_JS} is missing: run \`npm run build:ts\` first`);
    root = tempDir('ledger-read-model-');
    tokensFile = writeTokensFile(root);
  });

  // A scenario that failed half-way leaves no server holding a log the next one needs.
  afterEach(async () => {
    for (const c of [...children]) await c.kill('SIGKILL');
    for (const s of inProcess.splice(0)) await s.close().catch(() => undefined);
  });

  afterAll(async () => {
    for (const c of [...children]) await c.kill('SIGKILL');
    for (const s of inProcess.splice(0)) await s.close().catch(() => undefined);
    console.log(`read-model e2e (seed ${SEED}):\n  ${summary.join('\n  ')}`);
    if (process.env.READ_MODEL_KEEP) console.log(`kept ${root}`);
    else removeDir(root);
  });

  const needBook = (): Book => {
    if (!book) throw new Error('needs scenario 1 (the book it leaves) to have run');
    return book;
  };

  /** After a start on a damaged or missing read model: rebuilt, never served wrong, same answers and hash as the book. */
  async function expectRebuiltBook(server: Child, b: Book): Promise<void> {
    expect(server.servedWrong).toEqual([]);
    const opening = await openingOf(server);
    expect(opening.replayed).toEqual([]);
    expect(opening.rebuilt.filter((r) => r.done).map((r) => r.records)).toEqual([b.digest.records]);
    expect(await differences(server.api, b.pinned, b.answers)).toEqual([]);
    const { result } = await runAudit(server.api, TOKENS.auditor, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ match: true, stateHash: b.digest.stateHash, liveStateHash: b.digest.stateHash, storedStateHash: b.digest.stateHash, recordsReplayed: b.digest.records });
  }

  // -------------------------------------------------------------------------
  test(`1. SIGKILL at ${KILLS} seeded random points under /v1/batch + single-command load; acknowledged outcomes replay; kept hash = full rebuild = offline audit`, async () => {
    const t0 = performance.now();
    const dataDir = path.join(root, 'book');
    const rng = new Rng(SEED);
    const ids = new CommandIds(SEED);
    const violations: string[] = [];
    const statusCounts = new Map<number, number>();
    const note = (status: number): void => void statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);

    interface AckedSingle {
      cmd: Cmd;
      status: number;
      body: unknown;
    }
    interface SentBatch {
      cmds: Cmd[];
      /** Per item: the recorded outcome, or null when not recorded. */
      expected: ({ status: number; body: unknown } | null)[];
    }
    const singles: AckedSingle[] = [];
    const batches: SentBatch[] = [];
    let unknownSingles: Cmd[] = [];
    let unknownBatches: Cmd[][] = [];
    let watermark = '';
    let sent = 0;
    const mark = (body: { recordedAt?: unknown } | undefined): void => {
      if (typeof body?.recordedAt === 'string' && body.recordedAt > watermark) watermark = body.recordedAt;
    };

    const onSingle = (cmd: Cmd, a: Answer): void => {
      note(a.status);
      cmd.onResult?.(a.status);
      if (a.status >= 500) violations.push(`${cmd.kind} ${cmd.path}: ${a.status} ${a.text.slice(0, 200)}`);
      else if (isRecorded(a.status, a.body)) {
        singles.push({ cmd, status: a.status, body: a.body });
        mark(a.body);
      } else violations.push(`${cmd.kind} ${cmd.path} ${JSON.stringify(cmd.body)}: unexpected ${a.status} ${a.text.slice(0, 300)}`);
    };
    const onBatch = (cmds: Cmd[], a: Answer): { replayed: number; fresh: number } => {
      const counts = { replayed: 0, fresh: 0 };
      if (a.status !== 200) {
        violations.push(`POST /v1/batch (${cmds.length}): ${a.status} ${a.text.slice(0, 300)}`);
        return counts;
      }
      const expected: SentBatch['expected'] = [];
      (a.body.results as { status: number; body: { code?: string; recordedAt?: string }; replayed?: true }[]).forEach((r, i) => {
        note(r.status);
        cmds[i].onResult?.(r.status);
        if (r.replayed) counts.replayed++;
        else counts.fresh++;
        if (r.status >= 500) violations.push(`batch item ${cmds[i].kind} ${cmds[i].path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        if (isRecorded(r.status, r.body)) {
          expected.push({ status: r.status, body: r.body });
          mark(r.body);
        } else {
          expected.push(null);
          if (r.status < 500) violations.push(`batch item ${cmds[i].kind} ${cmds[i].path} ${JSON.stringify(cmds[i].body)}: unexpected ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        }
      });
      batches.push({ cmds, expected });
      return counts;
    };
    const postBatch = (api: Api, cmds: Cmd[]): Promise<Answer> =>
      api.request('POST', '/v1/batch', { token: TOKENS.admin, body: { commands: cmds.map((c) => ({ path: c.path, body: c.body })) }, timeoutMs: 60_000 });

    async function singleClient(api: Api, crng: Rng, m: Model, halt: { stopped: boolean }, periods: { next: number } | null): Promise<void> {
      while (!halt.stopped) {
        const cmd = periods && crng.chance(0.05) ? closeCommand(crng, ids, periods) : nextCommand(crng, m, ids);
        sent++;
        let a: Answer;
        try {
          a = await api.post(cmd.path, cmd.body, cmd.token);
        } catch {
          unknownSingles.push(cmd); // in flight at the kill
          return;
        }
        onSingle(cmd, a);
      }
    }
    async function batchClient(api: Api, crng: Rng, m: Model, halt: { stopped: boolean }): Promise<void> {
      while (!halt.stopped) {
        const cmds = Array.from({ length: crng.int(20, 150) }, () => nextCommand(crng, m, ids));
        sent += cmds.length;
        let a: Answer;
        try {
          a = await postBatch(api, cmds);
        } catch {
          unknownBatches.push(cmds);
          return;
        }
        onBatch(cmds, a);
      }
    }

    let server = track(await boot(dataDir, tokensFile));
    await setupFunds(server.api, ids);
    const singleModels = Array.from({ length: 4 }, (_, i) => new Model(`S${i}`));
    const batchModels = Array.from({ length: 2 }, (_, i) => new Model(`B${i}`));
    const periods = { next: 0 };
    const rounds: string[] = [];
    const knownAts: string[] = [];

    for (let round = 1; round <= KILLS; round++) {
      const halt = { stopped: false };
      const killAfter = rng.int(300, 1600);
      const sentBefore = sent;
      const ackedBefore = singles.length + batches.reduce((n, b) => n + b.expected.filter(Boolean).length, 0);
      const load = [
        ...singleModels.map((m, i) => singleClient(server.api, new Rng(SEED + round * 100 + i), m, halt, i === 0 ? periods : null)),
        ...batchModels.map((m, i) => batchClient(server.api, new Rng(SEED + round * 100 + 50 + i), m, halt)),
      ];
      await sleep(killAfter);
      halt.stopped = true;
      const { signal } = await server.kill('SIGKILL');
      await Promise.all(load);
      expect(signal).toBe('SIGKILL');
      const inFlight = { singles: unknownSingles.length, batches: unknownBatches.length };
      if (round === 2) knownAts.push(watermark);

      // Restart on the same directory: the read model is reused (same boot), only the log after its checkpoint replayed.
      server = track(await boot(dataDir, tokensFile));
      const opening = await openingOf(server);
      if (opening.discarded.length) violations.push(`round ${round}: the read model was discarded after a process crash: ${opening.discarded.join('; ')}`);
      if (opening.rebuilt.length) violations.push(`round ${round}: the read model was rebuilt after a process crash`);
      const replayed = opening.replayed.find((r) => r.done)?.records ?? -1;
      if (replayed < 0) violations.push(`round ${round}: no "replaying the log after the read model checkpoint ... (done)" line: ${server.messages().join(' | ').slice(0, 800)}`);

      // In flight at the kill: retried with the same ids; either the first outcome comes back or they run now.
      const retried = { replayed: 0, fresh: 0 };
      const retrySingles = unknownSingles;
      unknownSingles = [];
      await pool(retrySingles, 16, async (cmd) => {
        const a = await server.api.post(cmd.path, cmd.body, cmd.token);
        if (a.headers['idempotent-replayed'] === 'true') retried.replayed++;
        else retried.fresh++;
        onSingle(cmd, a);
      });
      const retryBatches = unknownBatches;
      unknownBatches = [];
      for (const cmds of retryBatches) {
        const counts = onBatch(cmds, await postBatch(server.api, cmds));
        retried.replayed += counts.replayed;
        retried.fresh += counts.fresh;
      }

      // Every acknowledged outcome, from the first round on, replays with the same status and body.
      let checked = 0;
      await pool(singles, 16, async (s) => {
        const a = await server.api.post(s.cmd.path, s.cmd.body, s.cmd.token);
        checked++;
        if (a.status !== s.status || !isDeepStrictEqual(a.body, s.body)) violations.push(`round ${round}: ${s.cmd.kind} ${s.cmd.path} was ${s.status} ${JSON.stringify(s.body)}, replay ${a.status} ${a.text.slice(0, 300)}`);
        else if (a.headers['idempotent-replayed'] !== 'true') violations.push(`round ${round}: ${s.cmd.kind} ${s.cmd.path}: replay without Idempotent-Replayed: true`);
      });
      await pool(batches, 4, async (b) => {
        const a = await postBatch(server.api, b.cmds);
        if (a.status !== 200) {
          violations.push(`round ${round}: batch replay ${a.status} ${a.text.slice(0, 200)}`);
          return;
        }
        (a.body.results as { status: number; body: unknown; replayed?: true }[]).forEach((r, i) => {
          const e = b.expected[i];
          if (!e) return;
          checked++;
          if (r.status !== e.status || !isDeepStrictEqual(r.body, e.body) || r.replayed !== true) {
            violations.push(`round ${round}: batch item ${b.cmds[i].kind} ${b.cmds[i].path} was ${e.status} ${JSON.stringify(e.body).slice(0, 200)}, replay ${r.status} replayed=${r.replayed} ${JSON.stringify(r.body).slice(0, 200)}`);
          }
        });
      });
      // Some batch items alone, on their own path: the same recorded outcome, with the header.
      const items = batches.flatMap((b) => b.cmds.map((cmd, i) => ({ cmd, e: b.expected[i] }))).filter((x) => x.e);
      const sample = Array.from({ length: Math.min(150, items.length) }, () => items[rng.int(0, items.length - 1)]);
      await pool(sample, 16, async ({ cmd, e }) => {
        const a = await server.api.post(cmd.path, cmd.body, TOKENS.admin);
        checked++;
        if (a.status !== e!.status || !isDeepStrictEqual(a.body, e!.body) || a.headers['idempotent-replayed'] !== 'true') {
          violations.push(`round ${round}: batch item alone ${cmd.kind} ${cmd.path} was ${e!.status}, replay ${a.status} replayed=${String(a.headers['idempotent-replayed'])} ${a.text.slice(0, 200)}`);
        }
      });
      const acked = singles.length + batches.reduce((n, b) => n + b.expected.filter(Boolean).length, 0);
      rounds.push(
        `kill ${round} after ${killAfter} ms: sent ${sent - sentBefore}, acknowledged ${acked - ackedBefore} (total ${acked}), in flight ${inFlight.singles} singles + ${inFlight.batches} batches ` +
          `(retried: ${retried.replayed} replayed, ${retried.fresh} ran now), restart ${server.readyMs} ms replaying ${replayed} records after the checkpoint, ${checked} replays checked`,
      );
      if (violations.length) break;
    }

    // Graceful stop, then in-process on the same directory: the kept hash; then without readmodel/: a full rebuild, the same hash.
    await stop(server);
    const first = await startInProcess({ dataDir, tokensFile });
    inProcess.push(first);
    const ledger1 = first.app.get(LedgerService) as LedgerService;
    const kept = digestLedger(ledger1.live);
    expect(ledger1.store.recordCount).toBe(kept.records);
    const created = (kind: string, key: string) => [
      ...new Set([...singles.filter((s) => s.status === 201 && s.cmd.kind === kind).map((s) => String(s.cmd.body[key])), ...batches.flatMap((b) => b.cmds.filter((c, i) => b.expected[i]?.status === 201 && c.kind === kind).map((c) => String(c.body[key])))]),
    ];
    const policies = created('bind', 'policyId');
    const claims = created('open-claim', 'claimId');
    const members = created('member', 'memberId');
    knownAts.push(kept.through);
    const pinned = pinnedQueries({ policies: policies.slice(0, 3), claims: claims.slice(0, 3), members: members.slice(0, 2) }, knownAts.filter(Boolean));
    const answers = await answerAll(first.api, pinned);
    const bad = answers.map((a, i) => ({ a, p: pinned[i] })).filter(({ a }) => a.status !== 200);
    expect(bad.map(({ a, p }) => `${p.path}: ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`)).toEqual([]);
    await first.close();
    inProcess.pop();

    fs.rmSync(path.join(dataDir, 'readmodel'), { recursive: true });
    const t1 = performance.now();
    const second = await startInProcess({ dataDir, tokensFile });
    inProcess.push(second);
    const ledger2 = second.app.get(LedgerService) as LedgerService;
    await ledger2.ready;
    const rebuildMs = Math.round(performance.now() - t1);
    const rebuilt = digestLedger(ledger2.live);
    expect(rebuilt).toEqual(kept);
    expect(await differences(second.api, pinned, answers)).toEqual([]);
    await second.close();
    inProcess.pop();

    const offline = await offlineAudit(dataDir, tokensFile);
    expect(offline).toMatchObject({ match: true, stateHash: kept.stateHash, liveStateHash: kept.stateHash, storedStateHash: kept.stateHash, recordsReplayed: kept.records });

    const probes: Probe[] = [pinned.findIndex((p) => p.path.startsWith('/v1/reports/trial-balance')), pinned.findIndex((p) => p.path.startsWith(`/v1/policies/${policies[0]}`))]
      .filter((i) => i >= 0)
      .map((i) => ({ path: pinned[i].path, token: pinned[i].token, expected: answers[i] }));
    const pristine = path.join(root, 'pristine-readmodel');
    fs.cpSync(path.join(dataDir, 'readmodel'), pristine, { recursive: true });
    book = { dataDir, digest: kept, pinned, answers, probes, pristine };

    summary.push(
      `1 SIGKILL: ${rounds.length} kills, ${kept.records} records / ${kept.events} events, statuses ${describeCounts(statusCounts)}; ` +
        `full rebuild in-process ${rebuildMs} ms = kept hash ${kept.stateHash.slice(0, 12)}, offline audit match; ${pinned.length} pinned GETs; ${Math.round(performance.now() - t0)} ms`,
    );
    for (const r of rounds) summary.push(`  ${r}`);
    expect(violations.slice(0, 10)).toEqual([]);
    expect(rounds.length).toBe(KILLS);
    expect(policies.length).toBeGreaterThan(10);
    expect(claims.length).toBeGreaterThan(3);
    expect(members.length).toBeGreaterThan(3);
    // The recorded refusals were reached too, not only successes.
    expect([...statusCounts.keys()].filter((s) => s === 404 || s === 422).length).toBe(2);
  });

  // -------------------------------------------------------------------------
  test('2. a deleted read model is rebuilt from the log: same state hash, same pinned answers', async () => {
    const b = needBook();
    const t0 = performance.now();
    fs.rmSync(path.join(b.dataDir, 'readmodel'), { recursive: true });
    const server = track(await boot(b.dataDir, tokensFile, { probes: b.probes }));
    expect((await openingOf(server)).discarded).toEqual([]); // nothing to discard: there was none
    await expectRebuiltBook(server, b);
    await stop(server);
    summary.push(`2 deleted: rebuilt ${b.digest.records} records, ready in ${server.readyMs} ms, probes during start ${JSON.stringify(server.probesAnswered)}, ${b.pinned.length} pinned GETs equal, audit hash equal; ${Math.round(performance.now() - t0)} ms`);
  });

  // -------------------------------------------------------------------------
  // 3. Each corruption starts from a copy of the book's read model as scenario 1 left it (stopped cleanly).
  // (a) and (b): with lmdb 3.5.6 the server dies with SIGSEGV instead of discarding the read model: LMDB's open
  // fails (MDB_INVALID), and lmdb-js's error path (src/env.cpp EnvWrap::openEnv) deletes its ExtendedEnv and then
  // closeEnv deletes it again (mdb_env_get_userctx), so openReadModel's catch ("it cannot be read") is never reached.
  const dataMdb = (b: Book) => path.join(b.dataDir, 'readmodel', 'data.mdb');
  const corruptions: { name: string; reason: RegExp; damage: (b: Book) => Promise<string> }[] = [
    {
      name: 'garbage over the first 8 KiB of data.mdb (the LMDB meta pages)',
      reason: /^it cannot be read: /,
      damage: async (b) => {
        const garbage = Buffer.alloc(8192);
        const rng = new Rng(SEED ^ 0xbad);
        for (let i = 0; i < garbage.length; i++) garbage[i] = rng.int(0, 255);
        const fd = fs.openSync(dataMdb(b), 'r+');
        fs.writeSync(fd, garbage, 0, garbage.length, 0);
        fs.closeSync(fd);
        return `${fs.statSync(dataMdb(b)).size} bytes, the first 8192 overwritten`;
      },
    },
    {
      name: 'data.mdb truncated to 7 bytes',
      reason: /^it cannot be read: /,
      damage: async (b) => {
        const size = fs.statSync(dataMdb(b)).size;
        fs.truncateSync(dataMdb(b), 7);
        return `${size} -> 7 bytes`;
      },
    },
    {
      name: "the checkpoint's payloadHash of one partition altered",
      reason: /^partition \d+: record \d+ in the log is not the one the read model applied$/,
      damage: (b) =>
        alterCheckpoint(path.join(b.dataDir, 'readmodel'), (cp) => {
          const p = cp.positions.findIndex((x) => x !== null);
          const pos = cp.positions[p]!;
          cp.positions[p] = { ...pos, payloadHash: (pos.payloadHash[0] === '0' ? '1' : '0') + pos.payloadHash.slice(1) };
          return `partition ${p} lsn ${pos.lsn}: payloadHash ${pos.payloadHash.slice(0, 8)}.. -> ${cp.positions[p]!.payloadHash.slice(0, 8)}..`;
        }),
    },
    {
      name: "the checkpoint's lsn of one partition moved back to the record before",
      reason: /^partition \d+: record \d+ in the log is not the one the read model applied$/,
      damage: (b) =>
        alterCheckpoint(path.join(b.dataDir, 'readmodel'), (cp) => {
          const p = cp.positions.findIndex((x) => x !== null && x.lsn > 0);
          const pos = cp.positions[p]!;
          cp.positions[p] = { ...pos, lsn: pos.lsn - 1 };
          return `partition ${p}: lsn ${pos.lsn} -> ${pos.lsn - 1}`;
        }),
    },
    {
      name: "the checkpoint's lsn of one partition moved past the log's end",
      reason: /^partition \d+: the log has no record \d+$/,
      damage: (b) =>
        alterCheckpoint(path.join(b.dataDir, 'readmodel'), (cp) => {
          const p = cp.positions.findIndex((x) => x !== null);
          const pos = cp.positions[p]!;
          cp.positions[p] = { ...pos, lsn: pos.lsn + 1_000_000 };
          return `partition ${p}: lsn ${pos.lsn} -> ${pos.lsn + 1_000_000}`;
        }),
    },
  ];

  corruptions.forEach((c, i) => {
    test(`3${'abcde'[i]}. corrupted read model (${c.name}): detected, discarded, rebuilt, never served`, async () => {
      const b = needBook();
      const t0 = performance.now();
      restorePristine(b);
      const what = await c.damage(b);
      let server: Child;
      try {
        server = track(await boot(b.dataDir, tokensFile, { probes: b.probes }));
      } catch (e) {
        summary.push(`3${'abcde'[i]} corrupted, ${c.name} (${what}): FAILED, ${String(e).split('\n')[0]}`);
        throw e;
      }
      const opening = await openingOf(server);
      expect(opening.discarded).toEqual([expect.stringMatching(c.reason)]);
      await expectRebuiltBook(server, b);
      await stop(server);
      summary.push(
        `3${'abcde'[i]} corrupted, ${c.name} (${what}): discarded "${opening.discarded[0].slice(0, 100)}", rebuilt ${b.digest.records} records, ready ${server.readyMs} ms, ` +
          `probes ${JSON.stringify(server.probesAnswered)}, same hash and ${b.pinned.length} answers; ${Math.round(performance.now() - t0)} ms`,
      );
    });
  });

  // -------------------------------------------------------------------------
  test("4. another ledger's read model copied over this one is discarded and rebuilt: this ledger's answers", async () => {
    const b = needBook();
    const t0 = performance.now();
    // Another ledger: another workload, other ids, its own log.
    const otherDir = path.join(root, 'other');
    const other = track(await boot(otherDir, tokensFile));
    const written = await writeBook(other.api, 'X', SEED ^ 0x5a5a, 600, 200);
    const otherPolicy = written.created.policies[0];
    expect((await other.api.get(`/v1/policies/${otherPolicy}`, TOKENS.auditor)).status).toBe(200);
    const otherAudit = (await runAudit(other.api)).result;
    await stop(other);

    const rm = path.join(b.dataDir, 'readmodel');
    fs.rmSync(rm, { recursive: true });
    fs.cpSync(path.join(otherDir, 'readmodel'), rm, { recursive: true });
    const server = track(await boot(b.dataDir, tokensFile, { probes: b.probes }));
    const opening = await openingOf(server);
    expect(opening.discarded).toEqual([expect.stringMatching(/^partition \d+: (record \d+ in the log is not the one the read model applied|the log has no record \d+)$/)]);
    await expectRebuiltBook(server, b);
    // The other ledger's entities are not here.
    expect((await server.api.get(`/v1/policies/${otherPolicy}`, TOKENS.auditor)).status).toBe(404);
    await stop(server);
    summary.push(
      `4 foreign: other ledger ${otherAudit.recordsReplayed} records (hash ${String(otherAudit.stateHash).slice(0, 12)}) copied over this one: discarded "${opening.discarded[0]}", ` +
        `rebuilt ${b.digest.records} records, ready ${server.readyMs} ms, this ledger's hash and answers; ${Math.round(performance.now() - t0)} ms`,
    );
  });

  // -------------------------------------------------------------------------
  let big: { dataDir: string; records: number; stateHash: string; pinned: Pinned[]; answers: Answered[] } | undefined;

  test(`5. while ${BIG.toLocaleString('en')} commands of log are rebuilt, /health/ready answers 503 with the progress, then 200`, async () => {
    const t0 = performance.now();
    const dataDir = path.join(root, 'big');
    const loader = track(await boot(dataDir, tokensFile));
    const written = await writeBook(loader.api, 'G', SEED ^ 0x1234, BIG, 4000);
    const loadMs = Math.round(performance.now() - t0);
    const pinned = pinnedQueries({ policies: written.created.policies.slice(0, 2), claims: written.created.claims.slice(0, 2), members: written.created.members.slice(0, 2) }, [written.horizon]).filter(
      (p) => !p.path.startsWith('/v1/reports/funds'),
    );
    const answers = await answerAll(loader.api, pinned);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const audit = (await runAudit(loader.api, TOKENS.auditor, { timeoutMs: 120_000 })).result;
    expect(audit.match).toBe(true);
    await stop(loader);
    big = { dataDir, records: audit.recordsReplayed, stateHash: audit.stateHash, pinned, answers };

    fs.rmSync(path.join(dataDir, 'readmodel'), { recursive: true });
    const tb = pinned.findIndex((p) => p.path.startsWith('/v1/reports/trial-balance'));
    const server = track(await boot(dataDir, tokensFile, { probes: [{ path: pinned[tb].path, token: pinned[tb].token, expected: answers[tb] }], pollMs: 5 }));
    expect(server.servedWrong).toEqual([]);
    const progress = server.polls
      .filter((p) => p.status === 503)
      .map((p) => /rebuilding the read model from the log: (\d+) records applied/.exec(p.detail))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    // 503s with the progress (records applied, growing), then 200.
    expect(progress.filter((n) => n > 0).length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(server.polls[server.polls.length - 1].status).toBe(200);
    for (const p of server.polls.filter((x) => x.status === 503)) expect(p.detail).toMatch(/^Not ready: log: /);
    const opening = await openingOf(server);
    expect(opening.discarded).toEqual([]);
    expect(opening.replayed).toEqual([]);
    const done = opening.rebuilt.filter((r) => r.done);
    expect(done.map((r) => r.records)).toEqual([big.records]);
    // The log prints the progress every 2 s while rebuilding.
    if (done[0].seconds >= 2.5) expect(opening.rebuilt.filter((r) => !r.done).length).toBeGreaterThan(0);
    expect(await differences(server.api, pinned, answers)).toEqual([]);
    const rebuiltAudit = (await runAudit(server.api, TOKENS.auditor, { timeoutMs: 120_000 })).result;
    expect(rebuiltAudit).toMatchObject({ match: true, liveStateHash: big.stateHash, storedStateHash: big.stateHash, stateHash: big.stateHash });
    await stop(server);
    const n503 = server.polls.filter((p) => p.status === 503).length;
    summary.push(
      `5 readiness: ${BIG} commands = ${big.records} records loaded in ${loadMs} ms (${describeCounts(written.statuses)}); rebuild ready in ${server.readyMs} ms ` +
        `(log: ${opening.rebuilt.map((r) => `${r.records}@${r.seconds}s${r.done ? ' done' : ''}`).join(', ')}); ${server.polls.length} polls, ${n503} x 503, progress ${progress.filter((n, i, a) => a.indexOf(n) === i).join('/')}, probes ${JSON.stringify(server.probesAnswered)}; ${Math.round(performance.now() - t0)} ms`,
    );
  });

  // -------------------------------------------------------------------------
  test('6. ledger rebuild <dir> --json: exit 0 with recordsApplied, the next start replays nothing, same hash; 69 WAL_LOCKED while a server runs', async () => {
    if (!big) throw new Error('needs scenario 5 (its long log) to have run');
    const b = big;
    const t0 = performance.now();
    if (ON_CLUSTER) {
      // The offline CLI rebuilds from the embedded WAL only: on a PostgreSQL log it refuses (exit 64) and changes nothing.
      const refused = spawnSync(process.execPath, [CLI_JS, 'rebuild', b.dataDir, '--json'], { encoding: 'utf8', env: { ...process.env, LEDGER_LOG: (await clusterLogUrl(b.dataDir))! } });
      expect(refused.status).toBe(64);
      const server = track(await boot(b.dataDir, tokensFile));
      expect(await differences(server.api, b.pinned, b.answers)).toEqual([]);
      await stop(server);
      summary.push(`6 CLI rebuild on the test cluster: refused (exit 64), the ledger unchanged; ${Math.round(performance.now() - t0)} ms`);
      return;
    }
    // With a server on the directory: refused.
    const running = track(await boot(b.dataDir, tokensFile));
    const locked = cli(['rebuild', b.dataDir, '--json']);
    expect({ status: locked.status, stdout: locked.stdout }).toEqual({ status: 69, stdout: '' });
    expect(locked.stderr).toMatch(/^WAL_LOCKED: /);
    // The server's read model is untouched by the refused rebuild.
    expect(await differences(running.api, b.pinned, b.answers)).toEqual([]);
    await stop(running);

    const rebuilt = cli(['rebuild', b.dataDir, '--json']);
    expect({ status: rebuilt.status, stderr: rebuilt.status === 0 ? '' : rebuilt.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(rebuilt.stdout);
    expect(report).toMatchObject({ recordsApplied: b.records, readModel: path.join(b.dataDir, 'readmodel') });
    expect(rebuilt.stderr).toMatch(/rebuilt: \d+ records \(done\)/);

    const server = track(await boot(b.dataDir, tokensFile, { pollMs: 5 }));
    const opening = await openingOf(server);
    expect(opening.discarded).toEqual([]);
    expect(opening.rebuilt).toEqual([]);
    expect(opening.replayed.filter((r) => r.done).map((r) => r.records)).toEqual([0]);
    // Never a rebuild in the readiness detail: at most the (empty) tail after the checkpoint.
    expect(server.polls.filter((p) => /rebuilding/.test(p.detail))).toEqual([]);
    expect(await differences(server.api, b.pinned, b.answers)).toEqual([]);
    const audit = (await runAudit(server.api, TOKENS.auditor, { timeoutMs: 120_000 })).result;
    expect(audit).toMatchObject({ match: true, liveStateHash: b.stateHash, storedStateHash: b.stateHash, stateHash: b.stateHash, recordsReplayed: b.records });
    await stop(server);
    summary.push(
      `6 CLI rebuild: locked -> exit 69 in ${locked.ms} ms; offline rebuild exit 0, recordsApplied ${report.recordsApplied} in ${report.durationMs} ms (process ${rebuilt.ms} ms); ` +
        `next start ready in ${server.readyMs} ms replaying ${opening.replayed[0]?.records} records, same hash ${b.stateHash.slice(0, 12)}; ${Math.round(performance.now() - t0)} ms`,
    );
  });
});

// ---------------------------------------------------------------------------

type MutableCheckpoint = { positions: ({ lsn: number; recordedAt: string; payloadHash: string } | null)[]; through: string; records: number; closes: unknown[] };

/**
 * Rewrites the stored checkpoint of a stopped server's read model (one commit, data untouched).
 * The rewrite and the check that it stuck run in a separate Node process, as an operator's tool
 * or another program would damage it: lmdb-js shares one LMDB environment per file within a
 * process (by device and inode), so an in-process write and read could not stand for what the
 * next server, a new process, reads.
 */
async function alterCheckpoint(dir: string, change: (cp: MutableCheckpoint) => string): Promise<string> {
  const stored = runReadModelScript(dir, 'read', null);
  if (!stored) throw new Error(`${dir} has no checkpoint`);
  const cp = JSON.parse(JSON.stringify(stored)) as MutableCheckpoint;
  const what = change(cp);
  runReadModelScript(dir, 'write', cp);
  const reread = runReadModelScript(dir, 'read', null);
  if (!isDeepStrictEqual(reread, cp)) throw new Error(`the altered checkpoint did not stick: ${JSON.stringify(reread)}`);
  return what;
}

/** Reads, or replaces, a read model's checkpoint in a child process (the compiled read model); returns the checkpoint read. */
function runReadModelScript(dir: string, mode: 'read' | 'write', cp: MutableCheckpoint | null): MutableCheckpoint | null {
  const script = `
    const { LmdbReadModel } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'libs', 'read-model', 'src', 'index.js'))});
    const [dir, mode, cpText] = process.argv.slice(1);
    const model = LmdbReadModel.open(dir, { mapSizeBytes: 1 << 30, readOnly: mode === 'read' });
    if (mode === 'write') model.commit(() => undefined, () => JSON.parse(cpText));
    const out = JSON.stringify(model.checkpoint());
    model.close().then(() => process.stdout.write(out));
  `;
  const r = spawnSync(process.execPath, ['-e', script, dir, mode, JSON.stringify(cp)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`read-model script (${mode}) exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as MutableCheckpoint | null;
}
