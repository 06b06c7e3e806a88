/**
 * SIGKILL crash test. A child process (dist/apps/wal-cli/src/crash-child.js)
 * appends to a log and prints an ack per durable append; it is killed at a
 * random moment, the log is reopened here and checked, and the next child
 * continues on the same directory.
 *
 * After every reopen:
 *   - every acked record is at its acked LSN with exactly the expected bytes;
 *   - each partition is a gapless prefix 0..n-1 whose records all decode and
 *     hold the bytes their header fields predict (every record written since the
 *     previous reopen; the whole log every FULL_EVERY kills and after the last);
 *   - no atomic batch is partially present;
 *   - nothing verified before has gone missing.
 *
 * WAL_CRASH_KILLS (default 25) sets the number of kills, WAL_CRASH_SEED replays
 * the timing and payload choices of a run (the kill moment itself depends on
 * the machine).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Wal, WalOpenReport } from '@app/wal';
import { checkRecord, prng, runTagOf } from '../../apps/wal-cli/src/crash-child';

const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(ROOT, 'dist', 'apps', 'wal-cli', 'src', 'crash-child.js');
const KILLS = Number(process.env.WAL_CRASH_KILLS ?? 25);
const SEED = process.env.WAL_CRASH_SEED ? Number(process.env.WAL_CRASH_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const PARTITIONS = 4;
const RUN_MIN_MS = 20;
const RUN_MAX_MS = 200;
const FULL_EVERY = 25;
const READY_TIMEOUT_MS = 30_000;
/** Failures listed in full; the rest are counted. */
const EVIDENCE_MAX = 20;

interface Ack {
  partition: number;
  lsn: number;
  count: number;
  batchSeq: number;
  runTag: number;
}

interface ChildRun {
  ready: { ioMode: string; direct: boolean; nextLsn: number[] } | null;
  acks: Ack[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  killedAfterMs: number;
}

/** What a scan found at each LSN of a partition, for checking acks against it. */
interface PartitionView {
  from: number;
  batchSeq: Float64Array;
  runTag: Int32Array;
  /** index << 4 | size; -1 a small (headerless) record, -2 a bad one, 0 not seen. */
  position: Int32Array;
}

interface Totals {
  kills: number;
  ackedBatches: number;
  ackedRecordsVerified: number;
  /** Acked records of earlier kills checked again by a full pass. */
  ackedRecordsRechecked: number;
  lost: number;
  corruptServed: number;
  tornTails: number;
  recordsDroppedFromTornTails: number;
  notes: number;
  fullChecks: number;
  recordsChecked: number;
  bytesChecked: number;
  evidence: string[];
}

function newTotals(): Totals {
  return {
    kills: 0,
    ackedBatches: 0,
    ackedRecordsVerified: 0,
    ackedRecordsRechecked: 0,
    lost: 0,
    corruptServed: 0,
    tornTails: 0,
    recordsDroppedFromTornTails: 0,
    notes: 0,
    fullChecks: 0,
    recordsChecked: 0,
    bytesChecked: 0,
    evidence: [],
  };
}

function note(t: Totals, line: string): void {
  if (t.evidence.length < EVIDENCE_MAX) t.evidence.push(line);
}

function parseLine(line: string, runTag: number, run: ChildRun): void {
  const parts = line.split(' ');
  if (parts[0] === 'A' && parts.length === 5) {
    const [partition, lsn, count, batchSeq] = parts.slice(1).map(Number);
    run.acks.push({ partition, lsn, count, batchSeq, runTag });
  } else if (parts[0] === 'READY' && parts.length === 4) {
    run.ready = { ioMode: parts[1], direct: parts[2] === '1', nextLsn: parts[3].split(',').map(Number) };
  } else {
    throw new Error(`unexpected line from the child: ${JSON.stringify(line)}`);
  }
}

/** Spawns a child, kills it `runMs` after READY, collects every complete line it printed. */
function runChild(dir: string, childSeed: number, runMs: number): Promise<ChildRun> {
  const runTag = runTagOf(childSeed);
  const run: ChildRun = { ready: null, acks: [], code: null, signal: null, stderr: '', killedAfterMs: runMs };
  const child: ChildProcess = spawn(process.execPath, [CHILD, dir, String(PARTITIONS), String(childSeed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending = '';
  const guard = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const end = pending.lastIndexOf('\n');
    if (end < 0) return;
    const hadReady = run.ready !== null;
    for (const line of pending.slice(0, end).split('\n')) parseLine(line, runTag, run);
    pending = pending.slice(end + 1);
    if (!hadReady && run.ready) {
      clearTimeout(guard);
      setTimeout(() => child.kill('SIGKILL'), runMs);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (run.stderr += chunk));
  // A line cut by the kill has no newline: it is ignored (it was never fully acked).
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      run.code = code;
      run.signal = signal;
      resolve(run);
    });
  });
}

