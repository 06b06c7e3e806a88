// The replay audit runs off the request path (issue 10): POST
// /v1/audits/replay answers 202 with the audit running and its Location; the
// audit runs in a worker thread with its own read-only handles on the read
// model and the log, so the server keeps acknowledging commands and answering
// reads meanwhile; GET /v1/audits/{auditId} shows its progress, then its
// result. One audit at a time, the last 16 kept, the worker stopped on
// shutdown. The registry's rules are also checked alone, with a fake runner.
import 'reflect-metadata';

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { ReplayAuditResult } from '@app/read-model';
import { Wal, walAddon } from '@app/wal';

import { ReadOnlyWalLog } from '../../apps/api/src/ledger/read-only-wal-log';
import { AuditFailure } from '../../apps/api/src/ledger/replay-audit-thread';
import { AUDITS_KEPT, ReplayAuditRegistry } from '../../apps/api/src/audit/replay-audit/replay-audits';
import {
  type Answer,
  type Api,
  type InProcessServer,
  CommandIds,
  REPO_ROOT,
  TOKENS,
  problemViolation,
  removeDir,
  runAudit,
  sleep,
  startInProcess,
  tempDir,
  writeTokensFile,
} from './support';

jest.setTimeout(300_000);

const LOADED = Number(process.env.AUDIT_ASYNC_COMMANDS ?? 4000);
const BATCH = 1000;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const RESULT_FIELDS = ['durationMs', 'eventsReplayed', 'liveStateHash', 'match', 'partitions', 'recordsReplayed', 'stateHash', 'storedStateHash', 'through'];

const ids = new CommandIds(0xa5d17);

function policy(n: number) {
  return { commandId: ids.next(), policyId: `P-${n}`, currency: 'EUR', holder: { name: `Holder ${n}` }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '1200.00' };
}

function member(n: number) {
  return { commandId: ids.next(), memberId: `M-${n}`, name: `Member ${n}` };
}

/** Policies and members through /v1/batch, every one acknowledged (201): one log record each. */
async function load(api: Api, count: number): Promise<number> {
  let sent = 0;
  while (sent < count) {
    const commands = [];
    for (let i = 0; i < BATCH && sent < count; i++, sent++) commands.push(sent % 2 === 0 ? { path: '/v1/policies', body: policy(sent) } : { path: '/v1/members', body: member(sent) });
    const a = await api.request('POST', '/v1/batch', { token: TOKENS.admin, body: { commands }, timeoutMs: 120_000 });
    expect(a.status).toBe(200);
    const refused = a.body.results.filter((r: { status: number }) => r.status !== 201);
    expect(refused.slice(0, 3)).toEqual([]);
  }
  return sent;
}

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.code, violation: problemViolation(a) }).toEqual({ status, code, violation: null });
}

