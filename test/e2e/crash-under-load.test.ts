// SIGKILL under load: the API runs as a child process (`node dist/...`) on a
// data dir in a temp folder; 16 concurrent clients send policy and claim
// commands (mostly valid, some 404/409/422 on purpose, a few 400s); after
// 1-2 s the child is SIGKILLed mid-flight and restarted on the same data dir.
//
// After every restart:
//   - every acknowledged outcome (2xx, and the recorded rejections 404 / 409
//     period_already_closed / 422) replays with the same status and body and
//     `Idempotent-Replayed: true`: nothing acknowledged was lost, no rejection
//     turned into a success;
//   - every entity an acknowledged command created is visible (GET 200);
//   - every query answered before a kill with an explicit knownAt (an instant
//     taken from a recordedAt we were acknowledged) answers identically:
//     policies and claims at fixed asOf, premium and claims reports (booked
//     and restated), trial balances;
//   - commands that were in flight at the kill are retried with the same
//     commandId: either their first outcome comes back (replayed) or they run
//     now; never a 5xx;
//   - the books written under concurrent load (month closes racing binds and
//     claims) balance: trial balances per currency, premium and claims
//     report identities on every line, both bases.
// Client 0 also closes months (2025-01, 2025-02, ... and repeats: recorded
// 409 period_already_closed) while the others write. A last test runs the
// replay audit (POST /v1/audits/replay).
//
// Needs `npm run build:ts` first. API_CRASH_ROUNDS (default 3), API_CRASH_SEED.
import { isDeepStrictEqual } from 'node:util';
import {
  type Answer,
  type Api,
  type ChildServer,
  type Mounted,
  CommandIds,
  Rng,
  TOKENS,
  addDays,
  assertBuilt,
  missing,
  money,
  probeEndpoints,
  qs,
  removeDir,
  runAudit,
  sleep,
  startChild,
  tempDir,
  writeTokensFile,
} from './support';

const ROUNDS = Number(process.env.API_CRASH_ROUNDS ?? 3);
const SEED = Number(process.env.API_CRASH_SEED ?? 0x5eed2026);
const CLIENTS = 16;

jest.setTimeout(Math.max(60_000, ROUNDS * 25_000));

/** A command sent during load. */
interface Sent {
  path: string;
  body: Record<string, unknown>;
  token: string;
  kind: string;
  /** Updates the client's model once the outcome is known. */
  onResult?: (status: number) => void;
}

/** A command whose outcome we were given: it must never change. */
interface Acked extends Sent {
  status: number;
  response: unknown;
}

interface Snapshot {
  path: string;
  token: string;
  status: number;
  body: unknown;
  text: string;
}

interface PolicyModel {
  id: string;
  start: string;
  end: string;
  days: number;
  cancelledOn?: string;
}

interface ClaimModel {
  id: string;
  policyId: string;
  lastDate: string;
  reserveCents: number;
  closed: boolean;
}

/** What a client knows of the entities it owns (only it touches them, one command at a time). */
class ClientModel {
  readonly policies: PolicyModel[] = [];
  readonly claims: ClaimModel[] = [];
  private n = 0;

  constructor(readonly index: number) {}

  nextId(kind: string): string {
    return `L${this.index}-${kind}${++this.n}`;
  }
}

/** Outcomes that are final and recorded: replaying must give them back. */
function isRecordedOutcome(a: Answer): boolean {
  if (a.status >= 200 && a.status < 300) return true;
  if (a.status === 404 || a.status === 422) return true;
  return a.status === 409 && a.body?.code === 'period_already_closed';
}

class Ledger {
  readonly acked = new Map<string, Acked>();
  readonly unknown = new Map<string, Sent>();
  readonly snapshots: Snapshot[] = [];
  /** Greatest recordedAt acknowledged so far (instants are fixed width: string order is time order). */
  watermark = '';
  sent = 0;
  rejected400 = 0;
  statusCounts = new Map<number, number>();
  readonly violations: string[] = [];

  note(a: Answer): void {
    this.statusCounts.set(a.status, (this.statusCounts.get(a.status) ?? 0) + 1);
  }
}

