// The ledger behind the API: the log (WAL under <dataDir>/wal), the event
// store and the projections, opened and replayed before the API reports
// ready, closed (flushed) on shutdown.
import * as path from 'path';
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventStore, WalLog } from '@app/event-store';
import { Projections } from '@app/projections';

import type { ApiConfig } from '../config';
import { API_CONFIG } from '../core.module';
import { Readiness } from '../health/readiness';

@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationShutdown {
  private opened: { store: EventStore; projections: Projections } | null = null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {
    readiness.expect('log', 'recovering the log and replaying projections');
  }

  async onModuleInit(): Promise<void> {
    const log = await WalLog.open(path.join(this.config.dataDir, 'wal'));
    // The projections read the close watermark from the store, which exists only after replay starts.
    let store: EventStore | null = null;
    const projections = new Projections({ closedAt: (period, knownAt) => store?.calendar.closedAt(period, knownAt) });
    store = await EventStore.open(log, [projections]);
    this.opened = { store, projections };
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

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await opened?.store.close();
  }
}
