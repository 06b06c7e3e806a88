// The replay audit off the JS thread: a worker thread (replay-audit.worker.ts)
// opens its own read-only handles on the server's data directory and runs
// replayAudit() there, while the JS thread goes on taking requests.
//   - the read model: the same LMDB environment, opened again read-only in
//     the worker (lmdb-js shares one environment between the threads of a
//     process; the worker's read transaction is a snapshot, the main thread
//     keeps committing);
//   - the log: the WAL addon's scanner over the segment files, bounded by
//     the checkpoint the snapshot names (ReadOnlyWalLog). The WAL is not
//     opened: the server holds its lock. The addon keeps no process-wide JS
//     state (its class constructors live in each environment's instance
//     data), so it loads in the worker as well as on the main thread.
// Progress reports, the result or the failure come back as messages; the
// thread ends once it answered, or is terminated (server shutdown).
import type { Worker } from 'node:worker_threads';
import type { AuditProgress, AuditProgressReport, ReplayAuditResult } from '@app/read-model';

import { spawnWorker } from './worker-thread';

/** What the worker opens. Paths are absolute. */
export interface AuditWorkerData {
  walDir: string;
  /** The log is PostgreSQL at this URL (the worker scans it on its own connection) instead of the WAL under walDir. */
  postgresUrl?: string;
  /** The writer's partition count. */
  partitions: number;
  mirrorDir?: string;
  readModelDir: string;
  mapSizeBytes: number;
}

export type AuditWorkerMessage =
  | { type: 'progress'; report: AuditProgressReport }
  | { type: 'result'; result: ReplayAuditResult }
  | { type: 'error'; code: string | null; message: string };

/**
 * Why an audit has no result: `log_corrupt` (a record of the log failed its
 * checksum or chain), `audit_terminated` (stopped: the server shut down) or
 * `audit_failed` (anything else; the detail says what).
 */
export class AuditFailure extends Error {
  constructor(
    readonly code: 'log_corrupt' | 'audit_failed' | 'audit_terminated',
    message: string,
  ) {
    super(message);
    this.name = 'AuditFailure';
  }
}

export interface AuditThread {
  /** The audit's result; rejects with an AuditFailure. */
  readonly result: Promise<ReplayAuditResult>;
  /** Resolves once the thread has ended. */
  readonly exited: Promise<void>;
  /** Stops the thread (the result, if still pending, rejects with audit_terminated). */
  terminate(): Promise<void>;
}

const WORKER_FILE = 'replay-audit.worker';

function spawn(data: AuditWorkerData): Worker {
  return spawnWorker(__dirname, WORKER_FILE, { audit: data });
}

/** The code of an error the worker reported. */
function failureOf(code: string | null, message: string): AuditFailure {
  return new AuditFailure(code === 'WAL_CORRUPT' || code === 'log_corrupt' ? 'log_corrupt' : 'audit_failed', message);
}

/** Starts the audit in a new worker thread. `onProgress` is called on this thread. */
export function startAuditThread(data: AuditWorkerData, onProgress?: AuditProgress): AuditThread {
  const worker = spawn(data);
  let settled = false;
  let terminating = false;
  let resolveResult!: (r: ReplayAuditResult) => void;
  let rejectResult!: (e: AuditFailure) => void;
  const result = new Promise<ReplayAuditResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // Observed by whoever awaits it; never an unhandled rejection of its own.
  result.catch(() => undefined);
  const settle = (outcome: { result: ReplayAuditResult } | { error: AuditFailure }): void => {
    if (settled) return;
    settled = true;
    if ('result' in outcome) resolveResult(outcome.result);
    else rejectResult(outcome.error);
  };
  worker.on('message', (m: AuditWorkerMessage) => {
    if (m.type === 'progress') {
      if (!settled) onProgress?.(m.report);
    } else if (m.type === 'result') settle({ result: m.result });
    else settle({ error: failureOf(m.code, m.message) });
  });
  worker.on('messageerror', (e) => settle({ error: new AuditFailure('audit_failed', `a message of the audit's worker thread could not be read: ${e.message}`) }));
  worker.on('error', (e) => settle({ error: new AuditFailure('audit_failed', e instanceof Error ? e.message : String(e)) }));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      settle({
        error: terminating
          ? new AuditFailure('audit_terminated', 'the audit was stopped: the server is shutting down')
          : new AuditFailure('audit_failed', `the audit's worker thread ended (exit code ${code}) before it answered`),
      });
      resolve();
    }),
  );
  return {
    result,
    exited,
    terminate: async () => {
      terminating = true;
      await worker.terminate();
      await exited;
    },
  };
}
