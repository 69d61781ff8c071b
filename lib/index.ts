/**
 * `fastify-stream/core`: the framework-free core. Encoders, the pump, the hub and errors,
 * usable from plain `node:http` through {@link streamResponse}.
 */
export { StreamCounters } from './counters.js'
export { createEncoder, type EncoderOptions } from './create-encoder.js'
export { createCsvEncoder, csvField, type CsvEncoderOptions } from './csv-encoder.js'
export { STREAM_FORMATS, type Encoder, type StreamFault, type StreamFormat } from './encoder.js'
export { errors, isStreamError, type StreamError } from './errors.js'
export { streamHeaders } from './headers.js'
export { INVALID_LAST_EVENT_ID, resolveLastEventId } from './last-event-id.js'
export { createNdjsonEncoder, type NdjsonEncoderOptions } from './ndjson-encoder.js'
export { negotiateFormat } from './negotiate.js'
export { PreparedEvent, isPreparedEvent } from './prepared-event.js'
export { StreamPump } from './pump.js'
export { isPushSource, type PushConsumer, type PushSource } from './push-consumer.js'
export type { PumpConfig, PumpInit } from './pump-config.js'
export type { ResponseSink } from './response-sink.js'
export { createSerialize, type Serializer } from './serialize.js'
export { createSseEncoder, encodeSseEvent, type SseEncoderOptions } from './sse-encoder.js'
export { SseEvent, isSseEvent, sse, type SseFields } from './sse-event.js'
export { openSource, type AnyIterator, type SourceContext, type SourceFactory, type StreamSource } from './source.js'
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
