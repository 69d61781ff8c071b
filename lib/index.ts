/**
 * `fastify-stream/core`: streams without Fastify, for plain `node:http` (and `node:http2`
 * compatibility) servers: {@link streamResponse}, the `sse()` item, the encoding and request
 * helpers a hand-written server needs, and the errors. The hub has its own entry,
 * `fastify-stream/hub`.
 */
export { errors, isStreamError, type StreamError } from './errors.js'
export type { StreamFormat } from './framing/encoder.js'
export type { Serializer } from './framing/serialize.js'
export { encodeSseEvent } from './framing/sse-encoder.js'
export { sse, type SseEvent, type SseFields } from './framing/sse-event.js'
export { INVALID_LAST_EVENT_ID, resolveLastEventId } from './http/last-event-id.js'
export { negotiateFormat } from './http/negotiate.js'
export { streamResponse, type StreamResponseOptions } from './http/stream-response.js'
export { StreamCounters } from './write-path/counters.js'
export type { SourceContext, StreamSource } from './write-path/source.js'
