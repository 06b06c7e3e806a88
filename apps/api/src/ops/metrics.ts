// The API's Prometheus metrics. The hot path (every request, command and log
// append) only bumps pre-resolved series (hot-metrics.ts); everything read from
// the store and the WAL is read at scrape time. The libraries know nothing of
// Prometheus: this class implements their observer ports (StoreObserver of the
// event store, CommandObserver of the pipeline).
import { parseInstant } from '@app/domain';
import { WalLog, type EventStore, type StoreObserver } from '@app/event-store';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

import type { Readiness } from '../health/readiness';
import type { CommandObserver } from '../ledger/command-pipeline';
import { HotCounter, HotHistogram, type CounterSeries, type HistogramSeries } from './hot-metrics';

/** Seconds: 0.5 ms (a warm fdatasync on NVMe) to 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Records per log append: 1 (a single command) to 8,192 (the WAL's batch limit). */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

let processRegistry: Registry | null = null;

/** Process metrics (CPU, memory, event-loop lag, GC): one set per process, however many apps it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** "/v1/policies/P-1/endorsements" -> "/v1/policies/{id}/endorsements"; "/v1/policies" stays. Only matched command routes reach it. */
export function commandType(path: string): string {
  const a = path.indexOf('/', 4); // after "/v1/"
  if (a < 0) return path;
  const b = path.indexOf('/', a + 1);
  return b < 0 ? `${path.slice(0, a)}/{id}` : `${path.slice(0, a)}/{id}${path.slice(b)}`;
}

/** The duration series of one HTTP route, looked up by method and status. */
export type RouteSeries = (method: string, status: number) => HistogramSeries;

/** What /metrics shows of the read model, read on each scrape. */
export interface ReadModelGauges {
  fileBytes: number;
  cachedEntities: number;
}

export class LedgerMetrics implements StoreObserver, CommandObserver {
  static readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  readonly registry = new Registry();
  private store: EventStore | null = null;
  private readiness: Readiness | null = null;
  private readModel: (() => ReadModelGauges) | null = null;
  private readonly appendSeconds: HistogramSeries;
  private readonly appendRecords: HistogramSeries;
  private readonly http: HotHistogram;
  private readonly commands: HotCounter;
  /** By command type, then `status * 2 + replayed`. */
  private readonly commandSeries = new Map<string, Map<number, CounterSeries>>();

