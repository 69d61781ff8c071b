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

/** One stream item carrying SSE fields. Create it with {@link sse}. */
export class SseEvent implements SseFields {
  // Declared, not defined: the constructor assigns them (one order, one hidden class), and a
  // subclass may serve `data` from an accessor (prepared-event.ts).
  declare data: unknown
  declare event: string | undefined
  declare id: string | number | undefined
  declare retry: number | undefined
  declare comment: string | undefined

  /** @param fields the event's fields; copied so the caller may reuse its object. */
  constructor (fields: SseFields) {
    // Assign every field in one order so all events share one hidden class.
    this.data = fields.data
    this.event = fields.event
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

/**
 * Marks one item with SSE fields. In NDJSON and CSV only `data` is written, and an event
 * without `data` (a bare id, retry or comment) is skipped there.
 *
 * @example yield sse({ id: '7', event: 'tick', data: { n: 7 } })
 */
export function sse (fields: SseFields): SseEvent
/**
 * Marks one item as an event of the map `M`, checked at compile time: `event` must be one of
 * its names and `data` that name's type.
 *
 * @example yield sse<ChatEvents>({ id, event: 'chat', data: { text } })
 */
export function sse<M extends object> (fields: SseFieldsOf<M>): SseEvent
export function sse (fields: SseFields): SseEvent {
  return new SseEvent(fields)
}

/**
 * True for a string usable as an SSE event name: no CR or LF, which would end the field and
 * inject others (WHATWG HTML §9.2.6). `''` (the default `message` type) only when `allowEmpty`.
 */
export function isEventName (value: unknown, allowEmpty = false): value is string {
  return typeof value === 'string' && (allowEmpty || value !== '') && !value.includes('\n') && !value.includes('\r')
}

/** True when `value` was made by {@link sse} (by any copy of this package). */
export function isSseEvent (value: unknown): value is SseEvent {
  return typeof value === 'object' && value !== null && (value as SseEvent)[kSseEvent] === true
}
