/**
 * The parts of prom-client that the metrics use, as types, so the plugin type-checks without
 * prom-client installed (it is an optional peer dependency) and any copy of it fits.
 */

/** A prom-client `Counter` as its `collect()` sees it. */
export interface PromCounterLike {
  reset (): void
  inc (value: number): void
  inc (labels: Record<string, string>, value: number): void
}

/** A prom-client `Gauge` as its `collect()` sees it. */
export interface PromGaugeLike {
  set (value: number): void
  set (labels: Record<string, string>, value: number): void
}

/** What this module gives prom-client's metric constructors. */
export interface PromMetricConfig<Metric> {
  name: string
  help: string
  labelNames: readonly string[]
  /** Always empty: the metrics are added to the chosen registry once every name is known to be free. */
  registers: never[]
  collect (this: Metric): void
}

/** The parts of a prom-client `Registry` used here. */
export interface PromRegistryLike {
  registerMetric (metric: object): void
  getSingleMetric (name: string): object | undefined
  removeSingleMetric (name: string): void
}

/** The parts of the prom-client module used here; `import * as client from 'prom-client'` fits. */
export interface PromClientLike {
  Counter: new (config: PromMetricConfig<PromCounterLike>) => object
  Gauge: new (config: PromMetricConfig<PromGaugeLike>) => object
  /** prom-client's default registry. */
  register: PromRegistryLike
}
