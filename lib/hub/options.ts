/**
 * Options of `createHub()` and `hub.subscribe()`, validated once so a mistake fails with
 * FST_STREAM_INVALID_OPTION where it is made, not as odd behaviour under load.
 */
import { invalidOption, isIntegerIn } from '../option-checks.js'
import type { Serializer } from '../framing/serialize.js'
import type { HubAdapter, HubAdapterContext, HubAdapterFactory, HubLogger } from './adapter.js'
import type { PresenceMember } from './presence/presence.js'

/** What a subscriber's full queue does with the next event. */
export type OverflowPolicy = 'drop-oldest' | 'disconnect'

/** The overflow policies, in documentation order. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['disconnect', 'drop-oldest']

/** Options of `createHub()`. */
export interface HubOptions {
  /**
   * Where events are stored: an adapter factory, called once with the hub's context
   * (default: `createMemoryAdapter()`, this process only). One per hub.
   */
  adapter?: HubAdapterFactory
  /** Events retained per topic for resume (default 1000; 0 keeps none). */
  historySize?: number
  /**
   * How long a topic's history outlives its last publish, in ms (default 3,600,000: one
   * hour). Then its Redis keys expire, and the memory adapter forgets it once it has no
   * subscribers, so topics that come and go do not pile up. Idempotency keys last as long.
   */
  historyTtlMs?: number
  /** Default bound of each subscriber's queue, in events (default 1000). */
  maxQueue?: number
  /** Default overflow policy (default `'disconnect'`). */
  overflow?: OverflowPolicy
  /** Replaces `JSON.stringify` for published data. Its output must not contain CR/LF. */
  serializer?: Serializer
  /** Receives the backend's state changes (the plugin passes `fastify.log`). */
  logger?: HubLogger
  /**
   * How long presence changes wait to be sent as `join` and `leave` events, in ms (default
   * 500): within it, a user who leaves and comes back (a reload) makes no event.
   */
  presenceDelayMs?: number
}

/** Options of `hub.subscribe()`. */
export interface HubSubscribeOptions {
  /** Resume after this event id (`Last-Event-ID`): replay what was missed, then live. */
  lastEventId?: string | undefined
  /** Ends the subscription when aborted (pass the stream's `signal`). */
  signal?: AbortSignal | undefined
  /** This subscriber's queue bound, in events (default: the hub's `maxQueue`). */
  maxQueue?: number | undefined
  /** This subscriber's overflow policy (default: the hub's `overflow`). */
  overflow?: OverflowPolicy | undefined
  /**
   * Who this subscriber is, for presence (docs/hub.md): `{ id, info }`, an id the app chooses
   * (a user id) and small JSON info (a display name). Several subscriptions with one id count
   * as one user. Needs an adapter that keeps presence.
   */
  presence?: PresenceMember | undefined
  /**
   * Also receive `join` and `leave` events when a user's first client arrives on the topic or
   * its last leaves (default false). They carry no id and are not kept in history.
   */
  presenceEvents?: boolean | undefined
}

/** Hub options with defaults filled in (adapter and logger are resolved by createHub). */
export interface ResolvedHubOptions {
  historySize: number
  historyTtlMs: number
  maxQueue: number
  overflow: OverflowPolicy
  presenceDelayMs: number
}

// Bounds keep a typo (an extra zero or three) from reserving unbounded memory per topic or
// per subscriber.
const MAX_HISTORY = 1_000_000
const MAX_QUEUE = 1_000_000
// A year: a history meant to outlive that belongs in a database, not in a stream's TTL.
const MAX_TTL_MS = 365 * 24 * 3600 * 1000
const DEFAULT_TTL_MS = 3600 * 1000
const ADAPTER_HINT = 'must be an adapter factory, (context) => HubAdapter, such as createMemoryAdapter() or await createRedisAdapter({ url })'
const ADAPTER_METHODS = ['append', 'follow', 'unfollow', 'position', 'replay', 'compare', 'status', 'close'] as const
const KEYS = new Set(['adapter', 'historySize', 'historyTtlMs', 'maxQueue', 'overflow', 'serializer', 'logger', 'presenceDelayMs'])
// A minute: presence that lags more than that is not presence.
const MAX_PRESENCE_DELAY_MS = 60_000

