/**
 * The Redis Streams adapter: the hub across processes. Each topic is a stream
 * (`XADD … MAXLEN ~ historySize`) whose ids are the event ids; each process runs one reader
 * per followed topic and fans out locally; replay after a `Last-Event-ID` is an XRANGE.
 * Redis does the distribution; this project builds no broker of its own (DESIGN.md).
 */
import { errors } from '../errors.js'
import type { PreparedEvent } from '../prepared-event.js'
import type { HubAdapter, HubAdapterContext, HubBackendState, HubBackendStatus, HubMessage, ReplayResult, ResetReason } from './hub-adapter.js'
import { compareStreamIds, decodeEntry, encodeFields, isStreamId, rangeEntries } from './redis-entries.js'
import { resolveRedisOptions, roleSettings, type ConnectionRole, type RedisAdapterOptions, type RedisClientLike, type ResolvedRedisOptions } from './redis-options.js'
import { TopicReader, type RedisConnection } from './redis-reader.js'

export type { RedisAdapterOptions, RedisClientLike } from './redis-options.js'

// XRANGE page size for replay, and the slack over historySize that approximate trimming
// (`MAXLEN ~`) may keep: Redis trims whole nodes of stream-node-max-entries (default 100).
const REPLAY_PAGE = 500
const TRIM_SLACK = 1000
// How long close() lets the publisher's QUIT wait for in-flight replies before dropping it.
const QUIT_GRACE_MS = 2000

type Connect = (role: ConnectionRole) => RedisConnection

/**
 * Creates the Redis adapter: `createHub({ adapter: await createRedisAdapter({ url }) })`.
 * Imports the optional peer dependency `ioredis` only here, and resolves once Redis
 * answers, so the first publish can succeed.
 * @throws FST_STREAM_INVALID_OPTION for bad options or a missing ioredis;
 *   FST_STREAM_HUB_UNAVAILABLE when Redis is not reachable within `connectTimeoutMs`.
 */
export async function createRedisAdapter (options: RedisAdapterOptions): Promise<HubAdapter> {
  const resolved = resolveRedisOptions(options)
  const connect = options.client === undefined
    ? await connectByUrl(options.url as string, resolved)
    : connectByDuplicate(options.client, resolved)
  const adapter = new RedisAdapter(connect, resolved)
  await adapter.connected()
  return adapter
}

class RedisAdapter implements HubAdapter {
  readonly name = 'redis'
  private context: HubAdapterContext | undefined = undefined
  private readonly options: ResolvedRedisOptions
  private readonly connect: Connect
  private readonly publisher: RedisConnection
  private readonly query: RedisConnection
  private readonly readers = new Map<string, TopicReader>()
  private state: HubBackendState = 'connecting'
  private since = Date.now()
  private outages = 0
  private lastError: string | undefined = undefined
  private closed = false

  constructor (connect: Connect, options: ResolvedRedisOptions) {
    this.connect = connect
    this.options = options
    this.publisher = this.open('publisher')
    this.query = this.open('query')
    // The publisher's link decides the state: it is what makes a publish succeed or fail.
    this.publisher.on('ready', () => this.setState('ready'))
    this.publisher.on('close', () => {
      // A killed server closes without an error; ioredis reports ECONNREFUSED only on retry.
      if (!this.closed) this.lastError = 'the connection closed'
      this.setState('down')
    })
  }

  /** Resolves once the publisher is ready; rejects (and closes) after connectTimeoutMs. */
  connected (): Promise<void> {
    return new Promise((resolve, reject) => {
      // Not unref'd: someone awaits this, and if ioredis stopped retrying, an unref'd timer
      // would let the process exit with that await never settled.
      const timer = setTimeout(() => {
        this.publisher.removeListener('ready', onReady)
        this.close()
        reject(new errors.FST_STREAM_HUB_UNAVAILABLE(`Redis did not answer within ${this.options.connectTimeoutMs} ms`))
      }, this.options.connectTimeoutMs)
      const onReady = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.publisher.once('ready', onReady)
    })
  }

  attach (context: HubAdapterContext): void {
    if (this.context !== undefined) throw new errors.FST_STREAM_INVALID_OPTION('adapter', 'already belongs to a hub; create one adapter per hub')
    this.context = context
  }

  async append (topic: string, message: HubMessage): Promise<string> {
    if (this.closed) throw new errors.FST_STREAM_HUB_CLOSED()
    // Fail now rather than queue: an offline queue would grow without bound during an outage.
    if (this.publisher.status !== 'ready') throw new errors.FST_STREAM_HUB_UNAVAILABLE(`the Redis connection is ${this.publisher.status}`)
    const historySize = (this.context as HubAdapterContext).historySize
    try {
      const id = await this.publisher.call('XADD', this.key(topic), 'MAXLEN', '~', historySize, '*', ...encodeFields(message))
      return id as string
    } catch (err) {
      throw new errors.FST_STREAM_HUB_UNAVAILABLE('Redis did not accept the event', { cause: err })
    }
  }

