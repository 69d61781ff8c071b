/**
 * Scenario 9: the hub on Redis. A private redis-server (free loopback port, no persistence)
 * serves hub processes built from dist/; four parts: what many topics cost one process,
 * Redis's CPU per published event, one hot topic across 1, 2 and 4 instances, and what
 * waiting for a replica (minReplicas) costs a publish.
 */
import { stopAll } from '../lib/processes.mjs'
import { startRedisServer } from '../lib/redis-server.mjs'
import { measureCpu } from './redis/cpu.mjs'
import { measureDurable } from './redis/durable.mjs'
import { startHubProcess } from './redis/hubs.mjs'
import { measureInstances } from './redis/instances.mjs'
import { measureTopics } from './redis/topics.mjs'

export default {
  number: 9,
  id: 'redis',
  title: 'The hub on Redis: topics per process, Redis CPU per event, instances on one topic, durable acknowledgement',
  /** @param {ReturnType<import('../lib/context.mjs').createContext>} ctx */
  async run (ctx) {
    const redis = await startRedisServer()
    try {
      ctx.log(`redis: redis-server ${(await redis.info()).redis_version} on port ${redis.port}`)
      const publisher = await startHubProcess(redis, 'publisher')
      const parts = [
        await measureTopics(ctx, redis, publisher),
        await measureCpu(ctx, redis, publisher),
        await measureInstances(ctx, redis, publisher),
        await measureDurable(ctx, redis, publisher)
      ]
      return { rows: parts.flatMap(part => part.rows), notes: parts.flatMap(part => part.notes) }
    } finally {
      // The hub processes first, so none is left retrying against a Redis that is gone.
      await stopAll()
      await redis.stop()
    }
  }
}
