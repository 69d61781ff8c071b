/**
 * Options of `createRedisAdapter()` and the ioredis settings of its three connections.
 * Validated once, at creation.
 */
import { invalidOption, isIntegerIn } from '../../option-checks.js'
import { MAX_REPLICA_TIMEOUT_MS, MAX_REPLICAS } from '../publish-options.js'

/** The part of an ioredis client (or Cluster) the adapter uses: `duplicate()` makes its own connections. */
export interface RedisClientLike {
  duplicate (...override: unknown[]): unknown
  /** True on an ioredis `Cluster`. */
  readonly isCluster?: boolean
}

/** Options of `createRedisAdapter()`. Give `url` or `client`, not both. */
export interface RedisAdapterOptions {
  /** A `redis://` or `rediss://` URL; ioredis is imported only then. */
  url?: string
  /**
   * An ioredis client or `Cluster` to copy settings from (it is duplicated, never used or
   * closed). With a `Cluster`, delivery uses sharded pub/sub (Redis 7 or newer).
   */
  client?: RedisClientLike
  /** Prefix of every key and channel (default `'fastify-stream:'`), so topics share no namespace with other keys. */
  keyPrefix?: string
  /**
   * A publish that Redis does not answer within this many ms fails with
   * FST_STREAM_HUB_OUTCOME_UNKNOWN (default 5000).
   */
  publishTimeoutMs?: number
  /**
   * Replicas that must confirm each publish before it resolves (default 0: Redis's own
   * acknowledgement). With 1 or more, each publish is followed by `WAIT` on the connection
   * that wrote it, so an acknowledged event survives the failover of its master; when fewer
   * confirm within `replicaTimeoutMs`, the publish rejects with
   * FST_STREAM_HUB_OUTCOME_UNKNOWN (stored on the master, maybe not beyond): retry it with
   * its idempotency key. `hub.publish()` can set both per call.
   */
  minReplicas?: number
  /** How long a publish waits for `minReplicas`, in ms (default 1000; below `publishTimeoutMs`). */
  replicaTimeoutMs?: number
  /** How long `createRedisAdapter()` waits for the first connection, in ms (default 10000). */
  connectTimeoutMs?: number
  /**
   * How often followed topics' positions are compared with Redis's, in ms (default 5000).
   * Each check reads at most 500 topics, so an idle process costs Redis about 100 reads a
   * second however many topics it follows; it catches a notification lost without a
   * reconnect.
   */
  checkIntervalMs?: number
  /**
   * How long a process's presence outlives it, in ms (default 15000): each process renews
   * its lease on the topics it has present clients in every third of this, so when one dies
   * (SIGKILL, a lost host) its users leave within this time and one renewal more. Shorter
   * notices faster and costs Redis more calls: one per topic and process per renewal.
   */
  presenceTtlMs?: number
  /** Extra ioredis options for every connection (password, tls, retryStrategy, …). */
  redisOptions?: object
}

/** Options after validation, with defaults. */
export interface ResolvedRedisOptions {
  keyPrefix: string
  publishTimeoutMs: number
  minReplicas: number
  replicaTimeoutMs: number
  connectTimeoutMs: number
  checkIntervalMs: number
  presenceTtlMs: number
  redisOptions: object
}

/** The roles of the adapter's connections. */
export type ConnectionRole = 'publisher' | 'query' | 'subscriber'

const MAX_MS = 600_000
const KEYS = new Set(['url', 'client', 'keyPrefix', 'publishTimeoutMs', 'minReplicas', 'replicaTimeoutMs', 'connectTimeoutMs', 'checkIntervalMs', 'presenceTtlMs', 'redisOptions'])

/**
 * ioredis settings per role, layered over the user's `redisOptions`:
 * - publisher: no offline queue and no resend after a reconnect, so a publish is sent at
 *   most once: refused at once while Redis is away (certainly not stored), or timed out
 *   (outcome unknown), never silently repeated;
 * - query (positions, replay, repair) and subscriber: commands wait through an outage and
 *   run once Redis is back, so subscribers stay connected and nothing is skipped.
 */