function describeCounts(counts: Map<number, number>): string {
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}:${n}`)
    .join(' ');
}

// ---------------------------------------------------------------------------
// The load

function nextCommand(rng: Rng, m: ClientModel, ids: CommandIds, mounted: Mounted, periods: { next: number }): Sent | null {
  const commandId = ids.next();
  const uw = TOKENS.underwriter;
  const cl = TOKENS.claims;
  const livePolicies = m.policies.filter((p) => !p.cancelledOn);
  const openClaims = m.claims.filter((c) => !c.closed);
  const roll = rng.next();

  if (m.index === 0 && mounted.closePeriod && rng.chance(0.12)) {
    // Month closes under load: each new one seals the next month (2025-01, 2025-02, ...: real
    // true-ups, and later back-dated commands book into the first open month); a repeat of an
    // already closed month is a recorded 409 period_already_closed.
    const repeat = periods.next > 0 && rng.chance(0.4);
    const index = repeat ? rng.int(0, periods.next - 1) : periods.next;
    const period = `${2025 + Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    const onResult = (status: number): void => {
      if (status === 201 && index >= periods.next) periods.next = index + 1;
    };
    if (index <= 21) return { kind: 'close-period', path: `/v1/periods/${period}/close`, token: TOKENS.finance, body: { commandId }, onResult };
  }
  if (m.policies.length === 0 || roll < 0.1) {
    const start = addDays('2025-01-01', rng.int(0, 600));
    const days = rng.pick([90, 181, 365, 366, 730]);
    const id = m.nextId('P');
    const policy: PolicyModel = { id, start, end: addDays(start, days), days };
    m.policies.push(policy);
    return {
      kind: 'bind',
      path: '/v1/policies',
      token: uw,
      body: { commandId, policyId: id, currency: rng.pick(['EUR', 'EUR', 'USD']), holder: { name: `Holder ${id}` }, term: { start, end: policy.end }, premium: money(rng.int(0, 900_000)) },
    };
  }
  const p = rng.pick(m.policies);
  if (roll < 0.3 && mounted.endorsePolicy) {
    // Mostly inside the term; sometimes before it (422 effective_date_outside_term).
    const offset = rng.chance(0.1) ? -rng.int(1, 30) : rng.int(0, p.days - 1);
    const change = rng.chance(0.25) ? -rng.int(1, 400_000) : rng.int(1, 300_000);
    return { kind: 'endorse', path: `/v1/policies/${p.id}/endorsements`, token: uw, body: { commandId, effectiveDate: addDays(p.start, offset), annualPremiumChange: money(change) } };
  }
  if (roll < 0.42 && mounted.policyPayment) {
    return { kind: 'pay', path: `/v1/policies/${p.id}/payments`, token: uw, body: { commandId, amount: money(rng.int(1, 200_000)), receivedDate: addDays(p.start, rng.int(-20, p.days + 20)) } };
  }
  if (roll < 0.45 && mounted.cancelPolicy && livePolicies.length > 0) {
    const q = rng.pick(livePolicies);
    const effectiveDate = addDays(q.start, rng.int(0, q.days - 1));
    const body: Record<string, unknown> = { commandId, effectiveDate, method: rng.pick(['pro-rata', 'short-rate']) };
    if (body.method === 'short-rate' && rng.chance(0.5)) body.shortRateFactor = '0.850000';
    const onResult = (status: number): void => {
      if (status === 201) q.cancelledOn = effectiveDate;
    };
    return { kind: 'cancel', path: `/v1/policies/${q.id}/cancellation`, token: uw, body, onResult };
  }
  if (roll < 0.58 && mounted.openClaim) {
    const id = m.nextId('C');
    const loss = addDays(p.start, rng.chance(0.1) ? p.days + 5 : rng.int(0, p.days - 1));
    const reported = addDays(loss, rng.int(0, 30));
    const reserve = rng.int(0, 2_000_000);
    const onResult = (status: number): void => {
      if (status === 201) m.claims.push({ id, policyId: p.id, lastDate: reported, reserveCents: reserve, closed: false });
    };
    return { kind: 'open-claim', path: '/v1/claims', token: cl, onResult, body: { commandId, claimId: id, policyId: p.id, lossDate: loss, reportedDate: reported, initialReserve: money(reserve) } };
  }
  if (roll < 0.86 && openClaims.length > 0) {
    const c = rng.pick(openClaims);
    const date = addDays(c.lastDate, rng.int(0, 10));
    const r = rng.next();
    if (r < 0.4 && mounted.changeReserve) {
      const change = rng.chance(0.3) ? -rng.int(1, Math.max(1, Math.floor(c.reserveCents * 1.2))) : rng.int(1, 500_000);
      c.lastDate = date;
      c.reserveCents = Math.max(0, c.reserveCents + change);
      return { kind: 'reserve', path: `/v1/claims/${c.id}/reserve`, token: cl, body: { commandId, effectiveDate: date, change: money(change) } };
    }
    if (r < 0.85 && mounted.payClaim) {
      // Sometimes more than the reserve: 422 payment_exceeds_reserve.
      const amount = rng.chance(0.15) ? c.reserveCents + rng.int(1, 10_000) : rng.int(1, Math.max(1, c.reserveCents));
      c.lastDate = date;
      c.reserveCents = Math.max(0, c.reserveCents - amount);
      return { kind: 'pay-claim', path: `/v1/claims/${c.id}/payments`, token: cl, body: { commandId, effectiveDate: date, amount: money(amount) } };
    }
    if (mounted.closeClaim) {
      c.closed = true;
      return { kind: 'close-claim', path: `/v1/claims/${c.id}/close`, token: cl, body: { commandId, effectiveDate: date } };
    }
  }
  if (roll < 0.9 && mounted.endorsePolicy) {
    // Unknown policy: a recorded 404.
    return { kind: 'endorse-404', path: `/v1/policies/${m.nextId('NOPE')}/endorsements`, token: uw, body: { commandId, effectiveDate: '2026-01-01', annualPremiumChange: '10.00' } };
  }
  if (roll < 0.93) {
    // Bind again: 422 entity_exists.
    return { kind: 'bind-again', path: '/v1/policies', token: uw, body: { commandId, policyId: p.id, currency: 'EUR', holder: { name: 'Again' }, term: { start: p.start, end: p.end }, premium: '1.00' } };
  }
  if (roll < 0.97) {
    // Malformed (3 fraction digits): a 400, never recorded.
    return { kind: 'bad', path: `/v1/policies/${p.id}/payments`, token: uw, body: { commandId, amount: '1.005', receivedDate: '2026-01-01' } };
  }
  return { kind: 'pay', path: `/v1/policies/${p.id}/payments`, token: uw, body: { commandId, amount: money(rng.int(1, 50_000)), receivedDate: p.start } };
}

