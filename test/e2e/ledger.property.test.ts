// Properties of the ledger over random valid command sequences (fast-check,
// seeded), driven through the REAL API: one in-process server per run on a
// fresh WAL in a temp dir, commands and queries over HTTP with a token per
// role, and, once the server is closed, the log itself read back.
//
// Why the API and not the deciders + Projections directly: the period close
// (its earned-premium true-up and the booking watermark), the command
// pipeline (locks, rejections recorded, stamping) and the report handlers
// live in the app, and the properties are about what a user of the API sees.
// A run costs ~0.1-0.3 s, so 25 runs stay well under 30 s.
//
// A run: 1-4 policies bound (some later, after period closes: late business
// lands in the first open month), then endorsements (+/-), payments,
// cancellations (pro-rata, short-rate), claims with reserve changes, payments,
// recoveries, closes and reopens, reversals of payments and recoveries, and
// month closes, in random order. Commands the domain refuses
// (422, 404, 409) are part of the sequence; a 400 or a 5xx is a failure (the
// generator only makes well-formed commands). Then, at random (asOf, knownAt)
// pairs and (from, to, basis, knownAt):
//   - every journal entry in the log balances per currency, in total and on
//     each date its lines are effective; each line is a debit or a credit
//     >= 0, dated no earlier than its event;
//   - the trial balance balances (in total and per currency), its totals add
//     up its lines, and it equals a trial balance recomputed from the log's
//     journal lines (line date <= asOf, recordedAt <= knownAt);
//   - premium report: earned = written + openingUnearned - closingUnearned on
//     every line, in totals and in totalsByCurrency; unearned >= 0;
//   - claims report: closing = opening + new + changes - paid, incurred =
//     paid + closing - opening - recoveries, everywhere; reserves, new
//     reserves, paid, recoveries >= 0; totals (from the report series) = the
//     sum of the lines (from the claims' folded histories);
//   - quarters of a year add up exactly to the year (written, earned, per
//     policy and in totals), and chain (Q closing unearned = next Q opening);
//   - GET policy: written = earned + unearned, none negative, received >= 0;
//     restated closing unearned of a report = GET policy unearned at the end
//     of `to` (same knownAt); GET claim: incurred = paid + reserve -
//     recoveries, none < 0, recoveries <= paid;
//   - a closed month's booked premium and claims figures, read at the close,
//     are the same at the end of the run; GET /v1/periods/{M} says closed;
//   - bookingPeriod of every event in the log = its effective month, or the
//     first open month when that month was closed at record time;
//   - the audit trail of every policy and claim = its events in the log, in
//     record order, with the actor of the token that sent them;
//   - /v1/batch = the same commands sent alone: the same commands replayed in
//     1-3 batches on a second, fresh ledger give the same statuses and bodies
//     (less recordedAt/closedAt) and the same reports and trial balances.
// A second test pins a bug the property found (fixed in 0b3044a: journal lines
// may carry their own date): the written-premium and UPR accounts of the
// general ledger were a cent off the policy's figures between the effective
// dates of endorsements recorded out of valid-time order.
//
// LEDGER_PROPERTY_SEED, LEDGER_PROPERTY_RUNS replay or widen it.
import * as path from 'node:path';
import fc from 'fast-check';
import type { CommandRecord } from '@app/event-store';

import { type Answer, type Api, type InProcessServer, CommandIds, Rng, TOKENS, addDays, cents, money, qs, readLogRecords, removeDir, startInProcess, tempDir, writeTokensFile } from './support';
import { controlOf, splitLedger, type AccountLine } from './trial-balance';

const SEED = Number(process.env.LEDGER_PROPERTY_SEED ?? 424242);
const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 25);

jest.setTimeout(Math.max(90_000, RUNS * 4_000));

// ---------------------------------------------------------------------------
// Scripts

interface PolicyGen {
  startDay: number;
  days: number;
  premium: number;
  currency: string;
}

type Step =
  | { kind: 'bind'; policy: PolicyGen }
  | { kind: 'endorse'; p: number; at: number; cents: number }
  | { kind: 'cancel'; p: number; at: number; factor: number | null }
  | { kind: 'pay'; p: number; offset: number; cents: number }
  | { kind: 'open'; p: number; at: number; lag: number; reserve: number }
  | { kind: 'reserve'; c: number; lag: number; cents: number }
  | { kind: 'pay-claim'; c: number; lag: number; cents: number }
  | { kind: 'close-claim'; c: number; lag: number }
  | { kind: 'recover-claim'; c: number; lag: number; cents: number; salvage: boolean }
  | { kind: 'reopen-claim'; c: number; lag: number; cents: number }
  | { kind: 'close-period'; month: number }
  /** Reverses the pick-th premium payment, claim payment or recovery accepted so far (any of them, reversed already or not). */
  | { kind: 'reverse'; pick: number };

interface Script {
  seed: number;
  first: PolicyGen;
  steps: Step[];
}

const policyGen: fc.Arbitrary<PolicyGen> = fc.record({
  startDay: fc.integer({ min: 0, max: 540 }),
  days: fc.constantFrom(30, 90, 181, 365, 366, 500, 730),
  premium: fc.oneof(fc.integer({ min: 0, max: 5_000_000 }), fc.constantFrom(0, 1, 99, 36_500, 100_001)),
  currency: fc.constantFrom('EUR', 'EUR', 'USD'),
});