  follow (topic: string): void {
    const connection = this.open('reader')
    const context = this.context as HubAdapterContext
    const { blockMs, readCount } = this.options
    this.readers.set(topic, new TopicReader(topic, { key: this.key(topic), connection, publisher: this.publisher, query: this.query, context, blockMs, readCount }))
  }

  unfollow (topic: string): void {
    this.readers.get(topic)?.stop()
    this.readers.delete(topic)
  }

  position (topic: string): Promise<string | undefined> {
    const reader = this.readers.get(topic) as TopicReader
    // Fixed now: a running reader delivers everything after its last id to new subscribers.
    return reader.begun ? Promise.resolve(reader.lastId) : reader.started
  }

  async replay (topic: string, cursor: string, until: string | undefined): Promise<ReplayResult> {
    const key = this.key(topic)
    if (!isStreamId(cursor)) return this.reset(key, 'invalid', cursor)
    // Only an id that is still in the stream proves nothing before it was trimmed away.
    const found = rangeEntries(await this.query.call('XRANGE', key, cursor, cursor))
    if (found.length === 0) return this.reset(key, 'unknown', cursor)
    const events: PreparedEvent[] = []
    // An undefined position (the reader started on an empty stream) means nothing precedes it.
    const end = until ?? '0-0'
    if (compareStreamIds(cursor, end) >= 0) return { events }
    const context = this.context as HubAdapterContext
    const pages = Math.ceil((context.historySize + TRIM_SLACK) / REPLAY_PAGE)
    let from = cursor
    for (let page = 0; page < pages; page++) {
      // `(` makes the start exclusive (Redis 6.2+); `until` bounds the range, so it ends.
      const entries = rangeEntries(await this.query.call('XRANGE', key, '(' + from, end, 'COUNT', REPLAY_PAGE))
      for (const entry of entries) events.push(context.prepare(decodeEntry(entry)))
      if (entries.length < REPLAY_PAGE) return { events }
      from = (entries[entries.length - 1] as [string, string[]])[0]
    }
    // More was kept than the history holds (someone else wrote to the stream): too old to replay.
    return this.reset(key, 'expired', cursor)
  }

  compare (a: string, b: string): number {
    return compareStreamIds(a, b)
  }

  status (): HubBackendStatus {
    const status: HubBackendStatus = { adapter: this.name, state: this.state, topics: this.readers.size, since: this.since, outages: this.outages }
    if (this.lastError !== undefined) status.lastError = this.lastError
    return status
  }

  close (): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    this.state = 'closed'
    this.since = Date.now()
    for (const reader of this.readers.values()) reader.stop()
    this.readers.clear()
    this.query.disconnect()
    // QUIT is answered after every command already sent, so a publish in flight still gets
    // its id (disconnect() would drop pending replies). If Redis never answers, drop the
    // connection after a grace period so the process can exit.
    const publisher = this.publisher
    const fallback = setTimeout(() => publisher.disconnect(), QUIT_GRACE_MS).unref()
    publisher.quit().catch(noop).finally(() => {
      clearTimeout(fallback)
      publisher.disconnect()
    })
    return Promise.resolve()
  }

  private key (topic: string): string {
    return this.options.keyPrefix + topic
  }

  private async reset (key: string, reason: ResetReason, cursor: string): Promise<ReplayResult> {
    const earliest = rangeEntries(await this.query.call('XRANGE', key, '-', '+', 'COUNT', 1))[0]?.[0] ?? null
    // A well-formed id below the oldest retained one was trimmed away (or lost with Redis's data).
    const expired = reason === 'unknown' && earliest !== null && compareStreamIds(cursor, earliest) < 0
    return { reset: { reason: expired ? 'expired' : reason, earliest } }
  }

  private open (role: ConnectionRole): RedisConnection {
    const connection = this.connect(role)
    // ioredis prints unhandled 'error' events to the console; they are state, kept for stats.
    connection.on('error', err => { this.lastError = (err as Error).message })
    return connection
  }

  private setState (state: HubBackendState): void {
    if (this.closed || state === this.state) return
    const log = this.context?.log
    if (state === 'down') {
      this.outages++
      log?.warn({ lastError: this.lastError }, 'fastify-stream hub: Redis connection lost; publish fails with FST_STREAM_HUB_UNAVAILABLE until it is back, subscribers stay connected')
    } else {
      log?.info({ outages: this.outages }, 'fastify-stream hub: Redis connection ready')
    }
    this.state = state
    this.since = Date.now()
  }
}

async function connectByUrl (url: string, options: ResolvedRedisOptions): Promise<Connect> {
  // Imported here only: ioredis is an optional peer dependency (see package.json).
  const ioredis = await import('ioredis').catch(() => undefined)
  const Redis = ioredis?.Redis
  if (typeof Redis !== 'function') throw new errors.FST_STREAM_INVALID_OPTION('url', 'needs the optional peer dependency ioredis; run npm install ioredis')
  return role => new Redis(url, { ...options.redisOptions, ...roleSettings(role, options) }) as unknown as RedisConnection
}

function connectByDuplicate (client: RedisClientLike, options: ResolvedRedisOptions): Connect {
  return role => client.duplicate({ ...options.redisOptions, ...roleSettings(role, options) }) as RedisConnection
}

function noop (): void {}
