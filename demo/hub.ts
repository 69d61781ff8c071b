/**
 * The demo's broadcast hub (`fastify.hub`): on Redis Streams when `REDIS_URL` is set, so
 * several demo instances share one chat and a client can resume on any of them; in memory
 * otherwise, with nothing to install.
 */
import { createRedisAdapter, type HubOptions } from 'fastify-stream'
import type { DemoConfig } from './config.js'

/** Messages kept for clients that reconnect (`Last-Event-ID`), per topic. */
export const HUB_HISTORY = 500

/**
 * The plugin's `hub` option for `config`. With Redis it resolves once Redis answers.
 * @throws FST_STREAM_HUB_UNAVAILABLE when `REDIS_URL` does not answer within 10 s.
 */
export async function hubOptions (config: DemoConfig): Promise<HubOptions> {
  if (config.redisUrl === undefined) return { historySize: HUB_HISTORY }
  return { historySize: HUB_HISTORY, adapter: await createRedisAdapter({ url: config.redisUrl }) }
}
