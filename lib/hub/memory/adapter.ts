/**
 * The default hub storage: this process's memory. History is a bounded queue per topic, ids
 * carry a random epoch (see ids.ts), and delivery is synchronous, in publish order.
 * A topic idle for the history TTL is forgotten once nobody follows it, as Redis expires its
 * keys, so topics that come and go never pile up.
 */
import { errors } from '../../errors.js'
import { invalidOption } from '../../option-checks.js'
import type { PreparedEvent } from '../../framing/prepared-event.js'
import { EventQueue } from '../event-queue.js'
import type { HubAdapter, HubAdapterContext, HubAdapterFactory, HubBackendStatus, HubMessage, ReplayResult } from '../adapter.js'
import type { ResetReason } from '../reset-data.js'
import { createEpoch, formatMemoryId, parseMemoryId, seqOf } from './ids.js'
import { MemoryPresence } from '../presence/memory-presence.js'
import { singleUse } from '../single-use.js'

// Idle topics are looked for this often at most; a short TTL is checked at its own pace.
const MAX_SWEEP_MS = 60_000

/**
 * One event of a topic's history: its sequence number (its id is built again from it, as
 * the id string would cost as much as a small event) and its text, or its string data.
 */
interface StoredEvent {
  seq: number
  event: string | undefined
  data: string | undefined
  text: string | undefined
}

/**
 * What the adapter keeps per topic; it exists only while the topic is followed or has
 * history. The history holds each event as its text alone (or its string): the prepared
 * event, with the publisher's value and the frames, lives only while it is fanned out and
 * queued, and a replay prepares the event again from its text.
 */
interface TopicLog {
  readonly events: EventQueue<StoredEvent>
  lastId: string | undefined
  followed: boolean
  /** When the topic was last published to (ms), for the history TTL. */
  publishedAt: number
  /** Idempotency keys seen within the TTL: key → the first publish's id and time. */
  keys: Map<string, { id: string, at: number }> | undefined
}

/**
 * Creates the in-memory adapter, the hub's default: `createHub({ adapter: createMemoryAdapter() })`.
 * Nothing to install; history and ids last as long as the process, and a restart is
 * reported to resuming clients as a reset. The factory makes one adapter, for one hub.
 * @throws FST_STREAM_INVALID_OPTION (from the factory) when a second hub is given it.
 */
export function createMemoryAdapter (): HubAdapterFactory {
  return singleUse(context => new MemoryAdapter(context))
}

class MemoryAdapter implements HubAdapter {
  readonly name = 'memory'
  private readonly context: HubAdapterContext
  private readonly epoch = createEpoch()
  private seq = 0
  private readonly logs = new Map<string, TopicLog>()
  private closed = false
  private since = Date.now()
  private readonly sweeper: NodeJS.Timeout
  /** Presence in this process: every subscriber of a topic is in this hub. */
  readonly presence: MemoryPresence

  constructor (context: HubAdapterContext) {
    this.context = context
    this.presence = new MemoryPresence((topic, change) => context.presenceChanged(topic, change))
    this.sweeper = setInterval(sweepIdle, Math.min(context.historyTtlMs, MAX_SWEEP_MS), this).unref()
  }

  append (topic: string, message: HubMessage): Promise<string> {
    if (this.closed) return Promise.reject(new errors.FST_STREAM_HUB_CLOSED())
    // Nothing here could confirm it: saying yes would be a promise this store cannot keep.
    if ((message.minReplicas ?? 0) > 0) return Promise.reject(invalidOption('minReplicas', 'needs a store with replicas, such as the Redis adapter; the memory adapter keeps events in this process only'))
    const context = this.context
    const now = Date.now()
    const key = message.idempotencyKey
    let log = this.logs.get(topic)
    const seen = key === undefined ? undefined : log?.keys?.get(key)
    if (seen !== undefined && now - seen.at < context.historyTtlMs) return Promise.resolve(seen.id)
    const id = formatMemoryId(this.epoch, ++this.seq)
    if (log === undefined) {
      // Nobody follows and nothing is retained: taking an id is all a publish costs.
      if (context.historySize === 0 && key === undefined) return Promise.resolve(id)
      log = this.createLog(topic)
    }
    if (key !== undefined) (log.keys ??= new Map()).set(key, { id, at: now })
    log.publishedAt = now
    log.lastId = id
    if (context.historySize > 0) {
      const kept = typeof message.data === 'string' ? message.data : undefined
      log.events.push({ seq: this.seq, event: message.event, data: kept, text: kept === undefined ? message.text : undefined })
      if (log.events.length > context.historySize) log.events.shift()
    }
    if (log.followed) context.deliver(topic, context.prepare({ id, event: message.event, data: message.data, text: message.text }))
    return Promise.resolve(id)
  }

