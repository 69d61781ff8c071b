/**
 * An event framed once and shared by every subscriber (the hub's "encode once"). The pump
 * writes its cached bytes as they are, so a broadcast to N clients serialises once, not N
 * times.
 */
import type { StreamFormat } from './encoder.js'
import { encodeSseEvent } from './sse-encoder.js'
import { SseEvent, type SseFields } from './sse-event.js'
import type { Serializer } from './serialize.js'

const kPrepared = Symbol.for('fastify-stream.prepared-event')

/**
 * An `sse()` event that caches its SSE and NDJSON frames as Buffers. Formats without a
 * cache (CSV) fall back to the stream's own encoder, since it is still an `SseEvent`.
 */
export class PreparedEvent extends SseEvent {
  private sseFrame: Buffer | undefined
  private ndjsonFrame: Buffer | undefined
  private readonly serialize: Serializer

  /**
   * @param fields the event; `data` must not be undefined.
   * @param serialize the serializer for non-string data (already wrapped by createSerialize).
   */
  constructor (fields: SseFields, serialize: Serializer) {
    super(fields)
    this.sseFrame = undefined
    this.ndjsonFrame = undefined
    this.serialize = serialize
  }

  /**
   * The frame's bytes for `format`, computed on first use and then shared, or `undefined`
   * when this format has no shared frame.
   * @throws the encoder's FST_STREAM_* errors for invalid fields.
   */
  frame (format: StreamFormat): Buffer | undefined {
    if (format === 'sse') {
      this.sseFrame ??= Buffer.from(encodeSseEvent(this, this.serialize))
      return this.sseFrame
    }
    if (format === 'ndjson') {
      this.ndjsonFrame ??= Buffer.from(this.serialize(this.data) + '\n')
      return this.ndjsonFrame
    }
    return undefined
  }

  /** @internal */
  declare readonly [kPrepared]: true
}
Object.defineProperty(PreparedEvent.prototype, kPrepared, { value: true })

/** True for events made by {@link PreparedEvent} (by any copy of this package). */
export function isPreparedEvent (value: unknown): value is PreparedEvent {
  return typeof value === 'object' && value !== null && (value as PreparedEvent)[kPrepared] === true
}