async function runClient(api: Api, rng: Rng, model: ClientModel, ids: CommandIds, ledger: Ledger, mounted: Mounted, stop: { stopped: boolean }, periods: { next: number }): Promise<void> {
  while (!stop.stopped) {
    const cmd = nextCommand(rng, model, ids, mounted, periods);
    if (!cmd) continue;
    ledger.sent++;
    const commandId = String(cmd.body.commandId);
    let a: Answer;
    try {
      a = await api.post(cmd.path, cmd.body, cmd.token);
    } catch {
      // In flight at the kill: outcome unknown until retried.
      ledger.unknown.set(commandId, cmd);
      return;
    }
    ledger.note(a);
    cmd.onResult?.(a.status);
    if (a.status >= 500) {
      ledger.violations.push(`${cmd.kind} ${cmd.path}: ${a.status} ${a.text.slice(0, 200)}`);
      continue;
    }
    if (isRecordedOutcome(a)) {
      ledger.acked.set(commandId, { ...cmd, status: a.status, response: a.body });
      const at = a.body?.recordedAt;
      if (typeof at === 'string' && at > ledger.watermark) ledger.watermark = at;
    } else if (a.status === 400) {
      ledger.rejected400++;
      if (cmd.kind !== 'bad') ledger.violations.push(`${cmd.kind} ${cmd.path} ${JSON.stringify(cmd.body)}: unexpected 400 ${a.text.slice(0, 300)}`);
    } else {
      ledger.violations.push(`${cmd.kind} ${cmd.path}: unexpected ${a.status} ${a.text.slice(0, 200)}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Queries pinned to an acknowledged instant

function pinnedQueries(rng: Rng, knownAt: string, ledger: Ledger, mounted: Mounted): { path: string; token: string }[] {
  const q: { path: string; token: string }[] = [];
  const fin = TOKENS.finance;
  if (mounted.trialBalance) {
    q.push({ path: `/v1/reports/trial-balance${qs({ asOf: '2026-06-30', knownAt })}`, token: fin });
    q.push({ path: `/v1/reports/trial-balance${qs({ asOf: '2027-12-31', knownAt })}`, token: TOKENS.auditor });
  }
  for (const basis of ['booked', 'restated']) {
    if (mounted.premiumReport) q.push({ path: `/v1/reports/premiums${qs({ from: '2025-01', to: '2026-12', basis, knownAt })}`, token: fin });
    if (mounted.claimsReport) q.push({ path: `/v1/reports/claims${qs({ from: '2025-04', to: '2027-03', basis, knownAt })}`, token: fin });
  }
  const acked = [...ledger.acked.values()].filter((a) => a.status === 201);
  for (let i = 0; i < 4 && acked.length > 0; i++) {
    const a = rng.pick(acked);
    const asOf = rng.pick(['2025-06-30', '2026-01-15', '2026-12-31']);
    if (a.kind === 'bind' && mounted.getPolicy) q.push({ path: `/v1/policies/${String(a.body.policyId)}${qs({ asOf, knownAt })}`, token: TOKENS.underwriter });
    if (a.kind === 'open-claim' && mounted.getClaim) q.push({ path: `/v1/claims/${String(a.body.claimId)}${qs({ asOf, knownAt })}`, token: TOKENS.claims });
  }
  return q;
}

async function snapshotLoop(api: Api, rng: Rng, ledger: Ledger, mounted: Mounted, stop: { stopped: boolean }): Promise<void> {
  while (!stop.stopped) {
    await sleep(120);
    const knownAt = ledger.watermark;
    if (!knownAt) continue;
    for (const { path, token } of pinnedQueries(rng, knownAt, ledger, mounted)) {
      try {
        const a = await api.get(path, token);
        if (a.status >= 500) ledger.violations.push(`query ${path}: ${a.status}`);
        else if (a.status !== 200) ledger.violations.push(`query ${path}: ${a.status} ${a.text.slice(0, 200)}`);
        else ledger.snapshots.push({ path, token, status: a.status, body: a.body, text: a.text });
      } catch {
        return; // killed
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Verification after a restart

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function retryUnknown(api: Api, ledger: Ledger): Promise<{ replayed: number; fresh: number }> {
  const counts = { replayed: 0, fresh: 0 };
  const unknown = [...ledger.unknown.entries()];
  ledger.unknown.clear();
  await pool(unknown, 16, async ([commandId, cmd]) => {
    const a = await api.post(cmd.path, cmd.body, cmd.token);
    ledger.note(a);
    cmd.onResult?.(a.status);
    if (a.status >= 500) {
      ledger.violations.push(`retry after crash ${cmd.path}: ${a.status} ${a.text.slice(0, 200)}`);
      return;
    }
    if (a.headers['idempotent-replayed'] === 'true') counts.replayed++;
    else counts.fresh++;
    if (isRecordedOutcome(a)) {
      ledger.acked.set(commandId, { ...cmd, status: a.status, response: a.body });
      const at = a.body?.recordedAt;
      if (typeof at === 'string' && at > ledger.watermark) ledger.watermark = at;
    }
  });
  return counts;
}

async function verifyAcked(api: Api, ledger: Ledger): Promise<void> {
  await pool([...ledger.acked.entries()], 16, async ([commandId, ack]) => {
    const a = await api.post(ack.path, ack.body, ack.token);
    if (a.status !== ack.status || !isDeepStrictEqual(a.body, ack.response)) {
      ledger.violations.push(`ack ${commandId} ${ack.kind} ${ack.path}: was ${ack.status} ${JSON.stringify(ack.response)}, replay ${a.status} ${a.text.slice(0, 300)}`);
    } else if (a.headers['idempotent-replayed'] !== 'true') {
      ledger.violations.push(`ack ${commandId} ${ack.kind} ${ack.path}: replay lacks Idempotent-Replayed: true`);
    }
  });
  // Every entity an acknowledged command created is there.
  const created = [...ledger.acked.values()].filter((a) => a.status === 201 && (a.kind === 'bind' || a.kind === 'open-claim'));
  await pool(created, 16, async (a) => {
    const path = a.kind === 'bind' ? `/v1/policies/${String(a.body.policyId)}` : `/v1/claims/${String(a.body.claimId)}`;
    const g = await api.get(path, TOKENS.auditor);
    if (g.status !== 200) ledger.violations.push(`acked ${a.kind} not visible: GET ${path} ${g.status}`);
  });
}

async function verifySnapshots(api: Api, ledger: Ledger): Promise<void> {
  await pool(ledger.snapshots, 8, async (s) => {
    const a = await api.get(s.path, s.token);
    if (a.status !== s.status || !isDeepStrictEqual(a.body, s.body)) {
      ledger.violations.push(`query changed across the crash: ${s.path}\n  before ${s.text.slice(0, 400)}\n  after  ${a.status} ${a.text.slice(0, 400)}`);
    }
  });
}

/** The books written under concurrent load (closes racing binds) still balance and reconcile. */
async function verifyBooks(api: Api, ledger: Ledger, mounted: Mounted): Promise<void> {
  const c = (x: unknown): bigint => {
    const m = /^(-?)(\d+)\.(\d{2})$/.exec(String(x));
    if (!m) throw new Error(`not money: ${String(x)}`);
    return (m[1] ? -1n : 1n) * (BigInt(m[2]) * 100n + BigInt(m[3]));
  };
  if (mounted.trialBalance) {
    for (const asOf of ['2025-06-30', '2026-12-31', '2028-12-31']) {
      const tb = await api.get(`/v1/reports/trial-balance?asOf=${asOf}`, TOKENS.finance);
      const net = new Map<string, bigint>();
      for (const l of tb.body.accounts) net.set(l.account.split(':')[1], (net.get(l.account.split(':')[1]) ?? 0n) + c(l.debit) - c(l.credit));
      if (c(tb.body.totals.debit) !== c(tb.body.totals.credit) || [...net.values()].some((v) => v !== 0n)) ledger.violations.push(`trial balance at ${asOf} does not balance: ${JSON.stringify(tb.body.totals)}`);
    }
  }
  for (const basis of ['booked', 'restated']) {
    if (mounted.premiumReport) {
      const r = await api.get(`/v1/reports/premiums?from=2025-01&to=2026-12&basis=${basis}`, TOKENS.finance);
      for (const x of [r.body.totals, ...r.body.policies]) {
        if (c(x.earned) !== c(x.written) + c(x.openingUnearned) - c(x.closingUnearned)) ledger.violations.push(`premium identity (${basis}): ${JSON.stringify(x)}`);
      }
    }
    if (mounted.claimsReport) {
      const r = await api.get(`/v1/reports/claims?from=2025-01&to=2027-06&basis=${basis}`, TOKENS.finance);
      for (const x of [r.body.totals, ...r.body.claims]) {
        if (c(x.closingReserve) !== c(x.openingReserve) + c(x.newReserves) + c(x.reserveChanges) - c(x.paid)) ledger.violations.push(`claims identity (${basis}): ${JSON.stringify(x)}`);
        if (c(x.incurred) !== c(x.paid) + c(x.closingReserve) - c(x.openingReserve)) ledger.violations.push(`incurred identity (${basis}): ${JSON.stringify(x)}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------

describe('SIGKILL under load, restart on the same data dir', () => {
  let dir: string;
  let server: ChildServer | undefined;
  let acknowledged = 0;

  beforeAll(() => {
    assertBuilt();
    dir = tempDir('ledger-crash-');
  });

  afterAll(async () => {
    await server?.kill('SIGKILL');
    removeDir(dir);
  });

  test(`${ROUNDS} kill/restart rounds: acknowledged outcomes and pinned queries survive`, async () => {
    const started = Date.now();
    const tokensFile = writeTokensFile(dir);
    const dataDir = `${dir}/data`;
    const rng = new Rng(SEED);
    const ledger = new Ledger();
    const models = Array.from({ length: CLIENTS }, (_, i) => new ClientModel(i));
    const ids = new CommandIds(SEED);
    const periods = { next: 0 };
    const log: string[] = [];

    server = await startChild({ dataDir, tokensFile });
    const mounted = await probeEndpoints(server.api);
    const absent = missing(mounted).filter((n) => !['auditTrail', 'batch', 'getPeriod'].includes(n));
    if (absent.length) log.push(`endpoints not mounted (not exercised): ${absent.join(', ')}`);

    for (let round = 1; round <= ROUNDS; round++) {
      const stop = { stopped: false };
      const loadMs = rng.int(1000, 1800);
      const ackedBefore = ledger.acked.size;
      const sentBefore = ledger.sent;
      const clients = models.map((m) => runClient(server!.api, new Rng(SEED + round * 1000 + m.index), m, ids, ledger, mounted, stop, periods));
      const snaps = snapshotLoop(server.api, new Rng(SEED ^ round), ledger, mounted, stop);
      await sleep(loadMs);
      // Mid-flight: the clients are still sending.
      stop.stopped = true;
      const exit = server.kill('SIGKILL');
      await Promise.all([...clients, snaps, exit]);
      const { signal } = await server.exited;
      expect(signal).toBe('SIGKILL');
      const inFlight = ledger.unknown.size;

      const t0 = Date.now();
      server = await startChild({ dataDir, tokensFile });
      const restartMs = Date.now() - t0;
      const retried = await retryUnknown(server.api, ledger);
      await verifyAcked(server.api, ledger);
      await verifySnapshots(server.api, ledger);
      await verifyBooks(server.api, ledger, mounted);
      log.push(
        `round ${round}: load ${loadMs} ms, sent ${ledger.sent - sentBefore}, acknowledged ${ledger.acked.size - ackedBefore} (total ${ledger.acked.size}), ` +
          `in flight at SIGKILL ${inFlight} (retried: ${retried.replayed} replayed, ${retried.fresh} ran now), restart ${restartMs} ms, snapshots ${ledger.snapshots.length}`,
      );
      expect(ledger.violations.slice(0, 10)).toEqual([]);
    }

    // The server stays up for the replay audit below.
    log.push(`statuses ${describeCounts(ledger.statusCounts)}; ${ledger.rejected400} deliberate 400s; total ${Date.now() - started} ms`);
    console.log(`crash-under-load (seed ${SEED}):\n  ${log.join('\n  ')}`);
    expect(ledger.violations).toEqual([]);
    expect(ledger.acked.size).toBeGreaterThan(ROUNDS * 100);
    expect(ledger.snapshots.length).toBeGreaterThan(ROUNDS * 5);
    // The load did reach the recorded rejections, not only successes.
    const statuses = new Set([...ledger.acked.values()].map((a) => a.status));
    expect([...statuses].filter((s) => s >= 400).length).toBeGreaterThan(0);
    acknowledged = ledger.acked.size;
  });

  test('after the crashes, POST /v1/audits/replay rebuilds the same state from the log (match: true)', async () => {
    if (!server) throw new Error('needs the kill/restart test to run first');
    // Started (202) in the server's worker thread, polled until done.
    const { started, result: audit } = await runAudit(server.api);
    expect(started.status).toBe(202);
    expect(audit).toMatchObject({ match: true, stateHash: audit.liveStateHash });
    expect(audit.eventsReplayed).toBeGreaterThanOrEqual(acknowledged > 0 ? 1 : 0);
    console.log(`audit replay after ${ROUNDS} crashes: ${audit.eventsReplayed} events, ${audit.durationMs} ms, match ${audit.match}`);
  });
});

