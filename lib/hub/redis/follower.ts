/**
 * One followed topic in one process: it delivers what the publish notifications carry, in
 * id order, and repairs what it missed. Every notification names the previous id of its
 * topic, so a gap is seen at once; a pub/sub reconnect or a periodic position check also
 * sends a follower back to the stream. What the stream still holds is delivered; what it no
 * longer holds (trimmed, expired, or lost when Redis lost its data) becomes a `reset` for
 * every local subscriber. Never a silent jump.
 */
import type { HubAdapterContext } from '../adapter.js'
import { compareStreamIds, decodeEntry, rangeEntries, type StreamEntry } from './entries.js'
import type { TopicKeys } from './keys.js'
import type { Notification } from './publish-script.js'
import type { FollowerStart } from './start.js'

/** The commands a follower sends; on a connection whose commands wait through outages. */
export interface FollowerQuery {
  call (command: string, ...args: Array<string | number>): Promise<unknown>
}

// XRANGE page size when catching up.
const PAGE = 512
// After a failed repair (Redis away), try again this long after.
const RETRY_MS = 500

/**
 * Follows one topic for this process until {@link TopicFollower.stop}. A topic can be left
 * (its last subscriber gone) while any read is in flight, so every await is followed by a
 * check of `stopped`; those checks are timing-dependent and marked for coverage.
 */
export class TopicFollower {
  /** The id of the last event delivered, or `undefined` while none (an empty topic). */
  lastId: string | undefined = undefined
  /** The topic's epoch as last seen; it changes when the topic's keys were recreated. */
  epoch: string | undefined = undefined
  /** True once the position is known and notifications are applied as they come. */
  ready = false
  /** Resolves to the id live delivery starts after, once the position is known. */
  readonly started: Promise<string | undefined>
  /** The followed topic. */
  readonly topic: string
  /** Its Redis names. */
  readonly keys: TopicKeys
  private readonly context: HubAdapterContext
  private readonly query: FollowerQuery
  private markStarted!: (id: string | undefined) => void
  // Notifications that came while the position was unknown or a repair ran, in order.
  private backlog: Notification[] = []
  private repairing = false
  // Set while notifications may have been lost (the pub/sub link dropped), until a repair.
  private suspect = false
  private stopped = false
  private retry: NodeJS.Timeout | undefined = undefined

  constructor (topic: string, keys: TopicKeys, context: HubAdapterContext, query: FollowerQuery) {
    this.topic = topic
    this.keys = keys
    this.context = context
    this.query = query
    this.started = new Promise(resolve => { this.markStarted = resolve })
  }

  /** True while nothing is pending: the follower is caught up with what it has seen. */
  get caughtUp (): boolean {
    return this.ready && !this.repairing && this.backlog.length === 0
  }

  /**
   * Starts once the topic's channel is subscribed. `start` is the topic's epoch and its
   * position when the topic was followed (start.ts): live delivery starts after it.
   * What was published between then and the subscription is read from the stream.
   */
  begin (start: Promise<FollowerStart>): void {
    const startAt = ({ epoch, last }: FollowerStart): void => {
      /* c8 ignore next */
      if (this.stopped) return
      this.epoch = epoch
      this.lastId = last
      this.ready = true
      this.markStarted(this.lastId)
      this.repair(undefined)
    }
    start.then(startAt)
  }

  /** Applies one notification, or keeps it for later while the follower is busy. */
  notify (notification: Notification): void {
    // The adapter forgets a follower before stopping it, so notifications only reach live ones.
    if (!this.caughtUp) {
      this.backlog.push(notification)
      return
    }
    this.apply(notification)
  }

  /**
   * Goes back to the stream: after a pub/sub reconnect (notifications may have been lost
   * meanwhile) or when a position check saw an id this follower has not.
   */
  resync (): void {
    if (this.stopped || !this.ready || this.repairing) return
    this.repair(undefined)
  }

  /** The pub/sub link dropped: until the next repair, a new epoch may hide lost events. */
  distrust (): void {
    this.suspect = true
  }

