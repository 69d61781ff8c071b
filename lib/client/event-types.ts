/**
 * The types of the events `subscribe()` delivers. A route and its clients share one event
 * map, an interface from event name to data type:
 *
 * ```ts
 * interface ChatEvents { chat: { text: string }, typing: { user: string } }
 * yield sse<ChatEvents>({ event: 'chat', id, data: { text } })       // server: checked
 * for await (const e of subscribe<ChatEvents>('/chat')) e.type === 'chat' && e.data.text // client: typed
 * ```
 *
 * The map is a promise the server keeps: nothing checks the data at run time.
 */

import type { ResetData } from '../hub/reset-data.js'

/** The events every subscription may receive whatever its map says: the hub's `reset`. */
export interface BuiltinEvents {
  reset: ResetData
}

/** The event map when none is given: any name, data of unknown type. */
export type AnyEvents = Record<string, unknown>

/** One event as `subscribe()` delivers it. */
export interface SubscriptionEvent<K extends string = string, D = unknown> {
  /** The event name; `message` when the server sent none, as `EventSource` says. */
  readonly type: K
  /** The data, parsed: JSON when it is JSON, the text as it came otherwise (see `parse`). */
  readonly data: D
  /** The data exactly as the server sent it. */
  readonly text: string
  /** This event's `id` field, or `undefined` when it had none. */
  readonly id: string | undefined
}

/** A map with the built-in events; theirs win over a map's own entry of the same name. */
export type WithBuiltinEvents<M> = Omit<M, keyof BuiltinEvents> & BuiltinEvents

/**
 * The union of the events of map `M`: `{ type: 'chat', data: … } | { type: 'typing', … } |
 * { type: 'reset', data: ResetData }`, so checking `type` narrows `data`.
 */
export type EventOf<M> = {
  [K in keyof WithBuiltinEvents<M> & string]: SubscriptionEvent<K, WithBuiltinEvents<M>[K]>
}[keyof WithBuiltinEvents<M> & string]