/** Positions in a term are per mille (a little outside it on purpose). */
const at = fc.integer({ min: -20, max: 1020 });
const nonZero = (min: number, max: number) => fc.integer({ min, max }).filter((c) => c !== 0);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bind' as const), policy: policyGen }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('endorse' as const), p: fc.nat(), at, cents: nonZero(-3_000_000, 3_000_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), p: fc.nat(), at, factor: fc.option(fc.integer({ min: 1, max: 1_000_000 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), p: fc.nat(), offset: fc.integer({ min: -40, max: 800 }), cents: fc.integer({ min: 1, max: 3_000_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('open' as const), p: fc.nat(), at, lag: fc.integer({ min: 0, max: 60 }), reserve: fc.integer({ min: 0, max: 2_000_000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), c: fc.nat(), lag: fc.integer({ min: -5, max: 40 }), cents: nonZero(-1_500_000, 2_000_000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay-claim' as const), c: fc.nat(), lag: fc.integer({ min: 0, max: 40 }), cents: fc.integer({ min: 1, max: 1_500_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close-claim' as const), c: fc.nat(), lag: fc.integer({ min: 0, max: 30 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('recover-claim' as const), c: fc.nat(), lag: fc.integer({ min: -5, max: 60 }), cents: fc.integer({ min: 1, max: 150_000 }), salvage: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen-claim' as const), c: fc.nat(), lag: fc.integer({ min: -3, max: 40 }), cents: fc.integer({ min: 0, max: 1_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
  // Months 2025-01 .. 2026-10: all in the past (the close happens "now").
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close-period' as const), month: fc.integer({ min: 0, max: 21 }) }) },
);

const scriptArb: fc.Arbitrary<Script> = fc.record({
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  first: policyGen,
  steps: fc.array(stepArb, { minLength: 8, maxLength: 45, size: 'max' }),
});

/** Month `index` counted from 2025-01 (negative: before it). */
function monthOf(index: number): string {
  const y = 2025 + Math.floor(index / 12);
  const mo = ((index % 12) + 12) % 12;
  return `${y}-${String(mo + 1).padStart(2, '0')}`;
}

function lastDay(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------
// Driving one run

interface BoundPolicy {
  id: string;
  start: string;
  end: string;
  days: number;
}

interface OpenClaim {
  id: string;
  last: string;
  /** Closed by the last accepted close or reopen (reopens pick among these, so that most are acceptable). */
  closed: boolean;
  /** Cents paid and recovered by accepted commands (recoveries pick a claim with something left to recover). */
  paid: number;
  recovered: number;
}

interface RunLog {
  /** Every command sent, in order, with its outcome (replayed through /v1/batch on a second ledger). */
  sent: { path: string; body: Record<string, unknown>; status: number; response: unknown }[];
  statuses: Map<string, number>;
  recordedAts: string[];
  closes: { through: string; closedAt: string }[];
  policies: BoundPolicy[];
  claims: OpenClaim[];
  /** Accepted premium payments, claim payments and recoveries: what a reversal may pick (and the area whose role sent it). */
  reversible: { commandId: string; area: string }[];
  failures: string[];
}

const TOKEN_OF: Record<string, string> = { policies: TOKENS.underwriter, claims: TOKENS.claims, periods: TOKENS.finance };
/** The commands a reversal may undo, by the kind the script names them. */
const REVERSIBLE_KINDS: Record<string, string> = { pay: 'policies', 'pay-claim': 'claims', 'recover-claim': 'claims' };

async function runScript(api: Api, script: Script, runId: number): Promise<RunLog> {
  const log: RunLog = { sent: [], statuses: new Map(), recordedAts: [], closes: [], policies: [], claims: [], reversible: [], failures: [] };
  const ids = new CommandIds(script.seed);
  let policyN = 0;
  let claimN = 0;

  const send = async (area: string, path: string, body: Record<string, unknown>, kind: string): Promise<Answer> => {
    const full = { commandId: ids.next(), ...body };
    const a = await api.post(path, full, TOKEN_OF[area]);
    log.sent.push({ path, body: full, status: a.status, response: a.body });
    const key = `${kind}:${a.status}${a.status >= 400 ? `:${a.body?.code}` : ''}`;
    log.statuses.set(key, (log.statuses.get(key) ?? 0) + 1);
    if (a.status === 400 || a.status >= 500 || ![201, 404, 409, 422].includes(a.status)) {
      log.failures.push(`${kind} ${path} ${JSON.stringify(body)} -> ${a.status} ${a.text.slice(0, 300)}`);
    }
    if (a.status === 201) {
      if (typeof a.body?.recordedAt !== 'string') log.failures.push(`${kind}: 201 without recordedAt`);
      else log.recordedAts.push(a.body.recordedAt);
      if (REVERSIBLE_KINDS[kind] !== undefined) log.reversible.push({ commandId: full.commandId, area: REVERSIBLE_KINDS[kind] });
    }
    return a;
  };

  const bind = async (g: PolicyGen): Promise<void> => {
    const id = `R${runId}-P${++policyN}`;
    const start = addDays('2025-01-01', g.startDay);
    const end = addDays(start, g.days);
    const a = await send('policies', '/v1/policies', { policyId: id, currency: g.currency, holder: { name: `Holder ${id}` }, term: { start, end }, premium: money(g.premium) }, 'bind');
    if (a.status === 201) log.policies.push({ id, start, end, days: g.days });
  };
  const dateIn = (p: BoundPolicy, perMille: number): string => addDays(p.start, Math.floor((perMille * p.days) / 1000));

  await bind(script.first);
  for (const step of script.steps) {
    const p = log.policies.length > 0 && 'p' in step ? log.policies[step.p % log.policies.length] : undefined;
    const c = log.claims.length > 0 && 'c' in step ? log.claims[step.c % log.claims.length] : undefined;
    switch (step.kind) {
      case 'bind':
        await bind(step.policy);
        break;
      case 'endorse':
        if (p) await send('policies', `/v1/policies/${p.id}/endorsements`, { effectiveDate: dateIn(p, step.at), annualPremiumChange: money(step.cents) }, 'endorse');
        break;
      case 'cancel':
        if (p) {
          const body: Record<string, unknown> = { effectiveDate: dateIn(p, step.at), method: step.factor === null ? 'pro-rata' : 'short-rate' };
          if (step.factor !== null && step.factor !== 900_000) body.shortRateFactor = (step.factor / 1_000_000).toFixed(6);
          await send('policies', `/v1/policies/${p.id}/cancellation`, body, 'cancel');
        }
        break;
      case 'pay':
        if (p) await send('policies', `/v1/policies/${p.id}/payments`, { amount: money(step.cents), receivedDate: addDays(p.start, step.offset) }, 'pay');
        break;
      case 'open':
        if (p) {
          const id = `R${runId}-C${++claimN}`;
          const loss = dateIn(p, step.at);
          const reported = addDays(loss, step.lag);
          const a = await send('claims', '/v1/claims', { claimId: id, policyId: p.id, lossDate: loss, reportedDate: reported, initialReserve: money(step.reserve) }, 'open');
          if (a.status === 201) log.claims.push({ id, last: reported, closed: false, paid: 0, recovered: 0 });
        }
        break;
      case 'reserve':
        if (c) {
          const date = addDays(c.last, step.lag);
          const a = await send('claims', `/v1/claims/${c.id}/reserve`, { effectiveDate: date, change: money(step.cents) }, 'reserve');
          if (a.status === 201 && date > c.last) c.last = date;
        }
        break;
      case 'pay-claim':
        if (c) {
          const date = addDays(c.last, step.lag);
          const a = await send('claims', `/v1/claims/${c.id}/payments`, { effectiveDate: date, amount: money(step.cents) }, 'pay-claim');
          if (a.status === 201) {
            c.last = date;
            c.paid += step.cents;
          }
        }
        break;
      case 'close-claim':
        if (c) {
          const date = addDays(c.last, step.lag);
          const a = await send('claims', `/v1/claims/${c.id}/close`, { effectiveDate: date }, 'close-claim');
          if (a.status === 201) {
            c.last = date;
            c.closed = true;
          }
        }
        break;
      case 'recover-claim': {
        // Mostly a claim with something paid and not yet recovered, for at most that (some are refused all the same: dated early).
        const open = log.claims.filter((x) => x.paid > x.recovered);
        const r = open.length > 0 ? open[step.c % open.length] : c;
        if (r) {
          const amount = r.paid > r.recovered ? 1 + (step.cents % (r.paid - r.recovered)) : step.cents;
          const body = { effectiveDate: addDays(r.last, step.lag), amount: money(amount), kind: step.salvage ? 'salvage' : 'subrogation' };
          const a = await send('claims', `/v1/claims/${r.id}/recoveries`, body, 'recover-claim');
          if (a.status === 201) r.recovered += amount;
        }
        break;
      }
      case 'reopen-claim': {
        const closed = log.claims.filter((x) => x.closed);
        const r = closed.length > 0 ? closed[step.c % closed.length] : c;
        if (r) {
          const date = addDays(r.last, step.lag);
          const a = await send('claims', `/v1/claims/${r.id}/reopen`, { effectiveDate: date, reserve: money(step.cents) }, 'reopen-claim');
          if (a.status === 201) {
            r.last = date;
            r.closed = false;
          }
        }
        break;
      }
      case 'reverse': {
        // Refused as often as not (already reversed; a payment of a closed claim; recoveries above paid): part of the sequence.
        if (log.reversible.length === 0) break;
        const target = log.reversible[step.pick % log.reversible.length];
        await send(target.area, '/v1/reversals', { reversesCommandId: target.commandId, reason: 'property' }, 'reverse');
        break;
      }
      case 'close-period': {
        const through = monthOf(step.month);
        const a = await send('periods', `/v1/periods/${through}/close`, {}, 'close-period');
        if (a.status === 201) {
          if (typeof a.body?.closedAt !== 'string') log.failures.push(`close ${through}: no closedAt in ${a.text}`);
          else log.closes.push({ through, closedAt: a.body.closedAt });
        }
        break;
      }
    }
  }
  return log;
}

// ---------------------------------------------------------------------------
// Checks

type Money = bigint;
const m = (s: unknown): Money => cents(String(s));

interface Failure {
  what: string;
  detail: unknown;
}

class Checker {
  readonly failures: Failure[] = [];
  /** General ledger vs policy figures (reported by their own test below). */
  readonly ledgerMismatches: Failure[] = [];
  requests = 0;
  /** Identities and bounds evaluated (so a vacuous run shows). */
  checks = 0;

  constructor(
    private readonly api: Api,
    readonly rng: Rng,
  ) {}

  fail(what: string, detail: unknown): void {
    this.failures.push({ what, detail });
  }

  async get(path: string, token = TOKENS.auditor): Promise<Answer> {
    this.requests++;
    const a = await this.api.get(path, token);
    if (a.status !== 200) this.fail(`GET ${path} -> ${a.status}`, a.text.slice(0, 300));
    return a;
  }

  /** An entity as known at some knownAt: a 404 before its creation is right (undefined). */
  async getKnown(path: string): Promise<Answer | undefined> {
    this.requests++;
    const a = await this.api.get(path, TOKENS.auditor);
    if (a.status === 404) return undefined;
    if (a.status !== 200) this.fail(`GET ${path} -> ${a.status}`, a.text.slice(0, 300));
    return a.status === 200 ? a : undefined;
  }
}

function premiumIdentity(ch: Checker, where: string, x: Record<string, string>): void {
  ch.checks++;
  const ok = m(x.earned) === m(x.written) + m(x.openingUnearned) - m(x.closingUnearned);
  if (!ok) ch.fail(`premium identity ${where}`, x);
  if (m(x.openingUnearned) < 0n || m(x.closingUnearned) < 0n) ch.fail(`negative unearned ${where}`, x);
}

function claimsIdentity(ch: Checker, where: string, x: Record<string, string>): void {
  ch.checks++;
  if (m(x.closingReserve) !== m(x.openingReserve) + m(x.newReserves) + m(x.reserveChanges) - m(x.paid)) ch.fail(`claims closing identity ${where}`, x);
  if (m(x.incurred) !== m(x.paid) + m(x.closingReserve) - m(x.openingReserve) - m(x.recoveries)) ch.fail(`claims incurred identity ${where}`, x);
  for (const k of ['openingReserve', 'closingReserve', 'newReserves', 'paid', 'recoveries']) if (m(x[k]) < 0n) ch.fail(`negative ${k} ${where}`, x);
}

async function premiumReport(ch: Checker, from: string, to: string, basis: string, knownAt?: string) {
  const a = await ch.get(`/v1/reports/premiums${qs({ from, to, basis, knownAt })}`);
  const where = `premiums ${from}..${to} ${basis} @${knownAt ?? 'now'}`;
  if (a.status !== 200) return undefined;
  premiumIdentity(ch, `${where} totals`, a.body.totals);
  for (const t of a.body.totalsByCurrency ?? []) premiumIdentity(ch, `${where} ${t.currency}`, t);
  for (const line of a.body.policies) premiumIdentity(ch, `${where} ${line.policyId}`, line);
  const sum = (k: string) => (a.body.policies as Record<string, string>[]).reduce((s, l) => s + m(l[k]), 0n);
  for (const k of ['written', 'earned', 'openingUnearned', 'closingUnearned']) if (sum(k) !== m(a.body.totals[k])) ch.fail(`${where}: totals.${k} is not the sum of the lines`, a.body.totals);
  return a.body as { totals: Record<string, string>; policies: (Record<string, string> & { policyId: string })[] };
}

async function claimsReport(ch: Checker, from: string, to: string, basis: string, knownAt?: string) {
  const a = await ch.get(`/v1/reports/claims${qs({ from, to, basis, knownAt })}`);
  const where = `claims ${from}..${to} ${basis} @${knownAt ?? 'now'}`;
  if (a.status !== 200) return undefined;
  claimsIdentity(ch, `${where} totals`, a.body.totals);
  for (const t of a.body.totalsByCurrency ?? []) claimsIdentity(ch, `${where} ${t.currency}`, t);
  for (const line of a.body.claims) claimsIdentity(ch, `${where} ${line.claimId}`, line);
  // Totals come from the report series, lines from each claim's folded history: they must agree.
  const sum = (k: string) => (a.body.claims as Record<string, string>[]).reduce((s, l) => s + m(l[k]), 0n);
  for (const k of ['openingReserve', 'newReserves', 'reserveChanges', 'paid', 'recoveries', 'closingReserve', 'incurred']) {
    if (sum(k) !== m(a.body.totals[k])) ch.fail(`${where}: totals.${k} is not the sum of the lines`, a.body.totals);
  }
  return a.body as { totals: Record<string, string>; claims: (Record<string, string> & { claimId: string })[] };
}

type ServedTrialBalance = { accounts: AccountLine[]; subledger: AccountLine[]; totals: { debit: string; credit: string } };

/** Net credit (credit - debit) of an account in a served trial balance (a control account or a subledger line); 0 when absent. */
function creditOf(tb: ServedTrialBalance, account: string): Money {
  const line = tb.accounts.find((l) => l.account === account) ?? tb.subledger.find((l) => l.account === account);
  return line ? m(line.credit) - m(line.debit) : 0n;
}

/**
 * The general ledger agrees with the policies' figures at the same (asOf, knownAt): each
 * policy's written-premium account holds its written premium; with `upr`, each currency's
 * UPR account (a portfolio account, upr:<CUR>) holds the sum of the unearned premium of the
 * currency's policies, to the cent (only where every month through asOf has been trued up).
 */
async function ledgerMatchesPolicies(ch: Checker, log: RunLog, tb: ServedTrialBalance, asOf: string, knownAt: string, upr: boolean): Promise<void> {
  const unearned = new Map<string, Money>();
  for (const p of log.policies) {
    const g = await ch.getKnown(`/v1/policies/${p.id}${qs({ asOf, knownAt })}`);
    if (!g) continue;
    ch.checks++;
    const cur = g.body.currency as string;
    const written = creditOf(tb, `written-premium:${cur}:policy/${p.id}`);
    if (written !== m(g.body.written)) ch.ledgerMismatches.push({ what: `ledger written premium of ${p.id} at ${asOf} @${knownAt} is ${money(Number(written))}, the policy says ${g.body.written}`, detail: g.body });
    unearned.set(cur, (unearned.get(cur) ?? 0n) + m(g.body.unearned));
  }
  if (!upr) return;
  const currencies = new Set(unearned.keys());
  for (const line of tb.accounts) {
    if (!line.account.startsWith('upr:')) continue;
    const cur = line.account.slice('upr:'.length);
    if (!/^[A-Z]{3}$/.test(cur)) ch.ledgerMismatches.push({ what: `UPR account ${line.account} at ${asOf} @${knownAt} is not a per-currency account`, detail: line });
    currencies.add(cur);
  }
  for (const cur of currencies) {
    ch.checks++;
    const held = creditOf(tb, `upr:${cur}`);
    const expected = unearned.get(cur) ?? 0n;
    if (held !== expected) ch.ledgerMismatches.push({ what: `UPR:${cur} at close (${asOf} @${knownAt}) is ${money(Number(held))}, the sum of its policies' unearned is ${money(Number(expected))}`, detail: { currency: cur } });
  }
}

/** A random system time: an acknowledged instant, just before one, or "now" (undefined). */
function pickKnownAt(rng: Rng, log: RunLog): string | undefined {
  if (log.recordedAts.length === 0 || rng.chance(0.2)) return undefined;
  const t = rng.pick(log.recordedAts);
  if (!rng.chance(0.3)) return t;
  // One nanosecond earlier: the event at t is not known yet.
  const ns = BigInt(t.slice(20, 29)) - 1n;
  return ns >= 0n ? `${t.slice(0, 20)}${ns.toString().padStart(9, '0')}Z` : t;
}

function pickDate(rng: Rng, log: RunLog): string {
  const candidates = ['2024-12-31', '2025-06-30', '2025-12-31', '2026-03-31', '2026-12-31', '2027-12-31', '2028-12-31'];
  for (const p of log.policies) candidates.push(p.start, p.end, addDays(p.end, -1), addDays(p.start, Math.floor(p.days / 2)));
  const d = rng.pick(candidates);
  return rng.chance(0.3) ? addDays(d, rng.int(-40, 40)) : d;
}

function pickPeriod(rng: Rng): string {
  return monthOf(rng.int(-6, 40));
}

interface AuditAnswer {
  kind: string;
  id: string;
  events: Record<string, unknown>[];
}

async function checkRun(api: Api, log: RunLog, seed: number): Promise<{ ch: Checker; trialBalances: { asOf: string; knownAt?: string; body: unknown }[]; audits: AuditAnswer[] }> {
  const ch = new Checker(api, new Rng(seed));
  const { rng } = ch;
  const trialBalances: { asOf: string; knownAt?: string; body: unknown }[] = [];
  const audits: AuditAnswer[] = [];
  for (const [kind, id] of [...log.policies.map((p) => ['policy', p.id]), ...log.claims.map((c) => ['claim', c.id])]) {
    const a = await ch.get(`/v1/audit/entities/${kind}/${id}`);
    if (a.status === 200) audits.push({ kind, id, events: a.body.events });
  }

  // Trial balance at random (asOf, knownAt).
  for (let i = 0; i < 6; i++) {
    const asOf = pickDate(rng, log);
    const knownAt = pickKnownAt(rng, log);
    const a = await ch.get(`/v1/reports/trial-balance${qs({ asOf, knownAt })}`);
    if (a.status !== 200) continue;
    const tb = a.body as ServedTrialBalance;
    const where = `trial balance ${asOf} @${knownAt ?? 'now'}`;
    if (m(tb.totals.debit) !== m(tb.totals.credit)) ch.fail(`${where}: debit != credit`, tb.totals);
    const perCurrency = new Map<string, bigint>();
    let debit = 0n;
    let credit = 0n;
    for (const l of [...tb.accounts, ...tb.subledger]) {
      if (m(l.debit) < 0n || m(l.credit) < 0n || (m(l.debit) !== 0n && m(l.credit) !== 0n)) ch.fail(`${where}: line ${l.account}`, l);
    }
    for (const l of tb.accounts) {
      debit += m(l.debit);
      credit += m(l.credit);
      const currency = l.account.split(':')[1];
      perCurrency.set(currency, (perCurrency.get(currency) ?? 0n) + m(l.debit) - m(l.credit));
    }
    if (debit !== m(tb.totals.debit) || credit !== m(tb.totals.credit)) ch.fail(`${where}: totals are not the sum of the lines`, tb.totals);
    for (const [currency, net] of perCurrency) if (net !== 0n) ch.fail(`${where}: ${currency} does not balance (${net})`, tb);
    // The subledger sums to its control accounts, to the cent.
    const bySubledger = new Map<string, bigint>();
    for (const l of tb.subledger) bySubledger.set(controlOf(l.account), (bySubledger.get(controlOf(l.account)) ?? 0n) + m(l.debit) - m(l.credit));
    for (const [control, net] of bySubledger) if (net !== creditOf(tb, control) * -1n) ch.fail(`${where}: the subledger of ${control} sums to ${net}, not to its control account`, tb);
    trialBalances.push({ asOf, knownAt: knownAt ?? (a.body.knownAt as string), body: tb });
    await ledgerMatchesPolicies(ch, log, tb, asOf, a.body.knownAt as string, false);
  }

  // At each close: the books cut at (last day of the month, closedAt) hold, in each currency's
  // UPR account, the sum of its policies' unearned premium (written, less the true-ups posted by the closes).
  for (const close of log.closes) {
    const asOf = lastDay(close.through);
    const a = await ch.get(`/v1/reports/trial-balance${qs({ asOf, knownAt: close.closedAt })}`);
    if (a.status === 200) await ledgerMatchesPolicies(ch, log, a.body, asOf, close.closedAt, true);
  }

  // Premium and claims reports at random (from, to, basis, knownAt).
  for (let i = 0; i < 5; i++) {
    let from = pickPeriod(rng);
    let to = pickPeriod(rng);
    if (from > to) [from, to] = [to, from];
    const basis = rng.pick(['booked', 'restated']);
    const knownAt = pickKnownAt(rng, log);
    const prem = await premiumReport(ch, from, to, basis, knownAt);
    await claimsReport(ch, from, to, basis, knownAt);
    // Restated closing unearned of each policy = its unearned valid at the end of `to`, known at the same time.
    if (prem && basis === 'restated' && prem.policies.length > 0) {
      const line = rng.pick(prem.policies);
      const knownAtEcho = (prem as unknown as { knownAt: string }).knownAt;
      const g = await ch.get(`/v1/policies/${line.policyId}${qs({ asOf: lastDay(to), knownAt: knownAtEcho })}`);
      if (g.status === 200 && m(g.body.unearned) !== m(line.closingUnearned)) ch.fail(`restated closing unearned of ${line.policyId} at ${to} != GET policy unearned`, { line, policy: g.body });
    }
  }

  // Quarters add up to the year, and chain.
  for (let i = 0; i < 2; i++) {
    const year = rng.pick([2025, 2026, 2027]);
    const basis = rng.pick(['booked', 'restated']);
    const knownAt = pickKnownAt(rng, log);
    const whole = await premiumReport(ch, `${year}-01`, `${year}-12`, basis, knownAt);
    const quarters = [];
    for (const q of [1, 4, 7, 10]) quarters.push(await premiumReport(ch, `${year}-${String(q).padStart(2, '0')}`, `${year}-${String(q + 2).padStart(2, '0')}`, basis, knownAt));
    if (!whole || quarters.some((q) => !q)) continue;
    const where = `${year} ${basis} @${knownAt ?? 'now'}`;
    ch.checks += whole.policies.length;
    for (const k of ['written', 'earned']) {
      const sum = quarters.reduce((s, q) => s + m(q!.totals[k]), 0n);
      if (sum !== m(whole.totals[k])) ch.fail(`quarters' ${k} != year's ${where}`, { year: whole.totals[k], quarters: quarters.map((q) => q!.totals[k]) });
    }
    const line = (report: typeof whole, id: string) => report.policies.find((l) => l.policyId === id);
    for (const pl of whole.policies) {
      for (const k of ['written', 'earned']) {
        const sum = quarters.reduce((s, q) => s + m(line(q!, pl.policyId)?.[k] ?? '0.00'), 0n);
        if (sum !== m(pl[k])) ch.fail(`quarters' ${k} != year's for ${pl.policyId} ${where}`, { year: pl, quarters: quarters.map((q) => line(q!, pl.policyId)) });
      }
      if (m(line(quarters[0]!, pl.policyId)?.openingUnearned ?? '0.00') !== m(pl.openingUnearned)) ch.fail(`Q1 opening != year opening for ${pl.policyId} ${where}`, pl);
      if (m(line(quarters[3]!, pl.policyId)?.closingUnearned ?? '0.00') !== m(pl.closingUnearned)) ch.fail(`Q4 closing != year closing for ${pl.policyId} ${where}`, pl);
      for (let q = 0; q < 3; q++) {
        const a = m(line(quarters[q]!, pl.policyId)?.closingUnearned ?? '0.00');
        const b = m(line(quarters[q + 1]!, pl.policyId)?.openingUnearned ?? '0.00');
        if (a !== b) ch.fail(`Q${q + 1} closing != Q${q + 2} opening for ${pl.policyId} ${where}`, { a, b });
      }
    }
  }

  // Policies and claims at random (asOf, knownAt).
  for (const p of log.policies) {
    for (let i = 0; i < 2; i++) {
      const asOf = pickDate(rng, log);
      const knownAt = pickKnownAt(rng, log);
      const a = await ch.getKnown(`/v1/policies/${p.id}${qs({ asOf, knownAt })}`);
      if (!a) continue;
      const b = a.body;
      const where = `policy ${p.id} ${asOf} @${knownAt ?? 'now'}`;
      ch.checks++;
      if (m(b.written) !== m(b.earned) + m(b.unearned)) ch.fail(`${where}: written != earned + unearned`, b);
      for (const k of ['written', 'earned', 'unearned', 'received']) if (m(b[k]) < 0n) ch.fail(`${where}: ${k} < 0`, b);
    }
  }
  for (const c of log.claims) {
    const asOf = pickDate(rng, log);
    const knownAt = pickKnownAt(rng, log);
    const a = await ch.getKnown(`/v1/claims/${c.id}${qs({ asOf, knownAt })}`);
    if (!a) continue;
    const b = a.body;
    const where = `claim ${c.id} ${asOf} @${knownAt ?? 'now'}`;
    ch.checks++;
    if (m(b.incurred) !== m(b.paid) + m(b.reserve) - m(b.recoveries)) ch.fail(`${where}: incurred != paid + reserve - recoveries`, b);
    for (const k of ['reserve', 'paid', 'recoveries', 'incurred']) if (m(b[k]) < 0n) ch.fail(`${where}: ${k} < 0`, b);
    if (m(b.recoveries) > m(b.paid)) ch.fail(`${where}: recoveries > paid`, b);
  }

  // A closed month's booked figures, read at the close, never change.
  for (const close of log.closes.slice(-3)) {
    const month = rng.chance(0.5) ? close.through : previousPeriod(close.through);
    for (const report of ['premiums', 'claims']) {
      const q = (knownAt?: string) => `/v1/reports/${report}${qs({ from: month, to: month, basis: 'booked', knownAt })}`;
      const atClose = await ch.get(q(close.closedAt));
      const later = await ch.get(q());
      if (atClose.status === 200 && later.status === 200) {
        const strip = (b: Record<string, unknown>) => ({ ...b, knownAt: undefined });
        if (JSON.stringify(strip(atClose.body)) !== JSON.stringify(strip(later.body))) {
          ch.fail(`booked ${report} of closed ${month} changed after its close at ${close.closedAt}`, { atClose: atClose.body.totals, later: later.body.totals });
        }
      }
    }
    const period = await ch.get(`/v1/periods/${close.through}`, TOKENS.finance);
    if (period.status === 200 && (period.body.status !== 'closed' || typeof period.body.closedAt !== 'string')) ch.fail(`period ${close.through} not closed`, period.body);
  }
  return { ch, trialBalances, audits };
}

// ---------------------------------------------------------------------------
// The log, read back

function checkJournals(ch: Checker, records: CommandRecord[]): number {
  let entries = 0;
  for (const r of records) {
    if (r.status !== 201 && r.events.length > 0) ch.fail(`a ${r.status} outcome carries events`, r);
    for (const e of r.events) {
      entries++;
      // Per currency, and per currency on each date its lines are effective (a line may carry its
      // own date, on or after its event's): a trial balance cut at any asOf balances.
      const net = new Map<string, bigint>();
      for (const l of e.journal.lines) {
        const d = m(l.debit);
        const c = m(l.credit);
        const date = lineDate(l, e.effectiveDate);
        if (d < 0n || c < 0n || (d !== 0n && c !== 0n)) ch.fail(`journal line of ${e.type} ${e.entity.kind}/${e.entity.id} is neither a debit nor a credit`, l);
        if (l.account.split(':')[1] !== l.currency) ch.fail(`account ${l.account} is not namespaced by its currency ${l.currency}`, l);
        if (date < e.effectiveDate) ch.fail(`journal line of ${e.type} dated ${date}, before its event (${e.effectiveDate})`, l);
        net.set(`${l.currency} (all dates)`, (net.get(`${l.currency} (all dates)`) ?? 0n) + d - c);
        net.set(`${l.currency} on ${date}`, (net.get(`${l.currency} on ${date}`) ?? 0n) + d - c);
      }
      for (const [key, v] of net) if (v !== 0n) ch.fail(`${e.type} ${e.entity.kind}/${e.entity.id} at ${e.recordedAt} does not balance in ${key}: ${v}`, e.journal);
    }
  }
  return entries;
}

/** The audit trail served = the entity's events in the log, in record order, with the actor of the token that sent them. */
function checkAudits(ch: Checker, records: CommandRecord[], audits: AuditAnswer[]): void {
  const ACTORS: Record<string, string> = { policy: 'underwriter-e2e', claim: 'claims-e2e' };
  for (const audit of audits) {
    const events = records.flatMap((r) => r.events).filter((e) => e.entity.kind === audit.kind && e.entity.id === audit.id);
    const pick = (e: Record<string, unknown>) => ({ commandId: e.commandId, type: e.type, effectiveDate: e.effectiveDate, recordedAt: e.recordedAt, bookingPeriod: e.bookingPeriod, actor: e.actor, journal: e.journal });
    const fromLog = events.map((e) => pick(e as unknown as Record<string, unknown>));
    const served = audit.events.map(pick);
    ch.checks++;
    if (JSON.stringify(served) !== JSON.stringify(fromLog)) ch.fail(`audit trail of ${audit.kind}/${audit.id} differs from the log`, { served, fromLog });
    for (const e of served) if (e.actor !== ACTORS[audit.kind]) ch.fail(`event of ${audit.kind}/${audit.id} recorded with actor ${String(e.actor)}`, e);
  }
}

/**
 * bookingPeriod (domain.md "Time"): the month of effectiveDate, or, if that month was already
 * closed when the event was recorded, the first open month.
 */
function checkBookingPeriods(ch: Checker, records: CommandRecord[]): void {
  let through: string | null = null;
  for (const r of records) {
    for (const e of r.events) {
      const natural = e.effectiveDate.slice(0, 7);
      const expected = through !== null && natural <= through ? nextMonth(through) : natural;
      ch.checks++;
      if (e.bookingPeriod !== expected) ch.fail(`${e.type} ${e.entity.kind}/${e.entity.id} effective ${e.effectiveDate} recorded ${e.recordedAt} (closed through ${through}) booked in ${e.bookingPeriod}, expected ${expected}`, e);
    }
    for (const e of r.events) if (e.type === 'PeriodClosed') through = String((e.payload as { through: string }).through);
  }
}

function nextMonth(period: string): string {
  const [y, mo] = period.split('-').map(Number);
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
}

/** A response without its system-time stamps (they differ from ledger to ledger). */
function unstamped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unstamped);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => k !== 'recordedAt' && k !== 'closedAt' && k !== 'knownAt').map(([k, v]) => [k, unstamped(v)]));
  }
  return value;
}

