/**
 * `join` and `leave` events for the subscribers that asked for them, coalesced: changes of a
 * topic wait `delayMs` and go out together, and a user who leaves and comes back (or arrives
 * and goes) within that time makes no event at all, so a reload or a reconnect storm does not
 * become a flood. The events carry no id (nothing to resume from: a client that reconnects
 * asks `hub.presence()` instead) and are never stored in the topic's history.
 */
import { PreparedEvent } from '../../framing/prepared-event.js'
import { markLibraryEvent } from '../../framing/sse-event.js'
import type { Serializer } from '../../framing/serialize.js'
import type { PresenceChange } from './presence.js'

/** Where coalesced presence events go: every local watcher of the topic. */
export type PresenceOffer = (topic: string, event: PreparedEvent) => void

/** Coalesces a hub's presence changes per topic and hands them out as events. */
export class PresenceFanout {
  private readonly delayMs: number
  private readonly serialize: Serializer
  private readonly offer: PresenceOffer
  private readonly pending = new Map<string, Map<string, PresenceChange>>()
  private timer: NodeJS.Timeout | undefined = undefined

  constructor (delayMs: number, serialize: Serializer, offer: PresenceOffer) {
    this.delayMs = delayMs
    this.serialize = serialize
    this.offer = offer
  }

  /** A user's first join or last leave on `topic`. */
  changed (topic: string, change: PresenceChange): void {
    let changes = this.pending.get(topic)
    if (changes === undefined) {
      changes = new Map()
      this.pending.set(topic, changes)
    }
    const earlier = changes.get(change.id)
    // A join and a leave of one user within the delay cancel out, in either order.
    if (earlier !== undefined && earlier.type !== change.type) changes.delete(change.id)
    else changes.set(change.id, change)
    this.timer ??= setTimeout(() => this.flush(), this.delayMs).unref()
  }

  /** Sends what is pending now (the timer's work, and the hub's before it closes). */
  flush (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const pending = Array.from(this.pending)
    this.pending.clear()
    for (const [topic, changes] of pending) {
      for (const { type, id, info } of changes.values()) {
        // One event per change, framed once for all the topic's watchers (encode once).
        const event = markLibraryEvent(new PreparedEvent({ event: type, data: { id, info } }, this.serialize))
        this.offer(topic, event)
      }
    }
  }
}
