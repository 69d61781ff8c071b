/**
 * One subscriber of a topic: the async iterator that `hub.subscribe()` returns. It holds a
 * bounded queue of live events, the replay that goes before them, and the overflow policy,
 * so a stalled subscriber costs at most `maxQueue` references and never slows the others.
 */
import { errors } from '../errors.js'
import type { PreparedEvent } from '../framing/prepared-event.js'
import type { PushConsumer, PushSource } from '../write-path/push-consumer.js'
import type { SseEvent } from '../framing/sse-event.js'
import type { HubSubscription } from './hub.js'
import { EventQueue } from './event-queue.js'
import type { OverflowPolicy } from './options.js'
import { RESET_EVENT } from './reset-event.js'
import { DONE, PendingNext } from './pending-next.js'
import type { SubscriptionHost, SubscriptionSettings } from './subscription-host.js'

/** The implementation of {@link HubSubscription}; created by the hub only. */
export class Subscription implements HubSubscription, PushSource {
  readonly topic: string
  private readonly host: SubscriptionHost<Subscription>
  private readonly maxQueue: number
  private readonly overflow: OverflowPolicy
  private readonly signal: AbortSignal | undefined
  // Made when the first event has to wait: an idle subscriber holds no queue.
  private queue: EventQueue<PreparedEvent> | undefined = undefined
  private backlog: SseEvent[] | undefined = undefined
  private backlogIndex = 0
  private replaying: boolean
  // Set after a resume: live events up to this id were replayed (or seen) already.
  private watermark: string | undefined = undefined
  private waiter: PendingNext | undefined = undefined
  private consumer: PushConsumer | undefined = undefined
  // The consumer parked (write-path/push-consumer.ts): it waits with no pending next(), for accept() or resume().
  private parked = false
  private failure: unknown = undefined
  private closed = false
  private released = false