  follow (topic: string): void {
    const log = this.logs.get(topic) ?? this.createLog(topic)
    log.followed = true
  }

  unfollow (topic: string): void {
    const log = this.logs.get(topic)
    if (log === undefined) return
    log.followed = false
    // An idle topic without history is forgotten entirely: ids stay unique through `seq`.
    if (log.events.length === 0) this.logs.delete(topic)
  }

  position (topic: string): Promise<string | undefined> {
    return Promise.resolve(this.logs.get(topic)?.lastId)
  }

  replay (topic: string, cursor: string, until: string | undefined): Promise<ReplayResult> {
    const log = this.logs.get(topic)
    const events = log?.events
    const parsed = parseMemoryId(cursor)
    if (parsed === undefined) return reset('invalid', this.earliestId(events))
    if (parsed.epoch !== this.epoch) return reset('stale', this.earliestId(events))
    const index = events === undefined ? -1 : indexOfSeq(events, parsed.seq)
    if (index < 0) {
      const earliest = events !== undefined && events.length > 0 ? events.at(0).seq : Infinity
      return reset(parsed.seq <= this.seq && parsed.seq < earliest ? 'expired' : 'unknown', this.earliestId(events))
    }
    const last = until === undefined ? 0 : seqOf(until)
    const replayed: PreparedEvent[] = []
    const kept = events as EventQueue<StoredEvent>
    for (let i = index + 1; i < kept.length; i++) {
      const { seq, event, data, text } = kept.at(i)
      if (seq > last) break
      replayed.push(this.context.prepare({ id: formatMemoryId(this.epoch, seq), event, data, text }))
    }
    return Promise.resolve({ events: replayed })
  }

  compare (a: string, b: string): number {
    return seqOf(a) - seqOf(b)
  }

  status (): HubBackendStatus {
    return { adapter: this.name, state: this.closed ? 'closed' : 'ready', topics: this.logs.size, since: this.since, outages: 0 }
  }

  close (): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.since = Date.now()
      clearInterval(this.sweeper)
      this.logs.clear()
    }
    return Promise.resolve()
  }

  /**
   * @internal the TTL timer: forgets topics idle for the history TTL that nobody follows, and
   * empties the history (and idempotency keys) of idle ones that are followed.
   */
  sweep (now: number): void {
    const ttl = this.context.historyTtlMs
    for (const [topic, log] of this.logs) {
      if (now - log.publishedAt < ttl) {
        if (log.keys !== undefined) expireKeys(log.keys, now - ttl)
      } else if (!log.followed) {
        this.logs.delete(topic)
      } else {
        log.events.clear()
        log.keys = undefined
      }
    }
  }

  private earliestId (events: EventQueue<StoredEvent> | undefined): string | null {
    return events !== undefined && events.length > 0 ? formatMemoryId(this.epoch, events.at(0).seq) : null
  }

  private createLog (topic: string): TopicLog {
    const log: TopicLog = { events: new EventQueue(), lastId: undefined, followed: false, publishedAt: Date.now(), keys: undefined }
    this.logs.set(topic, log)
    return log
  }
}

function sweepIdle (adapter: MemoryAdapter): void {
  adapter.sweep(Date.now())
}

function expireKeys (keys: Map<string, { at: number }>, before: number): void {
  for (const [key, seen] of keys) if (seen.at <= before) keys.delete(key)
}

function reset (reason: ResetReason, earliest: string | null): Promise<ReplayResult> {
  return Promise.resolve({ reset: { reason, earliest } })
}

/** Binary search: ids in a log are in increasing `seq` order. -1 when absent. */
function indexOfSeq (events: EventQueue<StoredEvent>, seq: number): number {
  let low = 0
  let high = events.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const found = events.at(middle).seq
    if (found === seq) return middle
    if (found < seq) low = middle + 1
    else high = middle - 1
  }
  return -1
}
