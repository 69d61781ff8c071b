/**
 * `sse()` marks one stream item with Server-Sent Events fields. Plain values stream as data;
 * an `SseEvent` adds `event`, `id`, `retry` and `comment`. The encoders validate the fields,
 * so a bad value takes the stream's error path instead of reaching the wire.
 */

/** The fields of one SSE event (WHATWG HTML §9.2.6). Every field is optional. */
export interface SseFields {
  /** The payload: a string is sent as it is, anything else goes through the serializer. */
  data?: unknown
  /** The event type; empty or missing means `message`. Must not contain CR or LF. */
  event?: string
  /** The event id, stored by the client as `Last-Event-ID`. No CR, LF or NUL. `''` resets it. */
  id?: string | number
  /** Reconnection time in milliseconds, a non-negative safe integer. */
  retry?: number
  /** A comment; clients ignore it. Line breaks split it into several comment lines. */
  comment?: string
}

// Brand on the prototype, not instanceof: two copies of the package (a bundled app and a
// plugin) must still recognise each other's events.
const kSseEvent = Symbol.for('fastify-stream.sse-event')

/**
 * One stream item carrying SSE fields. Create it with {@link sse}. `D` is the type of `data`
 * and `E` of `event`: a route whose schema declares its items (docs/schemas.md) accepts only
 * events whose data, and event name, it declares.
 */
export class SseEvent<D = unknown, E extends string = string> implements SseFields {
  // Declared, not defined: the constructor assigns them (one order, one hidden class), and a
  // subclass may serve `data` from an accessor (prepared-event.ts).
  declare data: D
  declare event: E | undefined
  declare id: string | number | undefined
  declare retry: number | undefined
  declare comment: string | undefined

  /** @param fields the event's fields; copied so the caller may reuse its object. */
  constructor (fields: SseFields) {
    // Assign every field in one order so all events share one hidden class.
    this.data = fields.data as D
    this.event = fields.event as E | undefined
    this.id = fields.id
    this.retry = fields.retry
    this.comment = fields.comment
  }

  /** @internal */
  declare readonly [kSseEvent]: true
}
Object.defineProperty(SseEvent.prototype, kSseEvent, { value: true })

/**
 * The fields of one event of the event map `M` (event name → data type): `event` is one of
 * its names and `data` has that name's type. `subscribe<M>()` of `fastify-stream/client`
 * types its events with the same map.
 */
export type SseFieldsOf<M> = {
  [K in keyof M & string]: Omit<SseFields, 'event' | 'data'> & { event: K, data: M[K] }
}[keyof M & string]

/** An event of the map `M` (event name → data type), as `sse<M>()` makes it. */
export type SseEventOf<M> = {
  [K in keyof M & string]: SseEvent<M[K], K> & { readonly event: K }
}[keyof M & string]

/**
 * What {@link sse} returns for `fields`: the data's type is kept, and so is the event name
 * when one is given, so a route with a schema per event checks each event against its own.
 */
export type SseEventFor<D, E extends string> = [E] extends [never] ? SseEvent<D, never> : SseEvent<D, E> & { readonly event: E }

/**
 * Marks one item with SSE fields. In NDJSON and CSV only `data` is written, and an event
 * without `data` (a bare id, retry or comment) is skipped there.
 *
 * @example yield sse({ id: '7', event: 'tick', data: { n: 7 } })
 */
export function sse<D = undefined, const E extends string = never> (fields: SseFields & { data?: D, event?: E }): SseEventFor<D, E>
/**
 * Marks one item as an event of the map `M`, checked at compile time: `event` must be one of
 * its names and `data` that name's type.
 *
 * @example yield sse<ChatEvents>({ id, event: 'chat', data: { text } })
 */
export function sse<M extends object> (fields: SseFieldsOf<M>): SseEventOf<M>
export function sse (fields: SseFields): SseEvent {
  return new SseEvent(fields)
}

// Brand of events whose data fastify-stream made itself (a hub's `reset`).
const kLibraryData = Symbol.for('fastify-stream.library-data')

/**
 * An event whose data fastify-stream made (a hub's `reset`): it is framed with
 * `JSON.stringify`, never with a route's item schema or a per-call serializer, which
 * describe the application's items, not this one.
 */
export function libraryEvent<D, E extends string> (fields: SseFields & { data: D, event: E }): SseEvent<D, E> {
  return markLibraryEvent(new SseEvent<D, E>(fields))
}

/** Brands `event` as the library's own (see {@link libraryEvent}); returns it. */
export function markLibraryEvent<T extends SseEvent<any, any>> (event: T): T {
  Object.defineProperty(event, kLibraryData, { value: true })
  return event
}

/** True for an event made by {@link libraryEvent}. */
export function isLibraryEvent (value: SseEvent): boolean {
  return (value as unknown as Record<symbol, unknown>)[kLibraryData] === true
}

/**
 * True for a string usable as an SSE event name: no CR or LF, which would end the field and
 * inject others (WHATWG HTML §9.2.6). `''` (the default `message` type) only when `allowEmpty`.
 */
export function isEventName (value: unknown, allowEmpty = false): value is string {
  return typeof value === 'string' && (allowEmpty || value !== '') && !value.includes('\n') && !value.includes('\r')
}

/**
 * The type an `EventSource` dispatches `item` as: its `event`, or `message` for an item that
 * names none (a plain value, or an empty or missing name; WHATWG HTML §9.2.6).
 */
export function eventTypeOf (item: unknown): string {
  return isSseEvent(item) && item.event !== undefined && item.event !== '' ? item.event : 'message'
}

/** True when `value` was made by {@link sse} (by any copy of this package). */
export function isSseEvent (value: unknown): value is SseEvent {
  return typeof value === 'object' && value !== null && (value as SseEvent)[kSseEvent] === true
}
