// The ledger behind the API: the log (WAL under <dataDir>/wal), the
// persistent read model (LMDB under <dataDir>/readmodel), the event store and
// the projections. Opening runs in the background once Nest is up, so the
// server already answers /health/ready (503, with progress) while the log
// after the read model's checkpoint is replayed, or the whole log when the
// read model had to be rebuilt. Closed (log flushed, read model synced and
// marked clean) on shutdown.
import * as fs from 'fs';
import * as path from 'path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Instant } from '@app/domain';
import { WalLog, type EventStore, type LogPort, type ReplayProgressReport } from '@app/event-store';
import { PgLog } from '@app/pg-log';
import { openLedger, rebuildLedger, type Ledger, type Projections } from '@app/projections';
import { currentBootId, openReadModel, replayAudit, scratchReadModel, type AuditProgress, type LmdbReadModel, type ReplayAuditResult } from '@app/read-model';

import type { ApiConfig } from '../config';
import { API_CONFIG } from '../core.module';
import { NotReadyError } from '../errors/api-errors';
import { Readiness } from '../health/readiness';
import { ApplyThread } from './apply-thread';
import { startAuditThread, type AuditThread } from './replay-audit-thread';

/** How often a long replay reports its progress in the log. */
const PROGRESS_LOG_MS = 2_000;

