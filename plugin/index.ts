/**
 * fastify-stream: adds `reply.stream(source, options)` to Fastify 5, streaming any
 * (async) iterable as Server-Sent Events, NDJSON or CSV. This entry is for Fastify users:
 * the plugin, `sse()`, the errors, and the types of its options and decorators
 * (`fastify.hub` included). The hub's factories and adapters are in `fastify-stream/hub`,
 * the Prometheus metrics in `fastify-stream/metrics`.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from '../lib/errors.js'
import { resolveLastEventId } from '../lib/http/last-event-id.js'
import type { StreamSource } from '../lib/write-path/source.js'
import { decorateHub } from './decorate-hub.js'
import { resolveOptions, type FastifyStreamOptions, type ReplyStreamOptions } from './options.js'
import { startStream } from './reply-stream.js'
import { watchStreamRoutes } from './schema/route-streams.js'
import { createRegistry } from './stream-registry.js'
import type { ReplySourceContext } from './types.js'

/**
 * The plugin. Register it once; every reply gains `stream()`, every request `lastEventId`,
 * and the instance `streams` (live counters). `fastify.close()` ends open streams promptly.
 *
 * @throws FST_STREAM_INVALID_OPTION at register time for a bad option.
 */
const plugin: FastifyPluginAsync<FastifyStreamOptions> = async function fastifyStream (fastify, rawOptions) {
  const options = resolveOptions(rawOptions)
  const registry = createRegistry(options, message => fastify.log.warn(message))

  fastify.decorate('streams', { getter: () => registry.counters })
  watchStreamRoutes(fastify, options)
  decorateHub(fastify, rawOptions.hub)
  fastify.decorateRequest('lastEventId', {
    getter () {
      const query = options.lastEventIdQuery === false ? undefined : (this.query as Record<string, unknown> | undefined)?.[options.lastEventIdQuery]
      return resolveLastEventId(this.headers['last-event-id'], query, options.maxLastEventIdLength)
    }
  })
  fastify.decorateReply('stream', function stream (this: FastifyReply, source: StreamSource<unknown, ReplySourceContext>, callOptions?: ReplyStreamOptions) {
    return startStream(registry, this, source, callOptions)
  })

  // preClose runs before the server stops accepting: end every stream so close() resolves
  // instead of waiting forever on connections that never finish by themselves.
  fastify.addHook('preClose', async () => {
    registry.closing = true
    // One reason for every stream: a stack trace each is a pause at tens of thousands.
    const reason = new errors.FST_STREAM_SHUTDOWN()
    await Promise.all(Array.from(registry.open, pump => pump.shutdown(reason)))
  })
}

/** The plugin, also the default export. */
export const fastifyStream = fp(plugin, { fastify: '5.x', name: 'fastify-stream' })
export default fastifyStream

export { errors, isStreamError, type StreamError } from '../lib/errors.js'
export type { StreamFormat } from '../lib/framing/encoder.js'
export { sse, type SseEvent, type SseFields } from '../lib/framing/sse-event.js'
export { INVALID_LAST_EVENT_ID } from '../lib/http/last-event-id.js'
export { transformStreamDocument } from './schema/openapi.js'
export { sseEvents, streamContent } from './schema/helpers.js'
export type { Hub, HubStats, HubSubscription } from '../lib/hub/hub.js'
export type { HubOptions, HubSubscribeOptions } from '../lib/hub/options.js'
export type { PublishOptions } from '../lib/hub/publish-options.js'
export type { ResetData } from '../lib/hub/reset-data.js'
export type { StreamCounters } from '../lib/write-path/counters.js'
export type { StreamSource } from '../lib/write-path/source.js'
export type { FastifyStreamOptions, ReplyStreamOptions } from './options.js'
export type { ReplySourceContext } from './types.js'
