/**
 * `fastify-stream/metrics`: Prometheus metrics for one instance through prom-client: every `fastify.streams` counter
 * and the `fastify.hub.stats()` figures. Each metric reads the live value in its `collect()`
 * at scrape time, so streaming does no extra work per event. prom-client stays an optional
 * peer dependency: it is imported here only, and only when no `client` is passed.
 */
import type { FastifyInstance } from 'fastify'
import type { Hub, HubStats } from '../lib/hub/hub.js'
import type { HubBackendState } from '../lib/hub/adapter.js'
import { invalidOption } from '../lib/option-checks.js'
import type { StreamCounters } from '../lib/write-path/counters.js'
import type { PromClientLike, PromMetricConfig, PromRegistryLike } from './prom-client-like.js'

export type { PromClientLike, PromRegistryLike } from './prom-client-like.js'

/** Options of {@link registerStreamMetrics}. */
export interface StreamMetricsOptions {
  /** The registry to add the metrics to (default: the client's default `register`). */
  registry?: PromRegistryLike
  /**
   * The prom-client module (default: `import('prom-client')` on the first call). Pass yours
   * when a bundler hides it or the app holds several copies, so the metrics and the registry
   * come from the same one.
   */
  client?: PromClientLike
  /**
   * The start of every metric name (default `'fastify_stream_'`). Instances that share a
   * registry need one each.
   */
  prefix?: string
}

/** How a metric behaves: a counter only goes up (its name ends in `_total`), a gauge goes both ways. */
type MetricKind = 'counter' | 'gauge'

interface MetricSpec {
  kind: MetricKind
  name: string
  help: string
}

/** The numbers of `hub.stats()` (its `backend` has metrics of its own). */
type HubFigure = Exclude<keyof HubStats, 'backend'>

/** A figure that a metric reads: a `fastify.streams` counter or a number of `hub.stats()`. */
type FigureKey = `streams.${keyof StreamCounters}` | `hub.${HubFigure}`

const DEFAULT_PREFIX = 'fastify_stream_'
const OPTION_KEYS = new Set(['registry', 'client', 'prefix'])
// Prometheus data model: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
// Every HubBackendState, exported as a state set (one series per state, 1 for the current
// one), so an alert can say state="down" instead of matching label values it has not seen.
const BACKEND_STATES: readonly HubBackendState[] = ['connecting', 'ready', 'down', 'closed']

// Every metric that reads one number, in one table keyed by the figure it reads, so a
// counter added to StreamCounters or a number added to HubStats without a metric fails to
// compile.
const FIGURE_METRICS: Record<FigureKey, MetricSpec> = {
  'streams.open': { kind: 'gauge', name: 'open', help: 'Streams open now.' },
  'streams.opened': { kind: 'counter', name: 'opened_total', help: 'Streams opened.' },
  'streams.events': { kind: 'counter', name: 'events_total', help: 'Items written to streams (heartbeats and preambles excluded).' },
  'streams.bytes': { kind: 'counter', name: 'bytes_total', help: 'Stream body bytes written.' },
  'streams.errors': { kind: 'counter', name: 'errors_total', help: 'Streams that ended on a source or encoding error (never a slow subscriber: see hub_disconnects_total).' },
  'streams.aborted': { kind: 'counter', name: 'aborted_total', help: 'Streams whose client left before the end.' },
  'streams.heartbeats': { kind: 'counter', name: 'heartbeats_total', help: 'Idle SSE heartbeat frames written.' },
  'streams.rejected': { kind: 'counter', name: 'rejected_total', help: 'Requests refused with 503 because maxStreams streams were open.' },
  'streams.rejectedPerClient': { kind: 'counter', name: 'rejected_per_client_total', help: 'Requests refused with 429 by maxStreamsPerClient.' },
  'streams.lingering': { kind: 'gauge', name: 'lingering', help: 'Sources still running seconds after their stream ended (they ignore their signal).' },
  'streams.resumes': { kind: 'counter', name: 'resumes_total', help: 'Streams that resumed from a Last-Event-ID.' },
  'hub.topics': { kind: 'gauge', name: 'hub_topics', help: 'Hub topics with a subscriber in this process.' },
  'hub.subscribers': { kind: 'gauge', name: 'hub_subscribers', help: 'Hub subscribers in this process.' },
  'hub.queued': { kind: 'gauge', name: 'hub_queued', help: 'Live hub events waiting in subscriber queues.' },
  'hub.published': { kind: 'counter', name: 'hub_published_total', help: 'Events this hub published.' },
  'hub.delivered': { kind: 'counter', name: 'hub_delivered_total', help: 'Hub events handed to subscribers, replayed ones included.' },
  'hub.drops': { kind: 'counter', name: 'hub_drops_total', help: 'Hub events dropped for slow subscribers (drop-oldest).' },
  'hub.disconnects': { kind: 'counter', name: 'hub_disconnects_total', help: 'Hub subscribers ended for falling behind (disconnect).' },
  'hub.resumes': { kind: 'counter', name: 'hub_resumes_total', help: 'Hub subscriptions that came with a lastEventId.' },
  'hub.resets': { kind: 'counter', name: 'hub_resets_total', help: 'Hub resumes answered with a reset event.' }
}

const BACKEND_STATE: MetricSpec = { kind: 'gauge', name: 'hub_backend_state', help: 'The hub backend\'s state: 1 for the current one, 0 for the others.' }
const BACKEND_OUTAGES: MetricSpec = { kind: 'counter', name: 'hub_backend_outages_total', help: 'Times the hub backend went down.' }