  constructor() {
    const registers = [this.registry];
    this.appendSeconds = new HotHistogram(
      'ledger_append_duration_seconds',
      'Log appends: from EventStore.persist to the records durable in the WAL (group-commit wait + write + fdatasync of every copy). ' +
        'The WAL does not time its fdatasyncs for JS: this is the closest measure of fsync latency.',
      [],
      LATENCY_BUCKETS,
      this.registry,
    ).series();
    this.appendRecords = new HotHistogram('ledger_append_batch_records', 'Records per log append (one atomic WAL batch).', [], BATCH_BUCKETS, this.registry).series();
    this.commands = new HotCounter(
      'ledger_commands_total',
      'Commands answered by the pipeline (single or in /v1/batch), by command route, status and idempotent replay. Refusals before the pipeline (400, 401, 403) are in http_request_duration_seconds.',
      ['command', 'status', 'replayed'],
      this.registry,
    );
    this.http = new HotHistogram(
      'http_request_duration_seconds',
      'HTTP requests by method, route pattern ("unmatched" for 404s without a route) and status: from the request read to the response sent.',
      ['method', 'route', 'status'],
      LATENCY_BUCKETS,
      this.registry,
    );

    const self = this;
    new Gauge({
      name: 'ledger_projection_pending_records',
      help: 'Records appended to the log but not yet durable and applied to the projections.',
      registers,
      collect() {
        this.set(self.store?.backlog.records ?? 0);
      },
    });
    new Gauge({
      name: 'ledger_projection_lag_seconds',
      help: 'Age of the oldest record not yet applied to the projections (recordedAt to now); 0 when caught up.',
      registers,
      collect() {
        this.set(self.projectionLagSeconds());
      },
    });
    new Counter({
      name: 'ledger_records_applied_total',
      help: 'Log records the read model reflects (those applied before this start included).',
      registers,
      collect() {
        this.reset();
        this.inc(self.store?.recordCount ?? 0);
      },
    });
    new Gauge({
      name: 'ledger_ready',
      help: '1 when /health/ready answers 200 (log recovered, projections caught up, not shutting down).',
      registers,
      collect() {
        this.set(self.readiness?.isReady() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'wal_io_mode',
      help: 'The WAL I/O path in use: 1 for the active mode (io_uring, or sync pwrite + fdatasync where io_uring is refused).',
      labelNames: ['mode'],
      registers,
      collect() {
        const mode = self.walStatus()?.ioMode;
        this.reset();
        if (mode) for (const m of ['io_uring', 'sync']) this.set({ mode: m }, m === mode ? 1 : 0);
      },
    });
    new Gauge({
      name: 'wal_direct',
      help: '1 when the WAL writes with O_DIRECT.',
      registers,
      collect() {
        this.set(self.walStatus()?.direct ? 1 : 0);
      },
    });
    new Gauge({
      name: 'wal_failed',
      help: '1 when the WAL has fail-stopped (an I/O error): nothing more is acknowledged, commands answer 503.',
      registers,
      collect() {
        this.set(self.walStatus()?.failed || self.store?.failed ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ledger_readmodel_file_bytes',
      help: 'Size of the read model (LMDB data.mdb under <dataDir>/readmodel): pages the kernel caches, not process memory.',
      registers,
      collect() {
        this.set(self.readModel?.().fileBytes ?? 0);
      },
    });
    new Gauge({
      name: 'ledger_entity_cache_entries',
      help: 'Latest entity states held in the heap (at most LEDGER_CACHE_ENTITIES; the rest are folded from the read model when asked for).',
      registers,
      collect() {
        this.set(self.readModel?.().cachedEntities ?? 0);
      },
    });
    new Counter({
      name: 'wal_flushes_total',
      help: 'WAL flushes (write + fdatasync rounds, each a group commit) per partition since the log was opened.',
      labelNames: ['partition'],
      registers,
      collect() {
        this.reset();
        for (const p of self.walStatus()?.partitions ?? []) this.inc({ partition: String(p.partition) }, p.flushes);
      },
    });
  }

  /** Starts observing the store (its appends, and its state on scrape). */
  attach(store: EventStore, readiness: Readiness, readModel?: () => ReadModelGauges): void {
    this.store = store;
    this.readiness = readiness;
    this.readModel = readModel ?? null;
    store.observer = this;
  }

  /** StoreObserver: one log append is durable. */
  appended(records: number, seconds: number): void {
    this.appendSeconds.observe(seconds);
    this.appendRecords.observe(records);
  }

  /** CommandObserver: one command answered. */
  answered(path: string, status: number, replayed: boolean): void {
    const type = commandType(path);
    let byOutcome = this.commandSeries.get(type);
    if (!byOutcome) this.commandSeries.set(type, (byOutcome = new Map()));
    const key = status * 2 + (replayed ? 1 : 0);
    let series = byOutcome.get(key);
    if (!series) byOutcome.set(key, (series = this.commands.series(type, status, replayed ? 'true' : 'false')));
    series.inc();
  }

  /** The request-duration series of one route (resolve once per route, at registration). */
  httpRoute(route: string): RouteSeries {
    const byMethod = new Map<string, Map<number, HistogramSeries>>();
    return (method, status) => {
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) byStatus.set(status, (series = this.http.series(method, route, status)));
      return series;
    };
  }

  /** The exposition text: process metrics, then the ledger's. */
  async text(): Promise<string> {
    const [process, ledger] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return process + ledger;
  }

  private projectionLagSeconds(): number {
    const oldest = this.store?.backlog.oldestAt;
    const nanos = oldest === undefined ? null : parseInstant(oldest);
    if (nanos === null) return 0;
    return Math.max(0, (Date.now() - Number(nanos / 1_000_000n)) / 1000);
  }

  private walStatus(): ReturnType<WalLog['wal']['status']> | undefined {
    const log = this.store?.logPort;
    if (!(log instanceof WalLog)) return undefined;
    try {
      return log.wal.status();
    } catch {
      return undefined; // closed (shutting down)
    }
  }
}
