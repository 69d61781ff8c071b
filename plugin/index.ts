/**
 * fastify-stream: adds `reply.stream(source, options)` to Fastify 5, streaming any
 * (async) iterable as Server-Sent Events, NDJSON or CSV.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { errors, resolveLastEventId, type StreamSource } from '../lib/internal.js'
import { decorateHub } from './hub.js'
import { resolveOptions, type FastifyStreamOptions, type ReplyStreamOptions } from './options.js'
import { startStream } from './reply-stream.js'
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

export {
  errors,
  isStreamError,
  sse,
  isSseEvent,
  SseEvent,
  StreamCounters,
  csvField,
  createHub,
  createRedisAdapter,
  createMemoryAdapter,
  isHub,
  isValidTopic,
  INVALID_LAST_EVENT_ID,
  MAX_TOPIC_LENGTH,
  RESET_EVENT,
  type SseFields,
  type StreamFormat,
  type StreamSource,
  type SourceContext,
  type SourceFactory,
  type Serializer,
  type StreamError,
  type Hub,
  type HubAdapter,
  type HubAdapterFactory,
  type HubLogger,
  type HubOptions,
  type HubStats,
  type HubSubscription,
  type OverflowPolicy,
  type PublishOptions,
  type RedisAdapterOptions,
  type ResetData,
  type SubscribeOptions
} from '../lib/internal.js'
export type { FastifyStreamOptions, ReplyStreamOptions, StreamDefaults } from './options.js'
export type { ReplySourceContext } from './types.js'
export {
  registerStreamMetrics,
  type StreamMetricsOptions,
  type PromClientLike,
  type PromRegistryLike,
  type PromCounterLike,
  type PromGaugeLike,
  type PromMetricConfig
} from './prometheus.js'