describe('POST /v1/audits/replay runs the audit in a worker thread', () => {
  let dir: string;
  let tokensFile: string;
  let server: InProcessServer | undefined;

  beforeAll(() => {
    dir = tempDir('ledger-audit-async-');
    tokensFile = writeTokensFile(dir);
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dir);
  });

  test('202 with the running audit and its Location; commands and reads are answered while it runs; then done, match', async () => {
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile });
    const api = server.api;
    let acknowledged = await load(api, LOADED);
    const before = acknowledged;

    const started = await api.post('/v1/audits/replay', {}, TOKENS.auditor);
    expect(started.status).toBe(202);
    const auditId: string = started.body.auditId;
    expect(started.body).toEqual({ auditId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'running', startedAt: expect.stringMatching(ISO_MS), progress: { phase: 'log', done: 0, total: before } });
    expect(started.headers.location).toBe(`/v1/audits/${auditId}`);

    // One at a time: asked again (by admin too) while it runs, the answer is the running audit.
    const again = await api.post('/v1/audits/replay', {}, TOKENS.admin);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ auditId, status: 'running', startedAt: started.body.startedAt });
    expect(again.headers.location).toBe(`/v1/audits/${auditId}`);

    // While it runs: a command (acknowledged 201) and reads, each round sandwiched between two GETs that say "running".
    let answeredWhileRunning = 0;
    let readsWhileRunning = 0;
    let slowest = 0;
    let n = LOADED;
    const phases = new Set<string>();
    let view: Record<string, any>;
    for (;;) {
      const g = await api.get(`/v1/audits/${auditId}`, TOKENS.auditor);
      expect(g.status).toBe(200);
      view = g.body;
      phases.add(view.progress.phase);
      if (view.status !== 'running') break;
      expect(view).toEqual({ auditId, status: 'running', startedAt: started.body.startedAt, progress: { phase: expect.any(String), done: expect.any(Number), total: expect.any(Number) } });
      const t0 = performance.now();
      const [command, read, health] = await Promise.all([
        api.post(n % 2 === 0 ? '/v1/policies' : '/v1/members', n % 2 === 0 ? policy(n) : member(n), n % 2 === 0 ? TOKENS.underwriter : TOKENS.pensions),
        api.get('/v1/policies/P-0', TOKENS.underwriter),
        api.get('/health/live'),
      ]);
      slowest = Math.max(slowest, performance.now() - t0);
      n++;
      expect(command.status).toBe(201);
      acknowledged++;
      expect(read.status).toBe(200);
      expect(health.status).toBe(200);
      const after = await api.get(`/v1/audits/${auditId}`, TOKENS.auditor);
      if (after.body.status === 'running') {
        answeredWhileRunning++;
        readsWhileRunning += 2;
      }
    }
    console.log(
      `audit ${auditId}: ${before} records loaded; while it ran ${answeredWhileRunning} commands acknowledged and ${readsWhileRunning} reads answered (slowest round ${slowest.toFixed(0)} ms); ` +
        `${acknowledged} acknowledged in all; phases seen ${[...phases].join(', ')}; ${JSON.stringify(view.result)}`,
    );
    // The point: the JS thread kept answering while the audit ran.
    expect(answeredWhileRunning).toBeGreaterThan(0);
    expect(readsWhileRunning).toBeGreaterThan(0);

    expect(view).toEqual({
      auditId,
      status: 'done',
      startedAt: started.body.startedAt,
      finishedAt: expect.stringMatching(ISO_MS),
      progress: { phase: expect.stringMatching(/^(log|read-model)$/), done: expect.any(Number), total: expect.any(Number) },
      result: expect.any(Object),
    });
    expect(view.finishedAt >= view.startedAt).toBe(true);
    const result = view.result as ReplayAuditResult;
    expect(Object.keys(result).sort()).toEqual(RESULT_FIELDS);
    expect(result).toMatchObject({ match: true, partitions: 8, stateHash: result.liveStateHash, storedStateHash: result.liveStateHash });
    expect(result.stateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.through).toMatch(INSTANT);
    // The audit covers the checkpoint it started from: at least what was acknowledged before it, at most what was acknowledged at all.
    expect(result.recordsReplayed).toBeGreaterThanOrEqual(before);
    expect(result.recordsReplayed).toBeLessThanOrEqual(acknowledged);
    expect(result.eventsReplayed).toBeGreaterThanOrEqual(result.recordsReplayed);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);

    // Once done, the next POST starts a new audit; it sees every command acknowledged before it. The first stays readable.
    const next = await runAudit(api, TOKENS.admin);
    expect(next.audit.auditId).not.toBe(auditId);
    expect(next.result).toMatchObject({ match: true, recordsReplayed: acknowledged, stateHash: next.result.liveStateHash });
    expect((await api.get(`/v1/audits/${auditId}`, TOKENS.admin)).body).toEqual(view);
  });

  test('roles, ids and bodies: 403 for finance, 401 without a token, 404 for an unknown id, 400 for a malformed id, a query parameter or a body', async () => {
    const api = server!.api;
    const known = (await runAudit(api)).audit.auditId;
    expectProblem(await api.post('/v1/audits/replay', {}, TOKENS.finance), 403, 'forbidden');
    expectProblem(await api.get(`/v1/audits/${known}`, TOKENS.finance), 403, 'forbidden');
    expectProblem(await api.get(`/v1/audits/${known}`, TOKENS.underwriter), 403, 'forbidden');
    expectProblem(await api.get(`/v1/audits/${known}`), 401, 'unauthorized');
    expect((await api.get(`/v1/audits/${known}`, TOKENS.admin)).status).toBe(200);

    const unknown = known.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expectProblem(await api.get(`/v1/audits/${unknown}`, TOKENS.auditor), 404, 'not_found');
    expectProblem(await api.get(`/v1/audits/${'f'.repeat(32)}`, TOKENS.auditor), 404, 'not_found');
    for (const bad of ['nope', known.toUpperCase(), known.slice(1), `${known}0`, `${known.slice(0, 31)}g`, '0', '..', '%2e%2e', `${known}%00`, '__proto__']) {
      const a = await api.get(`/v1/audits/${bad}`, TOKENS.auditor);
      expect({ bad, status: a.status, code: a.body?.code, violation: problemViolation(a) }).toEqual({ bad, status: a.status === 404 ? 404 : 400, code: a.status === 404 ? 'not_found' : 'validation_failed', violation: null });
      if (!['..', '%2e%2e'].includes(bad)) expect({ bad, status: a.status }).toEqual({ bad, status: 400 });
    }
    expectProblem(await api.get(`/v1/audits/${known}?full=1`, TOKENS.auditor), 400, 'validation_failed');
    expectProblem(await api.post('/v1/audits/replay', { full: true }, TOKENS.auditor), 400, 'validation_failed');
    expectProblem(await api.request('POST', '/v1/audits/replay', { token: TOKENS.auditor, body: '{"x":' }), 400, 'validation_failed');
  });

  test('shutdown with an audit running stops its worker; the server restarts on the same data and audits clean', async () => {
    const started = await server!.api.post('/v1/audits/replay', {}, TOKENS.auditor);
    expect(started.status).toBe(202);
    const t0 = Date.now();
    await server!.close();
    server = undefined;
    const closeMs = Date.now() - t0;
    expect(closeMs).toBeLessThan(10_000);
    server = await startInProcess({ dataDir: `${dir}/data`, tokensFile });
    // A restart forgets the audits (kept in memory only).
    expectProblem(await server.api.get(`/v1/audits/${started.body.auditId}`, TOKENS.auditor), 404, 'not_found');
    const { result } = await runAudit(server.api);
    expect(result).toMatchObject({ match: true, stateHash: result.liveStateHash, storedStateHash: result.liveStateHash });
    console.log(`closed with an audit running in ${closeMs} ms; after the restart: ${result.recordsReplayed} records, match ${result.match}`);
  });
});

