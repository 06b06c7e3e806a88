// The PostgreSQL log (libs/pg-log) against a real PostgreSQL primary and its
// synchronous standby on loopback (Debian's postgresql package, installed
// when missing; each in a temp directory). What it must do: refuse a cluster
// that would acknowledge with no synchronous standby (unless told it is a
// single-node development setup); append atomically, in order, in group
// commits; have every acknowledged record on the standby; refuse a second
// writer at the same position; read back exactly what was written and
// refuse a gap or a changed byte; find the primary among several hosts; never
// show the password.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { PgLog, PgLogError, parseLogUrl } from '@app/pg-log';

import { type PostgresServer, queryOne, startPostgres, startStandby } from '../../apps/bench/src/postgres';
import { freePort, removeDir, tempDir } from '../e2e/support';
import { ledgerUrl, rowsOnStandby } from './support';

jest.setTimeout(120_000);

const progress = (line: string) => process.stderr.write(`pg-log test: ${line}\n`);

async function sql(url: string, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

async function all(log: PgLog, partition: number, from = 0, through?: number): Promise<{ lsn: number; text: string }[]> {
  const out: { lsn: number; text: string }[] = [];
  for await (const batch of log.scan(partition, from, through)) for (const r of batch) out.push({ lsn: r.lsn, text: r.payload.toString() });
  return out;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as PgLogError).code, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('the PostgreSQL log', () => {
  let root: string;
  let primary: PostgresServer;
  let standby: PostgresServer | undefined;
  let url: string;

  beforeAll(async () => {
    root = tempDir('ledger-pg-log-');
    fs.chmodSync(root, 0o755); // the servers run as the postgres user, which must reach their directories
    // No synchronous standby named yet: with one named and none streaming, every commit (CREATE DATABASE too) would wait.
    primary = await startPostgres(path.join(root, 'primary'), await freePort(), progress);
    url = ledgerUrl(primary);
    await sql(primary.url, 'CREATE DATABASE ledger');
  });

  afterAll(async () => {
    await standby?.stop();
    await primary?.stop();
    removeDir(root);
  });

  test('with no synchronous standby named, or none streaming, open refuses; a single-node development setup is let through and says so', async () => {
    const dev = await PgLog.open(url, { singleNode: true, partitions: 4, leadAs: 'http://dev' });
    expect(dev.durability).toBe('synchronous_commit on, single node (no synchronous standby: development only)');
    expect(await dev.appendBatch(0, [Buffer.from('dev')])).toEqual([0]);
    await dev.close();
    await sql(url, 'DELETE FROM ledger_log');
    const unnamed = await refusal(PgLog.open(url));
    expect(unnamed.code).toBe('no_sync_standby');
    expect(unnamed.message).toMatch(/would acknowledge with no synchronous standby \(synchronous_standby_names = '', 0 streaming as sync\).*LEDGER_LOG_SINGLE_NODE=on/);
    await sql(primary.url, "ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
    await sql(primary.url, 'SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 200));
    const notStreaming = await refusal(PgLog.open(url));
    expect(notStreaming.message).toMatch(/synchronous_standby_names = 'standby1', 0 streaming as sync/);
  });

  test('with the standby: batches are atomic, in order and contiguous per partition, group-committed, and on the standby once acknowledged', async () => {
    standby = await startStandby(primary, path.join(root, 'standby'), await freePort(), 'standby1', progress);
    expect(await queryOne(primary.url, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")).toBe('sync');
    const log = await PgLog.open(url, { partitions: 4, leadAs: 'http://a' });
    expect(log.durability).toBe('synchronous_commit on, synchronous standby standby1');
    // 200 batches in one event-loop turn, over the 4 partitions.
    const flushesBefore = log.flushes;
    const calls = Array.from({ length: 200 }, (_, i) => log.appendBatch(i % 4, [Buffer.from(`r${i}-a`), Buffer.from(`r${i}-b`)]));
    const lsns = await Promise.all(calls);
    expect(log.flushes - flushesBefore).toBeLessThanOrEqual(2);
    for (let p = 0; p < 4; p++) {
      const mine = lsns.filter((_, i) => i % 4 === p);
      expect(mine.flat()).toEqual(Array.from({ length: 100 }, (_, k) => k)); // contiguous, in call order
      const rows = await all(log, p);
      expect(rows.map((r) => r.text)).toEqual(Array.from({ length: 50 }, (_, k) => [`r${4 * k + p}-a`, `r${4 * k + p}-b`]).flat());
    }
    // synchronous_commit on: every acknowledged row is flushed on the standby; it shows once replayed.
    expect(await rowsOnStandby(standby, 400)).toBe(400);
    await log.close();

    // Reopened: the positions carry on; the partition count is the log's.
    const again = await PgLog.open(url, { leadAs: 'http://a' });
    expect(again.partitions).toBe(4);
    expect(await again.appendBatch(1, [Buffer.from('after')])).toEqual([100]);
    expect((await refusal(PgLog.open(url, { partitions: 8 }))).code).toBe('log_mismatch');
    await again.close();
  });

  test('one writer at a time: a second node is refused the lease and its appends; it takes over, after every record, once the first one\'s session is gone', async () => {
    const a = await PgLog.open(url, { leadAs: 'http://node-a' });
    const b = await PgLog.open(url);
    expect(a.isLeader).toBe(true);
    expect(await b.tryLead('http://node-b')).toBe(false);
    expect(await b.leader()).toBe('http://node-a');
    expect((await refusal(b.appendBatch(2, [Buffer.from('from b')]))).code).toBe('not_leader');
    expect(await a.appendBatch(2, [Buffer.from('from a')])).toEqual([100]);
    expect(await b.partitionEnds()).toEqual([99, 100, 100, 99]);
    // The leader's session ends (its machine is gone): the lease is free, and b starts after a's last record.
    await sql(ledgerUrl(primary), "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7414202 AND granted");
    expect((await refusal(a.appendBatch(2, [Buffer.from('a, too late')]))).code).toBe('log_unavailable');
    expect(await b.tryLead('http://node-b')).toBe(true);
    expect(await b.leader()).toBe('http://node-b');
    expect(await b.appendBatch(2, [Buffer.from('from b, leading')])).toEqual([101]);
    expect((await all(b, 2, 99)).map((r) => r.text)).toEqual(['r198-b', 'from a', 'from b, leading']);
    expect((await all(b, 3, 99)).length).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  test('a changed byte or a missing record is refused by the scan (log_corrupt)', async () => {
    const log = await PgLog.open(url);
    await sql(ledgerUrl(primary), "UPDATE ledger_log SET payload = 'x' || payload WHERE partition = 0 AND lsn = 7");
    const changed = await refusal(all(log, 0));
    expect(changed).toEqual({ code: 'log_corrupt', message: 'partition 0: record 7 does not match its checksum' });
    await sql(ledgerUrl(primary), 'DELETE FROM ledger_log WHERE partition = 1 AND lsn = 3');
    expect(await refusal(all(log, 1))).toEqual({ code: 'log_corrupt', message: 'partition 1: record 3 is missing (the next is 4)' });
    expect(await refusal(all(log, 3, 0, 200))).toEqual({ code: 'log_corrupt', message: 'partition 3: record 100 is missing (the log ends before 200)' });
    await log.close();
  });

  test('of several hosts, the first primary is used (a dead host and the standby are passed over); the password never shows', async () => {
    const dead = await freePort();
    const hosts = `127.0.0.1:${dead},127.0.0.1:${standby!.port},127.0.0.1:${primary.port}`;
    const log = await PgLog.open(`postgres://bench:s3cret-pw@${hosts}/ledger?target_session_attrs=read-write&connect_timeout=2`, { leadAs: 'http://a' });
    expect(await log.appendBatch(0, [Buffer.from('via the host list')])).toEqual([100]);
    await log.close();
    const none = await refusal(PgLog.open(`postgres://bench:s3cret-pw@127.0.0.1:${dead},127.0.0.1:${standby!.port}/ledger`));
    expect(none.code).toBe('log_unavailable');
    expect(none.message).toContain(`127.0.0.1:${standby!.port} is a standby`);
    expect(none.message).not.toContain('s3cret-pw');
    expect(none.message).toContain('bench:***@');
    expect(() => parseLogUrl('postgres://h/db?sslrootcert=x')).toThrow(/unknown parameter "sslrootcert"/);
    expect(parseLogUrl('postgresql://u@[::1]:6000,h2/db').hosts).toEqual([
      { host: '::1', port: 6000 },
      { host: 'h2', port: 5432 },
    ]);
  });
});