/** Reads partition `p` from `from`, checks every record and the batch framing; returns what it saw. */
async function checkPartition(wal: Wal, p: number, from: number, end: number, t: Totals): Promise<PartitionView> {
  const n = end - from;
  const view: PartitionView = { from, batchSeq: new Float64Array(n), runTag: new Int32Array(n), position: new Int32Array(n) };
  let expectLsn = from;
  let open: { size: number; index: number; runTag: number; batchSeq: number; first: number } | null = null;
  for await (const batch of wal.scan(p, from)) {
    for (const { lsn, payload } of batch) {
      if (lsn !== expectLsn) {
        t.corruptServed++;
        note(t, `p${p}: scan gave lsn ${lsn}, expected ${expectLsn}`);
      }
      expectLsn = lsn + 1;
      t.recordsChecked++;
      t.bytesChecked += payload.length;
      const d = checkRecord(p, lsn, payload);
      const at = lsn - from;
      if (typeof d === 'string') {
        t.corruptServed++;
        note(t, `p${p} lsn ${lsn}: ${d} (first bytes ${payload.subarray(0, 16).toString('hex')})`);
        view.position[at] = -2;
        open = null;
        continue;
      }
      if (d.small) {
        if (open) {
          t.corruptServed++;
          note(t, `p${p} lsn ${lsn}: a lone record inside the batch that started at ${open.first}`);
          open = null;
        }
        view.position[at] = -1;
        continue;
      }
      view.batchSeq[at] = d.batchSeq;
      view.runTag[at] = d.runTag;
      view.position[at] = (d.index << 4) | d.size;
      if (d.index === 0) {
        if (open) {
          t.corruptServed++;
          note(t, `p${p} lsn ${lsn}: batch starts before the batch at ${open.first} (${open.index + 1}/${open.size}) ended`);
        }
        open = { size: d.size, index: 0, runTag: d.runTag, batchSeq: d.batchSeq, first: lsn };
      } else if (!open || d.index !== open.index + 1 || d.size !== open.size || d.batchSeq !== open.batchSeq || d.runTag !== open.runTag) {
        t.corruptServed++;
        note(t, `p${p} lsn ${lsn}: record ${d.index}/${d.size} of batch ${d.batchSeq} does not continue ${open ? `the batch at ${open.first}` : 'any batch'}`);
        open = null;
        continue;
      } else {
        open.index = d.index;
      }
      if (open.index === open.size - 1) open = null;
    }
  }
  if (expectLsn !== end) {
    t.lost += Math.max(0, end - expectLsn);
    note(t, `p${p}: scan stopped at lsn ${expectLsn}, the log says ${end} records`);
  }
  if (open) {
    t.corruptServed++;
    note(t, `p${p}: partial batch at the end: ${open.index + 1} of ${open.size} records from lsn ${open.first}`);
  }
  return view;
}

/** Every acked record present at its LSN, written by the acking child, at its place in its batch; returns how many. */
function checkAcks(acks: Ack[], views: PartitionView[], ends: number[], t: Totals): number {
  let verified = 0;
  for (const a of acks) {
    for (let i = 0; i < a.count; i++) {
      const lsn = a.lsn + i;
      const v = views[a.partition];
      const at = lsn - v.from;
      if (lsn >= ends[a.partition] || at < 0) {
        t.lost++;
        note(t, `p${a.partition} lsn ${lsn}: acked (batch ${a.batchSeq} of run ${a.runTag}) but the log ends at ${ends[a.partition]}`);
        continue;
      }
      const pos = v.position[at];
      const ok = pos === -1 ? a.count === 1 : pos === ((i << 4) | a.count) && v.batchSeq[at] === a.batchSeq && v.runTag[at] === a.runTag;
      if (!ok) {
        t.lost++;
        note(t, `p${a.partition} lsn ${lsn}: acked as ${i}/${a.count} of batch ${a.batchSeq} run ${a.runTag}, log holds ${pos === -2 ? 'a bad record' : `${pos >> 4}/${pos & 15} of batch ${v.batchSeq[at]} run ${v.runTag[at]}`}`);
        continue;
      }
      verified++;
    }
  }
  return verified;
}