  /** Stops for good; nothing is delivered after this. */
  stop (): void {
    this.stopped = true
    clearTimeout(this.retry)
    this.backlog = []
    // A position nobody can use any more; awaiting it must not hang.
    this.markStarted(this.lastId)
  }

  /**
   * @param afterRepair true for the first notification after a repair: the gap before it was
   *   filled or reported, so it is delivered even if the stream could not say what preceded it.
   */
  private apply (notification: Notification, afterRepair = false): void {
    const lastId = this.lastId
    // Already delivered, through a repair or the position: ids only grow within an epoch.
    if (notification.epoch === this.epoch && lastId !== undefined && compareStreamIds(notification.id, lastId) <= 0) return
    const continues = notification.previous === (lastId ?? '')
    // A new epoch whose first event this is: the keys expired while idle and were recreated,
    // and this process saw everything before, unless its link dropped meanwhile (Redis may
    // have lost events with its data then): that case goes to the stream, and a reset.
    const restarted = notification.epoch !== this.epoch && notification.previous === '' && !this.suspect
    if (continues || restarted || afterRepair) {
      this.deliver([notification.id, notification.fields])
      this.epoch = notification.epoch
      return
    }
    this.repair(notification)
  }

  /** Catches up from the stream, then applies what came meanwhile. */
  private repair (trigger: Notification | undefined): void {
    this.repairing = true
    if (trigger !== undefined) this.backlog.unshift(trigger)
    this.catchUp().then(() => {
      this.repairing = false
      this.drain(true)
    }, () => {
      // Redis refused or went away: keep what is pending and try again shortly.
      /* c8 ignore next */
      if (this.stopped) return
      this.retry = setTimeout(() => {
        this.repairing = false
        this.resync()
      }, RETRY_MS).unref()
    })
  }

  private drain (afterRepair = false): void {
    while (this.backlog.length > 0 && !this.repairing && !this.stopped) {
      this.apply(this.backlog.shift() as Notification, afterRepair)
      afterRepair = false
    }
  }

  /**
   * Delivers every stored event after the last delivered one; a reset first if it is gone.
   * Each page is read from the last delivered id itself, so a history that is trimmed or lost
   * between two pages shows as a missing id (and a reset), never as a silent jump.
   */
  private async catchUp (): Promise<void> {
    this.suspect = false
    for (;;) {
      const lastId = this.lastId
      let entries = await this.range(lastId ?? '-')
      /* c8 ignore next */
      if (this.stopped) return
      if (lastId !== undefined) {
        if (entries[0]?.[0] === lastId) entries.shift()
        else entries = await this.lostFrom(lastId, entries)
      }
      for (const entry of entries) this.deliver(entry)
      if (entries.length < PAGE - 1 || this.stopped) break
    }
    const [epoch] = await this.query.call('HMGET', this.keys.meta, 'epoch') as Array<string | null>
    if (epoch !== null) this.epoch = epoch
  }

  /**
   * The stream no longer holds `lastId`, the last event this process delivered: what came
   * after it may be gone too. Says so, then goes on with what the stream has after it.
   */
  private async lostFrom (lastId: string, after: StreamEntry[]): Promise<StreamEntry[]> {
    const [epoch] = await this.query.call('HMGET', this.keys.meta, 'epoch') as Array<string | null>
    /* c8 ignore next */
    if (this.stopped) return []
    const lost = epoch !== this.epoch
    const earliest = (await this.range('-', 1))[0]?.[0] ?? null
    /* c8 ignore next */
    if (this.stopped) return []
    this.context.reset(this.topic, lost ? 'stale' : 'expired', earliest, lastId)
    this.epoch = epoch ?? undefined
    // Recreated keys start a new stream: all of it is news, whatever its ids say.
    return lost ? await this.range('-') : after
  }

  private deliver (entry: StreamEntry): void {
    /* c8 ignore next */
    if (this.stopped) return
    this.lastId = entry[0]
    this.context.deliver(this.topic, this.context.prepare(decodeEntry(entry)))
  }

  private async range (from: string, count = PAGE): Promise<StreamEntry[]> {
    return rangeEntries(await this.query.call('XRANGE', this.keys.stream, from, '+', 'COUNT', count))
  }
}
