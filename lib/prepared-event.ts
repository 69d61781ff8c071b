/**
 * An event framed once per encoder and shared by every subscriber (the hub's "encode once").
 * The frame is the stream's own encoder's work, cached here: a broadcast to N clients frames
 * once per distinct encoder (format and options), not N times, and per-call options (a
 * serializer, the format) hold for hub streams as for any other source.
 */
import type { Encoder } from './encoder.js'
import type { Serializer } from './serialize.js'
import { SseEvent, type SseFields } from './sse-event.js'

const kPrepared = Symbol.for('fastify-stream.prepared-event')
// Most hubs meet one or two encoders (SSE and NDJSON with the plugin's defaults); more are
// framed without caching rather than growing every event.
const CACHED_ENCODERS = 2

/** An `sse()` event that caches the frame each encoder made of it, as Buffers. */
export class PreparedEvent extends SseEvent {
  /**
   * The publisher's serializer (the hub's), which already turned `data` into text once. An
   * encoder without a serializer of its own frames with it; one with its own (a per-call
   * serializer) uses its own.
   */
  readonly serialize: Serializer
  private encoderA: Encoder | undefined
  private frameA: Buffer | undefined
  private encoderB: Encoder | undefined
  private frameB: Buffer | undefined

  /**
   * @param fields the event; `data` must not be undefined.
   * @param serialize the publisher's serializer for non-string data (wrapped by createSerialize).
   */
  constructor (fields: SseFields, serialize: Serializer) {
    super(fields)
    this.serialize = serialize
    this.encoderA = undefined
    this.frameA = undefined
    this.encoderB = undefined
    this.frameB = undefined
  }

  /**
   * This event framed by `encoder` (which must be shareable), made on first use and then
   * shared by every stream with the same encoder.
   * @throws the encoder's FST_STREAM_* errors for invalid fields or unserializable data.
   */
  frameFor (encoder: Encoder): Buffer {
    if (encoder === this.encoderA) return this.frameA as Buffer
    if (encoder === this.encoderB) return this.frameB as Buffer
    const frame = Buffer.from(encoder.encode(this))
    if (this.encoderA === undefined) {
      this.encoderA = encoder
      this.frameA = frame
    } else if (this.encoderB === undefined && CACHED_ENCODERS > 1) {
      this.encoderB = encoder
      this.frameB = frame
    }
    return frame
  }

  /** @internal */
  declare readonly [kPrepared]: true
}
Object.defineProperty(PreparedEvent.prototype, kPrepared, { value: true })

/**
 * The serializer to frame `event`'s data with: the encoder's own when it has one (a per-call
 * serializer), else the publisher's for a hub event, else the encoder's default.
 */
export function dataSerializer (event: SseEvent, own: Serializer | undefined, fallback: Serializer): Serializer {
  if (own !== undefined) return own
  return isPreparedEvent(event) ? event.serialize : fallback
}

/** True for events made by {@link PreparedEvent} (by any copy of this package). */
export function isPreparedEvent (value: unknown): value is PreparedEvent {
  return typeof value === 'object' && value !== null && (value as PreparedEvent)[kPrepared] === true
}
