/**
 * The demo's configuration, read from environment variables once at start-up. A bad value
 * stops the server with a message naming the variable, instead of a confusing failure later.
 */

/** Everything `buildApp()` and the server entry need. */
export interface DemoConfig {
  /** Interface to listen on (`HOST`, default `127.0.0.1`: loopback unless asked otherwise). */
  host: string
  /** TCP port (`PORT`, default 3000; 0 picks a free one). */
  port: number
  /**
   * Origins allowed to call the API from another site (`CORS_ORIGIN`, a comma list of exact
   * origins, or `*`). Empty: cross-origin requests are refused.
   */
  corsOrigins: readonly string[]
  /** Pino level (`LOG_LEVEL`, default `info`). */
  logLevel: string
  /** Most streams open at once; more get 503 (`MAX_STREAMS`, default 10000). */
  maxStreams: number
  /**
   * Most streams one client address may hold open at once; more get 429
   * (`MAX_STREAMS_PER_CLIENT`, default 32). A browser holds one for all its dashboard tabs
   * (two while it downloads the CSV), so 32 leaves room for several browsers behind one NAT
   * while one address cannot take the whole `MAX_STREAMS` budget. Behind a
   * reverse proxy every client has the proxy's address (the demo does not trust
   * X-Forwarded-For), so raise it there.
   */
  maxStreamsPerClient: number
  /** SSE reconnection delay sent to browsers, in ms (`SSE_RETRY_MS`, default 1000). */
  retryMs: number
  /** Idle SSE heartbeat, in ms (`HEARTBEAT_MS`, default 15000; 0 disables). */
  heartbeatMs: number
  /**
   * Redis for the broadcast hub (`REDIS_URL`, a `redis://` or `rediss://` URL); unset, the
   * hub lives in memory.
   */
  redisUrl: string | undefined
}

/** The defaults, also what `buildApp()` uses for anything a test leaves out. */
export const DEFAULT_CONFIG: Readonly<DemoConfig> = Object.freeze({
  host: '127.0.0.1',
  port: 3000,
  corsOrigins: [],
  logLevel: 'info',
  maxStreams: 10000,
  maxStreamsPerClient: 32,
  retryMs: 1000,
  heartbeatMs: 15000,
  redisUrl: undefined
})

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * A configuration mistake. Its message is one line that starts with `demo config:` and names
 * the variable, so the server entry prints it alone, without a stack trace.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads the configuration from `env` (default `process.env`).
 * @throws ConfigError naming the variable and the expected form when a value is invalid.
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const logLevel = text(env.LOG_LEVEL) ?? DEFAULT_CONFIG.logLevel
  if (!LOG_LEVELS.includes(logLevel)) fail('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`)
  return {
    host: text(env.HOST) ?? DEFAULT_CONFIG.host,
    port: integer(env, 'PORT', 0, 65535) ?? DEFAULT_CONFIG.port,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGIN),
    logLevel,
    maxStreams: integer(env, 'MAX_STREAMS', 1, 1_000_000) ?? DEFAULT_CONFIG.maxStreams,
    maxStreamsPerClient: integer(env, 'MAX_STREAMS_PER_CLIENT', 1, 1_000_000) ?? DEFAULT_CONFIG.maxStreamsPerClient,
    retryMs: integer(env, 'SSE_RETRY_MS', 0, 3_600_000) ?? DEFAULT_CONFIG.retryMs,
    heartbeatMs: integer(env, 'HEARTBEAT_MS', 0, 3_600_000) ?? DEFAULT_CONFIG.heartbeatMs,
    redisUrl: parseRedisUrl(env.REDIS_URL)
  }
}

/**
 * Parses `CORS_ORIGIN`: `*`, or a comma list of exact origins such as
 * `https://a.example,http://localhost:5173`.
 * @throws ConfigError when an entry is not an origin (a path, a trailing slash, `*` mixed in).
 */
export function parseCorsOrigins (value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map(entry => entry.trim()).filter(entry => entry !== '')
  if (entries.includes('*')) {
    if (entries.length > 1) fail('CORS_ORIGIN', 'either * alone or a list of origins, not both')
    return ['*']
  }
  for (const entry of entries) {
    // Browsers compare the Origin header byte for byte, so "https://a.example/" never matches.
    if (originOf(entry) !== entry) fail('CORS_ORIGIN', `exact origins like https://app.example (got "${entry}")`)
  }
  return entries
}

/**
 * Checks `REDIS_URL`'s form; whether Redis answers there is found out when the hub connects.
 * @throws ConfigError for anything but a `redis://` or `rediss://` URL with a host. The value
 *   is not repeated: it may hold a password.
 */
export function parseRedisUrl (value: string | undefined): string | undefined {
  const raw = text(value)
  if (raw === undefined) return undefined
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {}
  if ((url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') || url.hostname === '') {
    fail('REDIS_URL', 'a redis:// or rediss:// URL such as redis://127.0.0.1:6379')
  }
  return raw
}

function originOf (entry: string): string | undefined {
  try {
    const url = new URL(entry)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined
  } catch {
    return undefined
  }
}

function text (value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function integer (env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = text(env[name])
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) fail(name, `an integer from ${min} to ${max}`)
  return value
}

function fail (name: string, expected: string): never {
  throw new ConfigError(`demo config: ${name} must be ${expected}`)
}
