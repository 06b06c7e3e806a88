// Operations wiring: the metrics (one LedgerMetrics per app, observing the
// event store and the command pipeline), GET /metrics and its scrape token.
// createApp builds an Ops before Nest (the Fastify hooks need the metrics
// before any route exists) and mounts OpsModule.forRoot(ops).
import { promises as fs } from 'node:fs';
import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationBootstrap } from '@nestjs/common';

import { TokenRegistry } from '../auth/tokens';
import type { ApiConfig } from '../config';
import { Readiness } from '../health/readiness';
import { COMMAND_OBSERVER } from '../ledger/command-pipeline';
import { LedgerService } from '../ledger/ledger.service';
import { createJsonLog, type JsonLog } from './logging';
import { METRICS_SCRAPERS, MetricsController } from './metrics.controller';
import { LedgerMetrics } from './metrics';

export interface Ops {
  metrics: LedgerMetrics;
  /** The JSON logger, or null when the config logs elsewhere or not at all. */
  log: JsonLog | null;
  /** The scrape token (LEDGER_METRICS_TOKEN_FILE); empty without one. */
  scrapers: TokenRegistry;
  warnings: string[];
}

export async function createOps(config: ApiConfig, log: JsonLog | null = createJsonLog(config)): Promise<Ops> {
  const { registry, warnings } = await loadScrapeToken(config.metricsTokenFile);
  return { metrics: new LedgerMetrics(), log, scrapers: registry, warnings };
}

const SCRAPE_TOKEN = /^[\x21-\x7e]{16,512}$/;

/** The file holds one token (16-512 visible ASCII characters); startup refuses anything else, never quoting it. */
async function loadScrapeToken(file: string | undefined): Promise<{ registry: TokenRegistry; warnings: string[] }> {
  if (!file) return { registry: new TokenRegistry([]), warnings: [] };
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mode)]);
  } catch (e) {
    throw new Error(`LEDGER_METRICS_TOKEN_FILE ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = text.trim();
  if (!SCRAPE_TOKEN.test(token)) throw new Error(`LEDGER_METRICS_TOKEN_FILE ${file}: must hold one token of 16-512 visible ASCII characters`);
  const warnings = (mode & 0o077) !== 0 ? [`metrics token file ${file} is readable by group or others; chmod 600 it`] : [];
  return { registry: new TokenRegistry([{ token, actor: 'metrics-scraper', roles: [] }]), warnings };
}

/** Points the metrics at the store once the ledger has opened (it opens in the background). */
@Injectable()
class MetricsBinding implements OnApplicationBootstrap {
  constructor(
    @Inject(LedgerMetrics) private readonly metrics: LedgerMetrics,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {}

  onApplicationBootstrap(): void {
    // A failed open is the start-up's error (startServer rethrows it); nothing to attach then.
    this.ledger.ready.then(
      () => this.metrics.attach(this.ledger.store, this.readiness, () => this.ledger.readModelGauges()),
      () => undefined,
    );
  }
}

@Global()
@Module({})
export class OpsModule {
  static forRoot(ops: Ops): DynamicModule {
    return {
      module: OpsModule,
      controllers: [MetricsController],
      providers: [
        { provide: LedgerMetrics, useValue: ops.metrics },
        { provide: COMMAND_OBSERVER, useValue: ops.metrics },
        { provide: METRICS_SCRAPERS, useValue: ops.scrapers },
        MetricsBinding,
      ],
      exports: [LedgerMetrics, COMMAND_OBSERVER],
    };
  }
}