@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationShutdown {
  private opened: Ledger | null = null;
  private log: LogPort | null = null;
  private readModel: LmdbReadModel | null = null;
  private audits: Promise<unknown> = Promise.resolve();
  /** Replay audits running in worker threads: terminated on shutdown, before the read model closes. */
  private readonly auditThreads = new Set<AuditThread>();
  private scratch: { dispose: () => Promise<void> } | null = null;
  private opening: Promise<void> | null = null;
  private progress = 'opening the log';
  private readonly logger = new Logger('Ledger');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {
    readiness.expect('log', 'recovering the log and replaying projections');
  }

  /** Starts opening; `ready` resolves (or rejects) when it is done. */
  onModuleInit(): void {
    this.opening = this.open();
    // Observed by `ready`; a failure here must not also be an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  /** Resolves once the ledger takes commands and queries; rejects if it could not be opened. */
  get ready(): Promise<void> {
    if (!this.opening) throw new Error('the ledger service was not initialised');
    return this.opening;
  }

  private async open(): Promise<void> {
    const log = await openLog(this.config);
    this.log = log;
    const dir = path.join(this.config.dataDir, 'readmodel');
    const { model, discarded, empty } = await openReadModel(dir, log, { mapSizeBytes: this.config.readModelMapSizeBytes });
    this.readModel = model;
    if (discarded) this.logger.warn(`read model discarded (${discarded}): rebuilding it from the log`);
    const what = empty ? 'rebuilding the read model from the log' : 'replaying the log after the read model checkpoint';
    this.setProgress(`${what}: starting`);
    let lastLog = performance.now();
    const started = lastLog;
    const onProgress = (report: ReplayProgressReport) => {
      this.setProgress(`${what}: ${report.records} records applied, through ${report.through || 'the start'}`);
      const now = performance.now();
      if (now - lastLog >= PROGRESS_LOG_MS || report.done) {
        lastLog = now;
        const seconds = (now - started) / 1000;
        this.logger.log(`${what}: ${report.records} records in ${seconds.toFixed(1)} s${report.done ? ' (done)' : ''}`);
      }
    };
    const ledger = await openLedger(log, model, { cacheEntities: this.config.cacheEntities, onProgress });
    if (this.config.applyThread) {
      // Replayed on this thread; live records from now on are applied on the apply thread (apply-thread.ts).
      this.setProgress('starting the apply thread');
      const data = { readModelDir: dir, mapSizeBytes: this.config.readModelMapSizeBytes, partitions: log.partitions, cacheEntities: this.config.cacheEntities };
      try {
        const thread = await ApplyThread.start(data, (buckets) => model.indexBuckets(buckets));
        ledger.store.applyOn(thread);
        void thread.failed.then((e) => {
          // The store fails with it (commands answer 503); the operator learns why here, and a restart replays after the checkpoint.
          this.logger.error(`the apply thread failed, the ledger takes no more commands: ${e.message}`);
          this.readiness.markUnready('log', 'the apply thread failed; restart the server');
        });
      } catch (e) {
        await ledger.store.close().catch(() => undefined);
        throw e;
      }
    }
    this.opened = ledger;
    this.readiness.markReady('log');
  }

  private setProgress(text: string): void {
    this.progress = text;
    this.readiness.markUnready('log', text);
  }

  private get ledger(): Ledger {
    if (!this.opened) throw new NotReadyError(`The ledger is opening: ${this.progress}.`);
    return this.opened;
  }

  get store(): EventStore {
    return this.ledger.store;
  }

  get projections(): Projections {
    return this.ledger.projections;
  }

  /**
   * A read-only rebuild from the log's first record through the live state's
   * horizon, into a scratch read model (the previous scratch is dropped).
   */
  async rebuild(through?: Instant): Promise<Ledger> {
    const live = this.ledger;
    const log = this.log as LogPort;
    await this.scratch?.dispose();
    const scratch = scratchReadModel(path.join(this.config.dataDir, 'audit-scratch'), { mapSizeBytes: this.config.readModelMapSizeBytes });
    this.scratch = scratch;
    return rebuildLedger(log, scratch.model, through ?? live.store.horizon, { cacheEntities: this.config.cacheEntities });
  }

  /**
   * Streams the log through the read model's checkpoint and compares what it
   * implies with what the live read model stores (see replay-audit.ts), on
   * this thread: for in-process callers (tests). One at a time. The HTTP
   * path runs it in a worker thread instead (replayAuditInWorker).
   */
  replayAudit(): Promise<ReplayAuditResult> {
    const run = async (): Promise<ReplayAuditResult> => {
      this.ledger;
      return replayAudit(this.log as LogPort, this.readModel as LmdbReadModel);
    };
    const next = this.audits.then(run, run);
    this.audits = next.catch(() => undefined);
    return next;
  }

  /**
   * The same audit in a worker thread, off the JS thread (the HTTP path: see
   * replay-audit-thread.ts): it opens the read model read-only (the same LMDB
   * environment) and scans the log read-only, through the checkpoint of its
   * snapshot. `onProgress` is called on this thread, first right away with
   * the records of the current checkpoint as the total. The caller decides
   * how many run at once (the HTTP slice: one). Throws NotReadyError while
   * the ledger opens.
   */
  replayAuditInWorker(onProgress?: AuditProgress): AuditThread {
    this.ledger;
    const log = this.log as LogPort;
    const model = this.readModel as LmdbReadModel;
    onProgress?.({ phase: 'log', done: 0, total: model.checkpoint()?.records ?? 0 });
    const thread = startAuditThread(
      {
        walDir: path.join(this.config.dataDir, 'wal'),
        postgresUrl: this.config.log.kind === 'postgres' ? this.config.log.url : undefined,
        partitions: log.partitions,
        readModelDir: path.join(this.config.dataDir, 'readmodel'),
        mapSizeBytes: this.config.readModelMapSizeBytes,
      },
      onProgress,
    );
    this.auditThreads.add(thread);
    void thread.exited.then(() => this.auditThreads.delete(thread));
    return thread;
  }

  /** The persistent read model under the live ledger (its stats; tests alter it to prove the audit notices). */
  get readModelStore(): LmdbReadModel {
    this.ledger;
    return this.readModel as LmdbReadModel;
  }

  /** The read model's size on disk and the entity cache's fill (for /metrics). */
  readModelGauges(): { fileBytes: number; cachedEntities: number } {
    let fileBytes = 0;
    try {
      fileBytes = fs.statSync(path.join(this.config.dataDir, 'readmodel', 'data.mdb')).size;
    } catch {
      // Not created yet (or being rebuilt): 0.
    }
    return { fileBytes, cachedEntities: this.opened?.projections.cachedEntities ?? 0 };
  }

  /** The live ledger (store and projections), for digests. */
  get live(): Ledger {
    return this.ledger;
  }

  async onApplicationShutdown(): Promise<void> {
    // Audit threads first: they read the read model and the log this closes.
    await Promise.all([...this.auditThreads].map((t) => t.terminate()));
    await this.opening?.catch(() => undefined);
    const opened = this.opened;
    this.opened = null;
    await this.audits;
    await opened?.store.close();
    if (!opened) await this.log?.close().catch(() => undefined);
    await this.scratch?.dispose();
    this.scratch = null;
    // Marked clean only when every commit made it: a read model left unclean is rebuilt after a reboot.
    await this.readModel?.close({ bootId: currentBootId(), clean: true });
    this.readModel = null;
  }
}

/** The configured log: the embedded WAL, or PostgreSQL (which checks at open that it acknowledges only what a synchronous standby has). */
async function openLog(config: ApiConfig): Promise<LogPort> {
  if (config.log.kind === 'wal') return WalLog.open(path.join(config.dataDir, 'wal'));
  const log = await PgLog.open(config.log.url, { singleNode: config.log.singleNode });
  new Logger('Log').log(`PostgreSQL log: ${log.partitions} partitions, ${log.durability}`);
  return log;
}
