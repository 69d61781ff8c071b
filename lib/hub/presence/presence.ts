/**
 * Presence: who is subscribed to a topic. A subscription may carry an identity (`presence:
 * { id, info }`); the hub counts clients (subscriptions) and users (distinct ids), lists the
 * users page by page, and tells subscribers that ask for it when a user's first client
 * arrives (`join`) or last client goes (`leave`). Where presence is kept is the adapter's
 * store ({@link PresenceStore}), so every process sharing the store sees the same.
 */
import type { SseEvent } from '../../framing/sse-event.js'

/** Who a subscription is: an id the app chooses (a user id) and a small JSON `info`. */
export interface PresenceMember {
  /** 1 to 128 characters; several subscriptions with one id are one user. */
  id: string
  /** What the app attaches (a display name), serialized at most 1,024 bytes of JSON. */
  info?: unknown
}

/** The data of a `join` or `leave` event. */
export interface PresenceEventData {
  id: string
  info: unknown
}

/** A `join` or `leave` event, as a subscription with `presenceEvents` yields it. */
export type PresenceEvent = SseEvent<PresenceEventData, 'join' | 'leave'>

/** A user's first client arrived (`join`) or last client left (`leave`). */
export interface PresenceChange {
  type: 'join' | 'leave'
  id: string
  /** The user's info as of the change. */
  info: unknown
}

/** One present user in a {@link PresencePage}. */
export interface PresentUser {
  id: string
  info: unknown
  /** How many subscriptions (tabs, devices) this user has on the topic. */
  clients: number
}

/** What `hub.presence()` answers. */
export interface PresencePage {
  /** Subscriptions with presence on the topic, on every process. */
  clients: number
  /** Distinct user ids among them. */
  users: number
  /** At most `limit` present users, in the order they joined. */
  list: PresentUser[]
  /** Pass it back as `cursor` for the next page; `null` when this page is the last. */
  cursor: string | null
}

/** Options of `hub.presence()`. */
export interface PresenceQuery {
  /** Users per page, 1 to 1000 (default 100). */
  limit?: number
  /** The `cursor` of the previous page. */
  cursor?: string | null
}

/**
 * Where an adapter keeps presence. `join` and `leave` take the subscription itself as the
 * client's key; the store reports each user's first join and last leave through the
 * context's `presenceChanged`, for every process that follows the topic.
 */
export interface PresenceStore {
  join (topic: string, client: object, member: { id: string, info: unknown }): void
  leave (topic: string, client: object): void
  read (topic: string, limit: number, cursor: string | undefined): Promise<PresencePage>
  /**
   * Optional: `topic` has a subscriber with `presenceEvents` in this process from now on. A
   * store shared by processes keeps such topics checked, so the users of a process that
   * died leave, with events, even where no client of this process is present.
   */
  watch? (topic: string): void
  /** Optional: the last subscriber with `presenceEvents` on `topic` in this process left. */
  unwatch? (topic: string): void
}
