/**
 * The broadcast hub (hub.ts says what it does): publish once, deliver to every subscriber of
 * a topic, resume without loss. It owns the per-subscriber logic (bounded queues, overflow,
 * replay merged with live events, de-duplication, stats); where events are stored is the
 * adapter's job.
 */
import { errors, isStreamError } from '../errors.js'
import { INVALID_LAST_EVENT_ID } from '../http/last-event-id.js'
import { PreparedEvent } from '../framing/prepared-event.js'
import { createSerialize, type Serializer } from '../framing/serialize.js'
import type { SseEvent } from '../framing/sse-event.js'
import type { HubAdapter, HubLogger, HubRecord } from './adapter.js'
import type { ResetReason } from './reset-data.js'
import type { Hub, HubStats, HubSubscription } from './hub.js'
import { createAdapter, resolveHubOptions, resolveSubscribeOptions, type HubOptions, type OverflowPolicy, type ResolvedHubOptions, type HubSubscribeOptions } from './options.js'
import { createMemoryAdapter } from './memory/adapter.js'
import type { PresencePage, PresenceQuery, PresenceStore } from './presence/presence.js'
import { PresenceFanout } from './presence/presence-fanout.js'
import { checkPresenceMember, checkPresenceQuery } from './presence/presence-options.js'
import { publishMessage, type PublishOptions } from './publish-options.js'
import { RESET_EVENT, resetEvent } from './reset-event.js'
import { Subscription } from './subscription.js'
import type { SubscriptionHost } from './subscription-host.js'
import { checkTopic } from './topic-name.js'
import { invalidOption } from '../option-checks.js'

// Longer cursors are garbage by construction (Redis ids are at most 41 characters), and
// they reach regexes and Redis commands, so they are cut off here as `invalid`.
const MAX_CURSOR_LENGTH = 64
const kHub = Symbol.for('fastify-stream.hub')

/**
 * Creates a hub. Defaults: in-memory adapter, `historySize` 1000, `maxQueue` 1000,
 * `overflow` `'disconnect'`. The `adapter` factory is called here, once, with the hub's
 * context; the adapter it makes is closed by `hub.close()`.
 * @throws FST_STREAM_INVALID_OPTION for a bad option, and for an adapter factory already
 *   used by another hub.
 */
export function createHub (options: HubOptions = {}): Hub {
  return new BroadcastHub(options)
}

/** True for hubs made by {@link createHub} (by any copy of this package). */
export function isHub (value: unknown): value is Hub {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kHub] === true
}

const silentLogger: HubLogger = { info: noop, warn: noop, error: noop }

class BroadcastHub implements Hub, SubscriptionHost<Subscription> {
  readonly totals = { published: 0, delivered: 0, queued: 0, drops: 0, disconnects: 0, resumes: 0, resets: 0 }
  private readonly options: ResolvedHubOptions
  private readonly adapter: HubAdapter
  private readonly serialize: Serializer
  private readonly topics = new Map<string, Set<Subscription>>()
  // Presence lives beside the subscriptions, not in them: a subscription without it costs nothing more.
  private readonly present = new Set<Subscription>()
  private readonly watchers = new Map<string, Set<Subscription>>()
  private readonly fanout: PresenceFanout
  private subscribers = 0
  private closing: Promise<void> | undefined = undefined

  constructor (options: HubOptions) {
    this.options = resolveHubOptions(options)
    this.serialize = createSerialize(options.serializer)
    this.fanout = new PresenceFanout(this.options.presenceDelayMs, this.serialize, (topic, event) => this.offerPresence(topic, event))
    this.adapter = createAdapter(options.adapter ?? createMemoryAdapter(), {
      historySize: this.options.historySize,
      historyTtlMs: this.options.historyTtlMs,
      prepare: record => this.prepare(record),
      deliver: (topic, event) => this.deliver(topic, event),
      reset: (topic, reason, earliest, position) => this.resetLive(topic, reason, earliest, position),
      presenceChanged: (topic, change) => {
        // Other processes' changes reach every process following the topic; only watchers care.
        if (this.watchers.has(topic)) this.fanout.changed(topic, change)
      },
      log: options.logger ?? silentLogger
    })
  }

  async publish (topic: string, data: unknown, options: PublishOptions = {}): Promise<string> {
    if (this.closing !== undefined) throw new errors.FST_STREAM_HUB_CLOSED()
    checkTopic(topic)
    const id = await this.adapter.append(topic, publishMessage(data, () => this.serialize(data), options))
    this.totals.published++
    return id
  }

  subscribe<T = unknown> (topic: string, options: HubSubscribeOptions = {}): HubSubscription<T> {
    checkTopic(topic)
    const { maxQueue, overflow } = resolveSubscribeOptions(options, this.options)
    const member = options.presence === undefined ? undefined : checkPresenceMember(options.presence)
    const store = member === undefined ? undefined : this.presenceStore()
    const cursor: unknown = options.lastEventId
    const resuming = cursor !== undefined && cursor !== ''
    const subscription = new Subscription(this, topic, { maxQueue, overflow, signal: options.signal, replaying: resuming })
    if (this.closing !== undefined) subscription.fail(new errors.FST_STREAM_HUB_CLOSED())
    else if (options.signal?.aborted === true) subscription.close()
    else {
      this.attach(subscription)
      if (options.presenceEvents === true) this.watch(subscription)
      if (member !== undefined) {
        this.present.add(subscription)
        store?.join(topic, subscription, member)
      }
      // Live first, then the replay: the position is fixed now, before anything can be
      // published, so replay (cursor, position] and live (position, …) leave no gap.
      if (resuming) this.resume(subscription, this.adapter.position(topic), cursor)
    }
    // The data's type is the caller's word: publishers of a topic agree on it (hub.ts).
    return subscription as HubSubscription<T>
  }

