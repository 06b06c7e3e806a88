// The replay audits the server has run: started by POST /v1/audits/replay,
// read by GET /v1/audits/{auditId}. Each runs in a worker thread
// (LedgerService#replayAuditInWorker), so the JS thread keeps answering.
//   - one at a time: a start while one runs returns the running one;
//   - at most AUDITS_KEPT in memory: the oldest finished audit goes first
//     (the running one is always the newest);
//   - ids are 128 random bits, 32 lowercase hex digits.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditProgress, AuditProgressReport, ReplayAuditResult } from '@app/read-model';

import { LedgerService } from '../../ledger/ledger.service';
import { AuditFailure } from '../../ledger/replay-audit-thread';

export const AUDITS_KEPT = 16;
export const AUDIT_ID_PATTERN = '^[0-9a-f]{32}$';
const AUDIT_ID = new RegExp(AUDIT_ID_PATTERN);

export type AuditStatus = 'running' | 'done' | 'failed';

export interface AuditError {
  /** log_corrupt, audit_failed or audit_terminated (see AuditFailure). */
  code: string;
  detail: string;
}

/** An audit as GET /v1/audits/{auditId} shows it. */
export interface AuditView {
  auditId: string;
  status: AuditStatus;
  startedAt: string;
  finishedAt?: string;
  /** The last progress report of the audit. */
  progress: AuditProgressReport;
  /** status done: the replay audit's result. */
  result?: ReplayAuditResult;
  /** status failed: why there is no result. */
  error?: AuditError;
}

/** Starts an audit; `onProgress` is called with its reports. Throws when it cannot start (the ledger is opening). */
export type AuditRunner = (onProgress: AuditProgress) => { result: Promise<ReplayAuditResult> };

export function isAuditId(text: string): boolean {
  return AUDIT_ID.test(text);
}

export class ReplayAuditRegistry {
  private readonly audits = new Map<string, AuditView>();
  private running: AuditView | null = null;

  constructor(
    private readonly run: AuditRunner,
    private readonly kept = AUDITS_KEPT,
    private readonly now: () => Date = () => new Date(),
    private readonly onFinished?: (audit: AuditView) => void,
  ) {}

  /** Starts an audit, or, while one runs, returns that one. */
  start(): AuditView {
    if (this.running) return copy(this.running);
    const audit: AuditView = {
      auditId: randomBytes(16).toString('hex'),
      status: 'running',
      startedAt: this.now().toISOString(),
      progress: { phase: 'log', done: 0, total: 0 },
    };
    const { result } = this.run((report) => {
      if (audit.status === 'running') audit.progress = { phase: report.phase, done: report.done, total: report.total };
    });
    this.running = audit;
    this.audits.set(audit.auditId, audit);
    for (const [id, a] of this.audits) {
      if (this.audits.size <= this.kept) break;
      if (a !== audit) this.audits.delete(id);
    }
    result.then(
      (r) => this.finish(audit, { status: 'done', result: r }),
      (e: unknown) => this.finish(audit, { status: 'failed', error: errorOf(e) }),
    );
    return copy(audit);
  }

  get(auditId: string): AuditView | undefined {
    const audit = this.audits.get(auditId);
    return audit && copy(audit);
  }

  /** How many audits are kept (tests). */
  get size(): number {
    return this.audits.size;
  }

  private finish(audit: AuditView, outcome: Pick<AuditView, 'status' | 'result' | 'error'>): void {
    Object.assign(audit, outcome, { finishedAt: this.now().toISOString() });
    if (this.running === audit) this.running = null;
    this.onFinished?.(copy(audit));
  }
}

function errorOf(e: unknown): AuditError {
  if (e instanceof AuditFailure) return { code: e.code, detail: e.message };
  return { code: 'audit_failed', detail: e instanceof Error ? e.message : String(e) };
}

/** A copy in the field order of the answer, without absent fields. */
function copy(a: AuditView): AuditView {
  return {
    auditId: a.auditId,
    status: a.status,
    startedAt: a.startedAt,
    ...(a.finishedAt !== undefined ? { finishedAt: a.finishedAt } : {}),
    progress: { ...a.progress },
    ...(a.result !== undefined ? { result: a.result } : {}),
    ...(a.error !== undefined ? { error: { ...a.error } } : {}),
  };
}

/** The registry of this server: audits run by LedgerService in worker threads. */
@Injectable()
export class ReplayAudits extends ReplayAuditRegistry {
  constructor(@Inject(LedgerService) ledger: LedgerService) {
    const logger = new Logger('ReplayAudit');
    super((onProgress) => ledger.replayAuditInWorker(onProgress), AUDITS_KEPT, () => new Date(), (audit) => {
      if (audit.result) {
        const r = audit.result;
        const line = `replay audit ${audit.auditId}: ${r.recordsReplayed} records, ${r.eventsReplayed} events, match ${r.match}, ${r.durationMs} ms`;
        if (r.match) logger.log(line);
        else logger.warn(`${line}; first divergence ${JSON.stringify(r.firstDivergence)}`);
      } else if (audit.error) {
        logger.warn(`replay audit ${audit.auditId} failed: ${audit.error.code}: ${audit.error.detail}`);
      }
    });
  }
}
