/**
 * The broadcast hub: `createHub()`, its adapters (in memory by default, Redis Streams across
 * processes) and their types.
 */
export { createHub, isHub, type Hub, type HubStats } from './create-hub.js'
export type { PublishOptions } from './publish-options.js'
export type {
  HubAdapter,
  HubAdapterContext,
  HubAdapterFactory,
  HubBackendState,
  HubBackendStatus,
  HubLogger,
  HubMessage,
  HubRecord,
  ReplayResult,
  ResetReason
} from './hub-adapter.js'
export { OVERFLOW_POLICIES, type HubOptions, type OverflowPolicy, type SubscribeOptions } from './hub-options.js'
export { createMemoryAdapter } from './memory-adapter.js'
export { createRedisAdapter, type RedisAdapterOptions, type RedisClientLike } from './redis-adapter.js'
export { isValidTopic, MAX_TOPIC_LENGTH } from './topic-name.js'
export { RESET_EVENT, type ResetData } from './reset-event.js'
export type { HubSubscription } from './subscription.js'
