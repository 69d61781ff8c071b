/**
 * How hub events live in a Redis Stream, and how stream ids order. The Redis stream id
 * (`<ms>-<seq>`) is the event id, so any process can resume any client.
 */
import type { HubRecord } from '../adapter.js'

/** One stream entry as Redis returns it: the id and a flat field/value list. */
export type StreamEntry = [id: string, fields: string[]]

// Two unsigned 64-bit decimals without leading zeros, exactly the ids Redis generates; a
// leading zero would compare differently as text than Redis compares it.
const STREAM_ID = /^(?:0|[1-9][0-9]{0,19})-(?:0|[1-9][0-9]{0,19})$/

/** True when `id` has the form of a Redis stream id. */
export function isStreamId (id: string): boolean {
  return STREAM_ID.test(id)
}

/** Orders two stream ids as Redis does: by milliseconds, then by sequence. */
export function compareStreamIds (a: string, b: string): number {
  const dashA = a.indexOf('-')
  const dashB = b.indexOf('-')
  return compareDecimal(a.slice(0, dashA), b.slice(0, dashB)) ||
    compareDecimal(a.slice(dashA + 1), b.slice(dashB + 1))
}

/**
 * Turns a stream entry back into a record; entries written by others still decode. JSON
 * data stays text: the hub parses it only when something needs the value.
 */
export function decodeEntry (entry: StreamEntry): HubRecord {
  const [id, fields] = entry
  const record: HubRecord = { id, event: undefined, data: null, text: undefined }
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1] as string
    const name = fields[i]
    if (name === 's') record.data = value
    else if (name === 'e') record.event = value
    else if (name === 'j') {
      record.data = undefined
      record.text = value
    }
  }
  return record
}

/** The entries of an XRANGE or XREVRANGE reply (always an array, empty for a missing key). */
export function rangeEntries (reply: unknown): StreamEntry[] {
  return reply as StreamEntry[]
}

function compareDecimal (a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
