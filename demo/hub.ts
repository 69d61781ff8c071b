/**
 * The demo's broadcast hub (`fastify.hub`): on Redis Streams when `REDIS_URL` is set, so
 * several demo instances share one chat and a client can resume on any of them; in memory
 * otherwise, with nothing to install.
 */
import { errors, type HubOptions } from 'fastify-stream'
import { createRedisAdapter } from 'fastify-stream/hub'
import { ConfigError, type DemoConfig } from './config.js'

/** Messages kept for clients that reconnect (`Last-Event-ID`), per topic. */
export const HUB_HISTORY = 500

/** How long start-up waits for Redis, in ms (the adapter's default, stated for the message). */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000

// ioredis's port when a URL names none.
const REDIS_DEFAULT_PORT = '6379'

/**
 * The plugin's `hub` option for `config`. With Redis it resolves once Redis answers, and
 * its adapter factory serves one hub: call this once per app.
 * @throws ConfigError naming `REDIS_URL` (and the address, without credentials) when Redis
 *   does not answer within {@link REDIS_CONNECT_TIMEOUT_MS}, or when the adapter refuses the
 *   URL or misses ioredis.
 */
export async function hubOptions (config: DemoConfig): Promise<HubOptions> {
  if (config.redisUrl === undefined) return { historySize: HUB_HISTORY }
  try {
    const adapter = await createRedisAdapter({ url: config.redisUrl, connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS })
    return { historySize: HUB_HISTORY, adapter }
  } catch (err) {
    if (err instanceof errors.FST_STREAM_HUB_UNAVAILABLE) {
      throw new ConfigError(`demo config: REDIS_URL: could not connect to Redis at ${redisAddress(config.redisUrl)} within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s; start Redis there, or unset REDIS_URL for the in-memory hub`)
    }
    if (err instanceof errors.FST_STREAM_INVALID_OPTION) throw new ConfigError(`demo config: REDIS_URL: ${err.message}`)
    throw err
  }
}

/** Which hub the demo runs on, for the banner and `/health`. */
export interface HubDescription {
  adapter: 'memory' | 'redis'
  /** For Redis: its URL without user, password, query or fragment (`redis://127.0.0.1:6379/0`). */
  address?: string
}

/** Describes the hub `config` selects. */
export function describeHub (config: Pick<DemoConfig, 'redisUrl'>): HubDescription {
  if (config.redisUrl === undefined) return { adapter: 'memory' }
  return { adapter: 'redis', address: redactRedisUrl(config.redisUrl) }
}

/**
 * `url` with only what locates the server: scheme, host, port and database. The user and
 * password go, and so do the query and fragment, which ioredis may also read options from.
 */
export function redactRedisUrl (url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
}

// host:port as ioredis dials it (the URL's port, else 6379), without credentials.
function redisAddress (url: string): string {
  const parsed = new URL(url)
  return parsed.port === '' ? `${parsed.host}:${REDIS_DEFAULT_PORT}` : parsed.host
}