function countReport(report: WalOpenReport, t: Totals): void {
  t.notes += report.notes.length;
  for (const p of report.partitions) {
    if (p.defect?.torn) {
      t.tornTails++;
      t.recordsDroppedFromTornTails += p.defect.recordsDropped;
    }
  }
}

describe('WAL survives SIGKILL', () => {
  const timeoutMs = 60_000 + KILLS * 3_000;

  test(
    `${KILLS} kills, every acked record intact`,
    async () => {
      if (!fs.existsSync(CHILD)) {
        throw new Error(`${path.relative(ROOT, CHILD)} is missing: build it with \`npm run build:ts\` (npm install runs the build)`);
      }
      const started = Date.now();
      const rand = prng(SEED);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-crash-'));
      console.log(`crash test: seed ${SEED} (WAL_CRASH_SEED=${SEED} to replay), ${KILLS} kills, dir ${dir}`);
      const t = newTotals();
      let verified = new Array<number>(PARTITIONS).fill(0);
      const allAcks: Ack[] = [];
      let io = '';
      for (let kill = 1; kill <= KILLS; kill++) {
        const runMs = RUN_MIN_MS + Math.floor(rand() * (RUN_MAX_MS - RUN_MIN_MS + 1));
        const childSeed = (rand() * 2 ** 32) >>> 0;
        const run = await runChild(dir, childSeed, runMs);
        const where = `kill ${kill} (seed ${SEED}, child seed ${childSeed}, ${runMs} ms)`;
        if (!run.ready) throw new Error(`${where}: the child never became READY (code ${run.code}, signal ${run.signal}): ${run.stderr}`);
        if (run.signal !== 'SIGKILL') throw new Error(`${where}: the child ended by itself (code ${run.code}): ${run.stderr}`);
        if (run.ready.nextLsn.join(',') !== verified.join(',')) {
          throw new Error(`${where}: the child opened at ${run.ready.nextLsn.join(',')}, the last reopen left ${verified.join(',')}`);
        }
        io = `${run.ready.ioMode}, ${run.ready.direct ? 'O_DIRECT' : 'buffered'}`;
        t.kills++;

        const wal = await Wal.open(dir, { create: false }).catch((e: Error & { code?: string }) => {
          throw new Error(`${where}: reopen failed: ${e.code} ${e.message} (log kept at ${dir})`);
        });
        try {
          countReport(wal.report, t);
          const ends = wal.report.partitions.map((p) => p.nextLsn);
          const full = kill % FULL_EVERY === 0 || kill === KILLS;
          const views: PartitionView[] = [];
          for (let p = 0; p < PARTITIONS; p++) {
            if (ends[p] < verified[p]) {
              t.lost += verified[p] - ends[p];
              note(t, `${where}: p${p} shrank from ${verified[p]} to ${ends[p]} records`);
            }
            const from = full ? 0 : Math.min(verified[p], ends[p]);
            views.push(
              await checkPartition(wal, p, from, ends[p], t).catch((e: Error & { code?: string }) => {
                throw new Error(`${where}: scan of p${p} failed: ${e.code} ${e.message} (log kept at ${dir})`);
              }),
            );
          }
          t.ackedBatches += run.acks.length;
          t.ackedRecordsVerified += checkAcks(run.acks, views, ends, t);
          if (full) {
            t.fullChecks++;
            t.ackedRecordsRechecked += checkAcks(allAcks, views, ends, t);
          }
          allAcks.push(...run.acks);
          verified = ends;
        } finally {
          await wal.close();
        }
        if (t.lost > 0 || t.corruptServed > 0) {
          console.log(`crash test FAILED at ${where}; log kept at ${dir}\n${t.evidence.join('\n')}`);
          break;
        }
      }
      const seconds = (Date.now() - started) / 1000;
      const mb = (t.bytesChecked / 1e6).toFixed(1);
      console.log(
        `crash test summary: seed ${SEED}, io ${io}, kills ${t.kills}, acked batches ${t.ackedBatches}, ` +
          `acked records verified ${t.ackedRecordsVerified} (+${t.ackedRecordsRechecked} rechecked by full passes), lost ${t.lost}, corrupt served ${t.corruptServed}, ` +
          `torn tails ${t.tornTails} (${t.recordsDroppedFromTornTails} unacked records dropped), open notes ${t.notes}, ` +
          `records in log ${verified.reduce((a, b) => a + b, 0)}, records checked ${t.recordsChecked} (${mb} MB, ${t.fullChecks} full passes), ` +
          `${seconds.toFixed(1)} s`,
      );
      expect(t.evidence).toEqual([]);
      expect(t.lost).toBe(0);
      expect(t.corruptServed).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    timeoutMs,
  );
});
