/**
 * Options of `createRedisAdapter()` and the ioredis settings of its three kinds of
 * connection. Validated once, at creation.
 */
import { invalidOption, isIntegerIn } from '../option-checks.js'

/** The part of an ioredis client the adapter uses: `duplicate()` makes its own connections. */
export interface RedisClientLike {
  duplicate (override?: object): unknown
}

/** Options of `createRedisAdapter()`. Give `url` or `client`, not both. */
export interface RedisAdapterOptions {
  /** A `redis://` or `rediss://` URL; ioredis is imported only then. */
  url?: string
  /** An ioredis client to copy settings from (it is duplicated, never used or closed). */
  client?: RedisClientLike
  /** Prefix of every stream key (default `'fastify-stream:'`), so topics share no namespace with other keys. */
  keyPrefix?: string
  /** How long one blocking XREAD waits before it is re-issued, in ms (default 5000). */
  blockMs?: number
  /** Most entries one XREAD returns (default 512). */
  readCount?: number
  /** A publish that Redis does not answer within this many ms fails (default 5000). */
  publishTimeoutMs?: number
  /** How long `createRedisAdapter()` waits for the first connection, in ms (default 10000). */
  connectTimeoutMs?: number
  /** Extra ioredis options for every connection (password, tls, retryStrategy, …). */
  redisOptions?: object
}

/** Options after validation, with defaults. */
export interface ResolvedRedisOptions {
  keyPrefix: string
  blockMs: number
  readCount: number
  publishTimeoutMs: number
  connectTimeoutMs: number
  redisOptions: object
}

/** The roles of the adapter's connections. */
export type ConnectionRole = 'publisher' | 'query' | 'reader'

const MAX_MS = 600_000
const KEYS = new Set(['url', 'client', 'keyPrefix', 'blockMs', 'readCount', 'publishTimeoutMs', 'connectTimeoutMs', 'redisOptions'])

/**
 * ioredis settings per role, layered over the user's `redisOptions`:
 * - publisher: no offline queue, so a publish during an outage fails at once with
 *   FST_STREAM_HUB_UNAVAILABLE instead of waiting in memory or being dropped later;
 * - query (position, replay) and reader (blocking XREAD): commands wait through an outage
 *   and run once Redis is back, so subscribers stay connected and nothing is skipped.
 */
export function roleSettings (role: ConnectionRole, options: ResolvedRedisOptions): Record<string, unknown> {
  // Connect at once even when the client given to duplicate() was lazy: the adapter's state
  // and the reader's position depend on a live connection.
  if (role === 'publisher') {
    return { lazyConnect: false, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, commandTimeout: options.publishTimeoutMs, connectionName: 'fastify-stream-publisher' }
  }
  // commandTimeout would cut a blocking XREAD short; the block itself bounds each wait.
  return { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined, connectionName: `fastify-stream-${role}` }
}

/**
 * Validates the options and fills in defaults.
 * @throws FST_STREAM_INVALID_OPTION naming the option and how to fix it.
 */
export function resolveRedisOptions (options: RedisAdapterOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object with url or client')
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw invalidOption(key, `is not a Redis adapter option; use ${[...KEYS].join(', ')}`)
  }
  const { url, client, keyPrefix = 'fastify-stream:', redisOptions = {} } = options
  if ((url === undefined) === (client === undefined)) throw invalidOption('url', 'or "client" is required, and only one of them')
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) throw invalidOption('url', 'must be a redis:// or rediss:// URL')
  if (client !== undefined && typeof (client as RedisClientLike | null)?.duplicate !== 'function') throw invalidOption('client', 'must be an ioredis client')
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 64) throw invalidOption('keyPrefix', 'must be a string of at most 64 characters')
  if (typeof redisOptions !== 'object' || redisOptions === null) throw invalidOption('redisOptions', 'must be an object of ioredis options')
  return {
    keyPrefix,
    blockMs: checkInteger('blockMs', options.blockMs ?? 5000, 1, MAX_MS),
    readCount: checkInteger('readCount', options.readCount ?? 512, 1, 100_000),
    publishTimeoutMs: checkInteger('publishTimeoutMs', options.publishTimeoutMs ?? 5000, 1, MAX_MS),
    connectTimeoutMs: checkInteger('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1, MAX_MS),
    redisOptions
  }
}

function checkInteger (name: string, value: unknown, min: number, max: number): number {
  if (isIntegerIn(value, min, max)) return value
  throw invalidOption(name, `must be an integer from ${min} to ${max}`)
}
