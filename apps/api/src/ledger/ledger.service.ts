// The ledger behind the API: the log (WAL under <dataDir>/wal), the
// persistent read model (LMDB under <dataDir>/readmodel), the event store and
// the projections. Opening runs in the background once Nest is up, so the
// server already answers /health/ready (503, with progress) while the log
// after the read model's checkpoint is replayed, or the whole log when the
// read model had to be rebuilt. Closed (log flushed, read model synced and
// marked clean) on shutdown.
//
// On a PostgreSQL log (several API nodes) the service also follows the log:
// once open, it polls the partitions' ends every FOLLOW_INTERVAL_MS and
// applies what other nodes appended, and tries to take the writer's lease;
// the node that holds it leads (decides and appends every command), the
// others forward their commands to it (cluster-node.ts). If the log's
// connection fails (a failover, the primary gone) the service closes the
// ledger and opens it again, waiting for a primary with a synchronous
// standby: a lost COMMIT's outcome is unknown, so the node takes nothing
// until it has read the log again; retries then find their outcome.
import * as fs from 'fs';
import * as path from 'path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Instant } from '@app/domain';
import { WalLog, type EventStore, type LogPort, type ReplayProgressReport } from '@app/event-store';
import { PgLog, PgLogError } from '@app/pg-log';
import { openLedger, rebuildLedger, type Ledger, type Projections } from '@app/projections';
import { currentBootId, openReadModel, replayAudit, scratchReadModel, type AuditProgress, type LmdbReadModel, type ReplayAuditResult } from '@app/read-model';

import type { ApiConfig } from '../config';
import { API_CONFIG } from '../core.module';
import { NotReadyError } from '../errors/api-errors';
import { Readiness } from '../health/readiness';
import { ApplyThread } from './apply-thread';
import { ClusterNode } from './cluster-node';
import { startAuditThread, type AuditThread } from './replay-audit-thread';

