/**
 * The Redis adapter: the hub across processes, on the design Centrifugo's Redis engine
 * proved at scale. Each topic's history is a Redis Stream bounded by size and TTL. A publish
 * is one server-side script (append, then announce the new and the previous id on the
 * topic's channel). Each process holds three connections whatever the number of topics
 * (publishing, queries, pub/sub; see links.ts) and fans out locally; a gap is repaired
 * from the stream, and what the stream no longer holds becomes an explicit reset. Presence
 * is kept in Redis too (redis-presence.ts), announced on the same channels. Redis does the
 * distribution; this project builds no broker of its own.
 */
import { randomBytes } from 'node:crypto'
import { errors, isStreamError } from '../../errors.js'
import type { PreparedEvent } from '../../framing/prepared-event.js'
import type { HubAdapter, HubAdapterContext, HubAdapterFactory, HubBackendState, HubBackendStatus, HubMessage, ReplayResult } from '../adapter.js'
import type { ResetReason } from '../reset-data.js'
import { compareStreamIds, decodeEntry, isStreamId, rangeEntries } from './entries.js'
import { TopicFollower } from './follower.js'
import { topicKeys, topicOfChannel, type TopicKeys } from './keys.js'
import { openRedisLinks, type RedisLinks } from './links.js'
import { checkReplicaTimeout, resolveRedisOptions, type RedisAdapterOptions, type ResolvedRedisOptions } from './options.js'
import { parsePresenceAnnouncement } from './presence-script.js'
import { RedisPresence } from './redis-presence.js'
import { parseNotification, PUBLISH_COMMAND, publishAndWait, publishArgs, type PublishReply, type ReplicaWait } from './publish-script.js'
import { FollowerChannels } from './channels.js'
import { readStart, type StartReader } from './start.js'
import { singleUse } from '../single-use.js'

export type { RedisAdapterOptions, RedisClientLike } from './options.js'

// XRANGE page size for replay, and the slack over historySize that approximate trimming
// (`MAXLEN ~`) may keep: Redis trims whole nodes of stream-node-max-entries (default 100).
const REPLAY_PAGE = 500
const TRIM_SLACK = 1000
// Topics per periodic position check.
const CHECK_BATCH = 500

type Publish = (...args: Array<string | number>) => Promise<PublishReply>

/**
 * Creates the Redis adapter's factory: `createHub({ adapter: await createRedisAdapter({ url }) })`.
 * Imports the optional peer dependency `ioredis` only here, opens the three connections
 * and resolves once Redis answers, so the first publish can succeed. The factory makes one
 * adapter, on these connections, for one hub; `hub.close()` closes them.
 * @throws (rejects) FST_STREAM_INVALID_OPTION for bad options or a missing ioredis;
 *   FST_STREAM_HUB_UNAVAILABLE when Redis is not reachable within `connectTimeoutMs`.
 *   The factory throws FST_STREAM_INVALID_OPTION when a second hub is given it.
 */
export async function createRedisAdapter (options: RedisAdapterOptions): Promise<HubAdapterFactory> {
  const resolved = resolveRedisOptions(options)
  const links = await openRedisLinks(options, resolved)
  return singleUse(context => new RedisAdapter(links, resolved, context))
}

class RedisAdapter implements HubAdapter {
  readonly name = 'redis'
  private readonly context: HubAdapterContext
  private readonly options: ResolvedRedisOptions
  private readonly links: RedisLinks
  private readonly startReader: StartReader
  private readonly followers = new Map<string, TopicFollower>()
  private readonly channels: FollowerChannels
  private readonly checker: NodeJS.Timeout
  private checkCursor: Iterator<TopicFollower> | undefined = undefined
  // An epoch is taken only when a publish creates a topic's keys; unique per process and call.
  private readonly epochBase = randomBytes(6).toString('hex')
  private epochs = 0
  /** Presence of this process's subscribers, shared with every process through Redis. */
  readonly presence: RedisPresence