export function roleSettings (role: ConnectionRole, options: ResolvedRedisOptions): Record<string, unknown> {
  // Connect at once even when the client given to duplicate() was lazy: the adapter's state
  // depends on a live connection.
  const name = { lazyConnect: false, connectionName: `fastify-stream-${role}` }
  if (role === 'publisher') {
    return { ...name, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0, commandTimeout: options.publishTimeoutMs }
  }
  return { ...name, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined }
}

/**
 * The same for a `Cluster#duplicate(startupNodes, options)`: queueing is a cluster option,
 * while names and timeouts belong to each node's connection (`redisOptions`).
 */
export function clusterRoleSettings (role: ConnectionRole, options: ResolvedRedisOptions, base: object): Record<string, unknown> {
  const { enableOfflineQueue, lazyConnect, maxRetriesPerRequest, ...node } = roleSettings(role, options)
  const cluster: Record<string, unknown> = {
    enableOfflineQueue,
    lazyConnect,
    redisOptions: { ...base, ...options.redisOptions, ...node },
    // Sharded pub/sub: a notification goes to the node owning its topic's slot, and each
    // instance listens on the nodes of the topics it follows.
    shardedSubscribers: role === 'subscriber'
  }
  // A publish to a failed master fails within the timeout instead of waiting for a failover.
  if (role === 'publisher') Object.assign(cluster, { maxRedirections: 2, retryDelayOnClusterDown: 100, retryDelayOnTryAgain: 100 })
  else cluster.maxRetriesPerRequest = maxRetriesPerRequest
  return cluster
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
  if (client !== undefined && typeof (client as RedisClientLike | null)?.duplicate !== 'function') throw invalidOption('client', 'must be an ioredis client or Cluster')
  // Braces would break the hash tag that keeps a topic's keys in one Cluster slot.
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 64 || /[{}]/.test(keyPrefix)) throw invalidOption('keyPrefix', 'must be a string of at most 64 characters without braces')
  if (typeof redisOptions !== 'object' || redisOptions === null) throw invalidOption('redisOptions', 'must be an object of ioredis options')
  const publishTimeoutMs = checkInteger('publishTimeoutMs', options.publishTimeoutMs ?? 5000, 1, MAX_MS)
  const minReplicas = checkInteger('minReplicas', options.minReplicas ?? 0, 0, MAX_REPLICAS)
  // The default fits any publish timeout; a wait that is used, or set, must fit the one given.
  const replicaTimeoutMs = options.replicaTimeoutMs ?? Math.max(1, Math.min(1000, publishTimeoutMs - 1))
  if (options.replicaTimeoutMs !== undefined || minReplicas > 0) checkReplicaTimeout(replicaTimeoutMs, publishTimeoutMs)
  return {
    keyPrefix,
    publishTimeoutMs,
    minReplicas,
    replicaTimeoutMs,
    connectTimeoutMs: checkInteger('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1, MAX_MS),
    checkIntervalMs: checkInteger('checkIntervalMs', options.checkIntervalMs ?? 5000, 10, MAX_MS),
    // A third of it is the renewal interval: below 300 ms that would outpace a busy loopback.
    presenceTtlMs: checkInteger('presenceTtlMs', options.presenceTtlMs ?? 15_000, 300, MAX_MS),
    redisOptions
  }
}

/**
 * Checks a wait for replicas against the publish timeout: the `WAIT` after the write must
 * end before the publish times out, or every slow confirmation would read as no answer.
 * @throws FST_STREAM_INVALID_OPTION naming `replicaTimeoutMs` and the bound.
 */
export function checkReplicaTimeout (value: unknown, publishTimeoutMs: number): void {
  checkInteger('replicaTimeoutMs', value, 1, Math.min(MAX_REPLICA_TIMEOUT_MS, publishTimeoutMs - 1), `, below publishTimeoutMs (${publishTimeoutMs})`)
}

function checkInteger (name: string, value: unknown, min: number, max: number, why = ''): number {
  if (isIntegerIn(value, min, max)) return value
  throw invalidOption(name, `must be an integer from ${min} to ${max}${why}`)
}