/**
 * Adds Prometheus metrics for `fastify.streams` and `fastify.hub` to a prom-client registry:
 * counters (`_total`) for what only grows, gauges for `open`, `lingering`, `hub_topics`,
 * `hub_subscribers` and `hub_queued`, and `hub_backend_state{adapter,state}`. Call it after
 * `await fastify.register(fastifyStream)` and before `listen()`; `fastify.close()` removes
 * the metrics again, so the registry does not keep a closed app alive. Nothing is added
 * when it throws.
 *
 * @throws (rejects) FST_STREAM_INVALID_OPTION for a bad option, a prefix whose names the
 *   registry already holds, prom-client missing, or an instance without fastify-stream;
 *   Fastify's FST_ERR_INSTANCE_ALREADY_LISTENING once the instance listens.
 */
export async function registerStreamMetrics (fastify: FastifyInstance, options: StreamMetricsOptions = {}): Promise<void> {
  const prefix = resolvePrefix(options)
  if (!fastify.hasDecorator('streams')) throw invalidOption('fastify', 'has no fastify.streams; await fastify.register(fastifyStream) before registerStreamMetrics()')
  const client = options.client ?? await importPromClient()
  const registry = options.registry ?? client.register
  if (typeof registry?.registerMetric !== 'function') throw invalidOption('registry', 'must be a prom-client Registry')
  const metrics = createMetrics(client, prefix, fastify.streams, fastify.hub)
  // Checked before any is added, so a clash leaves the registry as it was.
  const taken = [...metrics.keys()].find(name => registry.getSingleMetric(name) !== undefined)
  if (taken !== undefined) throw invalidOption('prefix', `gives ${taken}, which the registry already holds; give each instance its own prefix or registry`)
  // Added before any metric, so on an instance that listens already (Fastify then refuses
  // new hooks with FST_ERR_INSTANCE_ALREADY_LISTENING) the registry stays as it was.
  fastify.addHook('onClose', async () => {
    // Only our own: after registry.clear(), another app may hold the same names by now.
    for (const [name, metric] of metrics) {
      if (registry.getSingleMetric(name) === metric) registry.removeSingleMetric(name)
    }
  })
  for (const metric of metrics.values()) registry.registerMetric(metric)
}

/** Every metric by its full name, not yet in any registry. */
function createMetrics (client: PromClientLike, prefix: string, counters: StreamCounters, hub: Hub): Map<string, object> {
  const metrics = new Map<string, object>()
  for (const [figure, spec] of entries(FIGURE_METRICS)) metrics.set(prefix + spec.name, createMetric(client, prefix, spec, reader(figure, counters, hub)))
  metrics.set(prefix + BACKEND_STATE.name, new client.Gauge({
    ...config(prefix, BACKEND_STATE, ['adapter', 'state']),
    collect () {
      const { adapter, state: current } = hub.stats().backend
      for (const state of BACKEND_STATES) this.set({ adapter, state }, state === current ? 1 : 0)
    }
  }))
  metrics.set(prefix + BACKEND_OUTAGES.name, new client.Counter({
    ...config(prefix, BACKEND_OUTAGES, ['adapter']),
    collect () {
      const { adapter, outages } = hub.stats().backend
      this.reset()
      this.inc({ adapter }, outages)
    }
  }))
  return metrics
}

function resolvePrefix (options: StreamMetricsOptions): string {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object ({ registry, client, prefix })')
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw invalidOption(key, `is not a metrics option; use ${[...OPTION_KEYS].join(', ')}`)
  }
  const { prefix = DEFAULT_PREFIX, client } = options
  // The shortest name appended is `open`, so a valid prefix + a letter is a valid name.
  if (typeof prefix !== 'string' || !METRIC_NAME.test(prefix + 'x')) throw invalidOption('prefix', 'must be letters, digits, _ and : not starting with a digit (a Prometheus name prefix)')
  if (client !== undefined && !isPromClient(client)) throw invalidOption('client', 'must be the prom-client module (import * as client from \'prom-client\')')
  return prefix
}

async function importPromClient (): Promise<PromClientLike> {
  // Imported here only: prom-client is an optional peer dependency (see package.json). The
  // typed binding also checks, at compile time, that the real module fits PromClientLike.
  const client: Partial<PromClientLike> | undefined = await import('prom-client').catch(() => undefined)
  if (!isPromClient(client)) throw invalidOption('client', 'needs the optional peer dependency prom-client; run npm install prom-client')
  return client
}

function isPromClient (value: unknown): value is PromClientLike {
  const client = value as Partial<PromClientLike> | undefined
  return typeof client?.Counter === 'function' && typeof client.Gauge === 'function'
}

function createMetric (client: PromClientLike, prefix: string, spec: MetricSpec, read: () => number): object {
  if (spec.kind === 'gauge') {
    return new client.Gauge({ ...config(prefix, spec, []), collect () { this.set(read()) } })
  }
  // A counter has no set(): reset() puts it at 0, inc() brings it to the live total.
  return new client.Counter({ ...config(prefix, spec, []), collect () { this.reset(); this.inc(read()) } })
}

function config (prefix: string, spec: MetricSpec, labelNames: readonly string[]): Omit<PromMetricConfig<unknown>, 'collect'> {
  return { name: prefix + spec.name, help: spec.help, labelNames, registers: [] }
}

/** Reads `figure` live, at each scrape. */
function reader (figure: FigureKey, counters: StreamCounters, hub: Hub): () => number {
  const [source, key] = figure.split('.') as ['streams', keyof StreamCounters] | ['hub', HubFigure]
  return source === 'hub' ? () => hub.stats()[key] : () => counters[key]
}

function entries<K extends string> (table: Record<K, MetricSpec>): Array<[K, MetricSpec]> {
  return Object.entries(table) as Array<[K, MetricSpec]>
}
