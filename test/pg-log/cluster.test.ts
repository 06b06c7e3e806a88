// Two API nodes (dist, child processes) on one PostgreSQL log, on loopback:
// a primary, its synchronous standby (standby1), and standby2 cascading from
// standby1, named by standby1 as its own synchronous standby, so that once
// standby1 is promoted the new primary again acknowledges only what a second
// server has. The log URL lists the primary and standby1: a node finds the
// new primary by itself.
//
//   - a command on one node is read on the other with minPosition; a console
//     session signed in on the follower sends its commands through it;
//   - two claim payments that together exceed the reserve, sent to the two
//     nodes at once: exactly one is accepted, on every one of five claims;
//   - the primary killed with SIGKILL under load from both nodes, standby1
//     promoted: the nodes reconnect, every acknowledged command is present
//     (a retry on either node gets its first answer), every command answered
//     503 gets its final outcome on retry, and the replay audit's state hash
//     is the same on both nodes;
//   - the leading API node killed with SIGKILL under load: the other takes
//     the lease within moments, nothing acknowledged is lost, and the killed
//     node restarted on its directory follows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

import { type PostgresServer, promote, queryOne, startPostgres, startStandby } from '../../apps/bench/src/postgres';
import { ledgerUrl, rowsOnStandby } from './support';
import { type Answer, type ChildServer, CommandIds, TOKENS, freePort, removeDir, runAudit, startChild, tempDir, writeTokensFile } from '../e2e/support';

jest.setTimeout(300_000);

