/**
 * `fastify-stream/hub`: the broadcast hub for those who build it themselves or pass their own
 * to the plugin: `createHub()`, the memory and Redis adapters, and the contract a store of
 * your own implements. The plugin's `fastify.hub` is one of these hubs.
 */
export { createHub } from './create-hub.js'
export type { Hub, HubStats, HubSubscription } from './hub.js'
export type { PublishOptions } from './publish-options.js'
export type {
  HubAdapter,
  HubAdapterContext,
  HubAdapterFactory,
  HubBackendStatus,
  HubLogger,
  HubMessage,
  HubRecord,
  ReplayResult
} from './adapter.js'
export type { HubOptions, HubSubscribeOptions, OverflowPolicy } from './options.js'
export { createMemoryAdapter } from './memory/adapter.js'
export { createRedisAdapter, type RedisAdapterOptions } from './redis/adapter.js'
export { isValidTopic } from './topic-name.js'
export type { ResetData, ResetReason } from './reset-data.js'
export type { PresenceChange, PresenceEvent, PresencePage, PresenceStore } from './presence/presence.js'
export type { PreparedEvent } from '../framing/prepared-event.js'
