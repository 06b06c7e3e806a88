// Record format 2 (a MessagePack tuple, libs/event-store/src/record.ts) and
// the logs written before it (format 1, JSON text, read through
// migrations/src/0004-record-json.ts), over real HTTP on real logs.
//
// A server runs the book script and writes format 2. Its log is then copied
// record by record into two new logs, one with every record rewritten as the
// JSON text format 1 stored, one with each partition's first half rewritten
// and the rest left as written. Servers opened on those logs (no read model:
// they replay from the log) must answer every query of the script exactly as
// the server that wrote the book did, instants included (the same log gives
// the same recordedAt); the replay audit must match; a retry of a command
// whose record is format 1 must get its first answer; a new command appends
// format 2 after the format-1 records, and a restart serves it.
import * as path from 'node:path';
import { WalLog, decodeRecord } from '@app/event-store';
import { commands, queries, withoutInstants } from './book-script';
import { type InProcessServer, CommandIds, TOKENS, removeDir, runAudit, startInProcess, tempDir, writeTokensFile } from './support';

jest.setTimeout(120_000);

const JSON_FIRST_BYTE = 0x7b; // `{`
const FORMAT_2_FIRST_BYTE = 0x99; // a MessagePack array of nine

/** A record as the format-1 encoder wrote it: the JSON text of { f: 1, ...record }. */
function formatOne(payload: Buffer): Buffer {
  return Buffer.from(JSON.stringify({ f: 1, ...decodeRecord(payload) }), 'utf8');
}

/** Every record of `from`, copied to a new log at `to` (same partitions, same LSNs), rewritten to format 1 where `rewrite(lsn, count)` says so. */
async function copyLog(from: string, to: string, rewrite: (lsn: number, count: number) => boolean): Promise<{ formatOne: number; formatTwo: number }> {
  const source = await WalLog.open(from, { create: false });
  const target = await WalLog.open(to, { partitions: source.partitions });
  const counts = { formatOne: 0, formatTwo: 0 };
  try {
    for (let p = 0; p < source.partitions; p++) {
      const payloads: Buffer[] = [];
      // The scan reuses its buffers: keep copies.
      for await (const batch of source.scan(p, 0)) for (const r of batch) payloads.push(Buffer.from(r.payload));
      const out = payloads.map((payload, lsn) => (rewrite(lsn, payloads.length) ? formatOne(payload) : payload));
      for (const b of out) counts[b[0] === JSON_FIRST_BYTE ? 'formatOne' : 'formatTwo']++;
      for (let i = 0; i < out.length; i += 64) await target.appendBatch(p, out.slice(i, i + 64));
    }
  } finally {
    await source.close();
    await target.close();
  }
  return counts;
}

/** First bytes of every record of a log, by partition and LSN order. */
async function firstBytes(dir: string): Promise<number[]> {
  const log = await WalLog.open(dir, { create: false });
  const bytes: number[] = [];
  try {
    for (let p = 0; p < log.partitions; p++) for await (const batch of log.scan(p, 0)) for (const r of batch) bytes.push(r.payload[0]);
  } finally {
    await log.close();
  }
  return bytes;
}

describe('record formats', () => {
  let root: string;
  let tokensFile: string;
  const servers: InProcessServer[] = [];

  async function start(dataDir: string): Promise<InProcessServer> {
    const server = await startInProcess({ dataDir, tokensFile });
    servers.push(server);
    return server;
  }
  async function stop(server: InProcessServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  }

  beforeAll(() => {
    root = tempDir('ledger-record-format-');
    tokensFile = writeTokensFile(root);
  });

  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    removeDir(root);
  });

  test('logs of format 1, and of both formats, replay to the answers of the server that wrote them; retries keep their first answer; new records are format 2', async () => {
    const written = path.join(root, 'written');
    const first = await start(written);
    const { answers: commandAnswers, mid } = await commands(first.api);
    const expected = await queries(first.api, mid);
    expect(expected.filter((a) => (a as { status: number }).status !== 200)).toEqual([]);
    // Two answers kept exactly, instants included: the same log gives the same recordedAt.
    const atMid = `/v1/reports/trial-balance?asOf=2026-06-30&limit=10000&knownAt=${encodeURIComponent(mid)}`;
    const balanceAtMid = (await first.api.get(atMid, TOKENS.finance)).text;
    const firstLaunch = (await first.api.post('/v1/funds', { commandId: new CommandIds(4242).next(), fundId: 'F-A', currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin'])).body;
    await stop(first);
    // Everything the server wrote is format 2.
    const writtenBytes = await firstBytes(path.join(written, 'wal'));
    expect(writtenBytes.length).toBeGreaterThan(30);
    expect(new Set(writtenBytes)).toEqual(new Set([FORMAT_2_FIRST_BYTE]));

    const logs = {
      'format 1': await copyLog(path.join(written, 'wal'), path.join(root, 'json', 'wal'), () => true),
      'both formats': await copyLog(path.join(written, 'wal'), path.join(root, 'mixed', 'wal'), (lsn, count) => lsn < count / 2),
    };
    expect(logs['format 1']).toEqual({ formatOne: writtenBytes.length, formatTwo: 0 });
    expect(logs['both formats'].formatOne).toBeGreaterThan(0);
    expect(logs['both formats'].formatTwo).toBeGreaterThan(0);

    for (const [name, dir] of [
      ['format 1', 'json'],
      ['both formats', 'mixed'],
    ] as const) {
      const dataDir = path.join(root, dir);
      let server = await start(dataDir);
      expect({ log: name, answers: await queries(server.api, mid) }).toEqual({ log: name, answers: expected });
      expect((await server.api.get(atMid, TOKENS.finance)).text).toBe(balanceAtMid);
      expect((await runAudit(server.api)).result.match).toBe(true);

      // The script's first command (a fund launch, stored as format 1 in both logs): a retry gets its first answer.
      const ids = new CommandIds(4242);
      const retry = await server.api.post('/v1/funds', { commandId: ids.next(), fundId: 'F-A', currency: 'EUR', launchNavPerUnit: '1.000000' }, TOKENS['fund-admin']);
      expect(retry.status).toBe(201);
      expect(withoutInstants(retry.body)).toEqual((commandAnswers[0] as { answer: unknown }).answer);
      expect(retry.body).toEqual(firstLaunch);

      // A new command appends format 2 after the format-1 records; a restart replays both.
      const policy = await server.api.post(
        '/v1/policies',
        { commandId: new CommandIds(9191).next(), policyId: 'P-NEW', currency: 'EUR', holder: { name: 'New' }, term: { start: '2026-01-01', end: '2027-01-01' }, premium: '365.00' },
        TOKENS.underwriter,
      );
      expect(policy.status).toBe(201);
      const before = await server.api.get('/v1/policies/P-NEW?asOf=2026-07-01', TOKENS.underwriter);
      await stop(server);
      const bytes = await firstBytes(path.join(dataDir, 'wal'));
      expect(bytes.filter((b) => b === FORMAT_2_FIRST_BYTE).length).toBe(logs[name].formatTwo + 1);
      server = await start(dataDir);
      expect((await server.api.get('/v1/policies/P-NEW?asOf=2026-07-01', TOKENS.underwriter)).body).toEqual(before.body);
      expect((await server.api.get(atMid, TOKENS.finance)).text).toBe(balanceAtMid);
      await stop(server);
    }
  });
});

