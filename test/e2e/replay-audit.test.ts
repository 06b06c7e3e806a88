// The replay audit at scale: a seeded mixed workload of 100,000 commands over
// every command type of both verticals (policies, endorsements, payments,
// cancellations, claims and their movements, recoveries and reopens, period closes, funds,
// valuations, fees, members, contributions, switches, withdrawals), refusals included.
// Pensions deal forward priced: a current day walks through the DAYS dealing
// days as the workload goes on; each fund's NAV for a day is struck when the
// day comes, and dealings are dated on the current day (a few on the next day,
// nav_not_published, or an earlier one, dealing_date_closed).
// Then: the replay audit matches; two fresh servers on copies of the data
// directory report the same state hash, and so does the offline CLI; a
// stored event altered in place is named by firstDivergence.
import 'reflect-metadata';

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { digestLedger } from '@app/projections';

import { LedgerService } from '../../apps/api/src/ledger/ledger.service';
import { type Api, type InProcessServer, CommandIds, ON_CLUSTER, REPO_ROOT, Rng, TOKENS, addDays, copyDataDir, money, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(600_000);

const COMMANDS = Number(process.env.REPLAY_AUDIT_COMMANDS ?? 100_000);
const BATCH = 4000;
const DAYS = 120; // dealing and valuation days from 2026-01-02, walked through in order
const FUNDS = ['F-EQ', 'F-BOND', 'F-MIX', 'F-USD'];

interface Item {
  path: string;
  body: Record<string, unknown>;
}

/** A seeded stream of commands; the model only keeps what makes most of them valid (refusals are welcome too). */
function* workload(seed: number, total: number): Generator<Item> {
  const rng = new Rng(seed);
  const ids = new CommandIds(seed);
  const day = (n: number) => addDays('2026-01-02', n);
  const policies: string[] = [];
  const claims: string[] = [];
  const members: string[] = [];
  let sent = 0;
  let closes = 0;
  const cmd = (p: string, body: Record<string, unknown>): Item => {
    sent++;
    return { path: p, body: { commandId: ids.next(), ...body } };
  };
  for (const [i, fundId] of FUNDS.entries()) yield cmd('/v1/funds', { fundId, currency: fundId === 'F-USD' ? 'USD' : 'EUR', launchNavPerUnit: `${i + 1}.000000` });
  // The current dealing day: it moves on evenly over the workload; when it does, every fund's NAV for it is
  // struck (net assets at random: the NAV follows once there are units). Dealing on it is open until the next.
  let today = -1;
  /** A dealing date: mostly today; now and then tomorrow (no NAV yet) or an earlier day (closed). */
  const dealingDay = () => {
    const x = rng.next();
    return day(x < 0.97 || today === 0 ? today : x < 0.985 ? today + 1 : rng.int(0, today - 1));
  };
  let round = 0;
  while (sent < total) {
    round++;
    if (today < DAYS - 1 && sent >= ((today + 1) * total) / DAYS) {
      today++;
      for (const fundId of FUNDS) yield cmd(`/v1/funds/${fundId}/valuations`, { valuationDate: day(today), netAssets: money(rng.int(0, 5_000_000_00)) });
      continue;
    }
    const r = rng.next();
    if (sent >= (closes + 1) * (total / 4) && closes < 3) {
      // Close a month a few times over the run (every earlier open month with it).
      closes++;
      yield cmd(`/v1/periods/2026-0${closes}/close`, {});
    } else if (r < 0.2 || policies.length < 10) {
      const policyId = `P-${round}`;
      policies.push(policyId);
      yield cmd('/v1/policies', {
        policyId,
        currency: rng.chance(0.9) ? 'EUR' : 'USD',
        holder: { name: `Holder ${round}` },
        term: { start: '2026-01-01', end: '2027-01-01' },
        premium: money(rng.int(10_000, 900_000)),
      });
    } else if (r < 0.33) {
      yield cmd(`/v1/policies/${rng.pick(policies)}/endorsements`, { effectiveDate: day(rng.int(0, 300)), annualPremiumChange: money(rng.int(-20_000, 50_000)) });
    } else if (r < 0.45) {
      yield cmd(`/v1/policies/${rng.pick(policies)}/payments`, { amount: money(rng.int(100, 200_000)), receivedDate: day(rng.int(0, 200)) });
    } else if (r < 0.46) {
      yield cmd(`/v1/policies/${rng.pick(policies)}/cancellation`, { effectiveDate: day(rng.int(150, 300)), method: rng.chance(0.5) ? 'pro-rata' : 'short-rate' });
    } else if (r < 0.53 || claims.length < 5) {
      const claimId = `C-${round}`;
      claims.push(claimId);
      const loss = rng.int(0, 100);
      yield cmd('/v1/claims', { claimId, policyId: rng.pick(policies), lossDate: day(loss), reportedDate: day(loss + rng.int(0, 10)), initialReserve: money(rng.int(10_000, 5_000_000)) });
    } else if (r < 0.6) {
      yield cmd(`/v1/claims/${rng.pick(claims)}/reserve`, { effectiveDate: day(rng.int(110, 200)), change: money(rng.int(-100_000, 300_000)) });
    } else if (r < 0.67) {
      yield cmd(`/v1/claims/${rng.pick(claims)}/payments`, { effectiveDate: day(rng.int(110, 200)), amount: money(rng.int(100, 400_000)) });
    } else if (r < 0.69) {
      yield cmd(`/v1/claims/${rng.pick(claims)}/close`, { effectiveDate: day(rng.int(201, 300)) });
    } else if (r < 0.7) {
      yield cmd(`/v1/claims/${rng.pick(claims)}/recoveries`, { effectiveDate: day(rng.int(120, 320)), amount: money(rng.int(100, 100_000)), kind: rng.chance(0.5) ? 'subrogation' : 'salvage' });
    } else if (r < 0.705) {
      yield cmd(`/v1/claims/${rng.pick(claims)}/reopen`, { effectiveDate: day(rng.int(301, 330)), reserve: money(rng.int(0, 200_000)) });
    } else if (r < 0.715 || members.length < 5) {
      const memberId = `M-${round}`;
      if (members.length < 600) members.push(memberId);
      yield cmd('/v1/members', { memberId, name: `Member ${round}` });
    } else if (r < 0.93) {
      yield cmd(`/v1/members/${rng.pick(members)}/contributions`, { fundId: rng.pick(FUNDS), amount: money(rng.int(1_000, 500_000)), effectiveDate: dealingDay() });
    } else if (r < 0.9995) {
      // A switch, or (r past 0.95) a withdrawal of any kind by units or by an amount: the same draws either way, so the
      // rest of the workload is what it was before withdrawals existed.
      const from = rng.pick(FUNDS);
      const to = rng.pick(FUNDS.filter((f) => f !== from));
      const [memberId, whole, micro] = [rng.pick(members), rng.int(1, 200), rng.int(0, 999_999)];
      const effectiveDate = dealingDay();
      if (r < 0.95) {
        yield cmd(`/v1/members/${memberId}/switches`, { fromFundId: from, toFundId: to, units: `${whole}.${String(micro).padStart(6, '0')}`, effectiveDate });
      } else {
        const kind = (['benefit', 'lump-sum', 'transfer-out'] as const)[micro % 3];
        const size = micro % 2 === 0 ? { units: `${Math.ceil(whole / 4)}.${String(micro).padStart(6, '0')}` } : { amount: money(whole * 50) };
        yield cmd(`/v1/members/${memberId}/withdrawals`, { fundId: from, ...size, effectiveDate, kind });
      }
    } else {
      // Half the fees at an annual rate (ACT/365).
      const basis = round % 2 === 0 ? { rate: '0.000500' } : { annualRate: '0.0075', days: 30, dayCount: 'ACT/365' };
      yield cmd(`/v1/funds/${rng.pick(FUNDS)}/fees`, { effectiveDate: dealingDay(), ...basis });
    }
  }
}

/** Command type of a path: `/v1/claims/C-1/payments` -> `claims/payments`. */
function typeOf(p: string): string {
  const parts = p.split('/').slice(2);
  return parts.length === 1 ? parts[0] : `${parts[0]}/${parts[parts.length - 1]}`;
}

/** The replay audit over HTTP: started (202), run in the server's worker thread, polled until done. */
async function audit(api: Api) {
  const { started, audit: done, result } = await runAudit(api, TOKENS.auditor, { timeoutMs: 600_000, pollMs: 100 });
  expect(started.status).toBe(202);
  expect(done.status).toBe('done');
  return result as { match: boolean; stateHash: string; liveStateHash: string; storedStateHash: string; eventsReplayed: number; recordsReplayed: number; durationMs: number; firstDivergence?: Record<string, unknown> };
}

describe(`replay audit after ${COMMANDS.toLocaleString('en')} mixed commands`, () => {
  let root: string;
  const servers: InProcessServer[] = [];

  beforeAll(() => {
    root = tempDir('ledger-replay-audit-');
  });

  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    if (process.env.REPLAY_AUDIT_KEEP) console.log(`kept ${root}`);
    else removeDir(root);
  });

  test('match, same hash on two fresh servers and offline, divergence named', async () => {
    const tokensFile = writeTokensFile(root);
    const dataDir = path.join(root, 'data');
    const first = await startInProcess({ dataDir, tokensFile });
    servers.push(first);

    const byType = new Map<string, Map<number, number>>();
    let batch: Item[] = [];
    const flush = async () => {
      const a = await first.api.request('POST', '/v1/batch', { token: TOKENS.admin, body: { commands: batch }, timeoutMs: 600_000 });
      expect(a.status).toBe(200);
      a.body.results.forEach((r: { status: number }, i: number) => {
        const t = typeOf(batch[i].path);
        const counts = byType.get(t) ?? new Map<number, number>();
        counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
        byType.set(t, counts);
      });
      batch = [];
    };
    const started = Date.now();
    for (const item of workload(20261121, COMMANDS)) {
      batch.push(item);
      if (batch.length === BATCH) await flush();
    }
    if (batch.length) await flush();
    const sentMs = Date.now() - started;

    const table = [...byType].sort().map(([t, counts]) => `${t.padEnd(24)} ${[...counts].sort().map(([s, n]) => `${s}:${n}`).join(' ')}`);
    const total = [...byType.values()].reduce((n, c) => n + [...c.values()].reduce((a, b) => a + b, 0), 0);
    console.log(`${total} commands in ${sentMs} ms\n${table.join('\n')}`);
    expect(total).toBeGreaterThanOrEqual(COMMANDS);
    // Every command type ran, and most of each went through; none was a server fault.
    for (const [t, counts] of byType) {
      expect({ t, fault: [...counts.keys()].some((s) => s >= 500) }).toEqual({ t, fault: false });
      expect({ t, accepted: (counts.get(201) ?? 0) > 0 }).toEqual({ t, accepted: true });
    }
    expect(byType.size).toBe(18);

    const live = await audit(first.api);
    console.log(`replay audit: ${live.recordsReplayed} records, ${live.eventsReplayed} events, ${live.durationMs} ms`);
    expect(live).toMatchObject({ match: true });
    expect(live.stateHash).toBe(live.liveStateHash);
    expect(live.recordsReplayed).toBe(total + 0);
    await first.close();
    servers.pop();

    // Two fresh servers on two copies of the data directory: the same hash
    // (A through a full replay audit over HTTP, B from its live digest, the function the audit uses).
    const copies = ['copy-a', 'copy-b'].map((name) => path.join(root, name));
    for (const copy of copies) await copyDataDir(dataDir, copy);
    for (const copy of copies) servers.push(await startInProcess({ dataDir: copy, tokensFile }));
    const a = await audit(servers[0].api);
    expect(a).toMatchObject({ match: true, stateHash: live.stateHash, liveStateHash: live.stateHash });
    const ledgerB = servers[1].app.get(LedgerService) as LedgerService;
    expect(digestLedger(ledgerB.live).stateHash).toBe(live.stateHash);

    // Offline, from the operator CLI on the original directory (the embedded WAL's; with the log on PostgreSQL the CLI says it reads the WAL only).
    const cliJs = path.join(REPO_ROOT, 'dist', 'apps', 'ledger-cli', 'src', 'main.js');
    if (ON_CLUSTER) {
      const refused = spawnSync(process.execPath, [cliJs, 'audit', dataDir, '--json'], { encoding: 'utf8', env: { ...process.env, LEDGER_LOG: 'postgres://bench@127.0.0.1/ledger' } });
      expect(refused.status).toBe(64);
    } else {
      const cli = JSON.parse(execFileSync(process.execPath, [cliJs, 'audit', dataDir, '--json'], { encoding: 'utf8' }));
      expect(cli).toMatchObject({ stateHash: live.stateHash, recordsReplayed: live.recordsReplayed, eventsReplayed: live.eventsReplayed });
    }

    // A stored event altered in place on copy B (the test's hook into its read model): named by firstDivergence.
    const ledger = ledgerB;
    const policyId = ledger.projections.policies.ids()[7];
    const trail = ledger.projections.auditTrail('policy', policyId)!;
    const last = trail.length - 1;
    const model = ledger.readModelStore;
    model.commit(() => model.appendEvent('policy', policyId, last, { ...trail[last], actor: 'mallory' }, false), () => model.checkpoint()!);
    const altered = await audit(servers[1].api);
    expect(altered).toMatchObject({ match: false, stateHash: live.stateHash });
    expect(altered.storedStateHash).not.toBe(live.stateHash);
    expect(altered.firstDivergence).toMatchObject({ entity: `policy/${policyId}`, reason: 'events', eventIndex: last, commandId: trail[last].commandId });
  });
});
