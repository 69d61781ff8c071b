/**
 * `reply.stream()`: negotiates the format, starts a pump on the raw response, and routes
 * failures before the first byte through Fastify's error handler.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  errors,
  negotiateFormat,
  STREAM_FORMATS,
  StreamPump,
  type Encoder,
  type StreamSource
} from '../lib/index.js'
import { mergeCallOptions, type ReplyStreamOptions, type ResolvedOptions } from './options.js'
import { configFor, encoderFor, type StreamRegistry } from './stream-registry.js'
import type { ReplySourceContext } from './types.js'
import { writeHead } from './write-head.js'

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
    reply.log.warn({ err: new errors.FST_STREAM_ALREADY_STARTED() }, 'fastify-stream: reply.stream() called on a sent reply')
    return reply
  }
  let options: ResolvedOptions
  let encoder: Encoder
  try {
    options = callOptions === undefined ? registry.options : mergeCallOptions(registry.options, callOptions)
    encoder = chooseEncoder(reply.request, options, registry)
  } catch (err) {
    return reply.send(err)
  }
  if (reply.request.method === 'HEAD') {
    writeHead(reply, encoder, options.format === undefined)
    reply.raw.end()
    return reply
  }
  const pump = createPump(registry, reply, source, encoder, options)
  pump.start().then(failure => {
    if (failure !== undefined) reply.send(failure instanceof Error ? failure : new errors.FST_STREAM_SOURCE_FAILED())
  }, /* c8 ignore next */ err => reply.send(err))
  return reply
}

function chooseEncoder (request: FastifyRequest, options: ResolvedOptions, registry: StreamRegistry): Encoder {
  if (registry.closing) throw new errors.FST_STREAM_SHUTDOWN()
  if (registry.counters.open >= options.maxStreams) {
    registry.counters.rejected++
    throw new errors.FST_STREAM_TOO_MANY_STREAMS()
  }
  const offered = options.formats ?? STREAM_FORMATS
  const format = options.format ??
    negotiateFormat(request.headers.accept, offered, options.defaultFormat, options.formats !== undefined)
  if (format === null) throw new errors.FST_STREAM_NOT_ACCEPTABLE(offered.join(', '))
  return encoderFor(registry, options, format)
}

function createPump (
  registry: StreamRegistry,
  reply: FastifyReply,
  source: StreamSource<unknown, ReplySourceContext>,
  encoder: Encoder,
  options: ResolvedOptions
): StreamPump {
  const request = reply.request
  const lastEventId = request.lastEventId
  if (lastEventId !== undefined) registry.counters.resumes++
  const config = configFor(registry, options)
  // Only a factory can see the signal; an iterable is stopped through its return() alone,
  // so it is spared the AbortController (a measurable part of a short stream's cost).
  if (typeof source !== 'function') return trackPump(registry, new StreamPump(reply.raw, source, { encoder, config, owner: reply }))
  const controller = new AbortController()
  const context: ReplySourceContext = { signal: controller.signal, lastEventId, format: encoder.format, request, reply }
  return trackPump(registry, new StreamPump(reply.raw, source, { encoder, controller, context, config, owner: reply }))
}

function trackPump (registry: StreamRegistry, pump: StreamPump): StreamPump {
  registry.open.add(pump)
  return pump
}
