/**
 * `reply.stream()` for plain `node:http` (and `node:http2` compat) servers: negotiation,
 * head, pump and error answers, with no Fastify involved.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { StreamCounters } from '../write-path/counters.js'
import { createEncoder, type EncoderOptions } from '../framing/create-encoder.js'
import { STREAM_FORMATS, type StreamFormat } from '../framing/encoder.js'
import { errors, isStreamError, type StreamError } from '../errors.js'
import { invalidOption } from '../option-checks.js'
import { checkCompressOption, compressionOf, type Compression, type CompressOption } from './compress-option.js'
import { streamHeaders } from './headers.js'
import { resolveLastEventId } from './last-event-id.js'
import { negotiateFormat } from './negotiate.js'
import { StreamPump } from '../write-path/pump.js'
import type { PumpConfig } from '../write-path/pump-config.js'
import { discardSource, type StreamSource } from '../write-path/source.js'
import { chooseCoding, compressedSink } from './stream-coding.js'

/** Options of {@link streamResponse}. */
export interface StreamResponseOptions extends EncoderOptions {
  /** Force a format instead of negotiating from `Accept`. */
  format?: StreamFormat
  /** Formats offered; an `Accept` admitting none of them gets 406. */
  formats?: readonly StreamFormat[]
  /** Used when `Accept` names no streaming type (default `'ndjson'`). */
  defaultFormat?: StreamFormat
  /** Idle heartbeat in ms for SSE (default 15000; 0 disables). */
  heartbeatMs?: number
  /** End the stream after about this many ms (±10 %) so the client reconnects (default 0: never). */
  maxLifetimeMs?: number
  /** Longest accepted `Last-Event-ID` (default 256 characters). */
  maxLastEventIdLength?: number
  /** Counters to update; pass one object to many calls to aggregate. */
  counters?: StreamCounters
  /** Called once with an error that happened after the head was sent. */
  onFault?: (err: unknown) => void
  /**
   * Compress for clients that accept it, each write flushed (default false): `true`, or
   * `{ encodings, zlibOptions, brotliOptions, dictionaryBytes }` (docs/compression.md). A
   * wrong value rejects with FST_STREAM_INVALID_OPTION before anything is sent.
   */
  compress?: CompressOption
}

/**
 * Streams `source` as the response to `req`. Answers 406 when nothing offered is
 * acceptable, and a JSON 500 (or the error's `statusCode`) when the source fails before its
 * first byte.
 *
 * @returns a promise that settles once the head is written or an error answer was sent.
 */
export async function streamResponse (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  source: StreamSource,
  options: StreamResponseOptions = {}
): Promise<void> {
  const problem = options.compress === undefined ? undefined : checkCompressOption(options.compress)
  if (problem !== undefined) {
    discardSource(source)
    throw invalidOption('compress', problem)
  }
  const offered = options.formats ?? STREAM_FORMATS
  const format = options.format ??
    negotiateFormat(req.headers.accept, offered, options.defaultFormat ?? 'ndjson', options.formats !== undefined)
  if (format === null) {
    discardSource(source)
    return answerError(res, new errors.FST_STREAM_NOT_ACCEPTABLE(offered.join(', ')))
  }
  const encoder = createEncoder(format, options)
  const controller = new AbortController()
  const lastEventId = resolveLastEventId(req.headers['last-event-id'], undefined, options.maxLastEventIdLength ?? 256)
  const compression = compressionOf(options.compress)
  const coding = compression === undefined ? undefined : chooseCoding(compression, req.headers['accept-encoding'], format)
  const headers = streamHeaders(encoder)
  // With compression on, the body's coding depends on Accept-Encoding, whichever was chosen.
  if (compression !== undefined) headers.vary = 'Accept-Encoding'
  if (coding !== undefined) headers['content-encoding'] = coding
  const config: PumpConfig<undefined> = {
    heartbeatMs: options.heartbeatMs ?? 15000,
    lifetimeMs: options.maxLifetimeMs ?? 0,
    counters: options.counters ?? new StreamCounters(),
    writeHead: () => { res.writeHead(200, headers) }
  }
  if (options.onFault !== undefined) {
    const onFault = options.onFault
    config.onFault = (_pump, err) => onFault(err)
  }
  const sink = coding === undefined ? res : compressedSink(res, coding, compression as Compression, format)
  const pump = new StreamPump(sink, source, { encoder, config, owner: undefined, factory: { controller, context: { signal: controller.signal, lastEventId, format } } })
  const failure = await pump.start()
  if (failure !== undefined) answerError(res, failure)
}

function answerError (res: ServerResponse | Http2ServerResponse, err: unknown): void {
  // A source may throw anything, null included; only an Error can carry a status.
  const status = err instanceof Error ? (err as StreamError).statusCode ?? 500 : 500
  // Only our own codes are safe to show; anything else may carry internals.
  const body = isStreamError(err)
    ? { statusCode: status, code: err.code, message: err.message }
    : { statusCode: status, message: 'Internal Server Error' }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}