/** How often a long replay reports its progress in the log. */
const PROGRESS_LOG_MS = 2_000;
/** How often a node reads the log's ends (a follower answers within about this of the log) and tries for the lease. */
const FOLLOW_INTERVAL_MS = 100;
/** How often a follower reads which node leads. */
const LEADER_READ_MS = 1_000;
/** Between attempts to reach a primary after the log's connection failed. */
const RECONNECT_WAIT_MS = 250;
/** Closing a ledger whose connection is gone must not wait for the network. */
const CLOSE_WAIT_MS = 2_000;

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
  /** The follow loop of the open ledger (PostgreSQL only): `stop` ends it, `done` settles once it has. */
  private following: { stop: () => void; done: Promise<void> } | null = null;
  private reconnecting: Promise<void> | null = null;
  private shuttingDown = false;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(ClusterNode) private readonly cluster: ClusterNode,
  ) {
    readiness.expect('log', 'recovering the log and replaying projections');
    // On PostgreSQL a node is neither leader nor follower until it has read the log.
    if (config.log.kind === 'postgres') cluster.role = 'reconnecting';
  }

  /** Starts opening; `ready` resolves (or rejects) when it is done. */
  onModuleInit(): void {
    this.opening = this.open(openLog(this.config));
    // Observed by `ready`; a failure here must not also be an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  /** Resolves once the ledger takes commands and queries; rejects if it could not be opened. */
  get ready(): Promise<void> {
    if (!this.opening) throw new Error('the ledger service was not initialised');
    return this.opening;
  }

  private async open(opening: Promise<LogPort>): Promise<void> {
    const log = await opening;
    this.log = log;
    try {
      await this.openOn(log);
    } catch (e) {
      // Nothing half-open stays behind (a reconnect tries again from scratch).
      await this.closeLedger().catch(() => undefined);
      throw e;
    }
  }

  private async openOn(log: LogPort): Promise<void> {
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
    if (log instanceof PgLog) {
      // Open as a follower; the follow loop applies what others append and takes the lease when free. Ready once some
      // node leads (this one or another), so a command can be decided from the first answer on.
      this.serve(ledger);
      this.cluster.role = 'follower';
      this.setProgress('following the log: waiting for a leader');
      await this.startFollowing(log, ledger, model);
      this.readiness.markReady('log');
      return;
    }
    if (this.config.applyThread) await this.startApplyThread(ledger, model);
    this.serve(ledger);
    this.readiness.markReady('log');
  }

  /** Queries (and the HTTP hooks' positions) are answered from `ledger` from now on. */
  private serve(ledger: Ledger): void {
    this.opened = ledger;
    this.cluster.source = {
      position: () => ledger.store.horizon,
      whenPosition: (at: Instant, timeoutMs: number) => ledger.store.whenHorizon(at, timeoutMs),
    };
  }

  /** Live records from now on are applied on the apply thread (apply-thread.ts); the store fails with it. */
  private async startApplyThread(ledger: Ledger, model: LmdbReadModel): Promise<void> {
    this.setProgress('starting the apply thread');
    const dir = path.join(this.config.dataDir, 'readmodel');
    const data = { readModelDir: dir, mapSizeBytes: this.config.readModelMapSizeBytes, partitions: ledger.store.logPort.partitions, cacheEntities: this.config.cacheEntities };
    try {
      const thread = await ApplyThread.start(data, (buckets) => model.indexBuckets(buckets));
      ledger.store.applyOn(thread);
      void thread.failed.then((e) => {
        // The store fails with it (commands answer 503); the operator learns why here, and a restart replays after the checkpoint.
        this.logger.error(`the apply thread failed, the ledger takes no more commands: ${e.message}`);
        if (this.cluster.role === 'embedded') this.readiness.markUnready('log', 'the apply thread failed; restart the server');
      });
    } catch (e) {
      await ledger.store.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * The follow loop: every FOLLOW_INTERVAL_MS, a follower tries for the
   * lease; holding it, it first applies every record the log holds (the
   * previous leader's last ones), then leads. Otherwise it applies the
   * records up to the ends it read. Any failure of the log (or of the store,
   * on the leader) ends the loop and reconnects.
   */
  private startFollowing(log: PgLog, ledger: Ledger, model: LmdbReadModel): Promise<void> {
    let opened = false;
    let leaderKnown!: () => void;
    const led = new Promise<void>((resolve) => (leaderKnown = resolve)).then(() => {
      opened = true;
    });
    const stop = new AbortController();
    const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    const state = { stop: () => stop.abort(), done: Promise.resolve() };
    state.done = (async () => {
      // A node leads only once it can say where it is (its URL is known once it listens).
      const url = await Promise.race([this.cluster.nodeUrl(), stopped.then(() => null)]);
      if (url === null) return;
      let leaderReadAt = 0;
      while (!stop.signal.aborted) {
        try {
          const failure = ledger.store.failed ?? log.failed;
          if (failure) throw failure;
          if (this.cluster.role === 'follower') {
            // Holding the lease, the ends read now are final: every record of the previous leader is applied before leading.
            const leading = await log.tryLead(url);
            await ledger.store.catchUp(await log.partitionEnds());
            if (leading) {
              if (this.config.applyThread) await this.startApplyThread(ledger, model);
              this.cluster.leaderUrl = url;
              this.cluster.role = 'leader';
              this.readiness.markReady('log');
              this.logger.log(`leading the log at ${url} (${log.durability})`);
            } else {
              const now = performance.now();
              if (this.cluster.leaderUrl === null || now - leaderReadAt >= LEADER_READ_MS) {
                this.cluster.leaderUrl = await log.leader();
                leaderReadAt = now;
              }
            }
          }
          if (this.cluster.leaderUrl !== null) leaderKnown();
        } catch (e) {
          if (stop.signal.aborted) return;
          const reason = e instanceof Error ? e.message : String(e);
          if (!opened) throw e; // still opening: the open fails (and a reconnect tries again)
          void this.reconnect(reason);
          return;
        }
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS))]);
      }
    })();
    this.following = state;
    // Opening waits for a leader, or fails with the loop.
    return Promise.race([led, state.done]);
  }

  /**
   * The log's connection failed: commands in flight have been answered 503
   * (their outcome unknown until the log is read again). Closes the ledger
   * and opens it again, once a primary with a synchronous standby answers;
   * the read model's checkpoint is checked against the log and only the
   * records after it are replayed.
   */
  private reconnect(reason: string): Promise<void> {
    if (this.reconnecting || this.shuttingDown) return this.reconnecting ?? Promise.resolve();
    this.logger.warn(`the log failed (${reason}): reconnecting`);
    this.cluster.role = 'reconnecting';
    this.cluster.leaderUrl = null;
    this.cluster.source = null;
    this.readiness.markUnready('log', `reconnecting to the log: ${reason}`);
    const run = async () => {
      await this.closeLedger();
      for (let attempt = 1; !this.shuttingDown; attempt++) {
        const opening = this.open(openLog(this.config));
        this.opening = opening;
        try {
          await opening;
          this.logger.log(`reconnected to the log after ${attempt} attempt(s)`);
          return;
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          if (e instanceof PgLogError && (e.code === 'log_corrupt' || e.code === 'log_mismatch')) {
            this.logger.error(`cannot reopen the log: ${message}`);
            this.readiness.markUnready('log', `the log cannot be opened: ${message}`);
            return;
          }
          this.readiness.markUnready('log', `waiting for a PostgreSQL primary with a synchronous standby (attempt ${attempt}): ${message}`);
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_WAIT_MS));
        }
      }
    };
    this.reconnecting = run().finally(() => (this.reconnecting = null));
    this.opening?.catch(() => undefined);
    return this.reconnecting;
  }

  /** Stops following, closes the store (and its log and apply thread) and the read model. */
  private async closeLedger(): Promise<void> {
    const following = this.following;
    this.following = null;
    if (following) {
      following.stop();
      await following.done.catch(() => undefined);
    }
    const opened = this.opened;
    this.opened = null;
    this.cluster.source = null;
    await Promise.all([...this.auditThreads].map((t) => t.terminate()));
    await this.audits;
    if (opened) await withTimeout(opened.store.close().catch(() => undefined));
    else await withTimeout(this.log?.close().catch(() => undefined) ?? Promise.resolve());
    this.log = null;
    await this.scratch?.dispose();
    this.scratch = null;
    // Marked clean only when every commit made it: a read model left unclean is rebuilt after a reboot.
    await this.readModel?.close({ bootId: currentBootId(), clean: true });
    this.readModel = null;
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
    this.shuttingDown = true;
    // Audit threads first: they read the read model and the log this closes.
    await Promise.all([...this.auditThreads].map((t) => t.terminate()));
    await this.reconnecting;
    await this.opening?.catch(() => undefined);
    await this.closeLedger();
  }
}

/** Waits for `work` at most CLOSE_WAIT_MS (a connection to a dead server may not say so for longer). */
async function withTimeout(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
}

/** The configured log: the embedded WAL, or PostgreSQL (which checks at open that it acknowledges only what a synchronous standby has). */
async function openLog(config: ApiConfig): Promise<LogPort> {
  if (config.log.kind === 'wal') return WalLog.open(path.join(config.dataDir, 'wal'));
  const log = await PgLog.open(config.log.url, { singleNode: config.log.singleNode });
  new Logger('Log').log(`PostgreSQL log: ${log.partitions} partitions, ${log.durability}`);
  return log;
}
