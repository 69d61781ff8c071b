/**
 * A hub event's shared frame as the plugin's default encoder of a format makes it (one
 * encoder per format, so the cache on the event is exercised as streams exercise it).
 */
import { createEncoder } from '../../lib/framing/create-encoder.js'
import type { StreamFormat } from '../../lib/framing/encoder.js'
import type { PreparedEvent } from '../../lib/framing/prepared-event.js'

const encoders = { sse: createEncoder('sse'), ndjson: createEncoder('ndjson'), csv: createEncoder('csv') }

/** The cached frame of `event` for `format`, or `undefined` when the format shares none (CSV). */
export function frameOf (event: PreparedEvent, format: StreamFormat): Buffer | undefined {
  const encoder = encoders[format]
  return encoder.shareable ? event.frameFor(encoder) : undefined
}
