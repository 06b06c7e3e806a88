// A pension ledger rebuilt from its log answers exactly as before.
//
// 1. In process: a pension workload (funds in EUR and USD, members,
//    valuations, contributions, switches, fees; some alone with the role's
//    token, some in /v1/batch; some refused on purpose: nav_not_published,
//    dealing_date_closed, insufficient_units, currency_mismatch, entity_exists,
//    not_found; dealing is forward priced, so the funds are valued day after
//    day and dealings mostly dated on their funds' latest NAV) on a real
//    data dir; then a canonical dump over HTTP, every query pinned (explicit
//    asOf and knownAt): every fund and member at several asOf dates x several
//    knownAt instants taken from the responses, the fund report for several
//    month ranges, the trial balance at several (asOf, knownAt), and every
//    fund's and member's audit trail. The server is closed, a NEW server starts
//    on the same data dir (it replays the log from disk), and the dump must be
//    deep-equal, with the same sha256. The replay audit says match.
// 2. As a child process (`node dist/...`, needs `npm run build:ts`): the same
//    kind of workload from 3 concurrent clients, SIGKILLed mid-flight. After
//    the restart, commands whose outcome was lost in flight are retried with
//    the same commandId; then every acknowledged outcome replays unchanged
//    (Idempotent-Replayed), every accepted command's events are in the audit
//    trails of every entity it touched (and a refused one's nowhere), every
//    member's units per fund = the sum of the units of the acknowledged
//    responses, and the members' units add up to each fund's units
//    outstanding. Two consecutive restarts (SIGKILL while idle, then SIGTERM)
//    give the same dump as the first restart.
//
// PENSIONS_REPLAY_SEED, PENSIONS_REPLAY_COMMANDS.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { type Api, type AuditRun, type ChildServer, type TestServer, CommandIds, Rng, TOKENS, addDays, assertBuilt, qs, removeDir, runAudit, sleep, startChild, startInProcess, tempDir, writeTokensFile } from './support';

const SEED = Number(process.env.PENSIONS_REPLAY_SEED ?? 0x9e751);
const COMMANDS = Number(process.env.PENSIONS_REPLAY_COMMANDS ?? 360);

jest.setTimeout(120_000);

/** 25 dealing days over a month end, valued in order as the workload goes (a few back-dated valuations too). */
const FIRST_DAY = '2025-03-20';
const DAYS = Array.from({ length: 25 }, (_, i) => addDays(FIRST_DAY, i));
const FUNDS = [
  { id: 'EQ', currency: 'EUR', nav: '1.000000' },
  { id: 'BOND', currency: 'EUR', nav: '10.000000' },
  { id: 'CASH', currency: 'EUR', nav: '1.262500' },
  { id: 'US', currency: 'USD', nav: '5.000000' },
];
const MEMBER_COUNT = 8;

/** A decimal string as an integer of its last digit ("12.340000" -> 12340000n). */
const digits = (text: unknown): bigint => {
  if (!/^-?\d+\.\d+$/.test(String(text))) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  return BigInt(String(text).replace('.', ''));
};
const units6 = (micro: number): string => `${Math.floor(micro / 1e6)}.${String(micro % 1e6).padStart(6, '0')}`;
const money2 = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

// ---------------------------------------------------------------------------
// The workload

interface Command {
  path: string;
  body: Record<string, unknown>;
  token: string;
}

/** A command or a batch sent, with its outcome(s). */
interface Sent {
  commands: Command[];
  batch: boolean;
  results: { status: number; body: Record<string, any> }[];
}

/** What the generator knows from the answers so far (approximate holdings are enough to aim switches). */
class Pensions {
  readonly fundIds: string[];
  readonly memberIds: string[];
  readonly currency = new Map<string, string>();
  readonly valued = new Map<string, Set<string>>();
  /** Micro-units per `member|fund`, from the responses (dates ignored). */
  readonly held = new Map<string, number>();
  readonly sent: Sent[] = [];
  /** Commands whose outcome was lost (the server died): retried after the restart. */
  readonly unknown: Sent[] = [];
  readonly ids: CommandIds;

