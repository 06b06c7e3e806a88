// Graceful shutdown: the API as a child process (`node dist/...`), 16
// concurrent clients binding policies and paying pension contributions (12 on
// keep-alive connections, 4 opening one per request), and SIGTERM in the
// middle of it. Requests arriving while it drains get 503 not_ready
// (problem+json, Connection: close); new connections are refused. The process must exit 0 within 10 s. After a
// restart on the same data directory:
//   - every command that got a 2xx is durable and visible: its idempotent
//     replay returns the same status and body with Idempotent-Replayed: true,
//     the policy it bound answers GET 200, the contribution's events are in
//     the member's and the fund's audit trails;
//   - every command that got no 2xx (a 503 while draining, a connection
//     error, no answer) is there entirely or not at all: its events are in
//     both trails (member and fund) or in neither, and a retry with its
//     commandId is a replay exactly when they were there.
// A second test: a client stalled in the middle of a request body cannot
// hold the shutdown past its deadline (SHUTDOWN_TIMEOUT_MS).
//
// Needs `npm run build:ts` first.
import * as net from 'node:net';

import { type Answer, type ChildServer, CommandIds, TOKENS, assertBuilt, removeDir, sleep, startChild, tempDir, writeTokensFile } from './support';

const CLIENTS = 16;
const DEALING_DATE = '2026-03-31';
const FUND = 'F-SHUT';

jest.setTimeout(120_000);

interface Sent {
  kind: 'bind' | 'contribute';
  path: string;
  body: Record<string, unknown>;
  token: string;
  /** The entity whose trail shows the command (policy or member). */
  entity: string;
  answer?: Answer;
  answeredAt?: number;
  error?: string;
}

/** The audit trail of an entity as text (events carry their commandId). */
async function trail(server: ChildServer, kind: string, id: string): Promise<string> {
  const a = await server.api.get(`/v1/audit/entities/${kind}/${id}`, TOKENS.auditor);
  expect(a.status).toBe(200);
  return a.text;
}