  constructor (host: SubscriptionHost<Subscription>, topic: string, settings: SubscriptionSettings) {
    this.host = host
    this.topic = topic
    this.maxQueue = settings.maxQueue
    this.overflow = settings.overflow
    this.signal = settings.signal
    this.replaying = settings.replaying
    // Without a signal (the pump's own subscriptions) there is nothing to bind.
    if (this.signal !== undefined) {
      this.onAbort = this.onAbort.bind(this)
      this.signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  /** The push path: live events go straight to `consumer` while it waits and has room. */
  attachConsumer (consumer: PushConsumer): void {
    this.consumer = consumer
  }

  /** The push path's idle wait: true when nothing is ready (no promise while idle). */
  park (): boolean {
    if (this.closed || this.failure !== undefined || this.waiter !== undefined) return false
    if (!this.replaying && (this.backlog !== undefined || this.queued > 0)) return false
    this.parked = true
    return true
  }

  /** True once the subscription has ended or failed; it receives nothing more. */
  get isOver (): boolean {
    return this.released
  }

  next (): Promise<IteratorResult<SseEvent, undefined>> {
    if (this.closed) return Promise.resolve(DONE)
    if (this.failure !== undefined) {
      this.closed = true
      return Promise.reject(this.failure)
    }
    if (!this.replaying) {
      const event = this.take()
      if (event !== undefined) return Promise.resolve({ done: false, value: event })
    }
    // A second next() before the first settled waits its turn, as async generators do.
    const pending = this.waiter?.promise
    if (pending !== undefined) return pending.then(() => this.next(), () => this.next())
    this.waiter = new PendingNext()
    return this.waiter.promise
  }

  return (): Promise<IteratorResult<SseEvent, undefined>> {
    this.close()
    return Promise.resolve(DONE)
  }

  /**
   * Takes one live event from the fan-out. O(1): hands it to a waiting consumer, or queues
   * it, applying the overflow policy when the queue is full.
   */
  offer (event: PreparedEvent): void {
    const waiter = this.waiter
    if ((waiter !== undefined || this.parked) && !this.replaying) {
      // A consumer is waiting, so the queue is empty: no copy, no queue slot, and when it can
      // write at once, not even a promise.
      if (this.isDuplicate(event)) return
      if (this.consumer?.accept(event) === true) {
        this.host.totals.delivered++
        return
      }
      if (waiter !== undefined) {
        this.waiter = undefined
        this.host.totals.delivered++
        waiter.resolve({ done: false, value: event })
        return
      }
      // A parked consumer that declines (its socket is full) takes it through next().
      this.enqueue(event)
      return this.unpark()
    }
    const queue = this.queue
    // maxQueue is at least 1, so a full queue exists.
    if (queue !== undefined && queue.length >= this.maxQueue) {
      if (this.overflow === 'disconnect') {
        this.host.overflowed('disconnect')
        // Ending now frees the queue at once; the client resumes from history with its id.
        return this.fail(new errors.FST_STREAM_SLOW_CONSUMER())
      }
      queue.shift()
      this.host.totals.queued--
      this.host.overflowed('drop-oldest')
    }
    this.enqueue(event)
  }

  private get queued (): number {
    return this.queue?.length ?? 0
  }

  private enqueue (event: PreparedEvent): void {
    this.queue ??= new EventQueue()
    this.queue.push(event)
    this.host.totals.queued++
  }

  /**
   * Ends the replay phase: `backlog` (replayed events, or a reset) goes out first, then the
   * queued live events newer than `watermark`.
   */
  startLive (backlog: SseEvent[], watermark: string | undefined): void {
    if (this.released) return
    this.replaying = false
    if (backlog.length > 0) {
      this.backlog = backlog
      this.backlogIndex = 0
    }
    this.watermark = watermark
    if (this.parked) {
      if (this.backlog !== undefined || this.queued > 0) this.unpark()
      return
    }
    const waiter = this.waiter
    if (waiter === undefined) return
    const event = this.take()
    if (event === undefined) return
    this.waiter = undefined
    waiter.resolve({ done: false, value: event })
  }

  /** Ends the subscription with `err`: the consumer's next (or pending) `next()` rejects. */
  fail (err: unknown): void {
    if (this.released) return
    this.failure = err
    const busy = this.parked ? undefined : this.consumer
    const waiter = this.end()
    if (waiter === undefined) return busy?.sourceFailed(err)
    this.closed = true
    waiter.reject(err)
  }

  /** Ends the subscription quietly; a pending `next()` resolves as done. Idempotent. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.end()?.resolve(DONE)
  }

  /** Leaves fan-out; returns the pending next() to settle, if any. */
  private end (): PendingNext | undefined {
    // Woken first, while it is still attached: its next() sees the end.
    this.unpark()
    this.release()
    const waiter = this.waiter
    this.waiter = undefined
    return waiter
  }

  /** Wakes a parked consumer: next() has something for it now (an event, the end, a failure). */
  private unpark (): void {
    if (!this.parked) return
    this.parked = false
    this.consumer?.resume()
  }

  private onAbort (): void {
    this.close()
  }

  /** The next event to hand out: the backlog first, then the queue without duplicates. */
  private take (): SseEvent | undefined {
    const backlog = this.backlog
    if (backlog !== undefined) {
      const event = backlog[this.backlogIndex++] as SseEvent
      if (this.backlogIndex === backlog.length) this.backlog = undefined
      this.host.totals.delivered++
      return event
    }
    for (let event = this.queue?.shift(); event !== undefined; event = this.queue?.shift()) {
      this.host.totals.queued--
      if (this.isDuplicate(event)) continue
      this.host.totals.delivered++
      return event
    }
    return undefined
  }

  // Only events queued while a replay was fetched can repeat it; once one newer event has
  // passed, ids only grow (adapters deliver in id order), so the check switches itself off.
  private isDuplicate (event: PreparedEvent): boolean {
    // A live reset repeats nothing: it reports loss, at a position of its own; and an event
    // without an id (presence's join and leave) is no event of the topic's history.
    if (this.watermark === undefined || event.event === RESET_EVENT || event.id === undefined) return false
    if (this.host.compare(event.id as string, this.watermark) <= 0) return true
    this.watermark = undefined
    return false
  }

  /** Leaves fan-out and frees the queue and the abort listener. Idempotent. */
  private release (): void {
    if (this.released) return
    this.released = true
    this.signal?.removeEventListener('abort', this.onAbort)
    this.host.totals.queued -= this.queued
    this.queue = undefined
    this.backlog = undefined
    this.consumer = undefined
    this.host.detach(this)
  }
}