  presence (topic: string, query: PresenceQuery = {}): Promise<PresencePage> {
    try {
      // As publish does: a closed hub's store may be gone (Redis's connections are).
      if (this.closing !== undefined) throw new errors.FST_STREAM_HUB_CLOSED()
      checkTopic(topic)
      const { limit, cursor } = checkPresenceQuery(query)
      return this.presenceStore().read(topic, limit, cursor)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  stats (): HubStats {
    const { published, delivered, queued, drops, disconnects, resumes, resets } = this.totals
    return {
      topics: this.topics.size,
      subscribers: this.subscribers,
      queued,
      published,
      delivered,
      drops,
      disconnects,
      resumes,
      resets,
      backend: this.adapter.status()
    }
  }

  close (): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  compare (a: string, b: string): number {
    return this.adapter.compare(a, b)
  }

  detach (subscription: Subscription): void {
    const topic = subscription.topic
    const subscribers = this.topics.get(topic)
    if (subscribers === undefined || !subscribers.delete(subscription)) return
    this.subscribers--
    const watchers = this.watchers.get(topic)
    if (watchers?.delete(subscription) === true && watchers.size === 0) {
      this.watchers.delete(topic)
      this.adapter.presence?.unwatch?.(topic)
    }
    if (this.present.delete(subscription)) this.adapter.presence?.leave(topic, subscription)
    if (subscribers.size > 0) return
    this.topics.delete(topic)
    this.adapter.unfollow(topic)
  }

  overflowed (policy: OverflowPolicy): void {
    this.totals[policy === 'disconnect' ? 'disconnects' : 'drops']++
  }

  private attach (subscription: Subscription): void {
    const topic = subscription.topic
    let subscribers = this.topics.get(topic)
    if (subscribers === undefined) {
      subscribers = new Set()
      this.topics.set(topic, subscribers)
      this.adapter.follow(topic)
    }
    subscribers.add(subscription)
    this.subscribers++
  }

  private presenceStore (): PresenceStore {
    const store = this.adapter.presence
    if (store === undefined) throw invalidOption('presence', `needs an adapter that keeps presence; the ${this.adapter.name} adapter does not`)
    return store
  }

  private watch (subscription: Subscription): void {
    let watchers = this.watchers.get(subscription.topic)
    if (watchers === undefined) {
      watchers = new Set()
      this.watchers.set(subscription.topic, watchers)
      this.adapter.presence?.watch?.(subscription.topic)
    }
    watchers.add(subscription)
  }

  /** A coalesced `join` or `leave`: to the topic's subscribers that asked for them. */
  private offerPresence (topic: string, event: PreparedEvent): void {
    const watchers = this.watchers.get(topic)
    if (watchers === undefined) return
    for (const subscription of watchers) subscription.offer(event)
  }

  private async resume (subscription: Subscription, position: Promise<string | undefined>, cursor: unknown): Promise<void> {
    this.totals.resumes++
    // '' is never an issued id, so every adapter answers it with an `invalid` reset.
    const valid = typeof cursor === 'string' && cursor.length <= MAX_CURSOR_LENGTH && cursor !== INVALID_LAST_EVENT_ID ? cursor : ''
    try {
      const until = await position
      if (subscription.isOver) return
      // The client already has the event live delivery starts after: nothing to replay.
      if (valid === until) return subscription.startLive([], until)
      const result = await this.adapter.replay(subscription.topic, valid, until)
      if ('reset' in result) {
        this.totals.resets++
        subscription.startLive([resetEvent(result.reset, until)], until)
        return
      }
      // Live events up to the newest id the client has or gets from the replay are repeats.
      // The cursor may even be ahead of this process's position (seen on another instance).
      const events = result.events as SseEvent[]
      const replayed = events.length > 0 ? events[events.length - 1]!.id as string : undefined
      subscription.startLive(events, this.newest(this.newest(valid, until), replayed))
    } catch (err) {
      subscription.fail(isStreamError(err) ? err : new errors.FST_STREAM_HUB_UNAVAILABLE('the replay failed', { cause: err }))
    }
  }

  private newest (a: string, b: string | undefined): string {
    return b === undefined || this.adapter.compare(a, b) >= 0 ? a : b
  }

  /** Fan-out: one prepared event, pushed by reference to every local subscriber. */
  private deliver (topic: string, event: PreparedEvent): void {
    const subscribers = this.topics.get(topic)
    if (subscribers === undefined) return
    for (const subscription of subscribers) subscription.offer(event)
  }

  /** Loss the adapter could not repair: every local subscriber of `topic` learns it. */
  private resetLive (topic: string, reason: ResetReason, earliest: string | null, position: string | undefined): void {
    const subscribers = this.topics.get(topic)
    if (subscribers === undefined) return
    const data = { reason, earliest }
    const event = new PreparedEvent({ id: position ?? '', event: RESET_EVENT, data }, this.serialize)
    for (const subscription of subscribers) {
      this.totals.resets++
      subscription.offer(event)
    }
  }

  /** Builds the shared event; the known text is reused so data is serialized only once. */
  private prepare (record: HubRecord): PreparedEvent {
    return new PreparedEvent({ id: record.id, event: record.event, data: record.data }, this.serialize, record.text)
  }

  private async shutdown (): Promise<void> {
    for (const subscribers of Array.from(this.topics.values())) {
      for (const subscription of Array.from(subscribers)) subscription.fail(new errors.FST_STREAM_HUB_CLOSED())
    }
    // Nobody is left to tell: the pending changes go nowhere, and the timer goes now.
    this.fanout.flush()
    await this.adapter.close()
  }
}
Object.defineProperty(BroadcastHub.prototype, kHub, { value: true })

function noop (): void {}
