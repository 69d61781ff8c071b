/**
 * An event framed once per encoder and shared by every subscriber (the hub's "encode once").
 * The frame is the stream's own encoder's work, cached here: a broadcast to N clients frames
 * once per distinct encoder (format and options), not N times, and per-call options (a
 * serializer, the format) hold for hub streams as for any other source.
 *
 * It holds what delivery needs and no more: the serialized text (which every frame is made
 * of), the published value only while the publisher's own object is at hand, and frames for
 * as long as the event itself lives: while it is fanned out and queued, not in a history,
 * which keeps the text alone (see hub/memory/adapter.ts). Read from its text, `data` is parsed
 * on each read, and only by what needs the value (a per-call serializer, CSV, a `for await`
 * reader); framing with the publisher's serializer never parses it.
 */
import type { Encoder } from './encoder.js'
import type { Serializer } from './serialize.js'
import { SseEvent, type SseFields } from './sse-event.js'

const kPrepared = Symbol.for('fastify-stream.prepared-event')
// Most hubs meet one or two encoders (SSE and NDJSON with the plugin's defaults), kept in two
// fields; routes with serializers of their own add one per route and format, kept in a list
// made only then. Past this many, an event is framed without caching rather than growing.
const CACHED_ENCODERS = 8

/** An `sse()` event that caches the frame each encoder made of it, as Buffers. */
export class PreparedEvent extends SseEvent {
  /**
   * The publisher's serializer (the hub's), which already turned `data` into text once. An
   * encoder without a serializer of its own frames with it; one with its own (a per-call
   * serializer) uses its own.
   */
  declare readonly serialize: Serializer
  // The published value, or undefined when only `text` is kept.
  declare private value: unknown
  // `value` serialized by `serialize`, when known; undefined for string data.
  declare private readonly text: string | undefined
  declare private encoderA: Encoder | undefined
  declare private frameA: Buffer | undefined
  declare private encoderB: Encoder | undefined
  declare private frameB: Buffer | undefined
  // Encoders and frames past the first two, in pairs.
  declare private more: Array<Encoder | Buffer> | undefined

  /**
   * @param fields the event; `data` may be left out when `text` holds it.
   * @param serialize the publisher's serializer for non-string data (wrapped by createSerialize).
   * @param text `data` serialized by `serialize`, when known: reused, never made again.
   */
  constructor (fields: SseFields, serialize: Serializer, text?: string) {
    // SseEvent's constructor stores `fields.data` through the accessor below, into `value`.
    super(fields)
    this.serialize = serialize
    this.text = text
    this.encoderA = undefined
    this.frameA = undefined
    this.encoderB = undefined
    this.frameB = undefined
    this.more = undefined
  }

  /** True when the event has data (kept as the value or as its text). Never parses. */
  get hasData (): boolean {
    return this.value !== undefined || this.text !== undefined
  }

  /** The data when it is a string, which SSE writes as it is; else undefined. Never parses. */
  get rawString (): string | undefined {
    const value = this.value
    return typeof value === 'string' ? value : undefined
  }

  /** The data as the publisher's serializer writes it. Never parses. */
  serialized (): string {
    return this.text ?? this.serialize(this.value)
  }

  /**
   * This event framed by `encoder` (which must be shareable), made on first use and then
   * shared by every stream with the same encoder.
   * @throws the encoder's FST_STREAM_* errors for invalid fields or unserializable data.
   */
  frameFor (encoder: Encoder): Buffer {
    if (encoder === this.encoderA) return this.frameA as Buffer
    if (encoder === this.encoderB) return this.frameB as Buffer
    const more = this.more
    if (more !== undefined) {
      for (let i = 0; i < more.length; i += 2) if (more[i] === encoder) return more[i + 1] as Buffer
    }
    const frame = Buffer.from(encoder.encode(this))
    if (this.encoderA === undefined) {
      this.encoderA = encoder
      this.frameA = frame
    } else if (this.encoderB === undefined) {
      this.encoderB = encoder
      this.frameB = frame
    } else if ((more?.length ?? 0) < 2 * (CACHED_ENCODERS - 2)) {
      (this.more ??= []).push(encoder, frame)
    }
    return frame
  }

  /** @internal */
  declare readonly [kPrepared]: true
}
Object.defineProperty(PreparedEvent.prototype, kPrepared, { value: true })
// `data` reads the published value, or parses the text again (it is not kept parsed: that
// would hold the payload twice). Defined on the prototype: SseEvent declares the field
// without defining it, so its constructor's assignment lands in the setter.
Object.defineProperty(PreparedEvent.prototype, 'data', {
  get (this: { value: unknown, text: string | undefined }) {
    return this.value !== undefined || this.text === undefined ? this.value : parseText(this.text)
  },
  set (this: { value: unknown }, value: unknown) {
    this.value = value
  }
})

/**
 * The text an encoder writes for `event`'s (non-string) data: with its own serializer (a
 * per-call one) when it has one, else the publisher's text for a hub event, else with the
 * encoder's default.
 */
export function serializedData (event: SseEvent, own: Serializer | undefined, fallback: Serializer): string {
  if (own === undefined && isPreparedEvent(event)) return event.serialized()
  return (own ?? fallback)(event.data)
}

/** True when `event` has data, without parsing a prepared event's text. */
export function hasData (event: SseEvent): boolean {
  return isPreparedEvent(event) ? event.hasData : event.data !== undefined
}

/** True for events made by {@link PreparedEvent} (by any copy of this package). */
export function isPreparedEvent (value: unknown): value is PreparedEvent {
  return typeof value === 'object' && value !== null && (value as PreparedEvent)[kPrepared] === true
}

// A custom serializer may write text that is not JSON; the text itself is then the data, and
// every format still sends exactly the bytes the publisher's serializer produced.
function parseText (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
