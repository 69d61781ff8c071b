/**
 * `GET /api/monitor?intervalMs=`: live process and system metrics as SSE or NDJSON, one
 * event per interval, until the client leaves (its timer stops with the connection).
 */
import { channel } from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsync } from 'fastify'
import { sse, streamContent } from 'fastify-stream'
import type { DemoPluginOptions } from '../feature-options.js'
import { toSample, type MetricsSampler } from '../metrics.js'
import { integerQuery, type IntegerBounds } from '../integer-query.js'
import { MonitorSampleSchema } from '../item-schemas.js'
import { lastEventIdSchema, parseSequenceId } from '../query-schemas.js'

/** Bounds of `intervalMs`: faster than 100 ms is noise for a chart and costs CPU per client. */
export const MONITOR_INTERVAL: IntegerBounds = { minimum: 100, maximum: 60_000, default: 1000 }

const MONITOR_QUERY = integerQuery({ intervalMs: MONITOR_INTERVAL })

/**
 * Reports `{ type: 'tick' | 'stop', requestId, seq }` for every monitor stream. Costs nothing
 * without subscribers; tests use it to see that a timer stops when its client leaves.
 */
export const monitorChannel = channel('fastify-stream-demo:monitor')

interface MonitorQuery {
  intervalMs: number
}

/** The monitoring route. */
export const monitorRoutes: FastifyPluginAsync<DemoPluginOptions> = async function monitorRoutes (app, { shared }) {
  const sampler = shared.sampler

  app.get<{ Querystring: MonitorQuery }>('/api/monitor', {
    preValidation: MONITOR_QUERY.preValidation,
    schema: {
      querystring: {
        type: 'object',
        properties: { ...MONITOR_QUERY.properties, lastEventId: lastEventIdSchema }
      },
      response: { 200: streamContent(MonitorSampleSchema, ['sse', 'ndjson']) }
    }
  }, (request, reply) => {
    const { intervalMs } = request.query
    return reply.stream(({ signal, lastEventId }) =>
      monitorEvents(sampler, intervalMs, parseSequenceId(lastEventId) + 1, request.id, signal))
  })
}

/**
 * One event every `intervalMs`, numbered from `firstSeq` (a reconnecting client continues its
 * numbering, so its charts show no break in the ids).
 */
async function * monitorEvents (sampler: MetricsSampler, intervalMs: number, firstSeq: number, requestId: string, signal: AbortSignal) {
  const release = sampler.acquire()
  let previous = sampler.read()
  const start = previous.at
  let seq = firstSeq
  try {
    for (let tick = 1; ; tick++) {
      // Ticks are due at fixed offsets from the start, so the interval does not drift; a
      // tick missed while the event loop was blocked is skipped, not bunched with the next.
      const now = performance.now()
      if (start + tick * intervalMs <= now) tick = Math.floor((now - start) / intervalMs) + 1
      await sleep(start + tick * intervalMs - now, undefined, { signal, ref: false })
      const current = sampler.read()
      yield sse({ id: seq, event: 'metrics', data: toSample(seq, previous, current) })
      if (monitorChannel.hasSubscribers) monitorChannel.publish({ type: 'tick', requestId, seq })
      previous = current
      seq++
    }
  } finally {
    release()
    if (monitorChannel.hasSubscribers) monitorChannel.publish({ type: 'stop', requestId, seq })
  }
}