const progress = (line: string) => process.stderr.write(`cluster test: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two API nodes on a PostgreSQL primary with a synchronous standby', () => {
  let root: string;
  let tokensFile: string;
  let primary: PostgresServer;
  let standby1: PostgresServer;
  let standby2: PostgresServer;
  let logUrl: string;
  let a: ChildServer;
  let b: ChildServer;
  const ids = new CommandIds();

  beforeAll(async () => {
    root = tempDir('ledger-cluster-');
    fs.chmodSync(root, 0o755); // the servers run as the postgres user
    tokensFile = writeTokensFile(root);
    primary = await startPostgres(path.join(root, 'primary'), await freePort(), progress, { synchronousStandbyNames: 'standby1' });
    standby1 = await startStandby(primary, path.join(root, 'standby1'), await freePort(), 'standby1', progress, [['synchronous_standby_names', 'standby2']]);
    standby2 = await startStandby(standby1, path.join(root, 'standby2'), await freePort(), 'standby2', progress, [['wal_retrieve_retry_interval', '200ms']]);
    const client = new Client({ connectionString: primary.url });
    await client.connect();
    await client.query('CREATE DATABASE ledger');
    await client.end();
    logUrl = `postgres://bench@127.0.0.1:${primary.port},127.0.0.1:${standby1.port}/ledger?target_session_attrs=read-write&connect_timeout=2`;
    a = await startNode('a');
    b = await startNode('b');
    expect(await role(a)).toBe('leader');
    expect(await role(b)).toBe('follower');
  });

  afterAll(async () => {
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
    await standby2?.stop();
    await standby1?.stop();
    await primary?.stop();
    removeDir(root);
  });

  function startNode(name: string): Promise<ChildServer> {
    return startChild({ dataDir: path.join(root, `node-${name}`), tokensFile, env: { LEDGER_LOG: logUrl } });
  }

  async function role(node: ChildServer): Promise<string> {
    const ready = await node.api.get('/health/ready');
    return ready.status === 200 ? String(ready.body.role) : `not ready: ${ready.text}`;
  }

  function bindBody(policyId: string, commandId = ids.next()): Record<string, unknown> {
    return { commandId, policyId, currency: 'EUR', holder: { name: policyId }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '1200.00' };
  }

  test('a command sent to either node is read on the other with minPosition (a console session on the follower too); a bad or unreached minPosition is refused', async () => {
    // Sent to the follower: it passes the command to the leader and returns its answer.
    const onB = await b.api.post('/v1/policies', bindBody('M-1'), TOKENS.underwriter);
    expect(onB.status).toBe(201);
    const position = String(onB.headers['ledger-position']);
    expect(position).toBe(onB.body.recordedAt);
    const readA = await a.api.get(`/v1/policies/M-1?minPosition=${position}`, TOKENS.underwriter);
    expect(readA.status).toBe(200);
    // Sent to the leader, read at once on the follower: it waits until it has applied the log that far.
    for (let i = 2; i <= 6; i++) {
      const onA = await a.api.post('/v1/policies', bindBody(`M-${i}`), TOKENS.underwriter);
      expect(onA.status).toBe(201);
      const readB = await b.api.get(`/v1/policies/M-${i}?minPosition=${onA.headers['ledger-position']}`, TOKENS.underwriter);
      expect({ status: readB.status, policyId: readB.body.policyId }).toEqual({ status: 200, policyId: `M-${i}` });
      expect(String(readB.headers['ledger-position']) >= String(onA.headers['ledger-position'])).toBe(true);
      expect(readB.body).toEqual((await a.api.get(`/v1/policies/M-${i}`, TOKENS.underwriter)).body);
    }
    // A console session on the follower: its command goes to the leader with the session's own token (the leader knows no session of B).
    const signIn = await b.api.request('POST', '/console/session', { body: { token: TOKENS.underwriter } });
    expect(signIn.status).toBe(201);
    const cookie = String([signIn.headers['set-cookie']].flat()[0]).split(';')[0];
    const viaSession = await b.api.request('POST', '/v1/policies', { body: bindBody('M-S'), headers: { cookie, 'x-csrf-token': signIn.body.csrfToken } });
    expect(viaSession.status).toBe(201);
    const trail = await a.api.get(`/v1/audit/entities/policy/M-S?minPosition=${viaSession.headers['ledger-position']}`, TOKENS.auditor);
    expect(trail.body.events.map((e: { actor: string }) => e.actor)).toEqual(['underwriter-e2e']);
    // Without the CSRF token the follower refuses it itself: nothing is forwarded.
    const noCsrf = await b.api.request('POST', '/v1/policies', { body: bindBody('M-T'), headers: { cookie } });
    expect({ status: noCsrf.status, code: noCsrf.body.code }).toEqual({ status: 403, code: 'csrf_failed' });
    expect((await a.api.get('/v1/policies/M-T', TOKENS.underwriter)).status).toBe(404);
    const bad = await b.api.get('/v1/policies/M-1?minPosition=yesterday', TOKENS.underwriter);
    expect({ status: bad.status, code: bad.body.code, path: bad.body.errors?.[0]?.path }).toEqual({ status: 400, code: 'validation_failed', path: 'minPosition' });
    const future = await b.api.get('/v1/policies/M-1?minPosition=2999-01-01T00:00:00Z', TOKENS.underwriter);
    expect({ status: future.status, code: future.body.code, retryAfter: future.headers['retry-after'] }).toEqual({ status: 503, code: 'position_not_reached', retryAfter: '1' });
    // Without minPosition, the follower is within a second of the log.
    const last = await a.api.post('/v1/policies', bindBody('M-7'), TOKENS.underwriter);
    expect(last.status).toBe(201);
    await sleep(1_000);
    expect((await b.api.get('/v1/policies/M-7', TOKENS.underwriter)).status).toBe(200);
  });

  test('two payments that together exceed a claim reserve, sent to both nodes at once: exactly one is accepted', async () => {
    const created = await a.api.post('/v1/policies', bindBody('R-1'), TOKENS.underwriter);
    expect(created.status).toBe(201);
    for (let c = 1; c <= 5; c++) {
      const claim = await b.api.post('/v1/claims', { commandId: ids.next(), claimId: `RC-${c}`, policyId: 'R-1', lossDate: '2026-03-10', reportedDate: '2026-03-12', initialReserve: '1000' }, TOKENS.claims);
      expect(claim.status).toBe(201);
      const pay = (node: ChildServer) => node.api.post(`/v1/claims/RC-${c}/payments`, { commandId: ids.next(), effectiveDate: '2026-03-20', amount: '600.00' }, TOKENS.claims);
      const answers = await Promise.all([pay(a), pay(b)]);
      const statuses = answers.map((x) => x.status).sort();
      expect(statuses).toEqual([201, 422]);
      expect(answers.find((x) => x.status === 422)!.body.code).toBe('payment_exceeds_reserve');
      const positions = answers.map((x) => String(x.headers['ledger-position'])).sort();
      const state = await b.api.get(`/v1/claims/RC-${c}?minPosition=${positions[1]}`, TOKENS.claims);
      expect(state.status).toBe(200);
      expect(JSON.stringify(state.body)).toContain('600.00');
      expect(JSON.stringify(state.body)).not.toContain('1200.00');
    }
  });

  test('the primary killed with SIGKILL under load, standby1 promoted: nothing acknowledged is lost, retries get their first answers, both nodes audit to the same state hash', async () => {
    interface Sent {
      commandId: string;
      policyId: string;
      /** The first answer that was not a 503 (the command's outcome). */
      status?: number;
      body?: unknown;
      /** Answered 503 at least once (its outcome unknown until retried). */
      unavailable: number;
    }
    const sent: Sent[] = [];
    let killedAt = 0;
    let firstAckAfterKillMs = -1;
    let stop = false;
    let n = 0;
    const target = 2_400;
    const acknowledged = () => sent.filter((s) => s.status === 201).length;
    const worker = async (w: number) => {
      while (!stop) {
        const item: Sent = { commandId: ids.next(), policyId: `F-${++n}`, unavailable: 0 };
        sent.push(item);
        const node = (w + n) % 2 === 0 ? a : b;
        // Until the command has an outcome: a 503 (or a dropped connection) means unknown, and the retry (same commandId) settles it.
        for (;;) {
          const sentAt = Date.now();
          let answer: Answer | null = null;
          try {
            answer = await node.api.post('/v1/policies', bindBody(item.policyId, item.commandId), TOKENS.underwriter);
          } catch {
            answer = null;
          }
          if (answer !== null && answer.status !== 503) {
            item.status = answer.status;
            item.body = answer.body;
            if (answer.status === 201 && killedAt > 0 && sentAt >= killedAt && firstAckAfterKillMs < 0) firstAckAfterKillMs = Date.now() - killedAt;
            break;
          }
          item.unavailable++;
          await sleep(100);
        }
        if (acknowledged() >= target && killedAt > 0) stop = true;
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    while (acknowledged() < target / 2) await sleep(50);
    progress(`${acknowledged()} acknowledged: killing the primary`);
    await primary.kill();
    killedAt = Date.now(); // once its processes are gone: until then it may still acknowledge
    await promote(standby1);
    progress(`standby1 promoted ${Date.now() - killedAt} ms after the kill`);
    await Promise.all(workers);
    progress(`${acknowledged()} acknowledged of ${sent.length} sent; ${sent.filter((s) => s.unavailable > 0).length} answered 503 first; first acknowledgement ${firstAckAfterKillMs} ms after the kill`);
    expect(acknowledged()).toBeGreaterThanOrEqual(2_000);
    expect(firstAckAfterKillMs).toBeGreaterThan(0);
    expect(sent.filter((s) => s.unavailable > 0).length).toBeGreaterThan(0); // the kill was felt
    expect(sent.every((s) => s.status === 201)).toBe(true);

    // Both nodes are back, one leading; the follower has applied everything the leader has.
    const roles = [await role(a), await role(b)].sort();
    expect(roles).toEqual(['follower', 'leader']);
    const latest = await a.api.post('/v1/policies', bindBody('F-last'), TOKENS.underwriter);
    expect(latest.status).toBe(201);
    const position = String(latest.headers['ledger-position']);
    for (const node of [a, b]) expect((await node.api.get(`/v1/policies/F-last?minPosition=${position}`, TOKENS.underwriter)).status).toBe(200);

    // Every command: a retry on either node gets its first answer, marked as a replay.
    for (let i = 0; i < sent.length; i++) {
      const s = sent[i];
      const node = i % 2 === 0 ? b : a;
      const retry = await node.api.post('/v1/policies', bindBody(s.policyId, s.commandId), TOKENS.underwriter);
      expect({ policyId: s.policyId, status: retry.status, replayed: retry.headers['idempotent-replayed'], body: retry.body }).toEqual({
        policyId: s.policyId,
        status: s.status,
        replayed: 'true',
        body: s.body,
      });
    }
    // The log on the new primary is on its synchronous standby too.
    const rows = Number(await queryOne(ledgerUrl(standby1), 'SELECT count(*) FROM ledger_log'));
    expect(rows).toBeGreaterThan(acknowledged());
    expect(await rowsOnStandby(standby2, rows)).toBe(rows);

    const [auditA, auditB] = [await runAudit(a.api), await runAudit(b.api)];
    expect(auditA.result.match).toBe(true);
    expect(auditB.result.match).toBe(true);
    expect(auditA.result.stateHash).toBe(auditB.result.stateHash);
    expect(auditA.result.recordsReplayed).toBe(auditB.result.recordsReplayed);
  });
  test('the leading API node killed with SIGKILL under load: the other takes the lease, nothing acknowledged is lost, and the restarted node follows', async () => {
    const leader = (await role(a)) === 'leader' ? 'a' : 'b';
    const victim = leader === 'a' ? a : b;
    const survivor = leader === 'a' ? b : a;
    const acked: { commandId: string; policyId: string; body: unknown }[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const policyId = `L-${++n}`;
        const commandId = ids.next();
        // Sent to the survivor (a follower until the kill): it forwards to the leader, then leads itself. Retried until it has an outcome.
        for (;;) {
          const answer = await survivor.api.post('/v1/policies', bindBody(policyId, commandId), TOKENS.underwriter).catch(() => null);
          if (answer !== null && answer.status !== 503) {
            expect(answer.status).toBe(201);
            acked.push({ commandId, policyId, body: answer.body });
            break;
          }
          await sleep(50);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    while (acked.length < 300) await sleep(20);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const before = acked.length;
    while (acked.length < before + 300) await sleep(20);
    stop = true;
    await Promise.all(workers);
    progress(`leader node killed after ${before} acknowledged; the other led and acknowledged ${acked.length - before} more, in ${Date.now() - killedAt} ms`);
    expect(await role(survivor)).toBe('leader');
    // Restarted on its directory: it follows, and has every command.
    const restarted = await startNode(leader);
    if (leader === 'a') a = restarted;
    else b = restarted;
    expect(await role(restarted)).toBe('follower');
    const last = acked[acked.length - 1];
    const position = String((await survivor.api.get(`/v1/policies/${last.policyId}`, TOKENS.underwriter)).headers['ledger-position']);
    for (const x of acked) {
      const retry = await restarted.api.post('/v1/policies', bindBody(x.policyId, x.commandId), TOKENS.underwriter);
      expect({ policyId: x.policyId, status: retry.status, replayed: retry.headers['idempotent-replayed'], body: retry.body }).toEqual({ policyId: x.policyId, status: 201, replayed: 'true', body: x.body });
    }
    expect((await restarted.api.get(`/v1/policies/${last.policyId}?minPosition=${position}`, TOKENS.underwriter)).status).toBe(200);
  });
});