/**
 * /v1/batch is "each command checked and applied in order exactly as if sent alone": the same
 * commands sent to a fresh ledger in 1-3 batches give the same statuses and bodies, and the same
 * books (reports at now, both bases; trial balance).
 */
async function checkBatchEquivalence(ch: Checker, a: Api, b: Api, log: RunLog, seed: number): Promise<void> {
  const rng = new Rng(seed ^ 0xba7c4);
  const cuts = [0, ...[rng.int(0, log.sent.length), rng.int(0, log.sent.length)].sort((x, y) => x - y), log.sent.length];
  const results: { status: number; body: unknown }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const chunk = log.sent.slice(cuts[i], cuts[i + 1]);
    if (chunk.length === 0) continue;
    const r = await b.post('/v1/batch', { commands: chunk.map((c) => ({ path: c.path, body: c.body })) }, TOKENS.admin);
    if (r.status !== 200) {
      ch.fail(`batch of ${chunk.length} -> ${r.status}`, r.text.slice(0, 300));
      return;
    }
    results.push(...r.body.results);
  }
  log.sent.forEach((c, i) => {
    ch.checks++;
    const alone = { status: c.status, body: unstamped(c.response) };
    const batched = { status: results[i]?.status, body: unstamped(results[i]?.body) };
    if (JSON.stringify(alone) !== JSON.stringify(batched)) ch.fail(`command ${i} (${c.path}) alone and in a batch differ`, { alone, batched });
  });
  for (const q of [
    '/v1/reports/premiums?from=2024-07&to=2027-06&basis=restated',
    '/v1/reports/premiums?from=2025-01&to=2026-12&basis=booked',
    '/v1/reports/claims?from=2024-07&to=2027-06&basis=restated',
    '/v1/reports/claims?from=2025-03&to=2026-11&basis=booked',
    '/v1/reports/trial-balance?asOf=2028-12-31',
    '/v1/reports/trial-balance?asOf=2025-09-30',
  ]) {
    const [x, y] = [await a.get(q, TOKENS.auditor), await b.get(q, TOKENS.auditor)];
    ch.requests += 2;
    if (JSON.stringify(unstamped(x.body)) !== JSON.stringify(unstamped(y.body))) ch.fail(`${q}: sequential and batched ledgers differ`, { alone: x.body?.totals, batched: y.body?.totals });
  }
}

