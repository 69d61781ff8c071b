/**
 * `reply.stream()`: negotiates the format, starts a pump on the raw response, and routes
 * failures before the first byte through Fastify's error handler.
 */
import type { FastifyReply } from 'fastify'
import { errors } from '../lib/errors.js'
import { createEncoder } from '../lib/framing/create-encoder.js'
import { STREAM_FORMATS, type Encoder, type StreamFormat } from '../lib/framing/encoder.js'
import { negotiateFormat } from '../lib/http/negotiate.js'
import { StreamPump } from '../lib/write-path/pump.js'
import { discardSource, type StreamSource } from '../lib/write-path/source.js'
import type { ReplyStreamOptions, ResolvedOptions } from './options.js'
import { CheckingEncoder } from './schema/item-checks.js'
import { resolveCallOptions } from './route-options.js'
import { checkCallFormats, itemCheckOf, streamRouteOf, type StreamRoute } from './schema/route-streams.js'
import type { StreamDeclaration } from './schema/declaration.js'
import { configFor, encoderFor, routeEncoder, type StreamOwner, type StreamRegistry } from './stream-registry.js'
import type { ReplySourceContext } from './types.js'
import { writeHead, type StreamCoding } from './write-head.js'
import { compressionOf } from '../lib/http/compress-option.js'
import { chooseCoding, compressedSink } from '../lib/http/stream-coding.js'

// Refusals for load (too many streams) say when to come back. Streams are long-lived, so a
// slot frees up on the scale of seconds, not milliseconds.
const RETRY_AFTER_SECONDS = '5'

/**
 * Starts streaming `source` on `reply`. Always returns `reply`; every failure is answered
 * through the normal error handler (before the head) or in-band (after it).
 */
export function startStream (
  registry: StreamRegistry,
  reply: FastifyReply,
  source: StreamSource<unknown, ReplySourceContext>,
  callOptions: ReplyStreamOptions | undefined
): FastifyReply {
  if (reply.sent || reply.raw.headersSent) {
    discardSource(source)
    reply.log.warn({ err: new errors.FST_STREAM_ALREADY_STARTED() }, 'fastify-stream: reply.stream() called on a sent reply')
    return reply
  }
  let options: ResolvedOptions
  let encoder: Encoder
  let routeConfig: { url?: string }
  try {
    // One read of routeOptions: Fastify builds that object anew on every access.
    routeConfig = reply.request.routeOptions.config
    const route = streamRouteOf(routeConfig)
    const defaults = route?.options ?? registry.options
    options = callOptions === undefined ? defaults : resolveCallOptions(registry.routeOptions, defaults, routeConfig, callOptions)
    if (callOptions !== undefined) checkCallOptions(route, callOptions, options)
    encoder = chooseEncoder(reply, options, registry, route)
  } catch (err) {
    discardSource(source)
    return reply.send(err)
  }
  const coding = codingOf(options, reply, encoder.format)
  if (reply.request.method === 'HEAD') {
    discardSource(source)
    writeHead(reply, encoder, options.format === undefined, coding)
    reply.raw.end()
    return reply
  }
  const client = registry.clients.acquire(reply.request)
  if (client === undefined) {
    discardSource(source)
    registry.counters.rejectedPerClient++
    reply.header('retry-after', RETRY_AFTER_SECONDS)
    return reply.send(new errors.FST_STREAM_TOO_MANY_STREAMS_PER_CLIENT())
  }
  const pump = createPump(registry, reply, source, encoder, options, { client, url: routeConfig.url, coding })
  const started = pump.start().then(failure => {
    if (failure !== undefined) reply.send(failure instanceof Error ? failure : new errors.FST_STREAM_SOURCE_FAILED())
  }, /* c8 ignore next */ err => { reply.send(err) })
  settleWhenStarted(reply, started)
  return reply
}

/**
 * A handler that returns the reply makes Fastify call `reply.then()`, whose default keeps
 * `stream.finished()` listeners on the response for the stream's whole life: about 1.4 KiB
 * per idle stream, a quarter of what a raw socket costs. The plugin answers every outcome
 * itself (the error handler before the head, in-band after it), so the reply settles as a
 * hijacked one does: once the head is out or the error has been sent.
 */
function settleWhenStarted (reply: FastifyReply, started: Promise<void>): void {
  // `started` never rejects: both of its handlers answer the request themselves.
  reply.then = fulfilled => { started.then(() => { fulfilled() }) }
}

