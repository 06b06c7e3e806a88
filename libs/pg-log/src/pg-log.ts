// The log port on PostgreSQL: the same partitions, records and order as the
// embedded WAL, for a ledger that must survive the loss of a machine. A
// record is acknowledged once PostgreSQL confirms its commit, which with a
// synchronous standby (checked at open) means a second machine has it too.
//
//   ledger_log (partition, lsn, checksum, payload), primary key (partition, lsn)
//   ledger_log_meta (key, value): the partition count, fixed at creation
//
// Appends are group commits: every append made while a flush is in flight
// waits for the next, and each flush is one transaction holding one
// multi-row INSERT for every partition (so a batch stays atomic: all of its
// rows commit together or none do). LSNs are assigned at the call, in call
// order, per partition; the primary key makes a second writer that reached
// the same LSN fail instead of forking the partition (optimistic concurrency
// on the partition's position). Any failure of a flush fails the log for
// good (fail-stop, like an fsync error in the WAL): the outcome of a lost
// COMMIT is unknown, so nothing after it may be acknowledged until a restart
// has read the log again.
//
// Scans read a partition in LSN order, in pages, from a second connection,
// and check every row: no gap, and the checksum (SHA-256 of the payload,
// written with it) matches.
//
// Several API nodes share one log, and one of them writes: the leader, which
// holds a session advisory lock (the lease) on the primary for as long as its
// connection lives. The others follow: they read the partitions' ends (one
// snapshot, so a prefix of the log in stamp order) and scan up to them, and
// send their commands to the leader. A node takes the lease only when it is
// free, and then reads the ends again before it assigns an LSN, so it appends
// after everything the previous leader committed; the primary key still
// refuses any append at a position already written (a belt to the lease's
// braces). One sequencer keeps one clock: recordedAt order stays append
// order across the whole ledger, which the bitemporal reads depend on.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { Client } from 'pg';

import { type LogTarget, parseLogUrl } from './log-url';

export interface PgLogOptions {
  /** Fixed at creation (default 8); must match an existing log if given. */
  partitions?: number;
  /**
   * A single-node development setup: acknowledge on the primary's own commit
   * with no synchronous standby. Without it, open refuses a cluster that
   * would acknowledge with no synchronous standby.
   */
  singleNode?: boolean;
  /** Scans only (a replay audit's worker): no durability check, no appends. */
  readOnly?: boolean;
  /** Take the writer's lease at open, advertising this URL, or fail with not_leader (tools and tests; the API takes it in its follow loop). */
  leadAs?: string;
}

/** Why the log cannot be used: `log_unavailable` (the server or the connection), `log_corrupt`, `no_sync_standby`, `log_mismatch`. */
export class PgLogError extends Error {
  constructor(
    readonly code: 'log_unavailable' | 'log_corrupt' | 'no_sync_standby' | 'log_mismatch' | 'not_leader',
    message: string,
  ) {
    super(message);
    this.name = 'PgLogError';
  }
}