  constructor (links: RedisLinks, options: ResolvedRedisOptions, context: HubAdapterContext) {
    this.context = context
    this.options = options
    this.links = links
    this.startReader = { publisher: links.publisher, query: links.query, clock: links.clock, historySize: context.historySize }
    this.channels = new FollowerChannels(links, follower => this.followers.get(follower.topic) === follower)
    links.on('change', (state, outages, lastError) => this.logChange(state, outages, lastError))
    links.on('resubscribed', () => this.resyncAll())
    links.subscriber.on(links.sharded ? 'smessage' : 'message', (channel: string, message: string) => this.onMessage(channel, message))
    links.subscriber.on('close', () => {
      for (const follower of this.followers.values()) follower.distrust()
    })
    this.checker = setInterval(checkPositions, options.checkIntervalMs, this).unref()
    this.presence = new RedisPresence({
      links,
      keyPrefix: options.keyPrefix,
      leaseMs: options.presenceTtlMs,
      subscribed: topic => {
        const follower = this.followers.get(topic)
        return follower === undefined || follower.ready ? undefined : follower.started
      }
    })
  }

  async append (topic: string, message: HubMessage): Promise<string> {
    if (this.links.closed) throw new errors.FST_STREAM_HUB_CLOSED()
    const replicas = this.replicasFor(message)
    const publisher = this.links.publisher
    // Not sent at all: certainly not stored. Queueing instead would grow without bound.
    if (publisher.status !== 'ready') throw new errors.FST_STREAM_HUB_UNAVAILABLE(`the Redis connection is ${publisher.status}`)
    const context = this.context
    const args = publishArgs(this.keys(topic), message, {
      maxLength: context.historySize,
      ttlMs: context.historyTtlMs,
      epoch: this.epochBase + (++this.epochs).toString(36),
      sharded: this.links.sharded,
      durable: replicas !== undefined
    })
    try {
      const [id] = replicas === undefined
        ? await (publisher as unknown as Record<string, Publish>)[PUBLISH_COMMAND]!(...args)
        : await publishAndWait(publisher, args, replicas)
      return id
    } catch (err) {
      if (isStreamError(err)) throw err
      // An error reply means Redis ran nothing (scripts are atomic); anything else (a timeout,
      // a connection lost after sending) leaves the outcome open.
      if ((err as Error).name === 'ReplyError') throw new errors.FST_STREAM_HUB_UNAVAILABLE('Redis refused the event', { cause: err })
      throw new errors.FST_STREAM_HUB_OUTCOME_UNKNOWN((err as Error).message, { cause: err })
    }
  }

  follow (topic: string): void {
    const keys = this.keys(topic)
    const follower = new TopicFollower(topic, keys, this.context, this.links.query)
    this.followers.set(topic, follower)
    // The position at the join, decided now even when Redis answers later (start.ts).
    this.channels.subscribe(follower, readStart(this.startReader, keys, performance.now()))
  }

  unfollow (topic: string): void {
    const follower = this.followers.get(topic)
    if (follower === undefined) return
    follower.stop()
    this.followers.delete(topic)
    this.channels.unsubscribe(follower)
  }

  position (topic: string): Promise<string | undefined> {
    const follower = this.followers.get(topic) as TopicFollower
    // Fixed now: a ready follower delivers everything after its last id to new subscribers.
    return follower.ready ? Promise.resolve(follower.lastId) : follower.started
  }

  async replay (topic: string, cursor: string, until: string | undefined): Promise<ReplayResult> {
    const key = this.keys(topic).stream
    if (!isStreamId(cursor)) return this.reset(key, 'invalid', cursor)
    // An undefined position (the topic was empty when followed) means nothing precedes it.
    const end = until ?? '0-0'
    const context = this.context
    const pages = Math.ceil((context.historySize + TRIM_SLACK) / REPLAY_PAGE)
    const events: PreparedEvent[] = []
    // Each read starts at the last id already known (the cursor, then each page's last): only
    // an id still in the stream proves nothing before it was lost, and reading it in the same
    // command as what follows means a trim, an expiry or a rolled-back failover between two
    // reads cannot slip a gap into the replay.
    let from = cursor
    for (let page = 0; page < pages; page++) {
      const entries = compareStreamIds(from, end) >= 0
        ? rangeEntries(await this.links.query.call('XRANGE', key, from, from))
        : rangeEntries(await this.links.query.call('XRANGE', key, from, end, 'COUNT', REPLAY_PAGE + 1))
      if (entries[0]?.[0] !== from) return this.reset(key, 'unknown', cursor)
      for (let i = 1; i < entries.length; i++) events.push(context.prepare(decodeEntry(entries[i] as [string, string[]])))
      if (entries.length <= REPLAY_PAGE) return { events }
      from = (entries[entries.length - 1] as [string, string[]])[0]
    }
    // More was kept than the history holds (someone else wrote to the stream): too old to replay.
    return this.reset(key, 'expired', cursor)
  }

