/**
 * Server-Sent Events framing, exact to the WHATWG HTML "Server-sent events" section
 * (§9.2.5 parsing, §9.2.6 interpreting). Field values are validated, never normalised: a
 * value that would inject fields or be ignored by clients is an error.
 */
import type { Encoder, StreamFault } from './encoder.js'
import { errors } from '../errors.js'
import { createSerialize, ownSerializer, type Serializer } from './serialize.js'
import { isPreparedEvent } from './prepared-event.js'
import { eventTypeOf, isEventName, isLibraryEvent, isSseEvent, type SseEvent } from './sse-event.js'

// §9.2.5: a line ends at CRLF, a lone LF or a lone CR, so all three must split data.
const LINE_BREAK = /\r\n|\r|\n/
const HEARTBEAT = ':\n\n'
// The reconnection delay asked for when the server ends a stream on purpose (its lifetime) and
// no retryMs was set: browsers otherwise wait their own default, about 3 s in Chromium.
const RECONNECT_MS = 1000

/** Options of {@link createSseEncoder}. */
export interface SseEncoderOptions {
  /** Turns non-string data into text; default `JSON.stringify`. */
  serializer?: Serializer
  /**
   * A serializer per event name (`message` for items that name none), which then replaces
   * `serializer`: a route whose schema declares each event's data (docs/schemas.md). An event
   * with a name not in the map ends the stream with FST_STREAM_INVALID_ITEM.
   */
  eventSerializers?: ReadonlyMap<string, Serializer>
  /** Sent once at open as `retry: N`; when unset the stream opens with a `:` comment. */
  retryMs?: number
  /** Name of the terminal event of a finite stream (default `'end'`); `false` sends none. */
  endEvent?: string | false
  /** Name of the in-band error event (default `'stream-error'`). */
  errorEvent?: string
  /**
   * Told once per name when an event is called `error` or `open`: EventSource fires its own
   * events by those names, so listeners for them mix the server's data with connection
   * state (WHATWG HTML §9.2). The event is still sent.
   */
  onWarning?: (message: string) => void
}

/**
 * Creates an SSE encoder. Strings are sent as data unchanged; other values, and `sse()`
 * data that is not a string, go through the serializer.
 */
export function createSseEncoder (options: SseEncoderOptions = {}): Encoder {
  return new SseEncoder(options)
}

/**
 * Frames one event. Exported for users who write SSE without the pump.
 * @throws FST_STREAM_INVALID_EVENT, FST_STREAM_INVALID_ID, FST_STREAM_INVALID_RETRY,
 *   FST_STREAM_INVALID_COMMENT, or the serializer's errors.
 */
export function encodeSseEvent (event: SseEvent, serialize: Serializer = createSerialize()): string {
  return frameOf(event, encodeData(event.data, serialize))
}

/** The event's frame with `dataLines` as its data: comment, event, id and retry lines, then data. */
function frameOf (event: SseEvent, dataLines: string): string {
  let frame = ''
  if (event.comment !== undefined) {
    if (typeof event.comment !== 'string') throw new errors.FST_STREAM_INVALID_COMMENT()
    frame += fieldLines('', event.comment)
  }
  // An empty event name is the default `message` type, so the line is simply omitted (§9.2.6).
  if (event.event !== undefined && event.event !== '') frame += 'event: ' + checkEventName(event.event) + '\n'
  if (event.id !== undefined) frame += fieldLine('id', checkId(event.id))
  if (event.retry !== undefined) frame += 'retry: ' + checkRetry(event.retry) + '\n'
  frame += dataLines
  // A frame with no field at all would be a bare blank line: harmless, but pointless.
  return frame === '' ? '' : frame + '\n'
}

// The library's own events (a hub's reset) are always JSON, whatever the stream's serializer.
const serializeJson = createSerialize()

/**
 * The data lines of `event`: a hub event framed with its publisher's serializer uses the
 * text it already has (never parsing it back), anything else serializes its data.
 */
function dataLinesOf (event: SseEvent, own: Serializer | undefined, fallback: Serializer): string {
  if (!isPreparedEvent(event) || own !== undefined) return encodeData(event.data, own ?? fallback)
  if (!event.hasData) return ''
  const raw = event.rawString
  return raw !== undefined ? fieldLines('data', raw) : fieldLine('data', event.serialized())
}

function encodeData (data: unknown, serialize: Serializer): string {
  if (data === undefined) return ''
  return typeof data === 'string' ? fieldLines('data', data) : fieldLine('data', serialize(data))
}

