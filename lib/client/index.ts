/**
 * `fastify-stream/client`: read the plugin's streams from `fetch`, in browsers and in Node.
 * `subscribe()` for SSE (headers, any method, reconnection, resume, typed events) and
 * `readNdjson()` for NDJSON. No Node built-ins and no side effects; its one dependency is
 * `eventsource-parser`.
 */
export { StreamClientError, isStreamClientError } from './client-error.js'
export type { EventOf, SubscriptionEvent } from './event-types.js'
export type { ResetData } from '../hub/reset-data.js'
export { readNdjson, type ReadNdjsonOptions } from './read-ndjson.js'
export { subscribe, type EventSubscription } from './subscribe.js'
export type { RetryInfo, SubscribeOptions } from './subscribe-options.js'