  compare (a: string, b: string): number {
    return compareStreamIds(a, b)
  }

  status (): HubBackendStatus {
    return this.links.status(this.name, this.followers.size)
  }

  async close (): Promise<void> {
    clearInterval(this.checker)
    for (const follower of this.followers.values()) follower.stop()
    this.followers.clear()
    // This process's clients leave now (the hub closed them), not a lease later.
    await this.presence.close()
    this.links.close()
  }

  /** @internal the check timer: compares up to CHECK_BATCH followers with Redis, in turn. */
  checkSome (): void {
    if (!this.links.ready || this.followers.size === 0) return
    this.checkCursor ??= this.followers.values()
    for (let i = 0; i < CHECK_BATCH; i++) {
      const next = this.checkCursor.next()
      if (next.done === true) {
        this.checkCursor = undefined
        return
      }
      const follower = next.value
      if (!follower.caughtUp) continue
      this.links.query.call('HGET', follower.keys.meta, 'last').then(last => {
        const known = follower.lastId
        if (typeof last === 'string' && (known === undefined || compareStreamIds(last, known) > 0)) follower.resync()
      }, noop)
    }
  }

  private onMessage (channel: string, message: string): void {
    const topic = topicOfChannel(this.options.keyPrefix, channel)
    const follower = this.followers.get(topic)
    const change = parsePresenceAnnouncement(message)
    if (change !== undefined) {
      if (follower !== undefined) this.context.presenceChanged(topic, change)
      return
    }
    const notification = follower === undefined ? undefined : parseNotification(message)
    if (notification !== undefined) (follower as TopicFollower).notify(notification)
  }

  private resyncAll (): void {
    /* c8 ignore next */
    if (this.links.closed) return
    this.context.log.info({ topics: this.followers.size }, 'fastify-stream hub: Redis pub/sub reconnected; catching up every followed topic from its stream')
    for (const follower of this.followers.values()) follower.resync()
  }

  /**
   * The replicas this publish waits for (its own setting, else the adapter's), or
   * `undefined` for none.
   * @throws FST_STREAM_INVALID_OPTION for a wait that cannot end before the publish timeout.
   */
  private replicasFor (message: HubMessage): ReplicaWait | undefined {
    const count = message.minReplicas ?? this.options.minReplicas
    if (count === 0) return undefined
    const timeoutMs = message.replicaTimeoutMs ?? this.options.replicaTimeoutMs
    checkReplicaTimeout(timeoutMs, this.options.publishTimeoutMs)
    return { count, timeoutMs }
  }

  private keys (topic: string): TopicKeys {
    return topicKeys(this.options.keyPrefix, topic)
  }

  private async reset (key: string, reason: ResetReason, cursor: string): Promise<ReplayResult> {
    const earliest = rangeEntries(await this.links.query.call('XRANGE', key, '-', '+', 'COUNT', 1))[0]?.[0] ?? null
    // A well-formed id below the oldest retained one was trimmed away (or lost with Redis's data).
    const expired = reason === 'unknown' && earliest !== null && compareStreamIds(cursor, earliest) < 0
    return { reset: { reason: expired ? 'expired' : reason, earliest } }
  }

  private logChange (state: HubBackendState, outages: number, lastError: string | undefined): void {
    if (state === 'down') {
      this.context.log.warn({ lastError }, 'fastify-stream hub: Redis connection lost; publish fails with FST_STREAM_HUB_UNAVAILABLE until it is back, subscribers stay connected')
    } else {
      this.context.log.info({ outages }, 'fastify-stream hub: Redis connection ready')
    }
  }
}

function checkPositions (adapter: RedisAdapter): void {
  adapter.checkSome()
}

function noop (): void {}