  constructor(
    readonly prefix: string,
    seed: number,
  ) {
    this.fundIds = FUNDS.map((f) => `${prefix}${f.id}`);
    this.memberIds = Array.from({ length: MEMBER_COUNT }, (_, i) => `${prefix}M${i + 1}`);
    FUNDS.forEach((f, i) => {
      this.currency.set(this.fundIds[i], f.currency);
      this.valued.set(this.fundIds[i], new Set());
    });
    this.ids = new CommandIds(seed);
  }

  setup(): Command[] {
    const out: Command[] = [];
    const fa = TOKENS['fund-admin'];
    FUNDS.forEach((f, i) => out.push({ path: '/v1/funds', token: fa, body: { fundId: this.fundIds[i], currency: f.currency, launchNavPerUnit: f.nav } }));
    for (const memberId of this.memberIds) out.push({ path: '/v1/members', token: TOKENS.pensions, body: { memberId, name: `Member ${memberId}` } });
    // The first 2 days valued (no units yet: the launch NAV), the rest during the load (a NAV closes the days before it).
    for (const fundId of this.fundIds) for (const day of DAYS.slice(0, 2)) out.push({ path: `/v1/funds/${fundId}/valuations`, token: fa, body: { valuationDate: day, netAssets: '0.00' } });
    return out.map((c) => ({ ...c, body: { commandId: this.ids.next(), ...c.body } }));
  }

  /** The next command: mostly acceptable, some refused on purpose. */
  next(rng: Rng): Command {
    const cmd = this.pick(rng);
    return { ...cmd, body: { commandId: this.ids.next(), ...cmd.body } };
  }

  private pick(rng: Rng): Command {
    const fa = TOKENS['fund-admin'];
    const pe = TOKENS.pensions;
    const fundId = rng.pick(this.fundIds);
    const memberId = rng.pick(this.memberIds);
    /** The fund's latest valuation day known ('' before any): the one date still open to its dealings. */
    const latest = (f: string) => [...this.valued.get(f)!].sort().pop() ?? '';
    // Mostly the fund's latest NAV date; now and then another valued date (closed) or any date.
    const valuedDay = (f: string) => {
      const x = rng.next();
      return x < 0.88 && latest(f) ? latest(f) : x < 0.92 && this.valued.get(f)!.size > 0 ? rng.pick([...this.valued.get(f)!]) : rng.pick(DAYS);
    };
    const roll = rng.next();
    if (roll < 0.12) {
      // Mostly the funds moving on together: a fund behind the latest valuation day of all catches up to it, else
      // the day after is struck; sometimes a back-dated date not struck yet; sometimes any (entity_exists when struck).
      const x = rng.next();
      const front = this.fundIds.map(latest).sort().pop()!;
      const behind = this.fundIds.find((f) => latest(f) < front);
      const unvalued = DAYS.filter((d) => !this.valued.get(fundId)!.has(d) && d < latest(fundId));
      let [f, day] = [fundId, rng.pick(DAYS)];
      if (x < 0.8 && behind) [f, day] = [behind, front];
      else if (x < 0.8 && front < DAYS[DAYS.length - 1]) day = addDays(front, 1);
      else if (x < 0.9 && unvalued.length > 0) day = rng.pick(unvalued);
      return { path: `/v1/funds/${f}/valuations`, token: fa, body: { valuationDate: day, netAssets: money2(rng.int(0, 4_000_000_00)) } };
    }
    if (roll < 0.5) {
      // One in four a transfer in from another scheme.
      const transfer = rng.chance(0.25) ? { kind: 'transfer-in', source: 'Old Scheme' } : {};
      return { path: `/v1/members/${memberId}/contributions`, token: pe, body: { fundId, amount: money2(rng.int(1, 2_500_000)), effectiveDate: valuedDay(fundId), ...transfer } };
    }
    if (roll < 0.8) {
      const holdings = [...this.held].filter(([, u]) => u > 0);
      const [key, held] = holdings.length > 0 ? rng.pick(holdings) : [`${memberId}|${fundId}`, 0];
      const [who, from] = key.split('|');
      const sameCurrency = this.fundIds.filter((f) => f !== from && this.currency.get(f) === this.currency.get(from));
      const to = sameCurrency.length > 0 && rng.chance(0.9) ? rng.pick(sameCurrency) : rng.pick(this.fundIds.filter((f) => f !== from));
      const r = rng.next();
      const micro = r < 0.2 ? held : r < 0.3 ? held + rng.int(1, 5_000_000) : Math.floor((held * rng.int(1, 999)) / 1000);
      // Mostly the later of the two funds' latest NAV dates (open to both when they are the same), else any date.
      const day = rng.chance(0.9) ? [latest(from), latest(to), FIRST_DAY].sort().pop()! : rng.pick(DAYS);
      // A third of these a withdrawal from the holding instead (by units, or by an amount), of any kind.
      if (roll >= 0.7) {
        const kind = rng.pick(['benefit', 'lump-sum', 'transfer-out']);
        const size = rng.chance(0.5) ? { units: units6(Math.max(1, micro)) } : { amount: money2(Math.max(1, Math.floor(micro / 1_000_000))) };
        return { path: `/v1/members/${who}/withdrawals`, token: pe, body: { fundId: from, ...size, effectiveDate: rng.chance(0.9) ? latest(from) || FIRST_DAY : rng.pick(DAYS), kind } };
      }
      return { path: `/v1/members/${who}/switches`, token: pe, body: { fromFundId: from, toFundId: to, units: units6(Math.max(1, micro)), effectiveDate: day } };
    }
    if (roll < 0.9) {
      // Half the fees at an annual rate over some days (ACT/365).
      const rate = rng.chance(0.5) ? { rate: units6(rng.int(1, 15_000)) } : { annualRate: `0.${String(rng.int(1, 999_999_999)).padStart(10, '0')}`, days: rng.int(1, 366), dayCount: 'ACT/365' };
      return { path: `/v1/funds/${fundId}/fees`, token: fa, body: { effectiveDate: valuedDay(fundId), ...rate } };
    }
    if (roll < 0.94) return { path: `/v1/members/${memberId}/contributions`, token: pe, body: { fundId: `${this.prefix}NOPE`, amount: '10.00', effectiveDate: FIRST_DAY } };
    if (roll < 0.97) return { path: '/v1/members', token: pe, body: { memberId, name: 'Again' } };
    return { path: `/v1/members/${this.prefix}GHOST/contributions`, token: pe, body: { fundId, amount: '10.00', effectiveDate: FIRST_DAY } };
  }