const DEFAULT_PARTITIONS = 8;
const PARTITIONS_MAX = 256;
/** As the WAL: the largest record, and the most records and bytes one atomic batch carries. */
const RECORD_BYTES_MAX = 1024 * 1024;
const BATCH_RECORDS_MAX = 8192;
const BATCH_BYTES_MAX = 3_000_000;
/** One flush (one transaction) takes at most this much of the queue; the rest waits for the next. */
const FLUSH_RECORDS_MAX = 16_384;
const FLUSH_BYTES_MAX = 32 * 1024 * 1024;
const SCAN_PAGE_ROWS = 2048;
const SCHEMA_LOCK = 7_414_201; // pg_advisory_xact_lock key of the schema creation
const LEADER_LOCK = 7_414_202; // pg_try_advisory_lock key of the writer's lease (session level)

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_log_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_log (
  partition smallint NOT NULL,
  lsn bigint NOT NULL,
  checksum bytea NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (partition, lsn)
);`;

const sha256: (b: Buffer) => Buffer =
  typeof oneShotHash === 'function' ? (b) => oneShotHash('sha256', b, 'buffer') as unknown as Buffer : (b) => createHash('sha256').update(b).digest();

interface Append {
  partition: number;
  firstLsn: number;
  records: Buffer[];
  bytes: number;
  resolve: (lsns: number[]) => void;
  reject: (e: Error) => void;
}

export interface LogRecordRow {
  lsn: number;
  payload: Buffer;
}

export class PgLog {
  readonly recordBytesMax = RECORD_BYTES_MAX;
  readonly batchRecordsMax = BATCH_RECORDS_MAX;
  readonly batchBytesMax = BATCH_BYTES_MAX;
  private readonly queue: Append[] = [];
  /** The flush loop in progress, if any (close waits for it). */
  private flushing: Promise<void> | null = null;
  private failure: PgLogError | null = null;
  private closed = false;
  private scanner: Promise<Client> | null = null;
  private scanTurn: Promise<unknown> = Promise.resolve();
  /** Transactions committed so far (a group commit is one). */
  flushes = 0;
  /** This connection holds the writer's lease: only then does the log append. */
  private leading = false;

  private constructor(
    private readonly target: LogTarget,
    private readonly writer: Client,
    readonly partitions: number,
    private readonly nextLsn: number[],
    readonly readOnly: boolean,
    /** synchronous_commit and the synchronous standbys seen at open, for the start-up log line. */
    readonly durability: string,
  ) {
    writer.on('error', (e) => this.fail(new PgLogError('log_unavailable', `the PostgreSQL connection failed: ${e.message}`)));
  }

  static async open(url: string, options: PgLogOptions = {}): Promise<PgLog> {
    const target = parseLogUrl(url);
    const readOnly = options.readOnly === true;
    // The URL's own target_session_attrs, read-only too: the node's audit reads the primary it writes to (a standby might not
    // have applied the node's checkpoint yet); a reader that may use a standby (the SQL projector) says target_session_attrs=any.
    const client = await connect(target);
    try {
      const durability = readOnly ? 'read-only' : await checkDurability(client, target, options.singleNode === true);
      const partitions = readOnly ? await storedPartitions(client, target) : await ensureSchema(client, options.partitions);
      if (options.partitions !== undefined && options.partitions !== partitions) {
        throw new PgLogError('log_mismatch', `the log at ${target.redacted} has ${partitions} partitions, not ${options.partitions}`);
      }
      // Set when the lease is taken (tryLead): only a leader assigns LSNs.
      const nextLsn = new Array<number>(partitions).fill(0);
      const log = new PgLog(target, client, partitions, nextLsn, readOnly, durability);
      if (options.leadAs !== undefined && !(await log.tryLead(options.leadAs))) throw new PgLogError('not_leader', `another node holds the writer lease of the log at ${target.redacted}`);
      return log;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  /** Appends records atomically to one partition; resolves with their LSNs once the commit is confirmed. */
  appendBatch(partition: number, records: Buffer[]): Promise<number[]> {
    if (this.readOnly) throw new Error('a read-only log never appends');
    if (!this.leading) return Promise.reject(new PgLogError('not_leader', 'this node does not hold the writer lease: it follows the log'));
    if (!(Number.isInteger(partition) && partition >= 0 && partition < this.partitions)) throw new Error(`no partition ${partition}`);
    if (records.length === 0 || records.length > BATCH_RECORDS_MAX) throw new Error(`a batch holds 1-${BATCH_RECORDS_MAX} records, not ${records.length}`);
    let bytes = 0;
    for (const r of records) {
      if (r.length === 0 || r.length > RECORD_BYTES_MAX) throw new Error(`a record holds 1-${RECORD_BYTES_MAX} bytes, not ${r.length}`);
      bytes += r.length;
    }
    if (bytes > BATCH_BYTES_MAX) throw new Error(`a batch holds at most ${BATCH_BYTES_MAX} bytes, not ${bytes}`);
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new PgLogError('log_unavailable', 'the log is closed'));
    const firstLsn = this.nextLsn[partition];
    this.nextLsn[partition] += records.length;
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ partition, firstLsn, records, bytes, resolve, reject });
      // The appends of this event-loop turn (and of every turn while a flush is in flight) share the next flush.
      if (!this.flushing) this.flushing = new Promise<void>((done) => setImmediate(() => void this.flushAll().finally(done)));
    });
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const taken = this.take();
      try {
        await this.flush(taken);
      } catch (e) {
        const failure = new PgLogError('log_unavailable', `a commit to the log failed, its outcome unknown: ${e instanceof Error ? e.message : String(e)}`);
        this.fail(failure);
        for (const a of taken) a.reject(failure);
        break;
      }
      for (const a of taken) a.resolve(a.records.map((_, i) => a.firstLsn + i));
    }
    this.flushing = null;
  }

  /** The head of the queue, within one flush's limits (always at least one append). */
  private take(): Append[] {
    let records = 0;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const a = this.queue[n];
      if (n > 0 && (records + a.records.length > FLUSH_RECORDS_MAX || bytes + a.bytes > FLUSH_BYTES_MAX)) break;
      records += a.records.length;
      bytes += a.bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async flush(appends: Append[]): Promise<void> {
    const partitions: number[] = [];
    const lsns: number[] = [];
    const checksums: Buffer[] = [];
    const payloads: Buffer[] = [];
    for (const a of appends) {
      for (let i = 0; i < a.records.length; i++) {
        partitions.push(a.partition);
        lsns.push(a.firstLsn + i);
        checksums.push(sha256(a.records[i]));
        payloads.push(a.records[i]);
      }
    }
    await this.writer.query('BEGIN');
    try {
      await this.writer.query('INSERT INTO ledger_log (partition, lsn, checksum, payload) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[], $4::bytea[])', [
        partitions,
        lsns,
        checksums,
        payloads,
      ]);
    } catch (e) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    // Returns once PostgreSQL confirms the commit: with synchronous_commit on and a synchronous standby, once the standby has flushed it too.
    await this.writer.query('COMMIT');
    this.flushes++;
  }

  private fail(e: PgLogError): void {
    if (this.failure) return;
    this.failure = e;
    for (const a of this.queue.splice(0)) a.reject(e);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Takes the writer's lease if no live session holds it (false otherwise),
   * names `nodeUrl` as the leader for the followers, and reads the
   * partitions' ends again: the first LSN this node assigns follows every
   * record the log holds. Call with no append in flight.
   */
  async tryLead(nodeUrl: string): Promise<boolean> {
    if (this.readOnly) throw new Error('a read-only log never leads');
    if (this.failure) throw this.failure;
    if (this.leading) return true;
    if (this.queue.length > 0 || this.flushing) throw new Error('tryLead with appends queued');
    const lease = await this.guard(this.writer.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [LEADER_LOCK]));
    if (!lease.rows[0].got) return false;
    await this.guard(
      this.writer.query("INSERT INTO ledger_log_meta (key, value) VALUES ('leader', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [nodeUrl]),
    );
    const ends = await this.ends(this.writer);
    for (let p = 0; p < this.partitions; p++) this.nextLsn[p] = ends[p] + 1;
    this.leading = true;
    return true;
  }

  /** The URL the leader advertised (null before any node led). */
  async leader(): Promise<string | null> {
    const client = await this.scanClient();
    const r = await this.guard(this.inTurn(() => client.query<{ value: string }>("SELECT value FROM ledger_log_meta WHERE key = 'leader'")));
    return r.rows[0]?.value ?? null;
  }

  /**
   * Each partition's last LSN (-1: empty), read in one statement, so in one
   * snapshot: the leader commits its flushes in stamp order, so the records
   * through these ends are a prefix of the log in recordedAt order.
   */
  async partitionEnds(): Promise<number[]> {
    const client = await this.scanClient();
    return this.inTurn(() => this.ends(client));
  }

  private async ends(client: Client): Promise<number[]> {
    const r = await this.guard(
      client.query<{ partition: number; last: string | null }>(
        'SELECT p AS partition, (SELECT max(lsn) FROM ledger_log WHERE partition = p::smallint) AS last FROM generate_series(0, $1::int - 1) AS p',
        [this.partitions],
      ),
    );
    const ends = new Array<number>(this.partitions).fill(-1);
    for (const row of r.rows) if (row.last !== null) ends[row.partition] = Number(row.last);
    return ends;
  }

  /** A failed query of the follower's path fails the log too (the node then reconnects and reads the log again). */
  private async guard<T>(query: Promise<T>): Promise<T> {
    try {
      return await query;
    } catch (e) {
      const failure = new PgLogError('log_unavailable', `a query to the log failed: ${e instanceof Error ? e.message : String(e)}`);
      this.fail(failure);
      throw failure;
    }
  }

  /** Why the log stopped, if it did (the node reconnects). */
  get failed(): PgLogError | null {
    return this.failure;
  }

  /** Every record of a partition from `fromLsn` (through `throughLsn` when given), in order, checked. */
  async *scan(partition: number, fromLsn: number, throughLsn?: number): AsyncIterable<LogRecordRow[]> {
    if (!(Number.isInteger(partition) && partition >= 0 && partition < this.partitions)) throw new Error(`no partition ${partition}`);
    const client = await this.scanClient();
    let next = fromLsn;
    const last = throughLsn ?? Number.MAX_SAFE_INTEGER;
    while (next <= last) {
      const page = await this.inTurn(() =>
        client.query<{ lsn: string; checksum: Buffer; payload: Buffer }>(
          'SELECT lsn, checksum, payload FROM ledger_log WHERE partition = $1 AND lsn >= $2 AND lsn <= $3 ORDER BY lsn LIMIT $4',
          [partition, next, last, SCAN_PAGE_ROWS],
        ),
      );
      if (page.rows.length === 0) {
        if (throughLsn !== undefined) throw new PgLogError('log_corrupt', `partition ${partition}: record ${next} is missing (the log ends before ${throughLsn})`);
        return;
      }
      const out: LogRecordRow[] = [];
      for (const row of page.rows) {
        const lsn = Number(row.lsn);
        if (lsn !== next) throw new PgLogError('log_corrupt', `partition ${partition}: record ${next} is missing (the next is ${lsn})`);
        if (!sha256(row.payload).equals(row.checksum)) throw new PgLogError('log_corrupt', `partition ${partition}: record ${lsn} does not match its checksum`);
        out.push({ lsn, payload: row.payload });
        next++;
      }
      yield out;
    }
  }

  /** One query at a time on the scan connection: a replay reads every partition's first page at once. */
  private inTurn<T>(query: () => Promise<T>): Promise<T> {
    const turn = this.scanTurn.then(query);
    this.scanTurn = turn.catch(() => undefined);
    return turn;
  }

  private scanClient(): Promise<Client> {
    // The server the URL names (for a writer, the primary it writes to: a standby may not have applied the ends the primary
    // reported yet). One connection, however many scans ask for it at once.
    this.scanner ??= connect(this.target, this.target.hosts).then((scanner) => {
      scanner.on('error', (e) => this.fail(new PgLogError('log_unavailable', `the PostgreSQL connection failed: ${e.message}`)));
      return scanner;
    });
    return this.scanner;
  }

  /** Waits for the appends queued, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await Promise.all([this.writer.end().catch(() => undefined), this.scanner?.then((c) => c.end()).catch(() => undefined)]);
  }
}

/** A connection to the first host of a libpq-style URL that answers (for target_session_attrs=read-write, a primary): for other writers to the same cluster (the SQL projector). */
export function connectTo(url: string): Promise<Client> {
  return connect(parseLogUrl(url));
}

/** A connection to the first host that answers (and, for read-write, is a primary). Names every host's failure, never the password. */
async function connect(target: LogTarget, hosts = target.hosts): Promise<Client> {
  const failures: string[] = [];
  for (const { host, port } of hosts) {
    const client = new Client({
      host,
      port,
      user: target.user,
      password: target.password,
      database: target.database,
      application_name: target.applicationName,
      connectionTimeoutMillis: target.connectTimeoutS * 1000,
      ssl: target.ssl ? { rejectUnauthorized: true } : false,
    });
    client.on('error', () => undefined); // reported through the queries that fail; the PgLog adds its own listener
    try {
      await client.connect();
      if (target.targetSessionAttrs === 'read-write') {
        const r = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
        if (r.rows[0].standby) {
          failures.push(`${host}:${port} is a standby`);
          await client.end();
          continue;
        }
      }
      return client;
    } catch (e) {
      failures.push(`${host}:${port}: ${e instanceof Error ? e.message : String(e)}`);
      await client.end().catch(() => undefined);
    }
  }
  throw new PgLogError('log_unavailable', `no ${target.targetSessionAttrs === 'read-write' ? 'primary' : 'server'} at ${target.redacted}: ${failures.join('; ')}`);
}

/**
 * Nothing is acknowledged before a synchronous standby has it: the session
 * commits with synchronous_commit on (or the cluster's remote_apply), and the
 * cluster must name synchronous standbys and have one streaming as sync now.
 * A single-node development setup says so, and gets the primary's own fsync.
 */
async function checkDurability(client: Client, target: LogTarget, singleNode: boolean): Promise<string> {
  const settings = await client.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'synchronous_standby_names', 'fsync')",
  );
  const get = (name: string) => settings.rows.find((r) => r.name === name)?.setting ?? '';
  if (get('fsync') !== 'on') throw new PgLogError('no_sync_standby', `the PostgreSQL server at ${target.redacted} runs with fsync off: it would acknowledge what a crash loses`);
  if (get('synchronous_commit') !== 'remote_apply') await client.query('SET synchronous_commit TO on');
  const level = get('synchronous_commit') === 'remote_apply' ? 'remote_apply' : 'on';
  if (singleNode) return `synchronous_commit ${level}, single node (no synchronous standby: development only)`;
  const names = get('synchronous_standby_names');
  const sync = await client.query<{ name: string }>("SELECT application_name AS name FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')");
  if (names.trim() === '' || sync.rows.length === 0) {
    throw new PgLogError(
      'no_sync_standby',
      `the PostgreSQL cluster at ${target.redacted} would acknowledge with no synchronous standby (synchronous_standby_names = '${names}', ${sync.rows.length} streaming as sync): ` +
        'set synchronous_standby_names and start a standby, or set LEDGER_LOG_SINGLE_NODE=on for a single-node development setup',
    );
  }
  return `synchronous_commit ${level}, synchronous standby ${sync.rows.map((r) => r.name).join(', ')}`;
}

/** Creates the schema in an empty database (once, under an advisory lock); the partition count it holds. */
async function ensureSchema(client: Client, partitions: number | undefined): Promise<number> {
  const wanted = partitions ?? DEFAULT_PARTITIONS;
  if (!(Number.isInteger(wanted) && wanted >= 1 && wanted <= PARTITIONS_MAX)) throw new Error(`partitions must be 1-${PARTITIONS_MAX}, not ${wanted}`);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    await client.query("INSERT INTO ledger_log_meta (key, value) VALUES ('partitions', $1) ON CONFLICT (key) DO NOTHING", [String(wanted)]);
    const stored = await client.query<{ value: string }>("SELECT value FROM ledger_log_meta WHERE key = 'partitions'");
    await client.query('COMMIT');
    return Number(stored.rows[0].value);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function storedPartitions(client: Client, target: LogTarget): Promise<number> {
  const stored = await client.query<{ value: string }>("SELECT value FROM ledger_log_meta WHERE key = 'partitions'").catch(() => ({ rows: [] as { value: string }[] }));
  if (stored.rows.length === 0) throw new PgLogError('log_mismatch', `no ledger log at ${target.redacted}`);
  return Number(stored.rows[0].value);
}
