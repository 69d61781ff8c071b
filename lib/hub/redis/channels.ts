/**
 * The pub/sub side of following topics: the SUBSCRIBEs and UNSUBSCRIBEs of one tick are
 * gathered and sent in batches (one channel per command on a Cluster, where sharded
 * subscribes are routed by slot), and a follower begins once its channel is subscribed.
 */
import type { TopicFollower } from './follower.js'
import type { RedisLinks } from './links.js'
import type { FollowerStart } from './start.js'

// Channels per SUBSCRIBE.
const SUBSCRIBE_BATCH = 1000
// A refused SUBSCRIBE (an ACL, a failover) is tried again this long after.
const RETRY_MS = 500

/** The channel subscriptions of one adapter's followers. */
export class FollowerChannels {
  private readonly links: RedisLinks
  // Whether a follower is still the one its topic has (it may have been left meanwhile).
  private readonly isCurrent: (follower: TopicFollower) => boolean
  // Where each follower not yet subscribed starts (see TopicFollower.begin).
  private readonly starts = new Map<TopicFollower, Promise<FollowerStart>>()
  private toSubscribe: TopicFollower[] = []
  private toUnsubscribe: string[] = []
  private flushing = false

  constructor (links: RedisLinks, isCurrent: (follower: TopicFollower) => boolean) {
    this.links = links
    this.isCurrent = isCurrent
  }

  /** Subscribes `follower`'s channel; it begins at `start` once Redis has the subscription. */
  subscribe (follower: TopicFollower, start: Promise<FollowerStart>): void {
    this.starts.set(follower, start)
    this.toSubscribe.push(follower)
    this.scheduleFlush()
  }

  /** Unsubscribes the channel of a follower that stopped. */
  unsubscribe (follower: TopicFollower): void {
    this.starts.delete(follower)
    this.toUnsubscribe.push(follower.keys.channel)
    this.scheduleFlush()
  }

  /** @internal the tick's batches go out (see scheduleFlush). */
  flush (): void {
    this.flushing = false
    if (this.links.closed) return
    const leaving = this.toUnsubscribe
    const joining = this.toSubscribe
    this.toUnsubscribe = []
    this.toSubscribe = []
    const subscriber = this.links.subscriber
    // Unsubscribes first: a topic left and followed again in one tick ends up subscribed.
    for (const batch of this.batches(leaving)) {
      (this.links.sharded ? subscriber.sunsubscribe(...batch) : subscriber.unsubscribe(...batch)).catch(noop)
    }
    // Batches are of one channel on a Cluster: each batch takes as many followers as channels.
    let from = 0
    for (const batch of this.batches(joining.map(follower => follower.keys.channel))) {
      const followers = joining.slice(from, from += batch.length)
      const subscribed = this.links.sharded ? subscriber.ssubscribe(...batch) : subscriber.subscribe(...batch)
      subscribed.then(() => this.begin(followers), err => this.retry(followers, err as Error))
    }
  }

  private begin (followers: TopicFollower[]): void {
    for (const follower of followers) {
      const start = this.starts.get(follower)
      this.starts.delete(follower)
      if (start !== undefined) follower.begin(start)
    }
  }

  private retry (followers: TopicFollower[], err: Error): void {
    this.links.recordError(err)
    // Only a closing adapter drops them; otherwise try those that are still followed again.
    /* c8 ignore next */
    if (this.links.closed) return
    for (const follower of followers) if (this.isCurrent(follower)) this.toSubscribe.push(follower)
    setTimeout(() => this.scheduleFlush(), RETRY_MS).unref()
  }

  private scheduleFlush (): void {
    if (this.flushing) return
    this.flushing = true
    setImmediate(flushChannels, this)
  }

  // A Cluster routes a sharded SUBSCRIBE by its channel's slot, so each goes alone there.
  private batches (channels: string[]): string[][] {
    const size = this.links.sharded ? 1 : SUBSCRIBE_BATCH
    const batches: string[][] = []
    for (let i = 0; i < channels.length; i += size) batches.push(channels.slice(i, i + size))
    return batches
  }
}

function flushChannels (channels: FollowerChannels): void {
  channels.flush()
}

// An UNSUBSCRIBE fails only when the subscriber's connection drops. Nothing is lost: a
// message on a channel nobody follows is dropped on arrival, and the next flush after the
// reconnection sends the subscriptions that are current. A failure is not reproducible on
// demand, hence the ignore.
/* c8 ignore next */
function noop (): void {}