  /** Learns from an accepted command's response. */
  learn(cmd: Command, status: number, r: Record<string, any>): void {
    if (status !== 201) return;
    const add = (memberId: string, fundId: string, units: unknown) => this.held.set(`${memberId}|${fundId}`, (this.held.get(`${memberId}|${fundId}`) ?? 0) + Number(digits(units)));
    if (cmd.path.endsWith('/valuations')) this.valued.get(r.fundId)!.add(r.valuationDate);
    else if (cmd.path.endsWith('/contributions')) add(r.memberId, r.fundId, r.units);
    else if (cmd.path.endsWith('/withdrawals')) add(r.memberId, r.fundId, `-${r.units}`);
    else if (cmd.path.endsWith('/switches')) {
      add(r.memberId, r.fromFundId, `-${r.unitsSold}`);
      add(r.memberId, r.toFundId, r.unitsBought);
    } else if (cmd.path.endsWith('/fees')) for (const h of r.holdings) add(h.memberId, r.fundId, `-${h.unitsCancelled}`);
  }

  /** Sends one command alone or several in a batch; a lost answer (server gone) is kept for a retry. */
  async send(api: Api, commands: Command[], batch: boolean): Promise<boolean> {
    let results: Sent['results'];
    try {
      if (batch) {
        const a = await api.post('/v1/batch', { commands: commands.map((c) => ({ path: c.path, body: c.body })) }, TOKENS.admin);
        if (a.status !== 200) throw new Error(`batch -> ${a.status} ${a.text.slice(0, 300)}`);
        results = a.body.results;
      } else {
        const a = await api.post(commands[0].path, commands[0].body, commands[0].token);
        results = [{ status: a.status, body: a.body }];
      }
    } catch (e) {
      if (/^batch ->/.test(String((e as Error).message))) throw e;
      this.unknown.push({ commands, batch, results: [] });
      return false;
    }
    commands.forEach((c, i) => this.learn(c, results[i].status, results[i].body));
    this.sent.push({ commands, batch, results });
    return true;
  }

