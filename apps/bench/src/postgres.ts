/**
 * A throwaway PostgreSQL server for the API benchmark's peer: Debian's
 * `postgresql` package (installed with apt-get when it is missing and we are
 * root; nothing is downloaded by the bench itself otherwise), a fresh cluster
 * in a temp directory, listening on loopback only, as durable as the ledger:
 * fsync on, synchronous_commit on (a commit returns once its WAL is flushed).
 * PostgreSQL refuses to run as root, so as root every server command runs as
 * the `postgres` user the package creates.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

export interface PostgresServer {
  /** A libpq URL of the bench database. */
  url: string;
  port: number;
  /** Its data directory. */
  dataDir: string;
  /** SIGKILL of the postmaster. */
  kill(): Promise<void>;
  /** CPU seconds used so far by the postmaster and every backend it forked. */
  cpuSeconds(): number;
  stop(): Promise<void>;
  version: string;
}

const CLOCK_TICKS_PER_S = 100;
const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The newest installed `…/postgresql/<major>/bin` holding `postgres` and `initdb`, if any. */
function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const majors = fs
    .readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (fs.existsSync(path.join(bin, 'postgres')) && fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return null;
}

/** The bin directory, installing Debian's postgresql package first when it is missing (root only). */
export function ensurePostgres(progress: (line: string) => void): string {
  const found = findBinDir();
  if (found) return found;
  if (!isRoot()) throw new Error('PostgreSQL is not installed and this is not root: run `apt-get install -y postgresql` (Debian) and try again');
  progress('PostgreSQL is not installed: apt-get install postgresql (Debian package)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'ignore', env });
  const installed = findBinDir();
  if (!installed) throw new Error('apt-get install postgresql finished but no /usr/lib/postgresql/<major>/bin/postgres was found');
  return installed;
}

/** Runs a server binary, as `postgres` when we are root. */
function asServerUser(bin: string, args: string[]): { command: string; args: string[] } {
  return isRoot() ? { command: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] } : { command: bin, args };
}

export interface StartOptions {
  /** synchronous_standby_names of the primary (a standby started with startStandby under that name makes commits wait for it). */
  synchronousStandbyNames?: string;
  /** Extra server settings. */
  settings?: [string, string][];
}

export async function startPostgres(dir: string, port: number, progress: (line: string) => void, options: StartOptions = {}): Promise<PostgresServer> {
  const bin = ensurePostgres(progress);
  const data = path.join(dir, 'pgdata');
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  // -A trust: loopback only, a throwaway cluster; initdb's pg_hba also lets replication connect from loopback.
  const init = asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', 'bench', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  execFileSync(init.command, init.args, { stdio: 'ignore' });
  const settings: [string, string][] = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', dir],
    ['max_connections', '200'],
    ['shared_buffers', '512MB'],
    ['fsync', 'on'],
    ['synchronous_commit', 'on'],
    ['full_page_writes', 'on'],
    ['max_wal_size', '4GB'],
    ['wal_level', 'replica'],
    ['max_wal_senders', '10'],
    // Given on the command line, a setting can no longer be changed by ALTER SYSTEM: only when asked.
    ...(options.synchronousStandbyNames === undefined ? [] : ([['synchronous_standby_names', options.synchronousStandbyNames]] as [string, string][])),
    ...(options.settings ?? []),
  ];
  return run(bin, dir, data, port, settings);
}

/**
 * A streaming standby of `primary` in `dir` (pg_basebackup -R), named
 * `name` (its application_name: what synchronous_standby_names lists).
 * Resolves once the primary sees it streaming as a synchronous standby, when
 * the primary names it, or as an asynchronous one otherwise.
 */