describe('the audit registry: one at a time, bounded, failures named', () => {
  /** A runner whose audits the test settles by hand. */
  function fakeRunner() {
    const runs: { onProgress: (r: { phase: 'log' | 'read-model' | 'divergence'; done: number; total: number }) => void; resolve: (r: ReplayAuditResult) => void; reject: (e: unknown) => void }[] = [];
    let refuse: Error | null = null;
    const run = (onProgress: (typeof runs)[number]['onProgress']) => {
      if (refuse) throw refuse;
      let resolve!: (r: ReplayAuditResult) => void;
      let reject!: (e: unknown) => void;
      const result = new Promise<ReplayAuditResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      runs.push({ onProgress, resolve, reject });
      return { result };
    };
    return { run, runs, refuseWith: (e: Error | null) => (refuse = e) };
  }
  const result = (records: number): ReplayAuditResult => ({
    eventsReplayed: records,
    recordsReplayed: records,
    partitions: 8,
    through: '2026-01-01T00:00:00Z',
    stateHash: 'a'.repeat(64),
    liveStateHash: 'a'.repeat(64),
    storedStateHash: 'a'.repeat(64),
    match: true,
    durationMs: 1,
  });
  const settle = () => sleep(0);

  test('a start while one runs returns it; progress while running; done with the result; the next start is a new audit', async () => {
    const fake = fakeRunner();
    const registry = new ReplayAuditRegistry(fake.run);
    const first = registry.start();
    expect(first).toEqual({ auditId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'running', startedAt: expect.stringMatching(ISO_MS), progress: { phase: 'log', done: 0, total: 0 } });
    expect(registry.start().auditId).toBe(first.auditId);
    expect(fake.runs).toHaveLength(1);
    fake.runs[0].onProgress({ phase: 'read-model', done: 10, total: 20 });
    expect(registry.get(first.auditId)!.progress).toEqual({ phase: 'read-model', done: 10, total: 20 });
    fake.runs[0].resolve(result(20));
    await settle();
    const done = registry.get(first.auditId)!;
    expect(done).toEqual({ ...first, status: 'done', finishedAt: expect.stringMatching(ISO_MS), progress: { phase: 'read-model', done: 10, total: 20 }, result: result(20) });
    // A late report changes nothing; the next start runs a new audit.
    fake.runs[0].onProgress({ phase: 'divergence', done: 1, total: 1 });
    expect(registry.get(first.auditId)).toEqual(done);
    const second = registry.start();
    expect(second.auditId).not.toBe(first.auditId);
    expect(fake.runs).toHaveLength(2);
  });

  test('failures: log_corrupt and audit_terminated as the thread names them, anything else audit_failed; a runner that cannot start keeps nothing', async () => {
    const fake = fakeRunner();
    const registry = new ReplayAuditRegistry(fake.run);
    const cases: [unknown, { code: string; detail: string }][] = [
      [new AuditFailure('log_corrupt', 'partition 3: record fails its checksum or chain'), { code: 'log_corrupt', detail: 'partition 3: record fails its checksum or chain' }],
      [new AuditFailure('audit_terminated', 'the server is shutting down'), { code: 'audit_terminated', detail: 'the server is shutting down' }],
      [new Error('boom'), { code: 'audit_failed', detail: 'boom' }],
    ];
    for (const [i, [error, expected]] of cases.entries()) {
      const audit = registry.start();
      fake.runs[i].reject(error);
      await settle();
      expect(registry.get(audit.auditId)).toMatchObject({ status: 'failed', finishedAt: expect.stringMatching(ISO_MS), error: expected });
      expect(registry.get(audit.auditId)!.result).toBeUndefined();
    }
    fake.refuseWith(new Error('The ledger is opening'));
    expect(() => registry.start()).toThrow('The ledger is opening');
    expect(registry.size).toBe(3);
    fake.refuseWith(null);
    expect(registry.start().status).toBe('running');
  });

  test(`at most ${AUDITS_KEPT} audits are kept: the oldest go first, the running one stays`, async () => {
    const fake = fakeRunner();
    const registry = new ReplayAuditRegistry(fake.run);
    const auditIds: string[] = [];
    for (let i = 0; i < AUDITS_KEPT + 5; i++) {
      auditIds.push(registry.start().auditId);
      expect(registry.size).toBeLessThanOrEqual(AUDITS_KEPT);
      if (i < AUDITS_KEPT + 4) {
        fake.runs[i].resolve(result(i));
        await settle();
      }
    }
    expect(new Set(auditIds).size).toBe(auditIds.length);
    expect(registry.size).toBe(AUDITS_KEPT);
    for (const id of auditIds.slice(0, 5)) expect(registry.get(id)).toBeUndefined();
    for (const id of auditIds.slice(5, -1)) expect(registry.get(id)?.status).toBe('done');
    expect(registry.get(auditIds[auditIds.length - 1])?.status).toBe('running');
  });
});

