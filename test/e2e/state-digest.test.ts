// The ledger's state hash: sums of the hashes of every stored event,
// and idempotency outcome, with the record count,
// horizon and closes (libs/read-model/src/state-digest.ts), kept as the read
// model writes. A rebuild from the log's first record into a fresh read
// model gives the live hash; a restart on the same data directory gives it
// again; the replay audit names a stored event altered in place.
import 'reflect-metadata';

import * as fs from 'node:fs';

import { digestLedger } from '@app/projections';

import { LedgerService } from '../../apps/api/src/ledger/ledger.service';
import { type Api, type InProcessServer, CommandIds, TOKENS, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(60_000);

const ids = new CommandIds(4242);

/** Every command type of both verticals, some refused, some batched. */
async function workload(api: Api): Promise<void> {
  const post = async (path: string, body: Record<string, unknown>, token: string, expected: number) => {
    const a = await api.post(path, { commandId: ids.next(), ...body }, token);
    expect({ path, status: a.status, body: a.status === expected ? undefined : a.body }).toEqual({ path, status: expected, body: undefined });
  };
  await post('/v1/policies', { policyId: 'P-1', currency: 'EUR', holder: { name: 'Ada' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '3000.00' }, TOKENS.underwriter, 201);
  await post('/v1/policies/P-1/endorsements', { effectiveDate: '2026-04-01', annualPremiumChange: '365.00' }, TOKENS.underwriter, 201);
  await post('/v1/policies/P-1/payments', { amount: '1000.00', receivedDate: '2026-01-15' }, TOKENS.underwriter, 201);
  await post('/v1/claims', { claimId: 'C-1', policyId: 'P-1', lossDate: '2026-02-01', reportedDate: '2026-02-03', initialReserve: '500.00' }, TOKENS.claims, 201);
  await post('/v1/claims/C-1/payments', { effectiveDate: '2026-02-10', amount: '600.00' }, TOKENS.claims, 422);
  await post('/v1/claims/C-1/payments', { effectiveDate: '2026-02-10', amount: '200.00' }, TOKENS.claims, 201);
  await post('/v1/periods/2026-01/close', {}, TOKENS.finance, 201);
  await post('/v1/funds', { fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin'], 201);
  await post('/v1/funds', { fundId: 'F-2', currency: 'EUR', launchNavPerUnit: '2.000000' }, TOKENS['fund-admin'], 201);
  await post('/v1/members', { memberId: 'M-1', name: 'Grace' }, TOKENS.pensions, 201);
  await post('/v1/funds/F-1/valuations', { valuationDate: '2026-03-02', netAssets: '0.00' }, TOKENS['fund-admin'], 201);
  await post('/v1/funds/F-2/valuations', { valuationDate: '2026-03-02', netAssets: '0.00' }, TOKENS['fund-admin'], 201);
  await post('/v1/members/M-1/contributions', { fundId: 'F-1', amount: '1000.00', effectiveDate: '2026-03-02' }, TOKENS.pensions, 201);
  await post('/v1/members/M-1/contributions', { fundId: 'F-1', amount: '10.00', effectiveDate: '2026-03-03' }, TOKENS.pensions, 422);
  await post('/v1/members/M-1/switches', { fromFundId: 'F-1', toFundId: 'F-2', units: '250', effectiveDate: '2026-03-02' }, TOKENS.pensions, 201);
  await post('/v1/funds/F-1/fees', { effectiveDate: '2026-03-02', rate: '0.001000' }, TOKENS['fund-admin'], 201);
  const batch = await api.post(
    '/v1/batch',
    {
      commands: [
        { path: '/v1/members', body: { commandId: ids.next(), memberId: 'M-2', name: 'Alan' } },
        { path: '/v1/members/M-2/contributions', body: { commandId: ids.next(), fundId: 'F-2', amount: '99.99', effectiveDate: '2026-03-02' } },
        { path: '/v1/policies/P-1/cancellation', body: { commandId: ids.next(), effectiveDate: '2026-10-01', method: 'pro-rata' } },
      ],
    },
    TOKENS.admin,
  );
  expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201]);
}

function ledgerOf(server: InProcessServer): LedgerService {
  return server.app.get(LedgerService);
}

describe('state hash', () => {
  let dir: string;
  let server: InProcessServer | undefined;

  beforeAll(() => {
    dir = tempDir('ledger-digest-');
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  test('live = rebuilt from the log = after a restart; a stored event altered in place is named by the audit; a deleted read model is rebuilt to the same hash', async () => {
    const tokensFile = writeTokensFile(dir);
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile });
    await workload(server.api);
    const ledger = ledgerOf(server);
    // A defaulted knownAt is the latest durable instant (repeatable), not the clock.
    const read = await server.api.get('/v1/policies/P-1', TOKENS.underwriter);
    expect(read.body.knownAt).toBe(ledger.store.horizon);
    const live = digestLedger(ledger.live);
    expect(live.stateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(live.records).toBe(ledger.store.recordCount);
    expect(live.through).toBe(ledger.store.horizon);
    expect(live.events).toBeGreaterThan(20);

    const rebuilt = digestLedger(await ledger.rebuild());
    expect(rebuilt).toEqual(live);

    // Over HTTP: the replay audit (auditor or admin only), in a worker thread: 202, then polled until done.
    const audit = await runAudit(server.api);
    expect(audit.started.status).toBe(202);
    expect(audit.audit.status).toBe('done');
    expect(audit.result).toMatchObject({ match: true, stateHash: live.stateHash, liveStateHash: live.stateHash, storedStateHash: live.stateHash, partitions: 8 });
    expect(audit.result.eventsReplayed).toBe(live.events);
    expect(audit.result.recordsReplayed).toBe(live.records);
    expect(audit.result.firstDivergence).toBeUndefined();
    expect((await server.api.post('/v1/audits/replay', {}, TOKENS.finance)).status).toBe(403);
    expect((await server.api.post('/v1/audits/replay', { full: true }, TOKENS.auditor)).status).toBe(400);

    // An event altered in the live read model (overwritten in place, in a transaction of its own): the audit names that event.
    const memberTrail = ledger.projections.auditTrail('member', 'M-1')!;
    const original1 = memberTrail[1];
    const model = ledger.readModelStore;
    const overwrite = (event: typeof original1) => model.commit(() => model.appendEvent('member', 'M-1', 1, event, false), () => model.checkpoint()!);
    overwrite({ ...original1, payload: { ...original1.payload, units: '1.000000' } });
    const changed = (await runAudit(server.api)).result;
    expect(changed).toMatchObject({ match: false, stateHash: live.stateHash });
    expect(changed.storedStateHash).not.toBe(live.stateHash);
    expect(changed.firstDivergence).toMatchObject({ entity: 'member/M-1', reason: 'events', eventIndex: 1, commandId: memberTrail[1].commandId, type: 'MemberContributed' });
    overwrite(original1);
    // The sums kept while writing counted both overwrites: only a rebuild makes them whole again, so this copy stays flagged.
    const restored = (await runAudit(server.api, TOKENS.admin)).result;
    expect(restored).toMatchObject({ match: false, stateHash: live.stateHash, storedStateHash: live.stateHash });
    expect(restored.liveStateHash).not.toBe(live.stateHash);
    expect(restored.firstDivergence).toMatchObject({ entity: 'store', reason: 'store' });

    // A restart reuses the read model (its kept sums included); deleting it rebuilds it from the log, whole again.
    await server.close();
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile });
    expect(digestLedger(ledgerOf(server).live).stateHash).toBe(restored.liveStateHash);
    await server.close();
    fs.rmSync(`${dir}/data/readmodel`, { recursive: true });
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile });
    expect(digestLedger(ledgerOf(server).live)).toEqual(live);
    expect((await runAudit(server.api)).result).toMatchObject({ match: true, stateHash: live.stateHash });
  });
});
