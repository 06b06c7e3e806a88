// The ledger behind the API: the log (WAL under <dataDir>/wal), the event
// store and the projections, opened and replayed before the API reports
// ready, closed (flushed) on shutdown.
import * as path from 'path';
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { WalLog, type EventStore } from '@app/event-store';
import { openLedger, rebuildLedger, replayAudit, type Ledger, type Projections, type ReplayAuditResult } from '@app/projections';

import type { ApiConfig } from '../config';
import { API_CONFIG } from '../core.module';
import { Readiness } from '../health/readiness';

@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationShutdown {
  private opened: Ledger | null = null;
  private log: WalLog | null = null;
  private audits: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {
    readiness.expect('log', 'recovering the log and replaying projections');
  }

  async onModuleInit(): Promise<void> {
    this.log = await WalLog.open(path.join(this.config.dataDir, 'wal'));
    this.opened = await openLedger(this.log);
    this.readiness.markReady('log');
  }

  get store(): EventStore {
    if (!this.opened) throw new Error('the ledger is not open yet');
    return this.opened.store;
  }

  get projections(): Projections {
    if (!this.opened) throw new Error('the ledger is not open yet');
    return this.opened.projections;
  }

  /** A read-only rebuild from the log's first record through the live state's horizon. */
  rebuild(): Promise<Ledger> {
    if (!this.log || !this.opened) throw new Error('the ledger is not open yet');
    return rebuildLedger(this.log, this.opened.store.horizon);
  }

  /**
   * Rebuilds every projection from the log into fresh state and compares it
   * with the live state. One at a time: each holds a second copy of the state.
   */
  replayAudit(): Promise<ReplayAuditResult> {
    const run = async (): Promise<ReplayAuditResult> => {
      const log = this.log;
      if (!log || !this.opened) throw new Error('the ledger is not open yet');
      return replayAudit(this.opened, log.partitions, (through) => rebuildLedger(log, through));
    };
    const next = this.audits.then(run, run);
    this.audits = next.catch(() => undefined);
    return next;
  }

  /** The live ledger (store and projections), for digests. */
  get live(): Ledger {
    if (!this.opened) throw new Error('the ledger is not open yet');
    return this.opened;
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await opened?.store.close();
  }
}
