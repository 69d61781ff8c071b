/**
 * NDJSON framing: exactly one JSON text and one `\n` per item (ndjson-spec 1.0, also
 * served as `application/jsonl`). Strings are JSON strings here, unlike in SSE.
 */
import type { Encoder, StreamFault } from './encoder.js'
import { LineEncoder } from './line-encoder.js'
import { hasData, serializedData } from './prepared-event.js'
import { createSerialize, ownSerializer, type Serializer } from './serialize.js'
import { isLibraryEvent, isSseEvent } from './sse-event.js'

const serializeJson = createSerialize()

/** Options of {@link createNdjsonEncoder}. */
export interface NdjsonEncoderOptions {
  /** Turns each item into one JSON text; default `JSON.stringify`. */
  serializer?: Serializer
}

/**
 * Creates an NDJSON encoder. An `sse()` item writes only its `data`; one without data
 * (a bare id, retry or comment) writes nothing.
 */
export function createNdjsonEncoder (options: NdjsonEncoderOptions = {}): Encoder {
  const serialize = createSerialize(options.serializer)
  return new NdjsonEncoder(serialize, ownSerializer(options.serializer, serialize))
}

// A failed stream ends with an error record, and is then aborted (see LineEncoder).
class NdjsonEncoder extends LineEncoder {
  readonly format = 'ndjson' as const
  readonly contentType = 'application/x-ndjson'
  readonly shareable = true
  private readonly serialize: Serializer
  // The stream's own serializer (a per-call one), which wins over a hub event's publisher's.
  private readonly own: Serializer | undefined

  constructor (serialize: Serializer, own: Serializer | undefined) {
    super()
    this.serialize = serialize
    this.own = own
  }

  encode (item: unknown): string {
    if (isSseEvent(item)) {
      if (!hasData(item)) return ''
      // The library's own events (a hub's reset) are JSON whatever the stream's serializer.
      if (isLibraryEvent(item)) return serializeJson(item.data) + '\n'
      return serializedData(item, this.own, this.serialize) + '\n'
    }
    return this.serialize(item) + '\n'
  }

  override faultFrame (fault: StreamFault): string {
    return JSON.stringify({ error: fault }) + '\n'
  }
}