describe('the WAL addon in worker threads; the read-only log', () => {
  const ADDON = path.join(REPO_ROOT, 'build', 'native', 'bin', 'wal_addon.node');
  let dir: string;
  let wal: Wal;
  let records: number;

  beforeAll(async () => {
    dir = tempDir('ledger-audit-wal-');
    wal = await Wal.open(path.join(dir, 'wal'), { partitions: 2 });
    const record = Buffer.alloc(300, 7);
    for (let b = 0; b < 20; b++) await wal.appendBatch(0, Array.from({ length: 2000 }, (_, i) => Buffer.concat([record, Buffer.from(String(b * 2000 + i))])));
    records = wal.durableLsns()[0] + 1;
  });

  afterAll(async () => {
    await wal?.close();
    removeDir(dir);
  });

  /** A worker thread that loads the addon and scans partition 0 (in a loop when `forever`), posting 'scanning' first. */
  function scanner(forever: boolean): Worker {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.addon);
      (async () => {
        parentPort.postMessage('scanning');
        do {
          const scan = addon.scanOpen(workerData.dir, null, 0, 0);
          let n = 0;
          for (;;) { const b = await scan.next(workerData.limit, 4096, true); if (b.count === 0) break; n += b.count; }
          if (!workerData.forever) parentPort.postMessage(n);
        } while (workerData.forever);
      })();`;
    return new Worker(code, { eval: true, workerData: { addon: ADDON, dir: path.join(dir, 'wal'), limit: records, forever } });
  }

  async function mainScanCount(): Promise<number> {
    let n = 0;
    for await (const batch of wal.scan(0, 0)) n += batch.count;
    return n;
  }

  test('loaded in a worker that ends, the addon still works on the main thread (its constructors are per environment)', async () => {
    const worker = scanner(false);
    const counts: unknown[] = [];
    worker.on('message', (m) => counts.push(m));
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(counts).toEqual(['scanning', records]);
    expect(await mainScanCount()).toBe(records);
    expect(await wal.appendBatch(1, [Buffer.from('after the worker')])).toEqual([0]);
  });

  test('a worker terminated in the middle of scans does not take the process down', async () => {
    for (let i = 0; i < 8; i++) {
      const worker = scanner(true);
      await new Promise((resolve) => worker.once('message', resolve));
      await sleep(3 + i * 4);
      await worker.terminate();
    }
    expect(await mainScanCount()).toBe(records);
  });

  test('ReadOnlyWalLog reads exactly through the LSN it is given, never past it; it takes no appends and needs a bound', async () => {
    const log = new ReadOnlyWalLog(path.join(dir, 'wal'), { partitions: 2 });
    const read = async (partition: number, from: number, through?: number) => {
      const lsns: number[] = [];
      for await (const batch of log.scan(partition, from, through)) for (const r of batch) lsns.push(r.lsn);
      return lsns;
    };
    const through = await read(0, 0, 12_345);
    expect(through.length).toBe(12_346);
    expect(through[0]).toBe(0);
    expect(through[through.length - 1]).toBe(12_345);
    expect(await read(0, 30_000, 30_004)).toEqual([30_000, 30_001, 30_002, 30_003, 30_004]);
    expect(await read(0, 5, 4)).toEqual([]);
    const last = await read(0, records - 3, records - 1);
    expect(last).toEqual([records - 3, records - 2, records - 1]);
    // The payloads are the log's.
    for await (const batch of log.scan(0, 4321, 4321)) expect(batch.map((r) => r.payload.subarray(300).toString())).toEqual(['4321']);
    // Past the end of the log is a defect for a reader that was promised those records.
    await expect(read(0, 0, records + 10)).rejects.toMatchObject({ code: 'WAL_CORRUPT' });
    await expect(read(0, 0)).rejects.toMatchObject({ code: 'WAL_INVALID_ARGUMENT' });
    await expect(read(2, 0, 1)).rejects.toMatchObject({ code: 'WAL_UNKNOWN_PARTITION' });
    await expect(log.appendBatch()).rejects.toMatchObject({ code: 'WAL_INVALID_ARGUMENT' });
    expect(log.recordBytesMax).toBe(walAddon.limits.recordBytesMax);
  });
});
