/**
 * `fastify-stream/client`: read the plugin's streams from `fetch`, in browsers and in Node.
 * `subscribe()` for SSE (headers, any method, reconnection, resume, typed events) and
 * `readNdjson()` for NDJSON. No Node built-ins and no side effects; its one dependency is
 * `eventsource-parser`.
 */
export { CLIENT_ERROR_CODES, StreamClientError, isStreamClientError, type StreamClientErrorDetails, type StreamErrorCode } from './client-error.js'
export type { AnyEvents, BuiltinEvents, EventOf, ResetEventData, SubscriptionEvent, WithBuiltinEvents } from './event-types.js'
export { readNdjson, type NdjsonInput, type ReadNdjsonOptions } from './read-ndjson.js'
export { subscribe, type EventSubscription } from './subscribe.js'
export type { FetchLike, RetryInfo, ReusableBody, SubscribeOptions } from './subscribe-options.js'
