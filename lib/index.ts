/**
 * `fastify-stream/core`: the framework-free core, usable from plain `node:http` through
 * {@link streamResponse}. It exports what the README documents and nothing else; the plugin
 * reaches the internals through internal.ts.
 */
export { StreamCounters } from './counters.js'
export { createCsvEncoder, csvField, type CsvEncoderOptions } from './csv-encoder.js'
export type { Encoder, StreamFault, StreamFormat } from './encoder.js'
export { errors, isStreamError, type StreamError, type StreamErrorConstructor, type StreamErrorOf } from './errors.js'
export { INVALID_LAST_EVENT_ID, resolveLastEventId } from './last-event-id.js'
export { createNdjsonEncoder, type NdjsonEncoderOptions } from './ndjson-encoder.js'
export { negotiateFormat } from './negotiate.js'
export type { Serializer } from './serialize.js'
export { createSseEncoder, encodeSseEvent, type SseEncoderOptions } from './sse-encoder.js'
export { SseEvent, isSseEvent, sse, type SseFields } from './sse-event.js'
export type { SourceContext, SourceFactory, StreamSource } from './source.js'
export { streamResponse, type StreamResponseOptions } from './stream-response.js'
export {
  createHub,
  createMemoryAdapter,
  createRedisAdapter,
  isHub,
  isValidTopic,
  MAX_TOPIC_LENGTH,
  OVERFLOW_POLICIES,
  RESET_EVENT,
  type Hub,
  type HubAdapter,
  type HubAdapterContext,
  type HubAdapterFactory,
  type HubBackendState,
  type HubBackendStatus,
  type HubLogger,
  type HubMessage,
  type HubOptions,
  type HubRecord,
  type HubStats,
  type HubSubscription,
  type OverflowPolicy,
  type PublishOptions,
  type RedisAdapterOptions,
  type RedisClientLike,
  type ReplayResult,
  type ResetData,
  type ResetReason,
  type SubscribeOptions
} from './hub/index.js'
