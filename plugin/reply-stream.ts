/**
 * `reply.stream()`: negotiates the format, starts a pump on the raw response, and routes
 * failures before the first byte through Fastify's error handler.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  createEncoder,
  errors,
  negotiateFormat,
  STREAM_FORMATS,
  StreamPump,
  streamHeaders,
  type Encoder,
  type StreamCounters,
  type StreamSource
} from '../lib/index.js'
import { mergeCallOptions, type ReplyStreamOptions, type ResolvedOptions } from './options.js'
import type { ReplySourceContext } from './types.js'

/** What every `reply.stream()` call of one plugin instance shares. */
export interface StreamRegistry {
  options: ResolvedOptions
  counters: StreamCounters
  /** Open pumps, so `fastify.close()` can end them. */
  open: Set<StreamPump>
  /** Set once the server starts closing: new streams are refused. */
  closing: boolean
}

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
  return createEncoder(format, options)
}

function createPump (
  registry: StreamRegistry,
  reply: FastifyReply,
  source: StreamSource<unknown, ReplySourceContext>,
  encoder: Encoder,
  options: ResolvedOptions
): StreamPump {
  const request = reply.request
  const controller = new AbortController()
  const context: ReplySourceContext = { signal: controller.signal, lastEventId: request.lastEventId, format: encoder.format, request, reply }
  if (context.lastEventId !== undefined) registry.counters.resumes++
  const pump: StreamPump = new StreamPump(reply.raw, source, {
    encoder,
    heartbeatMs: options.heartbeatMs,
    counters: registry.counters,
    controller,
    context,
    writeHead: () => writeHead(reply, encoder, options.format === undefined),
    onFault: err => request.log.error({ err }, 'fastify-stream: the stream failed after its headers were sent'),
    onClose: () => registry.open.delete(pump)
  })
  registry.open.add(pump)
  return pump
}

/**
 * Writes the head on the raw response, keeping every header set with `reply.header()` or by
 * hooks (CORS, request ids), then hijacks the reply so Fastify does not send one too.
 */
function writeHead (reply: FastifyReply, encoder: Encoder, negotiated: boolean): void {
  const headers: Record<string, unknown> = reply.getHeaders()
  const defaults = streamHeaders(encoder, reply.request.raw.httpVersionMajor)
  for (const name in defaults) headers[name] ??= defaults[name]
  if (negotiated) {
    // The body's format depends on Accept, so shared caches must key on it (RFC 9110 §12.5.5).
    const vary = headers.vary
    headers.vary = vary === undefined ? 'Accept' : `${String(vary)}, Accept`
  }
  reply.raw.writeHead(reply.statusCode, headers as Record<string, string>)
  reply.hijack()
}