/**
 * Validates `createHub()` options and fills in defaults.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function resolveHubOptions (options: HubOptions): ResolvedHubOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('hub', 'must be an object of hub options')
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw invalidOption(key, 'is not a hub option; use adapter, historySize, historyTtlMs, maxQueue, overflow, serializer, logger or presenceDelayMs')
  }
  const { adapter, serializer, logger } = options
  if (adapter !== undefined && typeof adapter !== 'function') throw invalidOption('adapter', ADAPTER_HINT)
  if (serializer !== undefined && typeof serializer !== 'function') throw invalidOption('serializer', 'must be a function (value) => string')
  if (logger !== undefined && !isLogger(logger)) throw invalidOption('logger', 'must have info, warn and error methods, like fastify.log')
  return {
    historySize: checkCount('historySize', options.historySize ?? 1000, 0, MAX_HISTORY),
    historyTtlMs: checkTtl(options.historyTtlMs ?? DEFAULT_TTL_MS),
    maxQueue: checkCount('maxQueue', options.maxQueue ?? 1000, 1, MAX_QUEUE),
    overflow: checkOverflow(options.overflow ?? 'disconnect'),
    presenceDelayMs: checkPresenceDelay(options.presenceDelayMs ?? 500)
  }
}

function checkPresenceDelay (value: unknown): number {
  if (isIntegerIn(value, 0, MAX_PRESENCE_DELAY_MS)) return value
  throw invalidOption('presenceDelayMs', `must be an integer from 0 to ${MAX_PRESENCE_DELAY_MS} (ms)`)
}

/**
 * Makes the hub's adapter with `factory` and checks what it returned.
 * @throws FST_STREAM_INVALID_OPTION when the factory throws it (a second hub given the same
 *   factory) or returns no HubAdapter.
 */
export function createAdapter (factory: HubAdapterFactory, context: HubAdapterContext): HubAdapter {
  const adapter: unknown = factory(context)
  if (isAdapter(adapter)) return adapter
  throw invalidOption('adapter', `returned no HubAdapter (a name and ${ADAPTER_METHODS.join(', ')}); ${ADAPTER_HINT}`)
}

/**
 * Validates per-subscriber overrides against the hub's defaults.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function resolveSubscribeOptions (options: HubSubscribeOptions, defaults: ResolvedHubOptions): { maxQueue: number, overflow: OverflowPolicy } {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object of subscribe options')
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidOption('signal', 'must be an AbortSignal')
  const presenceEvents = options.presenceEvents
  if (presenceEvents !== undefined && typeof presenceEvents !== 'boolean') throw invalidOption('presenceEvents', 'must be true or false')
  return {
    maxQueue: options.maxQueue === undefined ? defaults.maxQueue : checkCount('maxQueue', options.maxQueue, 1, MAX_QUEUE),
    overflow: options.overflow === undefined ? defaults.overflow : checkOverflow(options.overflow)
  }
}

function checkCount (name: string, value: unknown, min: number, max: number): number {
  if (isIntegerIn(value, min, max)) return value
  throw invalidOption(name, `must be an integer from ${min} to ${max} (events)`)
}

function checkTtl (value: unknown): number {
  if (isIntegerIn(value, 1, MAX_TTL_MS)) return value
  throw invalidOption('historyTtlMs', `must be an integer from 1 to ${MAX_TTL_MS} (ms)`)
}

function checkOverflow (value: unknown): OverflowPolicy {
  if (OVERFLOW_POLICIES.includes(value as OverflowPolicy)) return value as OverflowPolicy
  throw invalidOption('overflow', `must be one of ${OVERFLOW_POLICIES.join(', ')}`)
}

function isAdapter (value: unknown): value is HubAdapter {
  const adapter = value as HubAdapter
  return typeof value === 'object' && value !== null && typeof adapter.name === 'string' &&
    ADAPTER_METHODS.every(method => typeof adapter[method] === 'function')
}

function isLogger (value: unknown): value is HubLogger {
  const logger = value as HubLogger
  return typeof value === 'object' && value !== null && typeof logger.info === 'function' &&
    typeof logger.warn === 'function' && typeof logger.error === 'function'
}
