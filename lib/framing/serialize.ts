/**
 * Turns an item into one line of text with the user's serializer, and enforces what every
 * format relies on: the result is a string with no raw line break.
 */
import { errors } from '../errors.js'

/** Turns one item into text. The default is `JSON.stringify`. */
export type Serializer = (value: unknown) => string

/**
 * Wraps `serializer` so that every failure is a `FST_STREAM_*` error:
 * `FST_STREAM_UNSERIALIZABLE` for `undefined`, functions, symbols, BigInt and cycles, and
 * `FST_STREAM_FRAMING` when a custom serializer returns a non-string or a raw CR/LF.
 *
 * @param serializer a custom serializer, or undefined for `JSON.stringify`.
 */
export function createSerialize (serializer?: Serializer): Serializer {
  if (serializer === undefined || serializer === JSON.stringify) return serializeJson
  return function serializeCustom (value) {
    let text: unknown
    try {
      text = serializer(value)
    } catch (err) {
      throw unserializable(value, err)
    }
    if (typeof text !== 'string') {
      throw new errors.FST_STREAM_FRAMING(`it returned ${describe(text)}`)
    }
    // Any raw line break would end the NDJSON record or the SSE data line early.
    if (text.includes('\n') || text.includes('\r')) {
      throw new errors.FST_STREAM_FRAMING('its output contains a line break')
    }
    return text
  }
}

/**
 * `serialize` when `serializer` is the caller's own (not absent, not JSON.stringify), else
 * `undefined`: encoders let their own serializer win over a hub event's publisher's.
 */
export function ownSerializer (serializer: Serializer | undefined, serialize: Serializer): Serializer | undefined {
  return serializer === undefined || serializer === JSON.stringify ? undefined : serialize
}

/** JSON.stringify never emits a raw CR or LF, so only its failures need checking. */
function serializeJson (value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw unserializable(value, err)
  }
  // JSON.stringify returns undefined (not a string) for undefined, functions and symbols.
  if (text === undefined) throw new errors.FST_STREAM_UNSERIALIZABLE(`${describe(value)} has no JSON form`)
  return text
}

// The reason is a fixed phrase, never the serializer's own message: that message can name
// server-side properties and it travels to the client in the in-band error.
function unserializable (value: unknown, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : ''
  const reason = typeof value === 'bigint' || message.includes('BigInt')
    ? 'a BigInt has no JSON form'
    : message.includes('circular')
      ? 'it contains a circular reference'
      : 'the serializer threw'
  return new errors.FST_STREAM_UNSERIALIZABLE(reason, { cause })
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  return typeof value === 'function' ? 'a function' : typeof value
}
