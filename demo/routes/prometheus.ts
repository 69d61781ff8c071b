/**
 * `GET /metrics`: Prometheus text for this app's streams and hub (fastify-stream's
 * `registerStreamMetrics()`) and for the process (prom-client's default metrics).
 */
import type { FastifyPluginAsync } from 'fastify'
import { registerStreamMetrics } from 'fastify-stream/metrics'
import { collectDefaultMetrics, register as processRegistry, Registry } from 'prom-client'

// A metric the default set always has: present means someone has enabled them already.
const DEFAULT_METRIC = 'process_cpu_user_seconds_total'

/** The metrics route. */
export const prometheusRoutes: FastifyPluginAsync = async function prometheusRoutes (app) {
  // The app's own registry: several demo apps run in one test process, each with its own
  // counters. The process metrics are the process's, so they live once, in prom-client's
  // default registry, and the two are merged per scrape.
  const registry = new Registry()
  await registerStreamMetrics(app, { registry })
  enableProcessMetrics()

  app.get('/metrics', async (_request, reply) => {
    const merged = Registry.merge([processRegistry, registry])
    reply.type(merged.contentType)
    return merged.metrics()
  })
}

// Once per process. The default set reads its figures at scrape time, except an event-loop
// delay histogram that samples every 10 ms from the start; enabled only at the first scrape,
// that histogram would be empty then, and its mean NaN.
function enableProcessMetrics (): void {
  if (processRegistry.getSingleMetric(DEFAULT_METRIC) === undefined) collectDefaultMetrics({ register: processRegistry })
}
