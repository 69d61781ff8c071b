/**
 * What a hub is to those who use it: `fastify.hub`, or the result of `createHub()`
 * (create-hub.ts). Publish to a topic, subscribe to it (an async iterable that
 * `reply.stream()` takes), read the counters, close.
 */
import type { SseEvent } from '../framing/sse-event.js'
import type { HubBackendStatus } from './adapter.js'
import type { ResetEvent } from './reset-event.js'
import type { HubSubscribeOptions } from './options.js'
import type { PresenceEvent, PresencePage, PresenceQuery } from './presence/presence.js'
import type { PublishOptions } from './publish-options.js'

/** A snapshot of a hub's counters. */
export interface HubStats {
  /** Topics with at least one subscriber in this process. */
  topics: number
  /** Subscribers in this process. */
  subscribers: number
  /** Live events waiting in subscriber queues now. */
  queued: number
  /** Events this hub published. */
  published: number
  /** Events handed to subscribers (replayed ones included). */
  delivered: number
  /** Events dropped for slow subscribers (`'drop-oldest'`). */
  drops: number
  /** Subscribers ended for falling behind (`'disconnect'`). */
  disconnects: number
  /** Subscriptions that came with a `lastEventId`. */
  resumes: number
  /** Resumes answered with a `reset` event. */
  resets: number
  /** The storage backend's state. */
  backend: HubBackendStatus
}

/** A broadcast hub. Create it with {@link createHub}; the plugin exposes one as `fastify.hub`. */
export interface Hub {
  /**
   * Publishes `data` to every subscriber of `topic` (on every process sharing the adapter)
   * and resolves to its id once the event is stored. `data` is serialized once, here.
   * @throws (rejects) FST_STREAM_INVALID_TOPIC, FST_STREAM_INVALID_EVENT, FST_STREAM_UNSERIALIZABLE,
   *   FST_STREAM_FRAMING, FST_STREAM_INVALID_OPTION (a bad option, or `minReplicas` on an
   *   adapter without replicas), FST_STREAM_HUB_UNAVAILABLE (certainly not stored: not
   *   sent, or refused), FST_STREAM_HUB_OUTCOME_UNKNOWN (sent, and not answered or not
   *   confirmed by `minReplicas` replicas in time: retry with the same idempotency key),
   *   FST_STREAM_HUB_CLOSED.
   */
  publish (topic: string, data: unknown, options?: PublishOptions): Promise<string>
  /**
   * Follows `topic`: an async iterable of `sse()` events, usable as a `reply.stream()`
   * source. With `lastEventId`, the retained events after it come first, then live ones,
   * with no gap and no duplicate; a cursor that is not in the history gives a `reset` event
   * first. Ends when `signal` aborts or `return()` is called.
   * `T` types the events' data (nothing checks it at run time: say what the topic's
   * publishers publish), so a route whose schema declares its items accepts the subscription.
   * @throws FST_STREAM_INVALID_TOPIC, FST_STREAM_INVALID_OPTION.
   */
  subscribe<T = unknown> (topic: string, options?: HubSubscribeOptions): HubSubscription<T>
  /**
   * Who is subscribed to `topic` with `presence`, on every process sharing the adapter: the
   * number of clients and of distinct users (cheap, whatever the count), and one page of
   * users with their info, in join order; pass the page's `cursor` back for the next.
   * @throws (rejects) FST_STREAM_INVALID_TOPIC, FST_STREAM_INVALID_OPTION (a bad limit or
   *   cursor, or an adapter that keeps no presence), FST_STREAM_HUB_CLOSED once the hub is
   *   closing, FST_STREAM_HUB_UNAVAILABLE when Redis refuses the read.
   */
  presence (topic: string, query?: PresenceQuery): Promise<PresencePage>
  /** Counters and the backend's state. */
  stats (): HubStats
  /** Ends every subscription (with FST_STREAM_HUB_CLOSED) and closes the adapter. Idempotent. */
  close (): Promise<void>
}

/**
 * What a subscription yields: the topic's events with data of type `T`, `reset` events, and
 * with `presenceEvents`, `join` and `leave`.
 */
export type HubEvent<T = unknown> = SseEvent<T> | ResetEvent | PresenceEvent

/** The async iterator of `hub.subscribe()`: `sse()` events, replayed ones first, then live. */
export interface HubSubscription<T = unknown> extends AsyncIterableIterator<HubEvent<T>, undefined> {
  /** The topic this subscription follows. */
  readonly topic: string
  /**
   * The next event. Rejects with FST_STREAM_SLOW_CONSUMER (overflow under `'disconnect'`),
   * FST_STREAM_HUB_CLOSED or FST_STREAM_HUB_UNAVAILABLE (the replay failed), then ends.
   */
  next (): Promise<IteratorResult<HubEvent<T>, undefined>>
  /** Ends the subscription and releases it; a pending `next()` resolves as done. */
  return (): Promise<IteratorResult<HubEvent<T>, undefined>>
}
