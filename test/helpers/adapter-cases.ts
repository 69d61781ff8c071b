/**
 * The adapters every contract suite runs against: memory, a private redis-server and a
 * private three-master Redis Cluster, started before the suite's tests and stopped after.
 */
import { Cluster } from 'ioredis'
import type { Test } from 'tap'
import type { HubAdapterFactory } from '../../lib/hub/adapter.js'
import { createMemoryAdapter } from '../../lib/hub/memory/adapter.js'
import { createRedisAdapter, type RedisAdapterOptions } from '../../lib/hub/redis/adapter.js'
import { startRedisCluster } from './redis-cluster.js'
import { startRedisServer } from './redis-server.js'

// Redis trims a stream by whole nodes (`MAXLEN ~`, stream-node-max-entries 100), so it may
// keep up to this many entries beyond historySize; the memory adapter keeps exactly that.
const REDIS_TRIM_SLACK = 100
const FAST_RETRY = { retryStrategy: () => 50 }

/** One adapter the contract runs against. */
export interface AdapterCase {
  name: string
  /** Entries an adapter may retain beyond historySize. */
  trimSlack: number
  /** True when several hubs made by {@link AdapterCase.create} share one store. */
  shared: boolean
  /** A factory for one hub; hubs made with the same `prefix` share their topics. */
  create (prefix: string, options?: Omit<RedisAdapterOptions, 'url' | 'client' | 'keyPrefix'>): Promise<HubAdapterFactory>
}

/** Starts the servers in `t.before` and stops them in `t.teardown`; the cases use them. */
export function adapterCases (t: Test): AdapterCase[] {
  let url = ''
  let client: Cluster | undefined
  t.before(async () => {
    const [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()])
    url = server.url
    // Never connected itself: the adapter only duplicates it.
    client = new Cluster(cluster.startupNodes, { lazyConnect: true })
    t.teardown(async () => {
      client?.disconnect()
      await Promise.all([server.stop(), cluster.stop()])
    })
  })
  return [
    { name: 'memory', trimSlack: 0, shared: false, create: async () => createMemoryAdapter() },
    { name: 'redis', trimSlack: REDIS_TRIM_SLACK, shared: true, create: (keyPrefix, options) => createRedisAdapter({ ...options, url, keyPrefix, redisOptions: FAST_RETRY }) },
    { name: 'redis cluster', trimSlack: REDIS_TRIM_SLACK, shared: true, create: (keyPrefix, options) => createRedisAdapter({ ...options, client, keyPrefix }) }
  ]
}