class SseEncoder implements Encoder {
  readonly format = 'sse' as const
  readonly contentType = 'text/event-stream; charset=utf-8'
  readonly heartbeatFrame = HEARTBEAT
  readonly abortOnFault = false
  readonly shareable = true
  private readonly serialize: Serializer
  // The stream's own serializer (a per-call one), which wins over a hub event's publisher's.
  private readonly own: Serializer | undefined
  private readonly byEvent: ReadonlyMap<string, Serializer> | undefined
  private readonly open: string
  private readonly end: string
  private readonly reconnect: string
  private readonly errorEvent: string
  private readonly onWarning: ((message: string) => void) | undefined
  private readonly warned = new Set<string>()

  constructor (options: SseEncoderOptions) {
    this.onWarning = options.onWarning
    this.serialize = createSerialize(options.serializer)
    this.own = ownSerializer(options.serializer, this.serialize)
    this.byEvent = options.eventSerializers
    this.open = options.retryMs === undefined ? HEARTBEAT : 'retry: ' + checkRetry(options.retryMs) + '\n\n'
    this.reconnect = 'retry: ' + (options.retryMs ?? RECONNECT_MS) + '\n\n'
    const endEvent = options.endEvent ?? 'end'
    // §9.2.6: an event without a data line is never dispatched, so the end event carries `data:`.
    this.end = endEvent === false ? '' : 'event: ' + checkEventName(endEvent) + '\ndata:\n\n'
    this.errorEvent = checkEventName(options.errorEvent ?? 'stream-error')
  }

  preamble (): string {
    return this.open
  }

  encode (item: unknown): string {
    // The hot path: plain values become one data field without building an event object.
    if (typeof item === 'string') return fieldLines('data', item) + '\n'
    if (isSseEvent(item)) {
      if (this.onWarning !== undefined && (item.event === 'error' || item.event === 'open')) this.warnReserved(item.event)
      return frameOf(item, this.dataLines(item))
    }
    return fieldLine('data', (this.byEvent === undefined ? this.serialize : this.serializerOf(eventTypeOf(item)))(item)) + '\n'
  }

  private dataLines (event: SseEvent): string {
    if (isLibraryEvent(event)) return encodeData(event.data, serializeJson)
    if (this.byEvent === undefined) return dataLinesOf(event, this.own, this.serialize)
    return encodeData(event.data, this.serializerOf(eventTypeOf(event)))
  }

  private serializerOf (name: string): Serializer {
    const serializer = (this.byEvent as ReadonlyMap<string, Serializer>).get(name)
    if (serializer === undefined) throw new errors.FST_STREAM_INVALID_ITEM(`the event "${name}" is not one the route declares`)
    return serializer
  }

  private warnReserved (name: string): void {
    if (this.warned.has(name)) return
    this.warned.add(name)
    this.onWarning?.(`fastify-stream: an SSE event is named "${name}", which EventSource also fires for its own ${name === 'error' ? 'connection errors' : 'connection opens'}; rename the event so clients can tell them apart`)
  }

  faultFrame (fault: StreamFault): string {
    return 'event: ' + this.errorEvent + '\ndata: ' + JSON.stringify(fault) + '\n\n'
  }

  endFrame (): string {
    return this.end
  }

  reconnectFrame (): string {
    return this.reconnect
  }
}

/** One `name: value` line per line of `value`; a bare `name:` for an empty line. */
function fieldLines (name: string, value: string): string {
  if (!value.includes('\n') && !value.includes('\r')) return fieldLine(name, value)
  let lines = ''
  for (const line of value.split(LINE_BREAK)) lines += fieldLine(name, line)
  return lines
}

// Serialized values need no split: every serializer's output is checked to hold no line
// break (serialize.ts), and JSON.stringify escapes them, so one data line always fits.
// The space after the colon is always written when there is a value: §9.2.6 strips exactly
// one leading space, so data that itself starts with a space survives.
function fieldLine (name: string, value: string): string {
  return value === '' ? name + ':\n' : name + ': ' + value + '\n'
}

// Never called with '' for an event's own field (an empty type is omitted above), so '' here
// is an end or error event name that clients would dispatch as a plain `message`.
function checkEventName (name: unknown): string {
  if (!isEventName(name)) throw new errors.FST_STREAM_INVALID_EVENT()
  return name
}

function checkId (id: unknown): string {
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id)
  // §9.2.6: a NUL in the id makes clients ignore the field, which silently breaks resume.
  if (typeof id !== 'string' || id.includes('\n') || id.includes('\r') || id.includes('\0')) {
    throw new errors.FST_STREAM_INVALID_ID()
  }
  return id
}

function checkRetry (retry: unknown): number {
  // §9.2.6 accepts ASCII digits only; anything else would be silently ignored by clients.
  if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
    throw new errors.FST_STREAM_INVALID_RETRY(typeof retry === 'number' ? String(retry) : typeof retry)
  }
  return retry
}