export async function startStandby(
  primary: { port: number; url: string },
  dir: string,
  port: number,
  name: string,
  progress: (line: string) => void,
  /** Extra settings (a standby that may be promoted names its own synchronous standbys; a cascading one retries its upstream sooner). */
  extra: [string, string][] = [],
): Promise<PostgresServer> {
  const bin = ensurePostgres(progress);
  const data = path.join(dir, 'pgdata');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const backup = asServerUser(path.join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'bench', '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
  execFileSync(backup.command, backup.args, { stdio: 'ignore' });
  const settings: [string, string][] = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', dir],
    ['primary_conninfo', `host=127.0.0.1 port=${primary.port} user=bench application_name=${name}`],
    ['hot_standby', 'on'],
    // A standby needs at least the primary's limits.
    ['max_connections', '200'],
    ['max_wal_senders', '10'],
    ['fsync', 'on'],
    ...extra,
  ];
  const standby = await run(bin, dir, data, port, settings);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const state = await queryOne(primary.url, `SELECT coalesce(max(sync_state), '') FROM pg_stat_replication WHERE application_name = '${name}' AND state = 'streaming'`);
    if (state !== '') return standby;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await standby.stop();
  throw new Error(`the standby ${name} did not start streaming within 60 s`);
}

/** Promotes a standby to primary (pg_ctl promote) and waits until it takes writes. */
export async function promote(standby: PostgresServer): Promise<void> {
  const bin = ensurePostgres(() => undefined);
  const cmd = asServerUser(path.join(bin, 'pg_ctl'), ['promote', '-w', '-D', standby.dataDir]);
  execFileSync(cmd.command, cmd.args, { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await queryOne(standby.url, 'SELECT pg_is_in_recovery()')) === 'false') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the promoted standby still is in recovery after 60 s');
}

async function run(bin: string, dir: string, data: string, port: number, settings: [string, string][]): Promise<PostgresServer> {
  const command = asServerUser(path.join(bin, 'postgres'), ['-D', data, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  const log = fs.openSync(path.join(dir, 'postgres.log'), 'a');
  const child: ChildProcess = spawn(command.command, command.args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `postgres://bench@127.0.0.1:${port}/postgres`;
  await waitAccepting(url, exited, dir);
  const version = await queryOne(url, 'SHOW server_version');
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const pid = postmasterPid(data);
      // SIGKILL is a machine lost: its backends go with the postmaster at once (they would otherwise finish what they were doing).
      const backends = signal === 'SIGKILL' && pid !== null ? childPids(pid) : [];
      if (pid !== null) process.kill(pid, signal);
      else child.kill(signal);
      for (const backend of backends) {
        try {
          process.kill(backend, signal);
        } catch {
          // gone already
        }
      }
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  };
  return {
    url,
    port,
    dataDir: data,
    version,
    cpuSeconds: () => postmasterCpuSeconds(data),
    // SIGINT: fast shutdown (every backend ends, the cluster checkpoints).
    stop: () => stopWith('SIGINT'),
    // SIGKILL of the postmaster and its backends: a crash, as a machine lost.
    kill: () => stopWith('SIGKILL'),
  };
}

/** The processes a postmaster started (its backends), from /proc. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

async function waitAccepting(url: string, exited: Promise<void>, dir: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`postgres exited during startup: ${fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8').slice(-2000)}`);
    try {
      await queryOne(url, 'SELECT 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('postgres did not accept connections within 60 s');
}

export async function queryOne(url: string, sql: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return String(Object.values(result.rows[0] as Record<string, unknown>)[0]);
  } finally {
    await client.end();
  }
}

function postmasterPid(data: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  } catch {
    return null;
  }
}

/** CPU of the postmaster and every process it forked (the backends, the WAL writer, the checkpointer...), reaped ones included. */
function postmasterCpuSeconds(data: string): number {
  const root = postmasterPid(data);
  if (root === null) return 0;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    // The postmaster's own time and that of the children it has reaped (cutime, cstime: a backend that exits keeps
    // counting), plus the live children's own.
    if (pid === root) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (ppid === root) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_S;
}
