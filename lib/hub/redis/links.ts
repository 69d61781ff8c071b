/**
 * The Redis adapter's three connections (publishing, queries, pub/sub) and the backend
 * state they make. `createRedisAdapter()` opens them and waits for Redis before any hub
 * exists; the adapter a hub then makes on them observes their state from that moment.
 */
import { EventEmitter } from 'node:events'
import { errors } from '../../errors.js'
import type { HubBackendState, HubBackendStatus } from '../adapter.js'
import type { RedisConnection } from './connection.js'
import { clusterRoleSettings, roleSettings, type ConnectionRole, type RedisAdapterOptions, type RedisClientLike, type ResolvedRedisOptions } from './options.js'
import { PRESENCE_COMMAND, PRESENCE_SCRIPT } from './presence-script.js'
import { PUBLISH_COMMAND, PUBLISH_SCRIPT } from './publish-script.js'
import { RedisClock, START_COMMAND, START_SCRIPT } from './start.js'

// How long close() lets the publisher's QUIT wait for in-flight replies before dropping it.
const QUIT_GRACE_MS = 2000

type Connect = (role: ConnectionRole) => RedisConnection

/** What the links report to the adapter built on them. */
export interface RedisLinkEvents {
  /** The publisher's state changed to `'ready'` or `'down'` (never once closed). */
  change: [state: HubBackendState, outages: number, lastError: string | undefined]
  /** The pub/sub connection is back after a drop; what was announced meanwhile is gone. */
  resubscribed: []
}

/**
 * Opens the connections for `options` (to its `url`, or duplicates of its `client`) and
 * resolves once the publisher is ready.
 * @throws FST_STREAM_INVALID_OPTION for a URL without ioredis installed;
 *   FST_STREAM_HUB_UNAVAILABLE when Redis does not answer within `connectTimeoutMs` (the
 *   connections are closed then).
 */
export async function openRedisLinks (options: RedisAdapterOptions, resolved: ResolvedRedisOptions): Promise<RedisLinks> {
  const client = options.client
  const connect = client === undefined ? await connectByUrl(options.url as string, resolved) : connectByDuplicate(client, resolved)
  const links = new RedisLinks(connect, resolved, client?.isCluster === true)
  await links.connected()
  return links
}

/** The three connections; {@link RedisLinks.close} releases them. */
export class RedisLinks extends EventEmitter<RedisLinkEvents> {
  /** Publishes: no offline queue and no resend, so a publish is sent at most once. */
  readonly publisher: RedisConnection
  /** Positions, replay, repair and presence: its commands wait through an outage. */
  readonly query: RedisConnection
  /** Subscribed to the channels of the followed topics. */
  readonly subscriber: RedisConnection
  /** True on a Cluster, where delivery uses sharded pub/sub. */
  readonly sharded: boolean
  /** Redis's clock as seen from here, sampled on each connect and each follower's start. */
  readonly clock = new RedisClock()
  private readonly connectTimeoutMs: number
  private state: HubBackendState = 'connecting'
  private since = Date.now()
  private outages = 0
  private lastError: string | undefined = undefined
  private subscribedBefore = false

  constructor (connect: Connect, options: ResolvedRedisOptions, sharded: boolean) {
    super()
    this.sharded = sharded
    this.connectTimeoutMs = options.connectTimeoutMs
    this.publisher = this.open(connect, 'publisher')
    this.publisher.defineCommand(PUBLISH_COMMAND, { numberOfKeys: 4, lua: PUBLISH_SCRIPT })
    this.query = this.open(connect, 'query')
    this.query.defineCommand(PRESENCE_COMMAND, { numberOfKeys: 6, lua: PRESENCE_SCRIPT })
    // A follower's start is read on either, whichever can send it (start.ts).
    for (const connection of [this.publisher, this.query]) connection.defineCommand(START_COMMAND, { numberOfKeys: 2, lua: START_SCRIPT })
    this.subscriber = this.open(connect, 'subscriber')
    // The publisher's link decides the state: it is what makes a publish succeed or fail.
    this.publisher.on('ready', () => {
      this.setState('ready')
      this.sampleClock()
    })
    this.publisher.on('close', () => {
      this.clock.forget()
      // A killed server closes without an error; ioredis reports ECONNREFUSED only on retry.
      if (!this.closed) this.lastError = 'the connection closed'
      this.setState('down')
    })
    // ioredis resubscribes after a reconnect, but what was announced while the link was down
    // is gone: the adapter sends every follower back to its stream.
    this.subscriber.on('ready', () => {
      if (this.subscribedBefore) this.emit('resubscribed')
      this.subscribedBefore = true
    })
  }

  /** True once {@link RedisLinks.close} was called. */
  get closed (): boolean {
    return this.state === 'closed'
  }

  /** True while the publisher is connected. */
  get ready (): boolean {
    return this.state === 'ready'
  }

  /** Resolves once the publisher is ready; rejects (and closes) after connectTimeoutMs. */
  connected (): Promise<void> {
    return new Promise((resolve, reject) => {
      // Not unref'd: someone awaits this, and if ioredis stopped retrying, an unref'd timer
      // would let the process exit with that await never settled.
      const timer = setTimeout(() => {
        this.publisher.removeListener('ready', onReady)
        this.close()
        reject(new errors.FST_STREAM_HUB_UNAVAILABLE(`Redis did not answer within ${this.connectTimeoutMs} ms`))
      }, this.connectTimeoutMs)
      const onReady = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.publisher.once('ready', onReady)
    })
  }

  /** The backend's state for `hub.stats()`, with the adapter's name and topic count. */
  status (adapter: string, topics: number): HubBackendStatus {
    const status: HubBackendStatus = { adapter, state: this.state, topics, since: this.since, outages: this.outages }
    if (this.lastError !== undefined) status.lastError = this.lastError
    return status
  }

  /** Keeps `err` as the backend's last error, which `hub.stats()` reports. */
  recordError (err: Error): void {
    this.lastError = err.message
  }

  /** Closes every connection. Safe to call twice. */
  close (): void {
    if (this.closed) return
    this.state = 'closed'
    this.since = Date.now()
    this.subscriber.disconnect()
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
  }

  /** Reads Redis's clock, so the first follower's start can tell a prompt read from a late one. */
  private sampleClock (): void {
    this.publisher.call('TIME').then(reply => {
      const [seconds, micros] = reply as [string, string]
      this.clock.sample(seconds, micros, performance.now())
    }, noop)
  }

  private open (connect: Connect, role: ConnectionRole): RedisConnection {
    const connection = connect(role)
    // ioredis prints unhandled 'error' events to the console; they are state, kept for stats.
    connection.on('error', (err: Error) => this.recordError(err))
    return connection
  }

  private setState (state: HubBackendState): void {
    if (this.closed || state === this.state) return
    if (state === 'down') this.outages++
    this.state = state
    this.since = Date.now()
    this.emit('change', state, this.outages, this.lastError)
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
  if (client.isCluster === true) {
    // Cluster#duplicate(startupNodes, options) merges options shallowly: keep the client's
    // own per-node settings under ours.
    const base = (client as { options?: { redisOptions?: object } }).options?.redisOptions ?? {}
    return role => client.duplicate([], clusterRoleSettings(role, options, base)) as RedisConnection
  }
  return role => client.duplicate({ ...options.redisOptions, ...roleSettings(role, options) }) as RedisConnection
}

function noop (): void {}
