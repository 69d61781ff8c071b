/**
 * The contract between the hub and its storage. The hub owns everything per subscriber
 * (queues, overflow, replay merging, de-duplication, stats); an adapter only stores events,
 * assigns their ids, reads history and delivers live events in id order. The in-memory and
 * Redis adapters both implement it, and so can any other store.
 */
import type { PreparedEvent } from '../framing/prepared-event.js'
import type { PresenceChange, PresenceStore } from './presence/presence.js'
import type { ResetData, ResetReason } from './reset-data.js'

/** One published event as the hub hands it to an adapter. */
export interface HubMessage {
  /** The SSE event name, or `undefined` for the default `message`. */
  event: string | undefined
  /** The published value. */
  data: unknown
  /** `data` already serialized by the hub's serializer (checked to be valid). */
  text: string
  /**
   * Makes the publish safe to retry: a second message with the same key within the history
   * TTL stores nothing and resolves to the first one's id.
   */
  idempotencyKey?: string | undefined
  /**
   * Replicas that must confirm the write before `append` resolves; `undefined`: the
   * adapter's default. An adapter without replicas rejects a positive number with
   * FST_STREAM_INVALID_OPTION.
   */
  minReplicas?: number | undefined
  /** How long to wait for them, in ms; `undefined`: the adapter's default. */
  replicaTimeoutMs?: number | undefined
}

/** One stored event, as an adapter gives it back to the hub to prepare. */
export interface HubRecord {
  /** The event id the adapter assigned (ASCII, increasing per topic). */
  id: string
  event: string | undefined
  /**
   * The published value; `undefined` when `text` holds it, which a store should prefer: the
   * value is then parsed from the text (JSON, or the text itself when it is not JSON) only
   * when something needs it, and framing never does.
   */
  data: unknown
  /** The serialized data when known, so it is not serialized again; else `undefined`. */
  text: string | undefined
}

/** The answer to a replay: the retained events after the cursor, or a reset. */
export type ReplayResult =
  | { events: PreparedEvent[] }
  | { reset: ResetData }

/** Connection state of a hub's backend. */
export type HubBackendState = 'connecting' | 'ready' | 'down' | 'closed'

/** What `hub.stats().backend` reports. */
export interface HubBackendStatus {
  /** The adapter's name: `'memory'`, `'redis'`, … */
  adapter: string
  /** `'down'` means publishing fails with FST_STREAM_HUB_UNAVAILABLE until it is `'ready'` again. */
  state: HubBackendState
  /** Topics the backend holds in this process (memory: with history; Redis: with a reader). */
  topics: number
  /** When `state` last changed (ms since the Unix epoch). */
  since: number
  /** How many times the backend went down since start. */
  outages: number
  /** The last connection error, if any. */
  lastError?: string
}

/** Where the hub's log lines go (state changes of the backend); `fastify.log` (pino) fits. */
export interface HubLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

/** What the hub gives its adapter's factory ({@link HubAdapterFactory}) when it is created. */
export interface HubAdapterContext {
  /** Events to retain per topic (a count). */
  historySize: number
  /** How long a topic's history outlives its last publish, in ms. */
  historyTtlMs: number
  /** Turns a stored record into the shared, encode-once event. */
  prepare (record: HubRecord): PreparedEvent
  /** Hands a live event to this process's subscribers of `topic`; call in id order. */
  deliver (topic: string, event: PreparedEvent): void
  /**
   * Tells this process's subscribers of `topic` that events were lost and cannot be
   * recovered (trimmed, expired, or gone with Redis's data): each gets a `reset` event whose
   * id is `position`, the id live delivery continues after.
   */
  reset (topic: string, reason: ResetReason, earliest: string | null, position: string | undefined): void
  /**
   * A user's first client arrived on `topic`, or its last left, as the adapter's presence
   * store saw it (on any process sharing the store).
   */
  presenceChanged (topic: string, change: PresenceChange): void
  /** The hub's logger. */
  log: HubLogger
}

/**
 * Makes the storage backend of one hub: `createHub()` calls it once, with its context, and
 * the adapter it returns belongs to that hub (which closes it). `createMemoryAdapter()` and
 * `createRedisAdapter()` return one; for a store of your own,
 * `context => new MyAdapter(context)`.
 *
 * The factories of this package make a single adapter: a second hub given the same one
 * gets FST_STREAM_INVALID_OPTION (create one adapter per hub).
 * @throws FST_STREAM_INVALID_OPTION when it cannot make another adapter.
 */
export type HubAdapterFactory = (context: HubAdapterContext) => HubAdapter

/**
 * A storage backend for one hub, made by a {@link HubAdapterFactory} with the hub's
 * context.
 *
 * Contract: after `follow(topic)`, every event appended to `topic` (by any process sharing
 * the store) with an id greater than `position(topic)` is delivered exactly once through
 * `context.deliver`, in id order, until `unfollow(topic)`.
 */
export interface HubAdapter {
  /** Short name for stats and logs. */
  readonly name: string
  /**
   * Stores one event and resolves to its id once it is accepted; with an idempotency key
   * already used within the history TTL, stores nothing and resolves to the first id.
   * @throws FST_STREAM_HUB_UNAVAILABLE when the event was certainly not stored (not sent, or
   *   refused); FST_STREAM_HUB_OUTCOME_UNKNOWN when it was sent and no answer came in time.
   */
  append (topic: string, message: HubMessage): Promise<string>
  /** Starts live delivery for `topic` (its first local subscriber arrived). */
  follow (topic: string): void
  /** Stops live delivery for `topic` (its last local subscriber left). */
  unfollow (topic: string): void
  /**
   * The id after which a subscriber registered now receives events live (`undefined`: from
   * the topic's first event). The value is fixed at the time of the call.
   */
  position (topic: string): Promise<string | undefined>
  /**
   * The retained events with `cursor < id <= until`, or a reset when `cursor` is not a
   * retained event of this topic (garbage, from another epoch, older than the history, or
   * never issued).
   */
  replay (topic: string, cursor: string, until: string | undefined): Promise<ReplayResult>
  /** Orders two ids of one topic (and one epoch): negative, zero or positive. */
  compare (a: string, b: string): number
  /** The backend's state for `hub.stats()`. */
  status (): HubBackendStatus
  /** Releases every connection and timer. Safe to call twice. */
  close (): Promise<void>
  /**
   * Where presence is kept, when the adapter keeps it (the memory adapter does). Without it,
   * a subscription with `presence` fails with FST_STREAM_INVALID_OPTION.
   */
  readonly presence?: PresenceStore
}