  /** Every outcome so far, command by command. */
  outcomes(): { cmd: Command; batch: boolean; status: number; body: Record<string, any> }[] {
    return this.sent.flatMap((s) => s.commands.map((cmd, i) => ({ cmd, batch: s.batch, ...s.results[i] })));
  }

  instants(): string[] {
    return this.outcomes()
      .filter((o) => o.status === 201)
      .map((o) => String(o.body.recordedAt))
      .sort();
  }
}

/** `count` commands from one client: runs of 1-20 in a batch about a third of the time, else alone. Stops when the server is gone. */
async function drive(api: Api, p: Pensions, rng: Rng, count: number, stop = { stopped: false }): Promise<void> {
  for (let n = 0; n < count && !stop.stopped; ) {
    const batch = rng.chance(0.3);
    const cmds = Array.from({ length: batch ? rng.int(1, 20) : 1 }, () => p.next(rng));
    n += cmds.length;
    if (!(await p.send(api, cmds, batch))) return;
  }
}

function checkOutcomes(p: Pensions): string[] {
  const bad: string[] = [];
  for (const o of p.outcomes()) {
    if (o.status === 201) continue;
    if (o.status >= 500 || ![404, 422].includes(o.status)) bad.push(`${o.cmd.path} ${JSON.stringify(o.cmd.body)} -> ${o.status} ${JSON.stringify(o.body).slice(0, 300)}`);
  }
  return bad;
}

