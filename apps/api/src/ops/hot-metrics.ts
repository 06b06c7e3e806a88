// Labelled counters and histograms for the request path. prom-client's own
// labelled `observe`/`inc` builds and hashes a label object on every call
// (~0.5 us each); here a series is resolved once per label set and then
// updated with a few arithmetic operations, no allocation. They register in a
// prom-client Registry like its own metrics (the registry formats them on
// scrape). Scrape-time gauges use prom-client's Gauge with `collect`.
import type { Registry } from 'prom-client';

type Labels = Record<string, string | number>;

interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** What a Registry asks of a metric: its name, type, and values on scrape. */
abstract class HotMetric<S> {
  readonly aggregator = 'sum';
  private readonly all = new Map<string, { labels: Labels; series: S }>();

  protected constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of one label set, values in `labelNames` order. Resolve once and keep it: this allocates. */
  series(...values: (string | number)[]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes labels ${this.labelNames.join(', ')}`);
    const key = values.join('\u0000');
    let entry = this.all.get(key);
    if (!entry) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      entry = { labels, series: this.create() };
      this.all.set(key, entry);
    }
    return entry.series;
  }

  protected abstract create(): S;
  protected abstract values(labels: Labels, series: S, out: MetricValue[]): void;

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const { labels, series } of this.all.values()) this.values(labels, series, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.all.clear();
  }
}

export class CounterSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class HotCounter extends HotMetric<CounterSeries> {
  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry) {
    super(name, help, 'counter', labelNames, registry);
  }

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  protected values(labels: Labels, series: CounterSeries, out: MetricValue[]): void {
    out.push({ value: series.value, labels });
  }
}

export class HistogramSeries {
  /** Per bucket (the last is +Inf), not cumulative. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export class HotHistogram extends HotMetric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, 'histogram', labelNames, registry);
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i] > buckets[i - 1])) throw new Error(`${name}: buckets must increase`);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }

  protected values(labels: Labels, series: HistogramSeries, out: MetricValue[]): void {
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += series.counts[i];
      const le = i < this.buckets.length ? this.buckets[i] : '+Inf';
      out.push({ value: cumulative, labels: { ...labels, le }, metricName: `${this.name}_bucket` });
    }
    out.push({ value: series.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: series.count, labels, metricName: `${this.name}_count` });
  }
}