/** A journal line is effective on its own date when it has one, else on its event's. */
function lineDate(line: { effectiveDate?: string }, eventDate: string): string {
  return line.effectiveDate ?? eventDate;
}

/** The trial balance recomputed from the log's journal lines (each on its own effective date). */
function recomputeTrialBalance(records: CommandRecord[], asOf: string, knownAt: string) {
  const net = new Map<string, bigint>();
  for (const r of records) {
    if (r.recordedAt > knownAt) continue;
    for (const e of r.events) {
      for (const l of e.journal.lines) {
        if (lineDate(l, e.effectiveDate) > asOf) continue;
        net.set(l.account, (net.get(l.account) ?? 0n) + m(l.debit) - m(l.credit));
      }
    }
  }
  const fmt = (v: bigint) => money(Number(v));
  const lines = [...net.keys()].sort().map((account) => {
    const v = net.get(account)!;
    return { account, debit: fmt(v < 0n ? 0n : v), credit: fmt(v < 0n ? -v : 0n) };
  });
  // Served as control accounts (totals over them) and the subledger of entity accounts.
  const { accounts, subledger } = splitLedger(lines);
  let debit = 0n;
  let credit = 0n;
  for (const l of accounts) (debit += m(l.debit)), (credit += m(l.credit));
  return { accounts, subledger, totals: { debit: fmt(debit), credit: fmt(credit) } };
}