function tally(p: Pensions): string {
  const counts = new Map<string, number>();
  for (const o of p.outcomes()) {
    const key = `${o.cmd.path.split('/').pop()}:${o.status}${o.status === 201 ? '' : `:${o.body?.code}`}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort().map(([k, n]) => `${k}=${n}`).join(' ');
}

// ---------------------------------------------------------------------------
// The canonical dump

interface Dump {
  answers: { path: string; status: number; body: unknown }[];
  sha256: string;
}

/** Every query pinned: explicit asOf and knownAt, so two servers on the same log must answer alike. */
async function dump(api: Api, p: Pensions, knownAts: string[]): Promise<Dump> {
  const asOfs = [addDays(FIRST_DAY, -1), DAYS[3], '2025-03-31', DAYS[16], DAYS[DAYS.length - 1], '2026-12-31'];
  const paths: [string, string][] = [];
  for (const knownAt of knownAts) {
    for (const asOf of asOfs) {
      for (const id of p.fundIds) paths.push([`/v1/funds/${id}${qs({ asOf, knownAt })}`, TOKENS['fund-admin']]);
      for (const id of p.memberIds) paths.push([`/v1/members/${id}${qs({ asOf, knownAt })}`, TOKENS.pensions]);
      paths.push([`/v1/reports/trial-balance${qs({ asOf, knownAt })}`, TOKENS.finance]);
    }
    for (const [from, to] of [['2025-03', '2025-03'], ['2025-04', '2025-04'], ['2025-03', '2025-04'], ['2025-01', '2025-12']]) paths.push([`/v1/reports/funds${qs({ from, to, knownAt })}`, TOKENS.finance]);
  }
  const last = knownAts[knownAts.length - 1];
  for (const [kind, ids] of [['fund', p.fundIds], ['member', p.memberIds]] as const) {
    for (const id of ids) {
      paths.push([`/v1/audit/entities/${kind}/${id}${qs({ knownAt: last })}`, TOKENS.auditor]);
      paths.push([`/v1/audit/entities/${kind}/${id}${qs({ knownAt: knownAts[1], asOf: DAYS[10] })}`, TOKENS.auditor]);
    }
  }
  const answers: Dump['answers'] = new Array(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < paths.length) {
        const i = next++;
        const a = await api.get(paths[i][0], paths[i][1]);
        answers[i] = { path: paths[i][0], status: a.status, body: a.body };
      }
    }),
  );
  return { answers, sha256: createHash('sha256').update(JSON.stringify(answers)).digest('hex') };
}

/** Instants to pin the dump at: early, two in between, the last acknowledged. */
function pins(p: Pensions): string[] {
  const all = p.instants();
  return [all[Math.floor(all.length * 0.1)], all[Math.floor(all.length * 0.45)], all[Math.floor(all.length * 0.8)], all[all.length - 1]];
}

function dumpProblems(d: Dump): string[] {
  // A dump of errors proves nothing: every query must answer 200 except GETs before an entity was known.
  return d.answers.filter((a) => a.status !== 200 && !(a.status === 404 && /^\/v1\/(funds|members)\//.test(a.path))).map((a) => `${a.path} -> ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
}

function firstDifference(a: Dump, b: Dump): string | null {
  const i = a.answers.findIndex((x, j) => !isDeepStrictEqual(x, b.answers[j]));
  return i < 0 ? null : `${a.answers[i].path}\n  before ${JSON.stringify(a.answers[i]).slice(0, 700)}\n  after  ${JSON.stringify(b.answers[i]).slice(0, 700)}`;
}

/** The replay audit over HTTP: started (202) in the server's worker thread, polled until done. */
async function replayAudit(api: Api): Promise<AuditRun> {
  return runAudit(api, TOKENS.auditor);
}

// ---------------------------------------------------------------------------
// After a crash: acknowledged outcomes and their effects

/** Every acknowledged outcome replays unchanged (Idempotent-Replayed for a single command, `replayed` in a batch). */
async function verifyReplays(api: Api, p: Pensions): Promise<string[]> {
  const bad: string[] = [];
  for (const s of p.sent) {
    if (s.batch) {
      const a = await api.post('/v1/batch', { commands: s.commands.map((c) => ({ path: c.path, body: c.body })) }, TOKENS.admin);
      s.results.forEach((r, i) => {
        const again = a.body?.results?.[i];
        if (!again || again.status !== r.status || !isDeepStrictEqual(again.body, r.body) || again.replayed !== true) bad.push(`batch item ${s.commands[i].path}: was ${r.status} ${JSON.stringify(r.body).slice(0, 200)}, now ${JSON.stringify(again).slice(0, 300)}`);
      });
    } else {
      const c = s.commands[0];
      const a = await api.post(c.path, c.body, c.token);
      if (a.status !== s.results[0].status || !isDeepStrictEqual(a.body, s.results[0].body) || a.headers['idempotent-replayed'] !== 'true') {
        bad.push(`${c.path}: was ${s.results[0].status} ${JSON.stringify(s.results[0].body).slice(0, 200)}, now ${a.status} ${a.text.slice(0, 300)}`);
      }
    }
  }
  return bad;
}

/** The events an accepted command must have left, as `kind/id type`. */
function expectedEvents(cmd: Command, r: Record<string, any>): string[] {
  const p = cmd.path;
  if (p === '/v1/funds') return [`fund/${r.fundId} FundLaunched`];
  if (p === '/v1/members') return [`member/${r.memberId} MemberRegistered`];
  if (p.endsWith('/valuations')) return [`fund/${r.fundId} ValuationStruck`];
  if (p.endsWith('/contributions')) return [`member/${r.memberId} MemberContributed`, `fund/${r.fundId} UnitsIssued`];
  if (p.endsWith('/switches')) return [`member/${r.memberId} UnitsSwitched`, `fund/${r.fromFundId} UnitsCancelled`, `fund/${r.toFundId} UnitsIssued`];
  if (p.endsWith('/fees')) return [`fund/${r.fundId} FeeCharged`, ...r.holdings.map((h: { memberId: string }) => `member/${h.memberId} MemberFeeCharged`)];
  if (p.endsWith('/withdrawals')) return [`member/${r.memberId} MemberWithdrew`, `fund/${r.fundId} UnitsRedeemed`];
  throw new Error(`unknown command path ${p}`);
}

/** Each accepted command's events are in the audit trail of every entity it touched; a refused one left none. */
async function verifyEffects(api: Api, p: Pensions): Promise<string[]> {
  const bad: string[] = [];
  const seen = new Map<string, Set<string>>();
  for (const [kind, ids] of [['fund', p.fundIds], ['member', p.memberIds]] as const) {
    for (const id of ids) {
      const a = await api.get(`/v1/audit/entities/${kind}/${id}`, TOKENS.auditor);
      if (a.status !== 200) bad.push(`audit ${kind}/${id} -> ${a.status}`);
      for (const e of a.body?.events ?? []) {
        const set = seen.get(e.commandId) ?? new Set<string>();
        set.add(`${kind}/${id} ${e.type}`);
        seen.set(e.commandId, set);
      }
    }
  }
  for (const o of p.outcomes()) {
    const commandId = String(o.cmd.body.commandId).toLowerCase();
    const found = [...(seen.get(commandId) ?? [])].sort();
    const want = o.status === 201 ? expectedEvents(o.cmd, o.body).sort() : [];
    if (!isDeepStrictEqual(found, want)) bad.push(`${o.cmd.path} (${o.status}) ${commandId}: events ${JSON.stringify(found)}, expected ${JSON.stringify(want)}`);
  }
  return bad;
}

/** Units per member and fund = the acknowledged responses' units, and they add up to each fund's units outstanding. */
async function verifyHoldings(api: Api, p: Pensions): Promise<string[]> {
  const bad: string[] = [];
  const expected = new Map<string, bigint>();
  const add = (key: string, u: bigint) => expected.set(key, (expected.get(key) ?? 0n) + u);
  for (const o of p.outcomes()) {
    if (o.status !== 201) continue;
    const r = o.body;
    if (o.cmd.path.endsWith('/contributions')) add(`${r.memberId}|${r.fundId}`, digits(r.units));
    if (o.cmd.path.endsWith('/withdrawals')) add(`${r.memberId}|${r.fundId}`, -digits(r.units));
    if (o.cmd.path.endsWith('/switches')) {
      add(`${r.memberId}|${r.fromFundId}`, -digits(r.unitsSold));
      add(`${r.memberId}|${r.toFundId}`, digits(r.unitsBought));
    }
    if (o.cmd.path.endsWith('/fees')) for (const h of r.holdings) add(`${h.memberId}|${r.fundId}`, -digits(h.unitsCancelled));
  }
  const asOf = '2026-12-31';
  const perFund = new Map<string, bigint>(p.fundIds.map((f) => [f, 0n]));
  for (const memberId of p.memberIds) {
    const a = await api.get(`/v1/members/${memberId}?asOf=${asOf}`, TOKENS.pensions);
    const got = new Map<string, bigint>(((a.body?.holdings ?? []) as { fundId: string; units: string }[]).map((h) => [h.fundId, digits(h.units)]));
    for (const fundId of p.fundIds) {
      const want = expected.get(`${memberId}|${fundId}`) ?? 0n;
      if ((got.get(fundId) ?? 0n) !== want) bad.push(`member ${memberId} holds ${got.get(fundId) ?? 0n} micro-units of ${fundId}, the acknowledged responses say ${want}`);
      perFund.set(fundId, perFund.get(fundId)! + (got.get(fundId) ?? 0n));
    }
  }
  for (const fundId of p.fundIds) {
    const a = await api.get(`/v1/funds/${fundId}?asOf=${asOf}`, TOKENS['fund-admin']);
    if (digits(a.body?.unitsOutstanding) !== perFund.get(fundId)) bad.push(`fund ${fundId}: ${a.body?.unitsOutstanding} units outstanding, members hold ${perFund.get(fundId)} micro-units`);
  }
  return bad;
}

/** Resends every command whose answer was lost, with the same commandId: its first outcome, or it runs now. */
async function retryUnknown(api: Api, p: Pensions): Promise<number> {
  const lost = p.unknown.splice(0);
  for (const s of lost) if (!(await p.send(api, s.commands, s.batch))) throw new Error('the restarted server went away');
  return lost.reduce((n, s) => n + s.commands.length, 0);
}

// ---------------------------------------------------------------------------

describe('pension state rebuilt from the log', () => {
  let root: string;
  let tokensFile: string;
  let child: ChildServer | undefined;

  beforeAll(() => {
    root = tempDir('pensions-replay-');
    tokensFile = writeTokensFile(root);
  });

  afterAll(async () => {
    await child?.kill('SIGKILL');
    removeDir(root);
  });

  test(`in process: ${COMMANDS} pension commands, then a new server on the same data dir answers every pinned query identically`, async () => {
    const started = Date.now();
    const dataDir = path.join(root, 'in-process');
    const p = new Pensions('', SEED);
    let server: TestServer | undefined = await startInProcess({ dataDir, tokensFile });
    let before: Dump;
    let after: Dump;
    try {
      await p.send(server.api, p.setup(), true);
      await drive(server.api, p, new Rng(SEED), COMMANDS);
      expect(checkOutcomes(p)).toEqual([]);
      before = await dump(server.api, p, pins(p));
      await server.close();
      server = undefined;

      const t0 = Date.now();
      server = await startInProcess({ dataDir, tokensFile });
      const restartMs = Date.now() - t0;
      after = await dump(server.api, p, pins(p));
      const audit = await replayAudit(server.api);
      console.log(
        `pensions-replay in process (seed ${SEED}): ${p.outcomes().length} commands in ${p.sent.length} requests, ${before.answers.length} pinned queries, ` +
          `restart ${restartMs} ms, dump ${before.sha256.slice(0, 16)}, replay audit ${audit.result?.eventsReplayed} events match=${audit.result?.match}, ${Date.now() - started} ms\n  ${tally(p)}`,
      );
      expect(dumpProblems(before)).toEqual([]);
      expect(firstDifference(before, after)).toBeNull();
      expect(after.sha256).toBe(before.sha256);
      expect(audit.started.status).toBe(202);
      expect(audit.audit.status).toBe('done');
      expect(audit.result.match).toBe(true);
    } finally {
      await server?.close();
    }
    // The workload reached switches, fees and the refusals it aims at.
    const t = tally(p);
    for (const k of ['switches:201', 'fees:201', 'withdrawals:201', 'nav_not_published', 'dealing_date_closed', 'insufficient_units', 'currency_mismatch', 'entity_exists', 'contributions:404']) expect(t).toContain(k);
  });

  test('child process SIGKILLed mid-workload: acknowledged commands and their effects survive; two more restarts give the same dump', async () => {
    assertBuilt();
    const started = Date.now();
    const dataDir = path.join(root, 'child');
    const p = new Pensions('K-', SEED ^ 0x51c1);
    child = await startChild({ dataDir, tokensFile });
    await p.send(child.api, p.setup(), true);
    await drive(child.api, p, new Rng(SEED + 1), 80);

    // Three clients, then SIGKILL while they are sending.
    const stop = { stopped: false };
    const clients = [1, 2, 3].map((i) => drive(child!.api, p, new Rng(SEED + 10 * i), 100_000, stop));
    await sleep(1200);
    stop.stopped = true;
    const killed = child.kill('SIGKILL');
    await Promise.all([...clients, killed]);
    const exit = await child.exited;
    // If it died on its own, show why.
    expect({ ...exit, output: exit.signal === 'SIGKILL' ? '' : child.output().slice(-3000) }).toEqual({ code: null, signal: 'SIGKILL', output: '' });
    const inFlight = p.unknown.reduce((n, s) => n + s.commands.length, 0);

    child = await startChild({ dataDir, tokensFile });
    const retried = await retryUnknown(child.api, p);
    expect(checkOutcomes(p)).toEqual([]);
    expect(await verifyReplays(child.api, p)).toEqual([]);
    expect(await verifyEffects(child.api, p)).toEqual([]);
    expect(await verifyHoldings(child.api, p)).toEqual([]);
    const first = await dump(child.api, p, pins(p));
    expect(dumpProblems(first)).toEqual([]);

    // Two consecutive restarts, SIGKILL while idle then SIGTERM: the same answers.
    const dumps: Dump[] = [];
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      await child.kill(signal);
      child = await startChild({ dataDir, tokensFile });
      dumps.push(await dump(child.api, p, pins(p)));
    }
    const audit = await replayAudit(child.api);
    console.log(
      `pensions-replay child (seed ${SEED}): ${p.outcomes().length} commands acknowledged, ${inFlight} in flight at SIGKILL (${retried} retried), ` +
        `${first.answers.length} pinned queries, dumps ${[first, ...dumps].map((d) => d.sha256.slice(0, 12)).join(' ')}, replay audit match=${audit.result?.match}, ${Date.now() - started} ms\n  ${tally(p)}`,
    );
    for (const d of dumps) {
      expect(firstDifference(first, d)).toBeNull();
      expect(d.sha256).toBe(first.sha256);
    }
    expect(audit.started.status).toBe(202);
    expect(audit.result?.match).toBe(true);
  });
});