/** JSON lines of the child's output (its logs), skipping anything else. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('graceful shutdown on SIGTERM', () => {
  let dir: string;
  let server: ChildServer | undefined;

  beforeAll(() => {
    assertBuilt();
    dir = tempDir('ledger-shutdown-');
  });

  afterAll(async () => {
    await server?.kill('SIGKILL');
    removeDir(dir);
  });

  test('under load from 16 clients: exit 0 within 10 s; every 2xx durable and visible after restart; the rest all or nothing', async () => {
    const tokensFile = writeTokensFile(dir);
    const dataDir = `${dir}/data`;
    const ids = new CommandIds(0x5157);
    server = await startChild({ dataDir, tokensFile });
    const first = server;

    // A fund with a NAV struck for the dealing date, one member per client.
    expect((await first.api.post('/v1/funds', { commandId: ids.next(), fundId: FUND, currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin'])).status).toBe(201);
    expect((await first.api.post(`/v1/funds/${FUND}/valuations`, { commandId: ids.next(), valuationDate: DEALING_DATE, netAssets: '0.00' }, TOKENS['fund-admin'])).status).toBe(201);
    for (let c = 0; c < CLIENTS; c++) {
      expect((await first.api.post('/v1/members', { commandId: ids.next(), memberId: `M-${c}`, name: `Member ${c}` }, TOKENS.pensions)).status).toBe(201);
    }

    const sent: Sent[] = [];
    let sigtermAt = 0;
    let acknowledged = 0;
    const client = async (c: number): Promise<void> => {
      for (let n = 0; ; n++) {
        const s: Sent =
          n % 2 === 0
            ? {
                kind: 'bind',
                path: '/v1/policies',
                body: {
                  commandId: ids.next(),
                  policyId: `P-${c}-${n}`,
                  currency: 'EUR',
                  holder: { name: `Holder ${c}` },
                  term: { start: '2026-01-01', end: '2027-01-01' },
                  premium: `${1000 + n}.00`,
                },
                token: TOKENS.underwriter,
                entity: `policy/P-${c}-${n}`,
              }
            : {
                kind: 'contribute',
                path: `/v1/members/M-${c}/contributions`,
                body: { commandId: ids.next(), fundId: FUND, amount: `${100 + n}.00`, effectiveDate: DEALING_DATE },
                token: TOKENS.pensions,
                entity: `member/M-${c}`,
              };
        sent.push(s);
        try {
          // Every fourth client opens a connection per request: after SIGTERM it meets a closed port.
          s.answer = await first.api.request('POST', s.path, { token: s.token, body: s.body, timeoutMs: 15_000, fresh: c % 4 === 3 });
          s.answeredAt = Date.now();
          if (s.answer.status < 300) acknowledged++;
        } catch (e) {
          s.error = e instanceof Error ? e.message : String(e);
          if (!sigtermAt) throw new Error(`a request failed before SIGTERM: ${s.error}`);
          return;
        }
        // After SIGTERM the server sheds load: stop once refused.
        if (sigtermAt && s.answer.status === 503) return;
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));

    // Let the load build up, then SIGTERM in the middle of it.
    while (acknowledged < 400) await sleep(20);
    sigtermAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    const exitMs = Date.now() - sigtermAt;
    await Promise.all(clients);
    first.api.close();

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(10_000);
    const logs = logLines(first.output());
    expect(logs.some((l) => l.msg === 'shutting down: no new connections, draining requests in flight' && l.signal === 'SIGTERM')).toBe(true);
    expect(logs.some((l) => l.msg === 'requests drained: closing the log')).toBe(true);
    expect(logs.some((l) => String(l.msg).startsWith('stopped:'))).toBe(true);

    // What the clients saw: 2xx before and while draining; afterwards only 503 or connection errors.
    const ok = sent.filter((s) => s.answer && s.answer.status < 300);
    const unanswered = sent.filter((s) => !s.answer || s.answer.status >= 300);
    for (const s of sent) {
      if (!s.answer) continue;
      expect([201, 503]).toContain(s.answer.status);
      if (s.answer.status !== 503) continue;
      // Refused while draining: problem+json like every error, and the connection closes.
      expect(s.answeredAt).toBeGreaterThanOrEqual(sigtermAt);
      expect({ type: s.answer.type?.split(';')[0], code: s.answer.body?.code, connection: s.answer.headers.connection }).toEqual({
        type: 'application/problem+json',
        code: 'not_ready',
        connection: 'close',
      });
    }
    expect(ok.length).toBeGreaterThanOrEqual(400);
    expect(ok.filter((s) => s.kind === 'contribute').length).toBeGreaterThan(100);
    expect(unanswered.filter((s) => s.error !== undefined).length).toBeGreaterThan(0);

    // Restart on the same data directory.
    server = await startChild({ dataDir, tokensFile });
    const second = server;
    const memberTrails = new Map<string, string>();
    for (let c = 0; c < CLIENTS; c++) memberTrails.set(`member/M-${c}`, await trail(second, 'member', `M-${c}`));
    const fundTrail = await trail(second, 'fund', FUND);

    // Every 2xx: visible, and its replay is the same answer.
    for (const s of ok) {
      const id = String(s.body.commandId);
      if (s.kind === 'bind') {
        const policy = await second.api.get(`/v1/policies/${String(s.body.policyId)}`, TOKENS.underwriter);
        expect({ id, status: policy.status }).toEqual({ id, status: 200 });
      } else {
        expect({ id, member: memberTrails.get(s.entity)?.includes(id), fund: fundTrail.includes(id) }).toEqual({ id, member: true, fund: true });
      }
      const replay = await second.api.request('POST', s.path, { token: s.token, body: s.body });
      expect({ id, status: replay.status, body: replay.body, replayed: replay.headers['idempotent-replayed'] }).toEqual({
        id,
        status: s.answer?.status,
        body: s.answer?.body,
        replayed: 'true',
      });
    }

    // Every other command: all there or not at all, and a retry agrees.
    for (const s of unanswered) {
      const id = String(s.body.commandId);
      let there: boolean;
      if (s.kind === 'bind') {
        const policy = await second.api.get(`/v1/policies/${String(s.body.policyId)}`, TOKENS.underwriter);
        expect([200, 404]).toContain(policy.status);
        there = policy.status === 200;
        if (there) expect((await trail(second, 'policy', String(s.body.policyId))).includes(id)).toBe(true);
      } else {
        const inMember = memberTrails.get(s.entity)?.includes(id) ?? false;
        expect({ id, member: inMember, fund: fundTrail.includes(id) }).toEqual({ id, member: inMember, fund: inMember });
        there = inMember;
      }
      const retry = await second.api.request('POST', s.path, { token: s.token, body: s.body });
      expect({ id, status: retry.status, replayed: retry.headers['idempotent-replayed'] === 'true' }).toEqual({ id, status: 201, replayed: there });
    }

    // The restarted server stops cleanly too.
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    second.api.close();
    server = undefined;
  });

  test('a client stalled mid-body cannot hold the shutdown past SHUTDOWN_TIMEOUT_MS', async () => {
    const dataDir = `${dir}/stalled`;
    process.env.SHUTDOWN_TIMEOUT_MS = '4000';
    try {
      server = await startChild({ dataDir, tokensFile: writeTokensFile(dir) });
    } finally {
      delete process.env.SHUTDOWN_TIMEOUT_MS;
    }
    const child = server;
    // Headers and half the body of a command, then nothing.
    const socket = net.connect(child.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(
      `POST /v1/policies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.underwriter}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"commandId":`,
    );
    await sleep(200);

    const t0 = Date.now();
    child.child.kill('SIGTERM');
    const exit = await child.exited;
    const ms = Date.now() - t0;
    await closed;
    child.api.close();
    server = undefined;

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // Cut 2 s before the 4 s deadline, then the log closes.
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(4000);
    expect(logLines(child.output()).some((l) => String(l.msg).startsWith('requests still in flight near the deadline'))).toBe(true);
  });
});
