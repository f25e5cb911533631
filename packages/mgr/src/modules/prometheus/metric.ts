/**
 * One exported metric with Ceph's name, HELP text, TYPE and label tuple (the Metric class of
 * src/pybind/mgr/prometheus/module.py). prom-client's Gauge stores the values and renders the text
 * format; the subclass only reports Ceph's TYPE, because the module exports many metrics as
 * `untyped`, and its counters carry absolute values read from the cluster (which prom-client's
 * Counter, increment-only, cannot hold).
 */
import { Gauge, MetricType, Registry } from 'prom-client';

export type CephMetricType = 'gauge' | 'counter' | 'untyped';

export class CephMetric extends Gauge<string> {
  constructor(
    readonly cephType: CephMetricType,
    /** The full exported name, "ceph_health_status". */
    name: string,
    help: string,
    readonly labelTuple: readonly string[],
    registry: Registry,
  ) {
    super({ name, help, labelNames: labelTuple, registers: [registry] });
    this.metricName = name;
  }

  /** The exported name (prom-client keeps its own copy untyped). */
  readonly metricName: string;

  /** Metric.set(value, labelvalues): the label values in the order of the label tuple. */
  put(value: number, labelValues: readonly (string | number)[] = []): void {
    if (labelValues.length !== this.labelTuple.length) {
      throw new Error(`${this.metricName}: ${labelValues.length} label values for ${this.labelTuple.length} labels`);
    }
    const labels: Record<string, string> = {};
    this.labelTuple.forEach((l, i) => (labels[l] = String(labelValues[i])));
    this.set(labels, value);
  }

  override async get(): Promise<Awaited<ReturnType<Gauge<string>['get']>>> {
    const m = await super.get();
    // The registry prints `type` verbatim after "# TYPE <name>"; Ceph's types are strings.
    return { ...m, type: this.cephType as unknown as MetricType };
  }
}

/**
 * promethize: a perf counter path or module metric path as an exported name ("osd.op_r" ->
 * "ceph_osd_op_r"; '.', '/', whitespace and '::' become '_', '+' becomes "_plus", and '-' becomes
 * '_' unless it is the last character, which becomes "_minus").
 */
export function promethize(path: string): string {
  let r = path.replace(/[./\s]|::/g, '_').replace(/\+/g, '_plus');
  r = r.endsWith('-') ? r.slice(0, -1) + '_minus' : r.replace(/-/g, '_');
  return `ceph_${r}`;
}