// ---------------------------------------------------------------------------

describe('ledger properties through the API (fast-check)', () => {
  let root: string;
  let tokensFile: string;
  /** Ledger-vs-policy mismatches the property runs met (asserted by the last test). */
  const ledgerMismatches: string[] = [];

  beforeAll(() => {
    root = tempDir('ledger-property-');
    tokensFile = writeTokensFile(root);
  });

  afterAll(() => removeDir(root));

  test(`${RUNS} random command sequences: balanced journals and trial balances, report identities, quarters, non-negative figures`, async () => {
    const started = Date.now();
    let runId = 0;
    const totals = { commands: 0, queries: 0, entries: 0, records: 0, closes: 0, checks: 0 };
    const outcomes = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const id = ++runId;
        const dataDir = path.join(root, `run-${id}`);
        let server: InProcessServer | undefined = await startInProcess({ dataDir, tokensFile });
        try {
          const log = await runScript(server.api, script, id);
          const { ch, trialBalances, audits } = await checkRun(server.api, log, script.seed);
          const twin = await startInProcess({ dataDir: `${dataDir}-batched`, tokensFile });
          try {
            await checkBatchEquivalence(ch, server.api, twin.api, log, script.seed);
          } finally {
            await twin.close();
            removeDir(`${dataDir}-batched`);
          }
          await server.close();
          server = undefined;

          const records = await readLogRecords(dataDir);
          totals.entries += checkJournals(ch, records);
          checkAudits(ch, records, audits);
          checkBookingPeriods(ch, records);
          for (const tb of trialBalances) {
            const expected = recomputeTrialBalance(records, tb.asOf, tb.knownAt!);
            const served = tb.body as ServedTrialBalance;
            const comparable = { accounts: served.accounts, subledger: served.subledger, totals: served.totals };
            if (JSON.stringify(expected) !== JSON.stringify(comparable)) {
              ch.fail(`trial balance ${tb.asOf} @${tb.knownAt} differs from the log's journal`, { served: comparable, fromLog: expected });
            }
          }
          totals.commands += [...log.statuses.values()].reduce((a, b) => a + b, 0);
          totals.queries += ch.requests;
          totals.checks += ch.checks;
          for (const f of ch.ledgerMismatches) ledgerMismatches.push(`run ${id}: ${f.what}`);
          totals.records += records.length;
          totals.closes += log.closes.length;
          for (const [k, n] of log.statuses) outcomes.set(k, (outcomes.get(k) ?? 0) + n);
          const problems = [...log.failures.map((f) => ({ what: 'command', detail: f })), ...ch.failures];
          if (problems.length > 0) {
            throw new Error(`run ${id}: ${problems.length} failure(s):\n${problems.slice(0, 8).map((f) => `  ${f.what}: ${JSON.stringify(f.detail).slice(0, 600)}`).join('\n')}`);
          }
        } finally {
          await server?.close();
          removeDir(dataDir);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 60_000 + RUNS * 1_000, markInterruptAsFailure: true },
    );

    const accepted = [...outcomes.entries()].filter(([k]) => k.endsWith(':201')).reduce((s, [, n]) => s + n, 0);
    console.log(
      `ledger.property (seed ${SEED}): ${runId} runs, ${totals.commands} commands (${accepted} accepted), ${totals.queries} queries, ` +
        `${totals.records} log records, ${totals.entries} journal entries, ${totals.closes} month closes, ${totals.checks} identity/bound checks, ${Date.now() - started} ms\n  ` +
        [...outcomes.entries()].sort().map(([k, n]) => `${k}=${n}`).join(' '),
    );
    // The generator makes mostly acceptable commands: the properties are about real books.
    expect(accepted / totals.commands).toBeGreaterThan(0.5);
  });

  test("the general ledger agrees with the policies: written-premium account = written premium at every (asOf, knownAt); UPR = unearned at each close", async () => {
    // The smallest case the property found (shrunk): endorsements recorded out of valid-time order.
    // Each endorsement used to post the change of the ROUNDED TOTAL written premium (all layers) on
    // its own effective date, while `written` on V rounds the sum of the layers started by V: between
    // the two dates the ledger was a cent off (fixed by dated journal lines, 0b3044a). Also fed by the
    // property runs above (every (asOf, knownAt) trial balance, and at every month close).
    const dataDir = path.join(root, 'ledger-vs-policy');
    const server = await startInProcess({ dataDir, tokensFile });
    const failures: string[] = [];
    try {
      const ids = new CommandIds(99);
      const post = (p: string, body: Record<string, unknown>) => server.api.post(p, { commandId: ids.next(), ...body }, TOKENS.underwriter);
      expect((await post('/v1/policies', { policyId: 'LP-1', currency: 'EUR', holder: { name: 'H' }, term: { start: '2025-01-01', end: '2025-01-31' }, premium: '0.00' })).status).toBe(201);
      expect((await post('/v1/policies/LP-1/endorsements', { effectiveDate: '2025-01-09', annualPremiumChange: '569.22' })).status).toBe(201);
      expect((await post('/v1/policies/LP-1/endorsements', { effectiveDate: '2025-01-02', annualPremiumChange: '24372.10' })).status).toBe(201);
      for (const asOf of ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-08', '2025-01-09', '2025-01-31']) {
        const policy = await server.api.get(`/v1/policies/LP-1?asOf=${asOf}`, TOKENS.auditor);
        const tb = await server.api.get(`/v1/reports/trial-balance?asOf=${asOf}`, TOKENS.auditor);
        const ledger = creditOf(tb.body, 'written-premium:EUR:policy/LP-1');
        if (ledger !== m(policy.body.written)) failures.push(`asOf ${asOf}: written-premium account ${money(Number(ledger))}, policy written ${policy.body.written}`);
      }
    } finally {
      await server.close();
    }
    expect({ example: failures, propertyRuns: ledgerMismatches.slice(0, 5), propertyMismatches: ledgerMismatches.length }).toEqual({ example: [], propertyRuns: [], propertyMismatches: 0 });
  });
});