/** With compression on: the coding this request gets (none when it accepts none offered). */
function codingOf (options: ResolvedOptions, reply: FastifyReply, format: StreamFormat): StreamCoding | undefined {
  const compression = compressionOf(options.compress)
  if (compression === undefined) return undefined
  return { encoding: chooseCoding(compression, reply.request.headers['accept-encoding'], format), compression }
}

function checkCallOptions (route: StreamRoute | undefined, callOptions: ReplyStreamOptions, options: ResolvedOptions): void {
  if (route !== undefined) checkCallFormats(route, options)
  if (callOptions.validateItems === true && route?.declaration === undefined) {
    throw new errors.FST_STREAM_INVALID_OPTION('validateItems', 'needs a route that declares its items in schema.response[200].content (see docs/schemas.md)')
  }
}

function chooseEncoder (reply: FastifyReply, options: ResolvedOptions, registry: StreamRegistry, route: StreamRoute | undefined): Encoder {
  if (registry.closing) throw new errors.FST_STREAM_SHUTDOWN()
  if (registry.counters.open >= options.maxStreams) {
    registry.counters.rejected++
    reply.header('retry-after', RETRY_AFTER_SECONDS)
    throw new errors.FST_STREAM_TOO_MANY_STREAMS()
  }
  const offered = options.formats ?? STREAM_FORMATS
  const format = options.format ??
    negotiateFormat(reply.request.headers.accept, offered, options.defaultFormat, options.formats !== undefined)
  if (format === null) throw new errors.FST_STREAM_NOT_ACCEPTABLE(offered.join(', '))
  const declaration = route?.declaration
  if (declaration === undefined) return encoderFor(registry, options, format)
  return declaredEncoder(reply, options, registry, route as StreamRoute, declaration, format)
}

/**
 * The encoder of a route that declares its items: its schema's serializers, unless the call
 * or `config.stream` brings a serializer of its own (which then wins, CSV's columns aside:
 * they still come from the schema), and the item check with `validateItems`.
 */
function declaredEncoder (reply: FastifyReply, options: ResolvedOptions, registry: StreamRegistry, route: StreamRoute, declaration: StreamDeclaration, format: StreamFormat): Encoder {
  const own = options.serializer !== registry.options.serializer
  const encoding = own && format !== 'csv' ? undefined : route.encoding[format]
  const check = options.validateItems === true ? itemCheckOf(route, declaration, format, reply.request) : undefined
  if (encoding === undefined && check === undefined) return encoderFor(registry, options, format)
  return routeEncoder(registry, options, format, () => {
    // Columns given to the call or the route win over the schema's; the plugin's do not.
    const columns = options.columns !== registry.options.columns ? options.columns : encoding?.columns ?? options.columns
    const made = createEncoder(format, { ...options, ...encoding, columns, onWarning: registry.warn })
    return check === undefined ? made : new CheckingEncoder(made, check)
  })
}

function createPump (
  registry: StreamRegistry,
  reply: FastifyReply,
  source: StreamSource<unknown, ReplySourceContext>,
  encoder: Encoder,
  options: ResolvedOptions,
  { client, url, coding }: { client: string, url: string | undefined, coding: StreamCoding | undefined }
): StreamPump<StreamOwner> {
  const request = reply.request
  const lastEventId = request.lastEventId
  if (lastEventId !== undefined) registry.counters.resumes++
  const config = configFor(registry, options)
  const owner: StreamOwner = { reply, log: request.log, method: request.method, url, client, coding }
  // Only a factory can see the signal; an iterable is stopped through its return() alone,
  // so it is spared the AbortController (a measurable part of a short stream's cost).
  let pump: StreamPump<StreamOwner>
  // A compressed stream writes through a sink that compresses and flushes each write.
  const sink = coding?.encoding === undefined ? reply.raw : compressedSink(reply.raw, coding.encoding, coding.compression, encoder.format)
  if (typeof source !== 'function') {
    pump = new StreamPump(sink, source, { encoder, config, owner })
  } else {
    const controller = new AbortController()
    const context: ReplySourceContext = { signal: controller.signal, lastEventId, format: encoder.format, request, reply }
    pump = new StreamPump(sink, source, { encoder, config, owner, factory: { controller, context } })
  }
  registry.open.add(pump)
  return pump
}
