/**
 * What the scale benchmark does to processes: the API server as a child process
 * that can be stopped and started again on the same data directory (timing its
 * way to /health/ready), the offline rebuild CLI, memory readings from
 * /proc/<pid>/status, and a keep-alive HTTP client that times each request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

import { freePort, sleep } from './cli';

const BENCH_TOKEN = `scale-bench-${'fedcba9876543210'.repeat(3)}`;
const BENCH_ROLES = ['underwriter', 'claims', 'pensions', 'fund-admin', 'finance', 'auditor'];
const USER_HZ = 100;

export { sleep };

// ---------------------------------------------------------------------------
// Memory and CPU of a process

/** Figures of /proc/<pid>/status, in MiB. */
export interface ProcMemory {
  rss_anon_mib: number;
  rss_file_mib: number;
  vm_hwm_mib: number;
}

/** null once the process has gone. */
export function procMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : 0;
  };
  return { rss_anon_mib: kib('RssAnon'), rss_file_mib: kib('RssFile'), vm_hwm_mib: kib('VmHWM') };
}

/** Samples RssAnon of `pid` every `everyMs` until stopped: the peak seen and the number of samples. */
export class RssAnonSampler {
  peakMib = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const m = procMemory(this.pid);
    if (!m) return;
    this.samples++;
    this.peakMib = Math.max(this.peakMib, m.rss_anon_mib);
  }

  stop(): { peakMib: number; samples: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakMib: this.peakMib, samples: this.samples };
  }
}

/** CPU seconds, user + system over all threads, the process has used. */
export function processCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [afterName[11], afterName[12]].map(Number);
  return (utime + stime) / USER_HZ;
}

// ---------------------------------------------------------------------------
// HTTP

export interface Answer {
  status: number;
  text: string;
  ms: number;
}

/** Requests over keep-alive connections with the bench's bearer token; `ms` from send to the last byte. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    readonly base: string,
    connections = 16,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: 'GET' | 'POST', target: string, body?: unknown, timeoutMs = 600_000): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${BENCH_TOKEN}` };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
    const t0 = process.hrtime.bigint();
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${this.base}${target}`, { method, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${target}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The unauthenticated readiness probe, on a fresh connection. */
function probeReady(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health/ready`, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// ---------------------------------------------------------------------------
// The server

/** A port free now: the bench runs each start of the server on it, so clients keep their address. */
export const unusedPort = freePort;

/** One run of the server on `<workDir>/data`; `LedgerServer.start` again (same port) after `stop` for a restart. */
export class LedgerServer {
  private readonly gone: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly logFile: string,
    /** From spawn to the first 200 of /health/ready. */
    readonly readyMs: number,
  ) {
    this.gone = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(workDir: string, mainJs: string, port: number, readyTimeoutMs = 3_600_000): Promise<LedgerServer> {
    if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run npm run build:ts first`);
    const tokensFile = path.join(workDir, 'tokens.json');
    if (!fs.existsSync(tokensFile)) fs.writeFileSync(tokensFile, JSON.stringify([{ token: BENCH_TOKEN, actor: 'scale-bench', roles: BENCH_ROLES }]), { mode: 0o600 });
    const logFile = path.join(workDir, 'server.log');
    const out = fs.openSync(logFile, 'a');
    const env = { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LEDGER_DATA_DIR: path.join(workDir, 'data'), LEDGER_TOKENS_FILE: tokensFile };
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [mainJs], { cwd: workDir, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const url = `http://127.0.0.1:${port}`;
    let exited = false;
    child.once('exit', () => (exited = true));
    for (;;) {
      if ((await probeReady(url)) === 200) return new LedgerServer(child, url, logFile, Number(process.hrtime.bigint() - t0) / 1e6);
      if (exited) throw new Error(`the server exited while starting; its log ends:\n${tail(logFile)}`);
      if (Number(process.hrtime.bigint() - t0) / 1e6 > readyTimeoutMs) {
        child.kill('SIGKILL');
        throw new Error(`the server was not ready within ${readyTimeoutMs / 1e3} s; its log ends:\n${tail(logFile)}`);
      }
      await sleep(20);
    }
  }

  logTail(): string {
    return tail(this.logFile);
  }

  /** SIGTERM, then the exit (SIGKILL after `graceMs`): its code and how long it took. */
  async stop(graceMs = 120_000): Promise<{ code: number | null; ms: number; killed: boolean }> {
    const t0 = process.hrtime.bigint();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    const code = await this.gone;
    clearTimeout(timer);
    return { code, ms: Number(process.hrtime.bigint() - t0) / 1e6, killed };
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------
// The offline rebuild

export interface RebuildRun {
  /** The CLI's --json report (recordsApplied, events, durationMs, ...). */
  report: Record<string, unknown>;
  wallMs: number;
  exitCode: number | null;
  /** Peak RssAnon of the CLI process, sampled every 100 ms. */
  peakRssAnonMib: number;
}

/** `node <cliJs> rebuild <dataDir> --json`, the server stopped. */
export async function runRebuild(cliJs: string, dataDir: string): Promise<RebuildRun> {
  if (!fs.existsSync(cliJs)) throw new Error(`${cliJs} is missing: run npm run build:ts first`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [cliJs, 'rebuild', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = new RssAnonSampler(child.pid as number);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const { peakMib } = sampler.stop();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const line = stdout.trim().split('\n').pop() ?? '';
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the rebuild CLI exited ${String(exitCode)} without a JSON report; stderr ends:\n${stderr}`);
  }
  return { report, wallMs, exitCode, peakRssAnonMib: peakMib };
}
